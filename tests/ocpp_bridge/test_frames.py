"""The OCPP-J frame reader: exact verdicts for malformed frames, and a bounded fuzzer (hypothesis).

Whatever text a charger sends, `parse_frame` returns a Frame or raises FrameError with a message id that can be
sent back (a string of 1..36 characters, or "-1"); `value_problem` never raises either.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ocpp_bridge.frames import CALL, CALLERROR, CALLRESULT, FrameError, parse_frame, value_problem, wire_code


def test_a_call_is_read_into_its_parts() -> None:
    frame = parse_frame('[2, "m-1", "Heartbeat", {}]')
    assert (frame.type_id, frame.unique_id, frame.action, frame.payload) == (CALL, "m-1", "Heartbeat", {})


def test_a_callresult_and_a_callerror_are_read() -> None:
    assert parse_frame('[3, "m-2", {"status": "Accepted"}]').payload == {"status": "Accepted"}
    error = parse_frame('[4, "m-3", "NotSupported", "no", {"a": 1}]')
    assert (error.type_id, error.error_code, error.error_description, error.payload) == (
        CALLERROR, "NotSupported", "no", {"a": 1})
    assert parse_frame('[4, "m-4", "GenericError", "no"]').payload == {}
    assert parse_frame('[3, "m-5", {}]').type_id == CALLRESULT


@pytest.mark.parametrize(("raw", "code", "unique_id", "reply"), [
    ('[2, "a1", "Heartbeat", {', "RpcFrameworkError", "-1", True),
    ('{"messageTypeId": 2}', "RpcFrameworkError", "-1", True),
    ("[]", "RpcFrameworkError", "-1", True),
    ('"just a string"', "RpcFrameworkError", "-1", True),
    ('["2", "a2", "Heartbeat", {}]', "RpcFrameworkError", "a2", True),
    ('[true, "a2b", "Heartbeat", {}]', "RpcFrameworkError", "a2b", True),
    ('[7, "a3", "Heartbeat", {}]', "MessageTypeNotSupported", "a3", True),
    ('[2, 17, "Heartbeat", {}]', "RpcFrameworkError", "-1", True),
    ('[2, null, "Heartbeat", {}]', "RpcFrameworkError", "-1", True),
    ('[2, "", "Heartbeat", {}]', "RpcFrameworkError", "-1", True),
    (json.dumps([2, "x" * 37, "Heartbeat", {}]), "RpcFrameworkError", "-1", True),
    ('[2, "a4", ["Heartbeat"], {}]', "RpcFrameworkError", "a4", True),
    ('[2, "a5", "", {}]', "RpcFrameworkError", "a5", True),
    ('[2, "a6", "Heartbeat"]', "RpcFrameworkError", "a6", True),
    ('[2, "a7", "Heartbeat", {}, {}]', "RpcFrameworkError", "a7", True),
    ('[2, "a8", "Heartbeat", [1, 2]]', "FormatViolation", "a8", True),
    ('[2, "a9", "Heartbeat", {"x": NaN}]', "RpcFrameworkError", "-1", True),
    ('[2, "a10", "Heartbeat", {"x": Infinity}]', "RpcFrameworkError", "-1", True),
    ("[" * 100_000 + "]" * 100_000, "RpcFrameworkError", "-1", True),
    ('[3, 5, {}]', "RpcFrameworkError", "-1", False),
    ('[3, "r1", [1]]', "RpcFrameworkError", "r1", False),
    ('[4, "r2", 1, "x", {}]', "RpcFrameworkError", "r2", False),
    ('[4, "r3", "GenericError", "x", []]', "RpcFrameworkError", "r3", False),
])
def test_a_malformed_frame_gets_the_verdict_ocpp_j_prescribes(raw: str, code: str, unique_id: str,
                                                             reply: bool) -> None:
    with pytest.raises(FrameError) as caught:
        parse_frame(raw)
    assert (caught.value.code, caught.value.unique_id, caught.value.reply) == (code, unique_id, reply)


def test_a_binary_frame_is_refused() -> None:
    with pytest.raises(FrameError) as caught:
        parse_frame(b'[2, "a1", "Heartbeat", {}]')
    assert (caught.value.code, caught.value.unique_id) == ("RpcFrameworkError", "-1")


def test_16_spells_the_codes_it_has() -> None:
    assert [wire_code(code, "ocpp1.6") for code in ("RpcFrameworkError", "MessageTypeNotSupported",
                                                    "FormatViolation", "OccurrenceConstraintViolation",
                                                    "PropertyConstraintViolation")] == [
        "FormationViolation", "FormationViolation", "FormationViolation", "OccurenceConstraintViolation",
        "PropertyConstraintViolation"]
    assert wire_code("RpcFrameworkError", "ocpp2.0.1") == "RpcFrameworkError"


@pytest.mark.parametrize(("payload", "problem"), [
    ({"connectorId": 2**31 - 1, "meterStart": -(2**31)}, None),
    ({"connectorId": 2**31}, "connectorId: integer out of range (32-bit)"),
    ({"connectorId": 2**63}, "connectorId: integer out of range (32-bit)"),
    ({"meterValue": [{"sampledValue": [{"x": -(2**31) - 1}]}]},
     "meterValue[0].sampledValue[0].x: integer out of range (32-bit)"),
    ({"value": float("inf")}, "value: number out of range"),
    ({"ok": True, "value": 1e308, "text": "9" * 40}, None),
])
def test_values_no_ocpp_field_may_hold_are_named(payload: dict[str, Any], problem: str | None) -> None:
    assert value_problem(payload) == problem


def test_nesting_deeper_than_32_levels_is_a_problem() -> None:
    shallow: Any = {}
    deep: Any = {}
    for _ in range(31):
        shallow = {"customData": shallow}
    for _ in range(40):
        deep = [deep]
    assert value_problem(shallow) is None
    assert value_problem({"data": deep}) == "data" + "[0]" * 32 + ": nested deeper than 32 levels"


def _verdict_is_answerable(raw: str) -> None:
    try:
        frame = parse_frame(raw)
    except FrameError as error:
        assert error.unique_id == "-1" or 0 < len(error.unique_id) <= 36
        assert isinstance(error.code, str) and error.description
        return
    assert frame.type_id in (CALL, CALLRESULT, CALLERROR)
    assert isinstance(frame.unique_id, str) and 0 < len(frame.unique_id) <= 36
    assert isinstance(frame.payload, dict)
    assert frame.type_id != CALL or (isinstance(frame.action, str) and frame.action)
    value_problem(frame.payload)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=30)
_frames = st.tuples(
    st.sampled_from([2, 3, 4]) | st.integers() | st.text(max_size=3) | st.none(),
    st.text(max_size=40) | st.integers() | st.none(),
    st.sampled_from(["Heartbeat", "StatusNotification", ""]) | _json,
    _json,
    st.lists(_json, max_size=2),
).map(lambda parts: [parts[0], parts[1], parts[2], parts[3], *parts[4]])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
@example('[2, "a1", "Heartbeat", {')
@example("[" * 5000)
def test_any_text_gets_an_answerable_verdict(raw: str) -> None:
    _verdict_is_answerable(raw)


@settings(max_examples=300, deadline=None)
@given(_frames, st.integers(min_value=1, max_value=5))
def test_any_array_shaped_like_a_frame_gets_an_answerable_verdict(parts: list[Any], keep: int) -> None:
    _verdict_is_answerable(json.dumps(parts[:keep]))
