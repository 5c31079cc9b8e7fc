"""What a charger's CALL must satisfy before a handler sees it: its JSON schema, and connectors the fleet knows.

Problems are raised as the `ocpp` package's OCPPError subclasses, whose codes are OCPP's CALLERROR codes; link.py
turns them into the CALLERROR. Descriptions name the field and the rule, never the value: the value of a field
that fails may be an id tag.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError, best_match
from ocpp.exceptions import (
    FormatViolationError,
    NotImplementedError,
    OccurrenceConstraintViolationError,
    OCPPError,
    PropertyConstraintViolationError,
    ProtocolError,
    TypeConstraintViolationError,
)
from ocpp.messages import get_validator
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import ChargeLineError
from bot.fleet.profile import load_charger_profile

VERSIONS = {"ocpp1.6": "1.6", "ocpp2.0.1": "2.0.1"}

# Where each CALL names a connector (2.0.1: an EVSE, which is one of our connectors), and whether 0 may stand
# for the whole charger there. Only these ids are recorded; an EVSE's own connector number is checked for range.
_FLEET_IDS: dict[tuple[str, str], tuple[tuple[str, ...], bool]] = {
    ("ocpp1.6", "StatusNotification"): (("connectorId",), True),
    ("ocpp1.6", "MeterValues"): (("connectorId",), True),
    ("ocpp1.6", "StartTransaction"): (("connectorId",), False),
    ("ocpp2.0.1", "StatusNotification"): (("evseId",), False),
    ("ocpp2.0.1", "MeterValues"): (("evseId",), True),
    ("ocpp2.0.1", "TransactionEvent"): (("evse", "id"), False),
}
_LOCAL_IDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("ocpp2.0.1", "StatusNotification"): ("connectorId",),
    ("ocpp2.0.1", "TransactionEvent"): ("evse", "connectorId"),
}


def check_schema(protocol: str, action: str, payload: dict[str, Any]) -> None:
    """Validate a CALL's payload against the action's OCPP JSON schema; raise the OCPPError that names the problem."""
    try:
        validator = get_validator(2, action, VERSIONS[protocol])
    except (OSError, ValueError):
        raise NotImplementedError(description=f"No schema for {action}") from None
    error = best_match(validator.iter_errors(payload))
    if error is not None:
        raise _schema_error(error)


class InvalidResponse(ChargeLineError):
    """Our own answer to a CALL does not match its schema: a bug in a handler."""


def check_response(protocol: str, action: str, payload: dict[str, Any]) -> None:
    """Validate the CALLRESULT payload a handler built; raise InvalidResponse when it is off its schema."""
    error = best_match(get_validator(3, action, VERSIONS[protocol]).iter_errors(payload))
    if error is not None:
        raise InvalidResponse(f"{action} answer: {error.message[:200]}")


def _schema_error(error: ValidationError) -> OCPPError:
    field = ".".join(str(part) for part in error.absolute_path) or "payload"
    rule, limit = error.validator, error.validator_value
    if rule == "required":
        return ProtocolError(description=error.message[:200])  # names the missing property, not a value
    if rule == "additionalProperties":
        return FormatViolationError(description=f"{field}: {error.message[:200]}")
    if rule == "type":
        return TypeConstraintViolationError(description=f"{field}: must be of type {limit}")
    if rule == "maxLength":
        return TypeConstraintViolationError(description=f"{field}: longer than {limit} characters")
    if rule in ("enum", "minimum", "maximum", "minLength", "pattern", "multipleOf"):
        return PropertyConstraintViolationError(description=f"{field}: not an allowed value ({rule})")
    if rule in ("minItems", "maxItems"):
        return OccurrenceConstraintViolationError(description=f"{field}: wrong number of items ({rule} {limit})")
    return FormatViolationError(description=f"{field}: does not match the schema ({rule})")


@dataclass(frozen=True)
class Connectors:
    """The connector ids a charger may report: those the fleet lists, else 1..limit; 0 where the action allows it."""

    listed: frozenset[int]
    limit: int

    def allows(self, connector_id: int, zero_ok: bool) -> bool:
        if connector_id == 0:
            return zero_ok
        return connector_id in self.listed if self.listed else 1 <= connector_id <= self.limit


def fleet_connectors(sessions: sessionmaker[Session], charger_id: str) -> frozenset[int]:
    """The connector ids the fleet file lists for a charger (empty when it lists none or does not know it)."""
    with sessions() as session:
        profile = load_charger_profile(session, charger_id)
    return frozenset(connector[0] for connector in profile.connectors) if profile is not None else frozenset()


def fleet_ids(protocol: str, action: str, payload: dict[str, Any]) -> Iterator[tuple[str, int, bool]]:
    """(field, connector id, whether 0 is allowed) for each connector of ours that the CALL names."""
    spec = _FLEET_IDS.get((protocol, action))
    if spec is not None:
        path, zero_ok = spec
        value = _at(payload, path)
        if isinstance(value, int):
            yield ".".join(path), value, zero_ok


def check_local_ids(protocol: str, action: str, payload: dict[str, Any], limit: int) -> None:
    """An EVSE's own connector number must be 1..limit."""
    path = _LOCAL_IDS.get((protocol, action))
    value = _at(payload, path) if path else None
    if isinstance(value, int) and not 1 <= value <= limit:
        raise PropertyConstraintViolationError(description=f"{'.'.join(path or ())}: {value} is not a connector "
                                                           f"number (1..{limit})")


def _at(payload: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = payload
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
