"""Send one CALL to a charger and settle its audit row whatever happens: the answer, or why there is none.

Friendly commands (ocpp_bridge.commands) and raw actions (ocpp_bridge.raw) send differently and read the
answer differently, but a timeout, a charger that went away mid-call, a command that was never sent or a
CALLERROR means the same for both, and is audited and reported the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ocpp.exceptions import OCPPError
from websockets.exceptions import ConnectionClosed

from bot.errors import ChargerUnreachable
from ocpp_bridge.core import Core, Link

log = logging.getLogger(__name__)

LOST_GRACE = 1.0  # seconds an answer read before the charger's socket closed gets to reach its call
DISCONNECTED = "charger disconnected before answering; it may have executed the command"


class CommandTimeout(ChargerUnreachable):
    """The charger did not answer the command in time."""

    def __init__(self, message: str, audit_id: int | None) -> None:
        super().__init__(message)
        self.audit_id = audit_id


class CommandUnknown(ChargerUnreachable):
    """The command may have reached the charger but its answer was lost: the charger may have executed it."""

    def __init__(self, message: str, audit_id: int | None) -> None:
        super().__init__(message)
        self.audit_id = audit_id


class NotSent(ChargerUnreachable):
    """The command was not sent (relay mode: the charger stayed busy answering its CSMS past the bound)."""


class Lost(Exception):
    """The charger's connection ended (or was replaced) before it answered."""


async def answer_or_lost(core: Core, link: Link, send: Callable[[], Awaitable[Any]]) -> Any:
    """The charger's answer to what `send` sends; raises Lost at once if its connection ends before it answers."""
    lost = asyncio.Event()

    def gone(charger_id: str) -> None:
        if charger_id == link.id:
            lost.set()

    core.on_disconnect.append(gone)
    core.on_connect.append(gone)  # a new connection replaces this one: the answer can no longer arrive
    call = asyncio.ensure_future(send())
    waiter = asyncio.ensure_future(lost.wait())
    try:
        await asyncio.wait((call, waiter), return_when=asyncio.FIRST_COMPLETED)
        if not call.done():
            # an answer read just before the socket closed (a charger that answers, then reboots) is already
            # queued for the call: let it land
            await asyncio.wait((call,), timeout=LOST_GRACE)
    finally:
        core.on_disconnect.remove(gone)
        core.on_connect.remove(gone)
        for task in (waiter, call):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    if call.cancelled():
        raise Lost
    return call.result()  # an answer, or OCPPError / TimeoutError / ConnectionClosed


async def audited_call(core: Core, link: Link, action: str, audit_id: int, requested_by: str,
                       send: Callable[[], Awaitable[Any]]) -> tuple[Any, str | None]:
    """(the charger's answer, None), or (None, "code: description") for a CALLERROR; any other outcome
    completes the audit row and raises: CommandTimeout, CommandUnknown (the charger may have executed it),
    NotSent, or ChargerUnreachable (the connection closed before sending)."""
    charger_id = link.id
    try:
        return await answer_or_lost(core, link, send), None
    except TimeoutError:
        await core.write(core.store.audit_finish, audit_id, "Timeout", None, None, [],
                         f"no answer within {core.options.command_timeout:g}s")
        log.warning("charger=%s %s timed out (by %s)", charger_id, action, requested_by)
        raise CommandTimeout(f"charger {charger_id} did not answer {action} within "
                             f"{core.options.command_timeout:g}s", audit_id) from None
    except Lost:
        await core.write(core.store.audit_finish, audit_id, "Unknown", None, None, [], DISCONNECTED)
        log.warning("charger=%s disconnected during %s (by %s, audit %s)", charger_id, action, requested_by,
                    audit_id)
        raise CommandUnknown(f"charger disconnected: {charger_id} went away before answering {action}; "
                             "it may have executed it", audit_id) from None
    except NotSent as exc:
        await core.write(core.store.audit_finish, audit_id, "NotSent", None, None, [], str(exc)[:500])
        log.warning("charger=%s %s not sent (by %s): %s", charger_id, action, requested_by, exc)
        raise
    except ConnectionClosed:
        await core.write(core.store.audit_finish, audit_id, "NotSent", None, None, [],
                         "the connection closed before the command was sent")
        raise ChargerUnreachable(f"charger disconnected: {charger_id} went away before {action} was sent") from None
    except OCPPError as exc:
        return None, f"{exc.code}: {exc.description}"
