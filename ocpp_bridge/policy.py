"""The approved-actions policy: which remote action the bot may take, when, and how often (data, not code)."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import as_utc
from bot.errors import ConfigError
from bot.yamlfile import line_of, parse_yaml
from ocpp_bridge.aliases import ALIASES
from ocpp_bridge.models import CommandAudit, SafetyLock
from ocpp_bridge.snapshot import ChargerSnapshot

log = logging.getLogger(__name__)

_LIMIT_KEYS = ("per_charger_per_hour", "per_conversation", "cooldown_minutes")
_ACTION_KEYS = {"params", "when_any", "never", "confirm", *_LIMIT_KEYS}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    needs_confirmation: bool = False


class AuditEntryLike(Protocol):
    @property
    def charger_id(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def requested_by(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class AuditEntry:
    charger_id: str
    action: str
    requested_by: str
    at: datetime
    status: str = "Accepted"


@dataclass(frozen=True)
class ActionRule:
    name: str
    params: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    when_any: tuple[str, ...] = ()
    never: tuple[str, ...] = ()
    confirm: bool = False
    per_charger_per_hour: int | None = None
    per_conversation: int | None = None
    cooldown_minutes: float = 0


def _faulted(s: ChargerSnapshot, c: int | None) -> bool:
    whole = s.charger_status
    return any(x.status == "Faulted" for x in s.connectors_on(c)) or (whole is not None and whole.status == "Faulted")


def _charger_error(s: ChargerSnapshot, c: int | None) -> bool:
    whole = s.charger_status
    return any(x.erroring for x in s.connectors) or (whole is not None and whole.erroring)


def _healthy_session(s: ChargerSnapshot, c: int | None) -> bool:
    return bool(s.sessions_on(c)) and any(x.charging and not x.erroring for x in s.connectors_on(c))


CONDITIONS: dict[str, Callable[[ChargerSnapshot, int | None], bool]] = {
    "online": lambda s, c: s.online,
    "connector_faulted": _faulted,
    "connector_unavailable": lambda s, c: any(x.status == "Unavailable" for x in s.connectors_on(c)),
    "connector_available": lambda s, c: any(x.free for x in s.connectors_on(c)),
    "charger_error": _charger_error,
    "charging": lambda s, c: any(x.charging for x in s.connectors_on(c)),
    "not_charging": lambda s, c: not any(x.charging for x in s.connectors_on(c)),
    "session_on_connector": lambda s, c: bool(s.sessions_on(c)),
    "no_session_on_connector": lambda s, c: not s.sessions_on(c),
    "healthy_session_on_connector": _healthy_session,
}


class Policy:
    """Rules per action; `check` decides one request for a bot conversation."""

    def __init__(self, rules: dict[str, ActionRule], source: str = "<policy>") -> None:
        self.rules, self.source = rules, source

    def check(self, action: str, *, charger_id: str, connector_id: int | None, snapshot: ChargerSnapshot,
              history: Iterable[AuditEntryLike], requested_by: str, now: datetime,
              params: dict[str, Any] | None = None) -> Decision:
        """Decide whether `requested_by` may run `action` on this charger now; every refusal says why."""
        name = ALIASES.get(action, action)
        rule = self.rules.get(name)
        if rule is None:
            return Decision(False, f"{action} is not an approved remote action for the bot")
        for key, allowed in rule.params.items():
            value = (params or {}).get(key)
            if value not in allowed:
                return Decision(False, f"{action} with {key}={value} is not approved "
                                       f"(allowed: {', '.join(map(str, allowed))})")
        if rule.when_any and not any(CONDITIONS[c](snapshot, connector_id) for c in rule.when_any):
            return Decision(False, f"{action} is only approved when {' or '.join(rule.when_any).replace('_', ' ')}")
        for condition in rule.never:
            if CONDITIONS[condition](snapshot, connector_id):
                return Decision(False, f"{action} is not approved while {condition.replace('_', ' ')}")
        done = [h for h in history if ALIASES.get(h.action, h.action) == name and h.status != "Refused"]
        mine = [h for h in done if h.charger_id == charger_id]
        if rule.per_charger_per_hour is not None:
            recent = [h for h in mine if h.at >= now - timedelta(hours=1)]
            if len(recent) >= rule.per_charger_per_hour:
                return Decision(False, f"{action} already tried {len(recent)} times on {charger_id} in the last hour "
                                       f"(limit {rule.per_charger_per_hour})")
        if rule.per_conversation is not None:
            ours = [h for h in done if h.requested_by == requested_by]
            if len(ours) >= rule.per_conversation:
                return Decision(False, f"{action} already used {len(ours)} times in this conversation "
                                       f"(limit {rule.per_conversation})")
        if rule.cooldown_minutes and mine:
            last = max(h.at for h in mine)
            wait = last + timedelta(minutes=rule.cooldown_minutes) - now
            if wait > timedelta(0):
                return Decision(False, f"{action} was run on {charger_id} {int((now - last).total_seconds() // 60)} "
                                       f"min ago; wait {math.ceil(wait.total_seconds() / 60)} more min")
        return Decision(True, f"{action} approved by {self.source}", rule.confirm)


def load_policy(path: Path | None = None) -> Policy:
    """Read a policy file (the packaged default when None); a bad file raises ConfigError naming the line."""
    if path is None:
        text, source = resources.files("ocpp_bridge").joinpath("default_policy.yml").read_text(), "default policy"
    else:
        try:
            text, source = Path(path).read_text(), str(path)
        except OSError as exc:
            raise ConfigError([f"{path}: cannot read the policy file ({exc.strerror})"]) from exc
    return Policy(_parse(text, source), source)


def _parse(text: str, source: str) -> dict[str, ActionRule]:
    data = parse_yaml(text, source, ConfigError)
    problems: list[str] = []

    def bad(line: int, message: str) -> None:
        problems.append(f"{source}:{line}: {message}")

    if not isinstance(data, dict):
        raise ConfigError([f"{source}:1: a policy file is a mapping with `actions:` (and optional `defaults:`)"])
    for key in data:
        if key not in ("defaults", "actions"):
            bad(line_of(data, key), f"unknown key {key!r} (expected defaults, actions)")
    defaults = data.get("defaults") or {}
    actions = data.get("actions")
    if not isinstance(actions, dict):
        bad(line_of(data, "actions" if "actions" in data else None), "`actions:` must map action names to rules")
        raise ConfigError(problems)
    rules: dict[str, ActionRule] = {}
    from ocpp_bridge.commands import SUPPORTED

    for given, raw in actions.items():
        name = ALIASES.get(given, given)
        if name not in SUPPORTED:
            bad(line_of(actions, given), f"unknown action {given!r} (known: {', '.join(SUPPORTED)})")
            continue
        if not isinstance(raw or {}, dict):
            bad(line_of(actions, given), f"{name}: the rule must be a mapping")
            continue
        rule = _rule(name, raw or {}, defaults, line_of(actions, given), bad)
        if rule is not None:
            rules[name] = rule
    if problems:
        raise ConfigError(problems)
    return rules


def _rule(name: str, raw: dict[str, Any], defaults: dict[str, Any], where: int,
          bad: Callable[[int, str], None]) -> ActionRule | None:
    def line(key: str) -> int:  # the key's own line; else the action's (a limit taken from the defaults)
        return line_of(raw, key) or where

    ok = True
    for key in raw:
        if key not in _ACTION_KEYS:
            bad(line(key), f"{name}: unknown key {key!r} (expected {', '.join(sorted(_ACTION_KEYS))})")
            ok = False
    for key in ("when_any", "never"):
        for condition in raw.get(key) or []:
            if condition not in CONDITIONS:
                bad(line(key), f"{name}: unknown condition {condition!r} (known: {', '.join(CONDITIONS)})")
                ok = False
    limits = {k: raw.get(k, defaults.get(k)) for k in _LIMIT_KEYS}
    for key, value in limits.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            bad(line(key), f"{name}: {key} must be a non-negative number")
            ok = False
    params = raw.get("params") or {}
    if not isinstance(params, dict) or not all(isinstance(v, list) for v in params.values()):
        bad(line("params"), f"{name}: params maps a parameter to the list of allowed values")
        ok = False
    if not ok:
        return None
    return ActionRule(name, {k: tuple(v) for k, v in params.items()}, tuple(raw.get("when_any") or ()),
                      tuple(raw.get("never") or ()), bool(raw.get("confirm", defaults.get("confirm", False))),
                      limits["per_charger_per_hour"], limits["per_conversation"], limits["cooldown_minutes"] or 0)


def set_safety_lock(session: Session, charger_id: str, reason: str) -> None:
    """Forbid the bot any remote action on this charger except taking it out of service."""
    row = session.get(SafetyLock, charger_id)
    if row is None:
        session.add(SafetyLock(charger_id=charger_id, reason=reason[:255], locked_at=datetime.now(UTC)))
    else:
        row.reason = reason[:255]
    session.flush()
    log.warning("charger=%s safety lock set: %s", charger_id, reason)


def clear_safety_lock(session: Session, charger_id: str) -> None:
    """Lift the safety lock (an engineer checked the charger)."""
    row = session.get(SafetyLock, charger_id)
    if row is not None:
        session.delete(row)
        session.flush()


def safety_locked(session: Session, charger_id: str) -> bool:
    """True while a safety report holds this charger."""
    return session.get(SafetyLock, charger_id) is not None


def policy_decision(session: Session, policy: Policy, action: str, charger_id: str, connector_id: int | None,
                    requested_by: str, params: dict[str, Any] | None = None,
                    now: datetime | None = None) -> Decision:
    """Decide a bot request from the database: safety lock, live snapshot and the last day's audit."""
    from ocpp_bridge.state import load_snapshot

    now = now or datetime.now(UTC)
    lock = session.get(SafetyLock, charger_id)
    if lock is not None:
        wanted = (params or {}).get("type") or (params or {}).get("operational_status")
        if not (ALIASES.get(action, action) == "ChangeAvailability" and wanted == "Inoperative"):
            return Decision(False, f"{charger_id} is safety-locked ({lock.reason}); only taking it out of "
                                   "service (ChangeAvailability Inoperative) is allowed")
        return Decision(True, "taking a safety-locked charger out of service", False)
    snapshot = load_snapshot(session, charger_id)
    if snapshot is None:
        return Decision(False, f"unknown charger {charger_id}")
    rows = session.scalars(select(CommandAudit).where(CommandAudit.at >= now - timedelta(days=1))).all()
    history = [AuditEntry(r.charger_id, r.action, r.requested_by, as_utc(r.at), r.status) for r in rows]
    return policy.check(action, charger_id=charger_id, connector_id=connector_id, snapshot=snapshot, history=history,
                        requested_by=requested_by, now=now, params=params)
