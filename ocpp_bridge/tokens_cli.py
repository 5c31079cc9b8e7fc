"""`chargeline tokens add|block`: change who may charge without a fleet import."""

from __future__ import annotations

from datetime import datetime

import click

from bot.cli.common import fail, settings_or_exit
from bot.fleet.models import TOKEN_STATUSES
from bot.logs import mask_id_tag
from ocpp_bridge.tokens import BadRequest, TokenChange, set_token


@click.group("tokens")
def tokens_group() -> None:
    """Add id tokens or change their status at run time (effective at the next Authorize)."""


def _apply(id_tag: str, status: str, expiry: datetime | None, group: str | None) -> TokenChange:
    from bot.runtime import start_runtime

    runtime = start_runtime(settings_or_exit().replace(fleet_file=None))
    try:
        return set_token(runtime.sessions, id_tag, status, expiry.date() if expiry else None, group)
    except BadRequest as exc:
        fail(str(exc))
    finally:
        runtime.close()


@tokens_group.command("add")
@click.argument("id_tag")
@click.option("--status", type=click.Choice(TOKEN_STATUSES), default="Accepted", show_default=True)
@click.option("--expiry", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last valid day (YYYY-MM-DD).")
@click.option("--group", default=None, help="Group id (sent as 1.6 parentIdTag, 2.0.1 groupIdToken).")
def add_command(id_tag: str, status: str, expiry: datetime | None, group: str | None) -> None:
    """Add ID_TAG, or change its status, expiry and group."""
    change = _apply(id_tag, status, expiry, group)
    click.echo(f"{'added' if change.created else 'changed'} {mask_id_tag(id_tag)}: {change.status}")


@tokens_group.command("block")
@click.argument("id_tag")
def block_command(id_tag: str) -> None:
    """Block ID_TAG (added as Blocked if it is not listed)."""
    _apply(id_tag, "Blocked", None, None)
    click.echo(f"blocked {mask_id_tag(id_tag)}")


def register(group: click.Group) -> None:
    group.add_command(tokens_group)
