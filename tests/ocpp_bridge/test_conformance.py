"""A scripted run of the project's own negative cases, one table per area: what a central system must answer.

Each case sends frames over a real websocket to a fresh bridge and compares the answers' first elements: the
message type, the message id, and the CALLERROR code or the CALLRESULT status. Positive paths are tested beside
the features (test_charger_messages.py, test_raw_actions.py, test_tokens_and_boot.py, test_tls.py).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.asyncio.client import connect

from bot.errors import PolicyRefused
from ocpp_bridge.commands import BadCommand
from ocpp_bridge.server import Bridge
from ocpp_bridge.tokens import set_boot_answer
from tests.ocpp_bridge.test_liveness import wait_for_link

BOOT16 = '[2, "boot", "BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "Fast"}]'
BOOT201 = '[2, "boot", "BootNotification", {"chargingStation": {"model": "F", "vendorName": "A"}, "reason": "PowerUp"}]'

# (case, protocol, boot answer set beforehand, frames, expected [type, id, code-or-status] per answered frame)
CASES: list[tuple[str, str, str, list[str], list[list[Any]]]] = [
    ("malformed: not JSON", "ocpp1.6", "Accepted", ["[2, "], [[4, "-1", "FormationViolation"]]),
    ("malformed: unknown message type", "ocpp2.0.1", "Accepted", ['[7, "a", "Heartbeat", {}]'],
     [[4, "a", "MessageTypeNotSupported"]]),
    ("malformed: payload not an object", "ocpp2.0.1", "Accepted", ['[2, "a", "Heartbeat", []]'],
     [[4, "a", "FormatViolation"]]),
    ("schema: missing required field", "ocpp1.6", "Accepted", ['[2, "a", "StatusNotification", {"connectorId": 1}]'],
     [[4, "a", "ProtocolError"]]),
    ("schema: enum value off the list", "ocpp2.0.1", "Accepted",
     ['[2, "a", "LogStatusNotification", {"status": "Sideways"}]'], [[4, "a", "PropertyConstraintViolation"]]),
    ("schema: unknown field", "ocpp2.0.1", "Accepted", ['[2, "a", "Heartbeat", {"extra": 1}]'],
     [[4, "a", "FormatViolation"]]),
    ("wrong protocol: a 2.0.1 action on 1.6", "ocpp1.6", "Accepted", ['[2, "a", "TransactionEvent", {}]'],
     [[4, "a", "NotSupported"]]),
    ("wrong direction: a central-system action from the charger", "ocpp1.6", "Accepted",
     ['[2, "a", "Reset", {"type": "Soft"}]'], [[4, "a", "NotImplemented"]]),
    ("out of order: an answer nobody asked for is ignored", "ocpp1.6", "Accepted",
     ['[3, "nobody", {}]', '[2, "a", "Heartbeat", {}]'], [[3, "a", None]]),
    ("out of order: heartbeat while the boot is pending", "ocpp2.0.1", "Pending",
     [BOOT201, '[2, "a", "Heartbeat", {}]'], [[3, "boot", "Pending"], [4, "a", "SecurityError"]]),
    ("out of order: authorize after a rejected boot", "ocpp1.6", "Rejected",
     [BOOT16, '[2, "a", "Authorize", {"idTag": "04A2B3C4D5"}]'], [[3, "boot", "Rejected"], [4, "a", "SecurityError"]]),
    ("certificates: no certificate service", "ocpp2.0.1", "Accepted",
     ['[2, "a", "SignCertificate", {"csr": "x"}]', '[2, "b", "GetCertificateStatus", {"ocspRequestData": '
      '{"hashAlgorithm": "SHA256", "issuerNameHash": "a", "issuerKeyHash": "b", "serialNumber": "c", '
      '"responderURL": "http://o"}}]'], [[3, "a", "Rejected"], [3, "b", "Failed"]]),
]


def _short(frame: list[Any]) -> list[Any]:
    if frame[0] == 4:
        return frame[:3]
    return [3, frame[1], frame[2].get("status")]


@pytest.mark.parametrize("case,protocol,boot,frames,expected", CASES, ids=[c[0] for c in CASES])
async def test_negative_case(bridge: Bridge, case: str, protocol: str, boot: str, frames: list[str],
                             expected: list[list[Any]]) -> None:
    set_boot_answer(bridge.runtime.sessions, "CP-2001", boot)
    answers = []
    async with connect(f"{bridge.url}/CP-2001", subprotocols=[protocol]) as ws:
        for raw in frames:
            await ws.send(raw)
            if not raw.startswith("[3"):
                answers.append(_short(json.loads(await ws.recv())))
    assert answers == expected, case


@pytest.mark.parametrize("case,action,payload,requested_by,error", [
    ("raw: charger-initiated action", "Heartbeat", {}, "api", BadCommand),
    ("raw: another protocol's action", "SetVariables", {"setVariableData": []}, "api", BadCommand),
    ("raw: payload off the schema", "Reset", {"type": "Sideways"}, "api", BadCommand),
    ("raw: from a bot", "Reset", {"type": "Soft"}, "bot:c-1", PolicyRefused),
])
async def test_negative_command_case(bridge: Bridge, case: str, action: str, payload: dict[str, Any],
                                     requested_by: str, error: type[Exception]) -> None:
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp1.6"]):
        await wait_for_link(bridge, "CP-2001")
        with pytest.raises(error):
            await bridge.service.run_raw("CP-2001", action, payload, requested_by=requested_by)
