"""Several bridge nodes: who holds which charger (a Redis key with a TTL) and command routing (pub/sub)."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

import redis.asyncio as aioredis

from bot.errors import ChargerUnreachable
from ocpp_bridge.calls import CommandTimeout, CommandUnknown
from ocpp_bridge.commands import BadCommand
from ocpp_bridge.core import Core
from ocpp_bridge.service import CommandService

log = logging.getLogger(__name__)

PREFIX = "chargeline:bridge"
TTL = 60  # seconds a registry entry lives without a refresh (a crashed node's chargers expire)
REFRESH = 20
# Delete the registry entry only if this node still holds it (a newer node may have taken the charger).
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


def _key(charger_id: str) -> str:
    return f"{PREFIX}:charger:{charger_id}"


def _inbox(node_id: str) -> str:
    return f"{PREFIX}:node:{node_id}"


class Cluster:
    """This node's membership: registers its chargers, serves forwarded commands, forwards others'."""

    def __init__(self, url: str, core: Core, service: CommandService) -> None:
        self.url, self.core, self.service = url, core, service
        self.node_id = core.options.node_id
        self.redis: Any = None
        self._pubsub: Any = None

    async def start(self) -> None:
        """Connect, listen on this node's inbox, keep the registry fresh."""
        self.redis = aioredis.from_url(self.url, decode_responses=True)
        try:
            await self.redis.ping()
        except Exception as exc:
            await self.redis.aclose()
            raise ChargerUnreachable(f"Redis at {self.url} cannot be reached: {exc}") from exc
        self._pubsub = self.redis.pubsub()
        await self._pubsub.subscribe(_inbox(self.node_id))
        self.core.on_connect.append(lambda cid: self.core.spawn(self._claim(cid), f"claim {cid}"))
        self.core.on_disconnect.append(lambda cid: self.core.spawn(self._release(cid), f"release {cid}"))
        self.core.spawn(self._listen(), "cluster inbox")
        self.core.spawn(self._refresh(), "cluster registry refresh")
        log.info("bridge node %s joined the cluster at %s", self.node_id, self.url)

    async def stop(self) -> None:
        """Release every charger this node holds and disconnect."""
        if self.redis is None:
            return
        for charger_id in list(self.core.links):
            await self._release(charger_id)
        await self._pubsub.aclose()
        await self.redis.aclose()

    async def _claim(self, charger_id: str) -> None:
        await self.redis.set(_key(charger_id), self.node_id, ex=TTL)

    async def _release(self, charger_id: str) -> None:
        await self.redis.eval(_RELEASE, 1, _key(charger_id), self.node_id)

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(REFRESH)
            async with self.redis.pipeline(transaction=False) as pipe:
                for charger_id in list(self.core.links):
                    pipe.set(_key(charger_id), self.node_id, ex=TTL)
                await pipe.execute()

    async def _listen(self) -> None:
        async for message in self._pubsub.listen():
            if message.get("type") != "message":
                continue
            try:
                request = json.loads(message["data"])
            except (TypeError, ValueError):
                log.warning("node %s ignored a malformed routed command", self.node_id)
                continue
            self.core.spawn(self._serve_one(request), f"routed {request.get('action')} for {request.get('charger_id')}")

    async def _serve_one(self, request: dict[str, Any]) -> None:
        """Run a command routed here and publish the outcome to the asking node."""
        try:
            result = await self.service.run_admitted(request["charger_id"], request["action"], request["params"],
                                                     bool(request["verify"]), request["requested_by"],
                                                     command_id=request.get("command_id"),
                                                     claimed_by=request.get("claimed_by"))
            reply: dict[str, Any] = {"ok": True, "result": result}
        except CommandTimeout as exc:
            reply = {"ok": False, "error": "timeout", "detail": str(exc), "audit_id": exc.audit_id}
        except CommandUnknown as exc:
            reply = {"ok": False, "error": "unknown", "detail": str(exc), "audit_id": exc.audit_id}
        except ChargerUnreachable as exc:
            reply = {"ok": False, "error": "unreachable", "detail": str(exc)}
        except BadCommand as exc:
            reply = {"ok": False, "error": "bad", "detail": str(exc)}
        except Exception:
            log.exception("node %s failed a routed command for charger=%s", self.node_id, request.get("charger_id"))
            reply = {"ok": False, "error": "unreachable", "detail": "the bridge node holding the charger failed"}
        await self.redis.publish(request["reply_to"], json.dumps(reply))

    async def forward(self, charger_id: str, action: str, params: dict[str, Any], verify: bool,
                      requested_by: str, *, command_id: str | None = None,
                      claimed_by: str | None = None) -> dict[str, Any]:
        """Send a command to the node that holds the charger and wait for its result.

        Once the other node has the request, silence means CommandUnknown: it may have sent the command.
        """
        node: str | None = await self.redis.get(_key(charger_id))
        if node is None or node == self.node_id:
            raise ChargerUnreachable(f"charger {charger_id} is not connected to any bridge node")
        reply_to = f"{PREFIX}:reply:{uuid.uuid4().hex}"
        wait = self.core.options.command_timeout + (self.core.options.verify_timeout if verify else 0) + 5
        async with self.redis.pubsub() as replies:
            await replies.subscribe(reply_to)
            body = {"charger_id": charger_id, "action": action, "params": params, "verify": verify,
                    "requested_by": requested_by, "command_id": command_id, "claimed_by": claimed_by,
                    "reply_to": reply_to}
            if await self.redis.publish(_inbox(node), json.dumps(body)) == 0:
                raise ChargerUnreachable(f"bridge node {node} holding charger {charger_id} is not listening")
            reply = await self._await_reply(replies, wait)
        if reply is None:
            raise CommandUnknown(f"bridge node {node} did not answer {action} for charger {charger_id} within "
                                 f"{wait:g}s; the charger may have executed it", None)
        if reply.get("ok"):
            return reply["result"]  # type: ignore[no-any-return]
        if reply.get("error") == "timeout":
            raise CommandTimeout(reply.get("detail", "timeout"), reply.get("audit_id"))
        if reply.get("error") == "unknown":
            raise CommandUnknown(reply.get("detail", "outcome unknown"), reply.get("audit_id"))
        if reply.get("error") == "bad":
            raise BadCommand(reply.get("detail", "bad command"))
        raise ChargerUnreachable(reply.get("detail", f"charger {charger_id} unreachable"))

    @staticmethod
    async def _await_reply(replies: Any, wait: float) -> dict[str, Any] | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while (left := deadline - loop.time()) > 0:
            message = await replies.get_message(ignore_subscribe_messages=True, timeout=min(left, 1.0))
            if message is not None and message.get("type") == "message":
                return json.loads(message["data"])  # type: ignore[no-any-return]
        return None

