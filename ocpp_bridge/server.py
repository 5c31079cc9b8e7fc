"""The bridge process: the OCPP websocket server, the control API, the watchdog; wired in one place."""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
from pathlib import Path
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve

from bot.runtime import Runtime
from ocpp_bridge.auth import charger_id_from_path, make_process_request
from ocpp_bridge.core import BridgeOptions, Core, options_from_settings
from ocpp_bridge.lease import NodeLease
from ocpp_bridge.link import RedactingLogger
from ocpp_bridge.policy import Policy, load_policy
from ocpp_bridge.relay import Relay, RelayConfig, relay_config
from ocpp_bridge.service import CommandService
from ocpp_bridge.store import Store
from ocpp_bridge.tls import context_from_settings
from ocpp_bridge.v16 import ChargePoint16
from ocpp_bridge.v201 import ChargePoint201

log = logging.getLogger(__name__)

SUBPROTOCOLS = {"ocpp1.6": ChargePoint16, "ocpp2.0.1": ChargePoint201}


class Bridge:
    """One bridge node; `async with Bridge(runtime, ...)` in tests, `run_bridge` in the CLI."""

    def __init__(self, runtime: Runtime, host: str = "127.0.0.1", port: int = 0, control_port: int | None = 0, *,
                 options: BridgeOptions | None = None, policy: Policy | None = None,
                 redis_url: str | None = None, relay: RelayConfig | None = None) -> None:
        self.runtime = runtime
        self.relay_config = relay or relay_config(runtime.settings)  # None: standalone
        self.host, self.port, self.control_port = host, port, control_port
        self.options = options or options_from_settings(
            runtime.settings, node_id=f"{socket.gethostname()}:{port}" if redis_url else "local")
        self.policy = policy or load_policy(runtime.settings.policy_file)
        self.tls = context_from_settings(runtime.settings)  # None: ws://
        self.redis_url = redis_url
        self.core = Core(Store(runtime.sessions, self.options.node_id), self.options)
        self.service = CommandService(self.core, runtime.sessions, self.policy)
        self._server: Server | None = None
        self._control: Any = None
        self._cluster: Any = None
        self._lease: NodeLease | None = None
        self._relay: Relay | None = None
        self._frozen = 0

    @property
    def url(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://{self.host}:{self.port}/ocpp"

    @property
    def control_url(self) -> str:
        return f"http://127.0.0.1:{self.control_port}"

    async def start(self) -> Bridge:
        """Mark stale chargers offline, then listen for chargers (and commands)."""
        stale = await self.core.db(self.core.store.mark_node_offline, "bridge restarted")
        if stale:
            log.info("marked %d chargers offline that this node held before it restarted", stale)
        self._lease = NodeLease(self.core, self.options.lease_seconds)
        await self._lease.start()
        if self.redis_url:
            from ocpp_bridge.cluster import Cluster

            self._cluster = Cluster(self.redis_url, self.core, self.service)
            await self._cluster.start()
            self.service.forward = self._cluster.forward
        hooks: dict[str, Any] = {"process_request": make_process_request(self.core, self.runtime.sessions),
                                 "subprotocols": list(SUBPROTOCOLS), "max_size": self.options.max_frame}
        handler: Any = self._handle
        if self.relay_config is not None:
            relay = self._relay = Relay(self.core, self.runtime.sessions, self.relay_config)
            if self.options.gc_freeze:
                relay.freeze_survivors(asyncio.get_running_loop())
            handler = relay.handle
            hooks = {"process_request": relay.process_request, "select_subprotocol": relay.select_subprotocol,
                     "process_response": relay.process_response, "max_size": self.relay_config.max_frame}
        self._server = await serve(
            handler, self.host, self.port, **hooks, max_queue=32, ssl=self.tls,
            ping_interval=self.options.ping_interval, compression=self.options.compression,
            logger=RedactingLogger(logging.getLogger("websockets.server"), {}))  # frames at DEBUG hold id tags
        self.port = self._server.sockets[0].getsockname()[1] if self.port == 0 else self.port
        if self.control_port is not None:
            from ocpp_bridge.control import start_control

            self._control, self.control_port = await start_control(self.service, self.runtime.api_token,
                                                                   self.control_port)
        self.core.spawn(self._watchdog(), "watchdog")
        self.core.spawn(self.core.heartbeat_flusher(), "heartbeat flusher")
        if self.options.gc_freeze:
            gc.collect()
            gc.freeze()  # start-up objects never need another full collection (notes/measurements.md)
        log.info("bridge node %s listening for chargers on %s (%s), control API on %s", self.options.node_id,
                 self.url, "relay" if self.relay_config else "standalone",
                 self.control_url if self._control else "(off)")
        return self

    async def stop(self) -> None:
        """Close every charger connection and the control API."""
        if self._relay is not None:
            self._relay.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._control is not None:
            await self._control.cleanup()
        if self._cluster is not None:
            await self._cluster.stop()
        if self._lease is not None:
            await self._lease.stop()
        await self.core.drain()
        await self.core.close()  # drains the writer: nothing reported before the stop is lost
        log.info("bridge node %s stopped", self.options.node_id)

    async def __aenter__(self) -> Bridge:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _handle(self, connection: ServerConnection) -> None:
        """Serve one charger for as long as its socket lives."""
        assert connection.request is not None
        charger_id = charger_id_from_path(connection.request.path)
        cls = SUBPROTOCOLS.get(connection.subprotocol or "")
        if charger_id is None or cls is None:
            await connection.close(1002, "an OCPP subprotocol (ocpp1.6 or ocpp2.0.1) is required")
            return
        link = cls(charger_id, connection, self.core)
        old = self.core.attach(link)
        if old is not None:
            log.info("charger=%s reconnected; closing its previous connection", charger_id)
            self.core.spawn(old.close(1000, "replaced by a new connection"), f"close old link {charger_id}")
        log.info("charger=%s connected with %s", charger_id, link.protocol)
        try:
            await self.core.write(self.core.store.connected, charger_id, link.protocol)
            await link.serve()
        finally:
            if self.core.detach(link):
                log.info("charger=%s offline: %s", charger_id, link.closed_reason)
                await self.core.write(self.core.store.disconnected, charger_id, link.closed_reason)

    async def _watchdog(self) -> None:
        """Close connections that missed heartbeats; refreeze the heap as connections accumulate."""
        while True:
            await asyncio.sleep(self.options.watchdog_period)
            for link in self.core.silent() if self.relay_config is None else ():  # relay: the CSMS sets heartbeats
                log.warning("charger=%s missed heartbeats; closing its connection", link.id)
                self.core.spawn(link.close(1000, "heartbeats missed"), f"close silent {link.id}")
            if self.options.gc_freeze and len(self.core.links) > self._frozen * 1.2 + 100:
                self._frozen = len(self.core.links)
                gc.freeze()


async def run_bridge(runtime: Runtime, host: str, port: int, control_port: int, *,
                     options: BridgeOptions | None = None, policy_file: Path | None = None,
                     stop: asyncio.Event | None = None) -> None:
    """Run one bridge node until `stop` is set (or the task is cancelled)."""
    policy = load_policy(policy_file or runtime.settings.policy_file)
    bridge = Bridge(runtime, host, port, control_port, options=options, policy=policy,
                    redis_url=runtime.settings.redis_url)
    await bridge.start()
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        await bridge.stop()
