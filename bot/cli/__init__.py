"""The `chargeline` command: one group, each subcommand in its own module."""

from __future__ import annotations

import sys

from bot.cli.common import main_group
from bot.plugins import optional_modules


def _register() -> None:
    from bot.cli import db, fleet, serve

    for module in (db, fleet, serve):
        module.register(main_group)
    for module in optional_modules(COMMAND_MODULES):
        module.register(main_group)


# Modules that add commands, each with `register(group)`; a package still being
# built may be absent.
COMMAND_MODULES = [
    "ocpp_bridge.cli",  # bridge
    "ocpp_bridge.simulator.cli",  # simulate
    "bot.nlu.cli",  # nlu train/parse/evaluate
    "bot.chat.cli",  # chat
    "bot.channels.cli",  # telegram
    "handoff.cli",  # agents
    "handoff.rules_cli",  # rules check/explain
    "handoff.report_cli",  # report
    "bot.demo.cli",  # demo
    "bot.evaluation.cli",  # eval dialogues
]


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `chargeline` script."""
    _register()
    main_group.main(args=argv, prog_name="chargeline")


if __name__ == "__main__":  # `python -m bot.cli`
    main(sys.argv[1:])
