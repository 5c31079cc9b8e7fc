"""Small fakes of the conversation engine's collaborators, for unit tests of the dialogue."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.errors import ChargerUnreachable, NLUUnavailable
from ocpp_bridge.snapshot import ChargerSnapshot


@dataclass(frozen=True)
class Entity:
    entity: str
    value: Any


@dataclass(frozen=True)
class Parse:
    text: str
    intent: str
    confidence: float
    ranking: tuple[tuple[str, float], ...]
    entities: tuple[Entity, ...]


RULES = [
    (r"smok|burning|sparks|fire|shock", "safety_hazard"),
    (r"human|agent|person|someone", "request_human"),
    (r"stuck|can't unplug|cannot unplug|won't release", "cable_stuck"),
    (r"card .*(reject|refus|not recogni)|unauthori[sz]ed|invalid card", "auth_failed"),
    (r"charged twice|refund|overcharged|wrong amount", "billing_dispute"),
    (r"broken|smashed|vandal", "report_damage"),
    (r"slow|only \d+ ?kw", "slow_charging"),
    (r"stopped|interrupted", "charging_stopped"),
    (r"payment .*(declin|fail)|card declined", "payment_failed"),
    (r"how (do|can) i pay|apple pay|which payment", "how_to_pay"),
    (r"price|cost|per kwh", "pricing_info"),
    (r"how (do|can) i start", "how_to_start"),
    (r"which plug|plug doesn't fit|connector type", "connector_help"),
    (r"error|\be\d\d\b", "error_message"),
    (r"out of order|unavailable|offline", "charger_unavailable"),
    (r"is .* (free|working)|status", "check_status"),
    (r"won't start|doesn't start|not starting|nothing happens", "start_failure"),
    (r"^(hi|hello)\b", "greet"),
    (r"thank", "thanks"),
    (r"^bye|goodbye", "goodbye"),
    (r"^(yes|yeah|ok|sure|go ahead|please do)\b", "affirm"),
    (r"^(no|nope|don't)\b", "deny"),
]


class FakeNLU:
    """Keyword rules; anything else is low-confidence out_of_scope with a ranking."""

    def __init__(self) -> None:
        self.broken = False

    def parse(self, text: str, language: str | None = None) -> Parse:
        if self.broken:
            raise NLUUnavailable("the model is gone")
        lowered = text.lower()
        entities = []
        m = re.search(r"\b(cp-?\d+|station \d+)", lowered)
        if m:
            entities.append(Entity("charger_id", m.group(1)))
        m = re.search(r"connector (\d)", lowered)
        if m:
            entities.append(Entity("connector_id", m.group(1)))
        m = re.search(r"(€\s?\d+(?:[.,]\d+)?|\d+(?:[.,]\d+)? ?euros?)", lowered)
        if m:
            entities.append(Entity("amount", m.group(1)))
        m = re.search(r"(\d+) ?%", lowered)
        if m:
            entities.append(Entity("battery_level", m.group(1) + "%"))
        m = re.search(r"\b(e\d\d)\b", lowered)
        if m:
            entities.append(Entity("error_text", m.group(1).upper()))
        for pattern, intent in RULES:
            if re.search(pattern, lowered):
                return Parse(text, intent, 0.95, ((intent, 0.95),), tuple(entities))
        if entities and any(e.entity in ("charger_id", "connector_id") for e in entities):
            return Parse(text, "inform", 0.9, (("inform", 0.9),), tuple(entities))
        return Parse(text, "out_of_scope", 0.3, (("start_failure", 0.3), ("cable_stuck", 0.2)), tuple(entities))


@dataclass(frozen=True)
class Result:
    status: str
    verified: bool
    observed: Any = None
    audit_id: Any = 1
    detail: Any = None


def connector(cid: int, kind: str, max_kw: float, status: str = "Available", error_code: str = "NoError") -> dict:
    return {"id": cid, "type": kind, "max_kw": max_kw, "status": status, "error_code": error_code,
            "vendor_error_code": None, "info": None, "since": None}


def snapshot(charger_id: str, label: str, connectors: list[dict], *, online: bool = True,
             site_type: str = "fleet_depot", tx: dict | None = None, recent: list | None = None) -> dict:
    return {"id": charger_id, "label": label, "site_id": "berlin-depot", "site_type": site_type, "online": online,
            "last_heartbeat": "2026-11-22T21:55:00+00:00", "protocol": "ocpp1.6", "connectors": connectors,
            "active_transaction": tx, "recent_sessions": recent or []}


class FakeBridge:
    """Snapshots by charger id, as JSON (read through `ChargerSnapshot.from_json`, so a script may edit them);
    `scripts[action]` turns a command into a result."""

    def __init__(self) -> None:
        self.snapshots: dict[str, dict] = {}
        self.scripts: dict[str, Callable[[str, dict], Result]] = {}
        self.commands: list[tuple[str, str, dict, str]] = []
        self.locks: list[tuple[str, str]] = []
        self.down = False

    def snapshot(self, session: Any, charger_id: str, profile: Any = None) -> ChargerSnapshot | None:
        if self.down:
            raise ChargerUnreachable("bridge down")
        snap = self.snapshots.get(charger_id)
        return ChargerSnapshot.from_json(snap) if snap is not None else None

    def command(self, charger_id: str, action: str, params: dict | None = None, *, requested_by: str) -> Result:
        self.commands.append((charger_id, action, dict(params or {}), requested_by))
        script = self.scripts.get(action)
        if script is None:
            return Result("Accepted", True)
        return script(charger_id, params or {})

    def set_safety_lock(self, session: Any, charger_id: str, reason: str) -> None:
        self.locks.append((charger_id, reason))


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    needs_confirmation: bool = False


class FakePolicy:
    def __init__(self, allowed: tuple[str, ...] = ("Reset", "UnlockConnector", "RemoteStopTransaction",
                                                   "ChangeAvailability"),
                 confirm: tuple[str, ...] = ("Reset", "RemoteStopTransaction")) -> None:
        self.allowed = set(allowed)
        self.confirm = set(confirm)
        self.asked: list[tuple[str, str]] = []

    def decide(self, session: Any, action: str, charger_id: str, connector_id: int | None,
               requested_by: str, params: dict | None = None) -> Decision:
        self.asked.append((action, charger_id))
        if action not in self.allowed:
            return Decision(False, f"{action} is not in the approved policy")
        return Decision(True, "allowed", action in self.confirm)


@dataclass(frozen=True)
class Guide:
    text: str
    voice_text: str
    image_url: str | None = None
    link: tuple[str, str] | None = None
    sms_text: str | None = None
    id: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Explanation:
    code: str
    title: str
    driver_text: str
    driver_can_fix: bool
    reset_may_help: bool
    escalate_to: str | None
    safety: bool


ERRORS = {
    "InternalError": Explanation("InternalError", "an internal error", "the charger's software hit a problem.",
                                 False, True, "tier2", False),
    "GroundFailure": Explanation("GroundFailure", "a ground fault", "the charger detected an earth fault.",
                                 False, False, "field_engineering", False),
    "E42": Explanation("E42", "EV not detected", "the charger cannot see the car; re-seat the plug.",
                       True, False, None, False),
}


class FakeKnowledge:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str | None]] = []
        self.catalogue: dict[str, list[Guide]] = {}  # several guides for an intent, in the order the KB ranks them

    def guides(self, session: Any, intent: str, entities: dict, charger_id: str | None,
               language: str | None = None) -> list[Guide]:
        self.asked.append((intent, charger_id))
        if intent in self.catalogue:
            return list(self.catalogue[intent])
        at = f" at {charger_id}" if charger_id else ""
        return [Guide(f"[guide {intent}{at}]", f"[spoken guide {intent}]", link=(intent, f"/kb/{intent}"),
                      id=f"guide-{intent}")]

    def error_code(self, code: str) -> Explanation | None:
        return ERRORS.get(code)


@dataclass(frozen=True)
class TicketRef:
    id: str
    tier: str
    priority: str
    created: bool = True


@dataclass(frozen=True)
class Incident:
    ref: str


@dataclass
class FakeTickets:
    drafts: list[dict] = field(default_factory=list)
    incident: bool = False
    reports: list[tuple[str, dict]] = field(default_factory=list)
    broken: bool = False

    def open_ticket(self, session: Any, draft: dict, now: datetime) -> TicketRef:
        if self.broken:
            raise RuntimeError("helpdesk database gone")
        self.drafts.append(dict(draft))
        return TicketRef(f"T-{len(self.drafts):06d}", draft["tier"], draft["priority"])

    def network_incident(self, session: Any, intent: str, report: dict, now: datetime) -> Incident | None:
        if not self.incident or intent not in ("payment_failed", "auth_failed"):
            return None
        self.reports.append((intent, dict(report)))
        return Incident("INC-000001")
