"""Every charger-initiated message of 1.6J and 2.0.1 is answered (never NotImplemented) and its facts recorded."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ocpp.messages import get_validator
from sqlalchemy import select
from websockets.asyncio.client import connect

from ocpp_bridge.actions import CHARGER_INITIATED
from ocpp_bridge.models import ChargerReport
from ocpp_bridge.server import Bridge

NOW = "2026-12-06T10:00:00Z"
SCHEDULE = {"id": 1, "chargingRateUnit": "W", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000.0}]}
TAG = {"idToken": "04A2B3C4D5", "type": "ISO14443"}
EXAMPLES: dict[str, dict[str, dict[str, Any]]] = {
    "ocpp1.6": {
        "Authorize": {"idTag": "04A2B3C4D5"},
        "BootNotification": {"chargePointVendor": "ACME", "chargePointModel": "Fast"},
        "DataTransfer": {"vendorId": "acme"},
        "DiagnosticsStatusNotification": {"status": "Uploaded"},
        "FirmwareStatusNotification": {"status": "Installed"},
        "Heartbeat": {},
        "LogStatusNotification": {"status": "Uploaded", "requestId": 4},
        "MeterValues": {"connectorId": 1, "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": "10"}]}]},
        "SecurityEventNotification": {"type": "FirmwareUpdated", "timestamp": NOW},
        "SignCertificate": {"csr": "-----BEGIN CERTIFICATE REQUEST-----"},
        "SignedFirmwareStatusNotification": {"status": "SignatureVerified", "requestId": 2},
        "StartTransaction": {"connectorId": 1, "idTag": "04A2B3C4D5", "meterStart": 0, "timestamp": NOW},
        "StatusNotification": {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
        "StopTransaction": {"meterStop": 5000, "timestamp": NOW, "transactionId": 1},
    },
    "ocpp2.0.1": {
        "Authorize": {"idToken": TAG},
        "BootNotification": {"chargingStation": {"model": "Fast", "vendorName": "ACME"}, "reason": "PowerUp"},
        "ClearedChargingLimit": {"chargingLimitSource": "EMS", "evseId": 1},
        "DataTransfer": {"vendorId": "acme"},
        "FirmwareStatusNotification": {"status": "Installed"},
        "Get15118EVCertificate": {"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef", "action": "Install",
                                  "exiRequest": "AAAA"},
        "GetCertificateStatus": {"ocspRequestData": {"hashAlgorithm": "SHA256", "issuerNameHash": "a",
                                                     "issuerKeyHash": "b", "serialNumber": "c",
                                                     "responderURL": "http://ocsp.example"}},
        "Heartbeat": {},
        "LogStatusNotification": {"status": "Uploaded", "requestId": 4},
        "MeterValues": {"evseId": 1, "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": 10.0}]}]},
        "NotifyChargingLimit": {"chargingLimit": {"chargingLimitSource": "SO", "isGridCritical": True}, "evseId": 1},
        "NotifyCustomerInformation": {"data": "none", "seqNo": 0, "generatedAt": NOW, "requestId": 5},
        "NotifyDisplayMessages": {"requestId": 6},
        "NotifyEVChargingNeeds": {"evseId": 1, "chargingNeeds": {
            "requestedEnergyTransfer": "AC_three_phase",
            "acChargingParameters": {"energyAmount": 20000, "evMinCurrent": 6, "evMaxCurrent": 16,
                                     "evMaxVoltage": 400}}},
        "NotifyEVChargingSchedule": {"timeBase": NOW, "chargingSchedule": SCHEDULE, "evseId": 1},
        "NotifyEvent": {"generatedAt": NOW, "seqNo": 0, "eventData": [{
            "eventId": 1, "timestamp": NOW, "trigger": "Alerting", "actualValue": "1", "eventNotificationType":
            "HardWiredNotification", "component": {"name": "Door"}, "variable": {"name": "Open"}}]},
        "NotifyMonitoringReport": {"requestId": 7, "seqNo": 0, "generatedAt": NOW},
        "NotifyReport": {"requestId": 8, "generatedAt": NOW, "seqNo": 0},
        "PublishFirmwareStatusNotification": {"status": "Published", "location": ["http://fw.example/1"],
                                              "requestId": 9},
        "ReportChargingProfiles": {"requestId": 10, "chargingLimitSource": "CSO", "evseId": 1, "chargingProfile": [{
            "id": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Relative",
            "chargingSchedule": [SCHEDULE]}]},
        "ReservationStatusUpdate": {"reservationId": 3, "reservationUpdateStatus": "Expired"},
        "SecurityEventNotification": {"type": "TamperDetectionActivated", "timestamp": NOW},
        "SignCertificate": {"csr": "-----BEGIN CERTIFICATE REQUEST-----"},
        "StatusNotification": {"timestamp": NOW, "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
        "TransactionEvent": {"eventType": "Started", "timestamp": NOW, "triggerReason": "Authorized", "seqNo": 0,
                             "transactionInfo": {"transactionId": "tx-1"}, "idToken": TAG, "evse": {"id": 1}},
    },
}


def test_the_examples_cover_every_charger_message() -> None:
    for protocol, examples in EXAMPLES.items():
        assert set(examples) == CHARGER_INITIATED[protocol]


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
async def test_every_charger_message_gets_a_valid_call_result(bridge: Bridge, protocol: str) -> None:
    version = protocol.removeprefix("ocpp")
    answers: dict[str, Any] = {}
    async with connect(f"{bridge.url}/CP-2001", subprotocols=[protocol]) as ws:
        for n, (action, payload) in enumerate(sorted(EXAMPLES[protocol].items())):
            assert get_validator(2, action, version).is_valid(payload), action
            await ws.send(json.dumps([2, f"m{n}", action, payload]))
            frame = json.loads(await ws.recv())
            assert frame[:2] == [3, f"m{n}"], (action, frame)
            assert get_validator(3, action, version).is_valid(frame[2]), (action, frame[2])
            answers[action] = frame[2]
    if protocol == "ocpp2.0.1":
        assert answers["SignCertificate"]["status"] == "Rejected"
        assert answers["Get15118EVCertificate"]["status"] == "Failed"
        assert answers["GetCertificateStatus"]["status"] == "Failed"
        assert answers["NotifyEVChargingNeeds"]["status"] == "Rejected"
        assert answers["NotifyEVChargingSchedule"]["status"] == "Accepted"
    else:
        assert answers["SignCertificate"] == {"status": "Rejected"}


async def test_charging_limits_and_ev_needs_are_recorded_for_agents(bridge: Bridge) -> None:
    async with connect(f"{bridge.url}/CP-2001", subprotocols=["ocpp2.0.1"]) as ws:
        for n, action in enumerate(("NotifyChargingLimit", "NotifyEVChargingNeeds", "ClearedChargingLimit",
                                    "LogStatusNotification")):
            await ws.send(json.dumps([2, f"r{n}", action, EXAMPLES["ocpp2.0.1"][action]]))
            assert json.loads(await ws.recv())[0] == 3
    await bridge.core.flush()
    with bridge.runtime.sessions() as session:
        rows = list(session.scalars(select(ChargerReport).order_by(ChargerReport.id)))
    assert [(r.charger_id, r.action, r.summary) for r in rows] == [
        ("CP-2001", "NotifyChargingLimit", "charging limited by SO (grid critical) on EVSE 1"),
        ("CP-2001", "NotifyEVChargingNeeds", "EV needs AC_three_phase, 20000 Wh wanted on EVSE 1"),
        ("CP-2001", "ClearedChargingLimit", "charging limit of EMS cleared on EVSE 1"),
        ("CP-2001", "LogStatusNotification", "log upload Uploaded (request 4)"),
    ]
    assert rows[0].payload == {"chargingLimit": {"chargingLimitSource": "SO", "isGridCritical": True}, "evseId": 1}
