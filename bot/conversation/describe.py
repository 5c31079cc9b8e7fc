"""Say in plain words what the charger's live state shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.conversation.turn import Turn
from ocpp_bridge.snapshot import NO_ERROR, ChargerSnapshot, Connector, iso

STATUS_WORDS = {
    "Available": "free and ready",
    "Preparing": "waiting for the car or for authorisation to start",
    "Charging": "charging",
    "SuspendedEV": "paused by the car",
    "SuspendedEVSE": "paused by the charger",
    "Finishing": "finishing a session (it is free once the cable is unplugged)",
    "Reserved": "reserved",
    "Unavailable": "out of service",
    "Faulted": "reporting a fault",
    "Occupied": "in use",
}


@dataclass(frozen=True)
class Fault:
    """A connector in trouble and what the knowledge base says about its code."""

    connector_id: int
    status: str
    code: str | None
    explanation: Any  # ErrorExplanationLike or None


def plug(connector: Connector) -> str:
    """"connector 1 (CCS2)"."""
    return f"connector {connector.id} ({connector.type})" if connector.type else f"connector {connector.id}"


def faults(turn: Turn, snapshot: ChargerSnapshot) -> list[Fault]:
    """The faulted connectors of this charger, explained through the knowledge base where it can."""
    found = []
    for connector in snapshot.faulted_plugs:
        code = None
        explanation = None
        for candidate in (connector.vendor_error_code, connector.error_code):
            if candidate in NO_ERROR:
                continue
            code = code or str(candidate)
            explanation = turn.deps.knowledge.error_code(str(candidate))
            if explanation is not None:
                code = str(candidate)
                break
        found.append(Fault(connector.id, str(connector.status), code, explanation))
    whole = snapshot.charger_status
    if not found and whole is not None and whole.faulted:
        code = whole.vendor_error_code or whole.error_code
        code = None if code in NO_ERROR else str(code)
        found.append(Fault(0, str(whole.status), code, turn.deps.knowledge.error_code(code) if code else None))
    return found


def describe(turn: Turn, snapshot: ChargerSnapshot, *, connector_id: int | None = None) -> tuple[str, str]:
    """One or two sentences on what we see, for reading and for the ear."""
    label = turn.label()
    if not snapshot.online:
        seen = iso(snapshot.last_heartbeat)
        when = turn.t("describe.last_heard", time=_clock(seen)) if seen else ""
        return turn.t("describe.offline", label=label, when=when), turn.t("describe.offline_voice", label=label)
    parts = []
    for connector in snapshot.plugs:
        if connector_id is not None and connector.id != connector_id:
            continue
        status = str(connector.status)
        words = turn.t(f"describe.status.{status}") if status in STATUS_WORDS else str(connector.status or
                                                                                       "unknown").lower()
        name = (turn.t("describe.plug_typed", id=connector.id, type=connector.type) if connector.type
                else turn.t("describe.plug", id=connector.id))
        parts.append(turn.t("describe.plug_is", plug=name, words=words))
    text = turn.t("describe.online", label=label) + (turn.t("describe.and_parts", parts=_join(turn, parts))
                                                     if parts else ".")
    tx = snapshot.active_session(connector_id)
    if tx:
        power, energy = tx.power_kw, tx.energy_kwh
        bits = [turn.t("describe.kw_now", kw=f"{power:.0f}") if isinstance(power, (int, float)) else None,
                turn.t("describe.kwh_so_far", kwh=f"{energy:.1f}") if isinstance(energy, (int, float)) else None]
        detail = ", ".join(b for b in bits if b)
        text += turn.t("describe.session", id=tx.connector_id) + (f" ({detail})." if detail else ".")
    return text, text


def _join(turn: Turn, parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + turn.t("describe.and") + parts[-1]


def _clock(value: Any) -> str:
    text = str(value)
    return text[11:16] + " UTC" if len(text) >= 16 and text[10] in "T " else text


def explain_fault(fault: Fault, style: str = "chat") -> str:
    """The knowledge base's words for this fault, or a plain fallback."""
    exp = fault.explanation
    if exp is None:
        code = f" (code {fault.code})" if fault.code else ""
        return f"Connector {fault.connector_id} is {STATUS_WORDS.get(fault.status, 'reporting a fault')}{code}."
    code = "" if style == "voice" else f" (code {exp.code})"
    return f"Connector {fault.connector_id} reports a fault{code}. {driver_words(exp, style)}"


def lower_first(text: str) -> str:
    """"The plug lock failed" -> "the plug lock failed" inside a sentence; "EV not detected" stays."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def driver_words(explanation: Any, style: str = "chat") -> str:
    """An error explanation's words for the driver, written for `style` (chat, sms or voice) where it has variants."""
    text = explanation.driver_text
    return str(text.for_style(style)) if hasattr(text, "for_style") else str(text)
