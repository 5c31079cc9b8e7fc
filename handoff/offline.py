"""Tickets for chargers that stay offline, raised from the bridge's state even when no driver calls."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.appstate import AppState
from handoff.clock import as_utc, iso
from handoff.models import OPEN_STATUSES, Ticket
from handoff.rules import RuleHit, RuleSet, TurnFacts
from handoff.tickets import TicketDraft, TicketRef, escalates, open_ticket
from ocpp_bridge.lease import expire_dead_nodes
from ocpp_bridge.models import ChargerState

log = logging.getLogger(__name__)

_LEASE_KEY = "handoff.offline_sweep_until"


def sweep_offline(session: Session, now: datetime, rules: RuleSet) -> list[TicketRef]:
    """Open or escalate a ticket for every charger offline past a rule's threshold; return what changed.

    Chargers still marked online by a bridge node that stopped renewing its lease (killed, host lost) are
    first marked offline since the node was last alive, so they get tickets like any disconnected charger.
    """
    now = as_utc(now)
    expire_dead_nodes(session, now)
    threshold = rules.offline_threshold_minutes
    if threshold is None:
        return []
    offline = session.scalars(
        select(ChargerState).where(ChargerState.online.is_(False), ChargerState.offline_since.is_not(None),
                                   ChargerState.offline_since <= now - timedelta(minutes=threshold))
        .order_by(ChargerState.charger_id))
    refs = []
    for state in offline:
        assert state.offline_since is not None
        minutes = (now - as_utc(state.offline_since)).total_seconds() / 60
        hit = rules.evaluate(TurnFacts(charger_id=state.charger_id, charger_online=False, offline_minutes=minutes))
        if hit is None or _already_covered(session, state.charger_id, hit):
            continue
        draft = TicketDraft(
            channel="monitoring", charger_id=state.charger_id, tier=hit.tier, priority=hit.priority, rule=hit.rule,
            problem=hit.problem, summary=hit.reason, suggested_next_step=hit.next_step, routing=hit.routing,
            charger_snapshot={"online": False, "offline_since": iso(state.offline_since),
                              "offline_reason": state.offline_reason, "last_heartbeat": iso(state.last_heartbeat)},
        )
        refs.append(open_ticket(session, draft, now=now, sla=rules.sla))
        log.info("offline sweep charger=%s minutes=%d rule=%s ticket=%s", state.charger_id, minutes, hit.rule,
                 refs[-1].id)
    return refs


def _already_covered(session: Session, charger_id: str, hit: RuleHit) -> bool:
    """An open ticket for this problem at this priority or higher needs no new note every sweep."""
    ticket = session.scalars(
        select(Ticket).where(Ticket.charger_id == charger_id, Ticket.problem == hit.problem,
                             Ticket.status.in_(OPEN_STATUSES)).limit(1)).first()
    return ticket is not None and not escalates(ticket.tier, ticket.priority, hit.tier, hit.priority)


def claim_sweep(factory: sessionmaker[Session], now: datetime, every: timedelta) -> bool:
    """Claim the next sweep for this process, so several web workers do not sweep at once."""
    now = as_utc(now)
    until = iso(now + every) or ""
    with factory() as session, session.begin():
        result = session.execute(
            update(AppState).where(AppState.key == _LEASE_KEY, AppState.value <= iso(now))
            .values(value=until).execution_options(synchronize_session=False))
        if result.rowcount == 1:  # type: ignore[attr-defined]
            return True
        if session.get(AppState, _LEASE_KEY) is not None:
            return False
    try:
        with factory() as session, session.begin():
            session.add(AppState(key=_LEASE_KEY, value=until))
    except IntegrityError:
        return False  # another process created it first
    return True
