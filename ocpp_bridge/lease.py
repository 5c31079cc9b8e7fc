"""Bridge liveness: every node renews a lease in the database; chargers of a node whose lease lapsed are offline.

A killed bridge node cannot mark its chargers offline, so its state rows would
say "online" for good. Each node therefore writes `ocpp_bridge_nodes`
(renewed every third of the lease); a charger's row names the node serving it.
Readers (`state.load_snapshot`) treat a charger as offline as soon as its
node's lease has expired, and `expire_dead_nodes` (run by every live node and
by the web process's offline sweep) writes that into the state rows, with an
offline event, so the offline rules open tickets as for any disconnect; the
commands the dead node had in flight become `Unknown` in the audit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.clock import as_utc, utcnow
from ocpp_bridge.models import BridgeNode, ChargerState, CommandAudit, StatusEvent

if TYPE_CHECKING:
    from ocpp_bridge.core import Core

log = logging.getLogger(__name__)
T = TypeVar("T")

# A charger whose node never held a lease (a node from before leases existed) counts as offline after this
# much silence: longer than the bridge's own missed-heartbeat window, so a live old node is never overruled.
LEGACY_SILENCE = timedelta(minutes=15)
UNKNOWN_DETAIL = "the bridge node stopped before the charger answered; the charger may have executed it"


def lease_reason(node_id: str) -> str:
    """The offline reason recorded for the chargers of a node whose lease lapsed."""
    return f"bridge node {node_id} stopped (lease expired)"[:100]


def renew(session: Session, node_id: str, now: datetime, seconds: float) -> bool:
    """Extend this node's lease to `now + seconds`; True when it had lapsed (others may have expired us)."""
    row = session.get(BridgeNode, node_id)
    expires = now + timedelta(seconds=seconds)
    if row is None:
        session.add(BridgeNode(node_id=node_id, started_at=now, renewed_at=now, expires_at=expires))
        return False
    lapsed = as_utc(row.expires_at) <= now
    row.renewed_at, row.expires_at = now, expires
    return lapsed


def release(session: Session, node_id: str, now: datetime) -> int:
    """End this node's lease now (clean stop); its commands still pending become Unknown. Returns how many."""
    row = session.get(BridgeNode, node_id)
    if row is not None:
        row.expires_at = now
    return _unknown_commands(session, [node_id], UNKNOWN_DETAIL)


def lapsed_since(session: Session, state: ChargerState, now: datetime) -> datetime | None:
    """When the node serving this online charger was last known alive, if its lease lapsed; else None."""
    if not state.online or state.node_id is None:
        return None
    node = session.get(BridgeNode, state.node_id)
    if node is None:
        seen = as_utc(state.last_seen) if state.last_seen is not None else None
        if seen is not None and seen > now - LEGACY_SILENCE:
            return None
        return seen or now
    if as_utc(node.expires_at) > now:
        return None
    return as_utc(node.renewed_at)


def expire_dead_nodes(session: Session, now: datetime) -> list[str]:
    """Mark offline every charger still online on a node whose lease lapsed; return their ids."""
    nodes = {row.node_id: row for row in session.scalars(select(BridgeNode))}
    dead = {node_id: as_utc(row.renewed_at) for node_id, row in nodes.items() if as_utc(row.expires_at) <= now}
    legacy = {node_id for node_id in session.scalars(select(ChargerState.node_id).distinct().where(
        ChargerState.online.is_(True), ChargerState.node_id.is_not(None),
        ChargerState.node_id.not_in(list(nodes)))) if node_id is not None}
    expired: list[str] = []
    for node_id in sorted(set(dead) | legacy):
        query = update(ChargerState).where(ChargerState.online.is_(True), ChargerState.node_id == node_id)
        if node_id in dead:
            query = query.values(online=False, offline_since=dead[node_id], offline_reason=lease_reason(node_id))
        else:
            query = query.where(ChargerState.last_seen <= now - LEGACY_SILENCE).values(
                online=False, offline_since=ChargerState.last_seen, offline_reason=lease_reason(node_id))
        # the WHERE is re-checked row by row, so two sweepers never both write an offline event
        ids = list(session.scalars(query.returning(ChargerState.charger_id)
                                   .execution_options(synchronize_session=False)))
        for charger_id in ids:
            session.add(StatusEvent(charger_id=charger_id, kind="offline", info=lease_reason(node_id),
                                    at=dead.get(node_id, now)))
        if ids:
            log.warning("bridge node %s lost its lease; marked %d chargers offline", node_id, len(ids))
        expired += ids
    _unknown_commands(session, list(dead), UNKNOWN_DETAIL)
    return expired


def _unknown_commands(session: Session, node_ids: list[str], detail: str) -> int:
    """Commands still pending on these nodes will never get an answer recorded: their outcome is unknown."""
    if not node_ids:
        return 0
    result = session.execute(update(CommandAudit).where(
        CommandAudit.status == "Pending", CommandAudit.node_id.in_(node_ids)).values(status="Unknown", detail=detail)
        .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


class NodeLease:
    """This node's lease: renewed every third of its length; each renewal also expires dead nodes' chargers."""

    def __init__(self, core: Core, seconds: float, clock: Callable[[], datetime] | None = None) -> None:
        self.core, self.seconds = core, seconds
        self.clock = clock or utcnow

    @property
    def node_id(self) -> str:
        return self.core.options.node_id

    async def start(self) -> None:
        """Take the lease before serving chargers, then keep it renewed in the background."""
        await self.core.db(self._transaction, renew, self.node_id, self.clock(), self.seconds)
        self.core.spawn(self._run(), "bridge node lease")

    async def renew_once(self) -> list[str]:
        """Renew, take back our live chargers if others expired us meanwhile, expire dead nodes' chargers."""
        if await self.core.db(self._transaction, renew, self.node_id, self.clock(), self.seconds):
            log.warning("bridge node %s renewed a lapsed lease; re-marking its %d chargers online", self.node_id,
                        len(self.core.links))
            for charger_id, presence in list(self.core.links.items()):
                await self.core.write(self.core.store.connected, charger_id, presence.link.protocol)
        return await self.core.db(self._transaction, expire_dead_nodes, self.clock())

    async def stop(self) -> None:
        """End the lease now (a clean stop); commands cut short become Unknown."""
        await self.core.db(self._transaction, release, self.node_id, self.clock())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.seconds / 3)
            try:
                await self.renew_once()
            except Exception:
                log.exception("bridge node %s could not renew its lease; retrying in %gs", self.node_id,
                              self.seconds / 3)

    def _transaction(self, fn: Callable[..., T], *args: Any) -> T:
        with self.core.store.sessions.begin() as session:
            return fn(session, *args)
