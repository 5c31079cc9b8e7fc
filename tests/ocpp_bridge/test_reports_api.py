"""`GET /api/chargers/{id}/reports`: what a charger reported beyond its status, newest first; 404 for a charger
nobody knows, 401 without the token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.db import transaction
from bot.runtime import Runtime
from bot.web import create_app
from ocpp_bridge.models import ChargerReport

TOKEN = {"Authorization": "Bearer test-token"}


def test_reports_come_newest_first_and_an_unknown_charger_is_a_404(fleet_runtime: Runtime) -> None:
    now = datetime.now(UTC)
    with transaction(fleet_runtime.sessions) as session:
        session.add_all([
            ChargerReport(charger_id="CP-1042", action="SecurityEventNotification", summary="security event: "
                          "FirmwareUpdated", payload={"type": "FirmwareUpdated"}, at=now - timedelta(minutes=5)),
            ChargerReport(charger_id="CP-1042", action="NotifyChargingLimit", summary="charging limit: 11 kW",
                          payload={"chargingLimit": {"chargingLimitSource": "EMS"}}, at=now)])
    client = create_app(runtime=fleet_runtime).test_client()

    answer = client.get("/api/chargers/CP-1042/reports", headers=TOKEN)
    assert answer.status_code == 200
    assert [r["action"] for r in answer.get_json()["reports"]] == ["NotifyChargingLimit", "SecurityEventNotification"]
    assert client.get("/api/chargers/CP-2001/reports", headers=TOKEN).get_json() == {"reports": []}  # known, quiet
    unknown = client.get("/api/chargers/CP-9999/reports", headers=TOKEN)
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "unknown_charger"
    assert client.get("/api/chargers/CP-1042/reports").status_code == 401
