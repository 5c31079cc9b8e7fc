"""Run-time changes an operator makes without a fleet import: an id token's status, a charger's next boot answer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from bot.errors import ChargeLineError
from bot.fleet.models import TOKEN_STATUSES, IdToken
from bot.logs import mask_id_tag
from ocpp_bridge.models import ChargerState

log = logging.getLogger(__name__)
BOOT_ANSWERS = ("Accepted", "Pending", "Rejected")
MAX_TAG = 36  # 1.6 idTag is 20 characters, 2.0.1 idToken 36


class BadRequest(ChargeLineError):
    """A token or boot answer the operator asked for is not valid."""


@dataclass(frozen=True)
class TokenChange:
    id_tag: str
    status: str
    expiry: date | None
    group: str | None
    created: bool


def set_token(sessions: sessionmaker[Session], id_tag: str, status: str, expiry: date | None = None,
              group: str | None = None) -> TokenChange:
    """Add an id token or change its status (and expiry and group, when given); effective at the next Authorize."""
    if not isinstance(id_tag, str) or not 0 < len(id_tag) <= MAX_TAG:
        raise BadRequest(f"id_tag must be 1 to {MAX_TAG} characters")
    if status not in TOKEN_STATUSES:
        raise BadRequest(f"status must be one of {', '.join(TOKEN_STATUSES)}")
    if group is not None and (not isinstance(group, str) or not 0 < len(group) <= MAX_TAG):
        raise BadRequest(f"group must be 1 to {MAX_TAG} characters")
    with sessions.begin() as session:
        token = session.get(IdToken, id_tag)
        created = token is None
        if token is None:
            token = IdToken(id_tag=id_tag, status=status)
            session.add(token)
        token.status = status
        if expiry is not None:
            token.expiry = expiry
        if group is not None:
            token.group = group
        change = TokenChange(id_tag, status, token.expiry, token.group, created)
    log.info("id tag %s %s: %s", mask_id_tag(id_tag), "added" if created else "changed", status)
    return change


def set_boot_answer(sessions: sessionmaker[Session], charger_id: str, answer: str) -> None:
    """Answer the charger's next BootNotifications with `answer` (Accepted, Pending or Rejected)."""
    if answer not in BOOT_ANSWERS:
        raise BadRequest(f"status must be one of {', '.join(BOOT_ANSWERS)}")
    with sessions.begin() as session:
        state = session.get(ChargerState, charger_id)
        if state is None:
            state = ChargerState(charger_id=charger_id, online=False)
            session.add(state)
        state.boot_answer = None if answer == "Accepted" else answer
    log.info("charger=%s boot answer set to %s", charger_id, answer)


def boot_answer(sessions: sessionmaker[Session], charger_id: str) -> str:
    """What the charger's next BootNotification is answered (Accepted unless an operator set otherwise)."""
    with sessions() as session:
        state = session.get(ChargerState, charger_id)
        return (state.boot_answer if state is not None else None) or "Accepted"
