"""OCPP-J framing: read one websocket message as a CALL, CALLRESULT or CALLERROR, or say exactly what is wrong.

The rules are OCPP-J's (1.6 section 4, 2.0.1 part 4 section 4): a message is a JSON array whose first element is
the message type id (2, 3 or 4) and whose second is the message id, a string of at most 36 characters; a CALL
carries an action name (a string) and a payload object. A problem is a `FrameError` holding the error code of the
2.0.1 table (`wire_code` spells it for 1.6), the message id to answer with ("-1" when it cannot be read, as the
specification asks) and whether to answer at all: a broken CALLRESULT or CALLERROR is never answered.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from bot.errors import ChargeLineError

CALL, CALLRESULT, CALLERROR = 2, 3, 4
MAX_MESSAGE_ID = 36
UNKNOWN_ID = "-1"
INT32_MAX = 2**31 - 1  # OCPP's integer is 32-bit signed; our integer columns are too
MAX_DEPTH = 32  # no OCPP payload nests deeper than ~8; deeper is an attack on recursive code

# 1.6 has no RpcFrameworkError or MessageTypeNotSupported; both are a PDU that does not conform, FormationViolation.
_CODES_16 = {
    "RpcFrameworkError": "FormationViolation",
    "MessageTypeNotSupported": "FormationViolation",
    "FormatViolation": "FormationViolation",
    "OccurrenceConstraintViolation": "OccurenceConstraintViolation",
}


class FrameError(ChargeLineError):
    """A message that is not valid OCPP-J."""

    def __init__(self, code: str, description: str, unique_id: str = UNKNOWN_ID, *, reply: bool = True,
                 action: str | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.unique_id = code, description, unique_id
        self.reply, self.action = reply, action


@dataclass(frozen=True)
class Frame:
    """One well-formed OCPP-J message; `payload` is the CALL's or CALLRESULT's object, a CALLERROR's details."""

    type_id: int
    unique_id: str
    payload: dict[str, Any]
    action: str | None = None  # CALL only
    error_code: str | None = None  # CALLERROR only
    error_description: str | None = None  # CALLERROR only


def wire_code(code: str, protocol: str) -> str:
    """The error code as the charger's protocol spells it (`FormationViolation` in 1.6)."""
    return _CODES_16.get(code, code) if protocol == "ocpp1.6" else code


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def parse_frame(raw: str | bytes) -> Frame:
    """Read one websocket message; raise FrameError saying what is wrong with it."""
    if not isinstance(raw, str):
        raise FrameError("RpcFrameworkError", "OCPP-J messages are text frames, not binary")
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise FrameError("RpcFrameworkError", "Message is not valid JSON") from None
    if not isinstance(data, list) or not data:
        raise FrameError("RpcFrameworkError", "Message must be a JSON array [MessageTypeId, MessageId, ...]")
    type_id, unique_id = data[0], _message_id(data)
    if not isinstance(type_id, int) or isinstance(type_id, bool):
        raise FrameError("RpcFrameworkError", "MessageTypeId must be a number", unique_id or UNKNOWN_ID)
    if type_id not in (CALL, CALLRESULT, CALLERROR):
        raise FrameError("MessageTypeNotSupported", f"MessageTypeId {type_id} is not 2, 3 or 4",
                         unique_id or UNKNOWN_ID)
    if unique_id is None:
        raise FrameError("RpcFrameworkError", f"MessageId must be a string of 1 to {MAX_MESSAGE_ID} characters",
                         reply=type_id == CALL)
    if type_id == CALL:
        return _call(data, unique_id)
    if type_id == CALLRESULT:
        if len(data) != 3 or not isinstance(data[2], dict):
            raise FrameError("RpcFrameworkError", "A CALLRESULT is [3, MessageId, {payload}]", unique_id, reply=False)
        return Frame(CALLRESULT, unique_id, data[2])
    if len(data) not in (4, 5) or not isinstance(data[2], str) or not isinstance(data[3], str) or (
            len(data) == 5 and not isinstance(data[4], dict)):
        raise FrameError("RpcFrameworkError", "A CALLERROR is [4, MessageId, errorCode, errorDescription, {details}]",
                         unique_id, reply=False)
    return Frame(CALLERROR, unique_id, data[4] if len(data) == 5 else {}, error_code=data[2],
                 error_description=data[3])


def _message_id(data: list[Any]) -> str | None:
    unique_id = data[1] if len(data) > 1 else None
    if isinstance(unique_id, str) and 0 < len(unique_id) <= MAX_MESSAGE_ID:
        return unique_id
    return None


def _call(data: list[Any], unique_id: str) -> Frame:
    if len(data) != 4:
        raise FrameError("RpcFrameworkError", "A CALL is [2, MessageId, Action, {payload}]", unique_id)
    action, payload = data[2], data[3]
    if not isinstance(action, str) or not action:
        raise FrameError("RpcFrameworkError", "Action must be a non-empty string", unique_id)
    if not isinstance(payload, dict):
        raise FrameError("FormatViolation", "Payload must be an object", unique_id, action=action)
    return Frame(CALL, unique_id, payload, action=action)


def value_problem(payload: Any) -> str | None:
    """What in a payload no OCPP field may hold (an integer beyond 32 bits, nesting deeper than 32), or None."""
    stack: list[tuple[Any, str, int]] = [(payload, "", 0)]
    while stack:  # iterative: a hostile payload must not reach the recursion limit here
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"{path or 'payload'}: nested deeper than {MAX_DEPTH} levels"
        if isinstance(value, bool) or value is None or isinstance(value, str):
            continue
        if isinstance(value, int):
            if not -INT32_MAX - 1 <= value <= INT32_MAX:
                return f"{path}: integer out of range (32-bit)"
        elif isinstance(value, float):
            if not math.isfinite(value):
                return f"{path}: number out of range"
        elif isinstance(value, dict):
            stack.extend((item, f"{path}.{key}" if path else str(key), depth + 1) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{index}]", depth + 1) for index, item in enumerate(value))
    return None
