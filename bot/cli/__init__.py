"""The `chargeline` command: one group, each subcommand in its own module (listed in bot.app.commands)."""

from __future__ import annotations

import sys

from bot.cli.common import main_group

__all__ = ["main", "main_group"]


def _register() -> None:
    """Add every subcommand to the group."""
    # a real cycle: the command list imports every package's CLI, bot.cli's own modules among them
    from bot.app.commands import register_commands

    register_commands(main_group)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `chargeline` script."""
    _register()
    main_group.main(args=argv, prog_name="chargeline")


if __name__ == "__main__":  # `python -m bot.cli`
    main(sys.argv[1:])
