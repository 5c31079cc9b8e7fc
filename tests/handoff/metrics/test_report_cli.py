"""`chargeline report`: the figures as a table, a JSON file and PNG charts."""

from __future__ import annotations

import json
import struct
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy.orm import Session

from bot.runtime import Runtime
from handoff.clock import utcnow
from handoff.report_cli import report_command


def _rows(rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    day = utcnow() - timedelta(days=2)
    rows.conversation(day, messages=[("in", "how_to_pay", 0)])
    rows.conversation(day + timedelta(hours=1), contact="+4915550000002", charger_id="CP-A1",
                      messages=[("in", "start_failure", 0)])
    ticketed = rows.conversation(day + timedelta(hours=2), contact="+4915550000003", messages=[("in", "cable_stuck", 0)])
    rows.ticket(day + timedelta(hours=2), conversation_id=ticketed, tier="tier2", sla_minutes=60,
                resolved=day + timedelta(hours=3), verdict="wrong", intent="cable_stuck")
    rows.conversation(day - timedelta(days=20), contact="+4915550000009")  # before the default 7 days
    session.commit()


def _run(runtime: Runtime, *args: str):  # type: ignore[no-untyped-def]
    env = {"CHARGELINE_DATABASE_URL": runtime.settings.database_url, "CHARGELINE_API_TOKEN": "t",
           "CHARGELINE_LOG_LEVEL": "WARNING"}
    return CliRunner().invoke(report_command, list(args), env=env)


def test_report_prints_the_table_and_writes_json_and_charts(fleet: Runtime, rows, session: Session,
                                                            tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _rows(rows, session)

    result = _run(fleet, "--out", str(tmp_path / "out"))

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Contacts                      3" in lines
    assert "Deflection (no human)          66.7%  (2 / 3)" in lines
    assert "Escalation accuracy             0.0%  (0 / 1)" in lines
    sla_at = lines.index("SLA attainment per tier")
    assert lines[sla_at + 1] == "  tier2                       100.0%  (1 / 1)"  # answered right at the due time
    routing_at = lines.index("Escalation accuracy per tier")
    assert lines[routing_at + 1] == "  tier2                         0.0%  (0 / 1)"
    ended_at = lines.index("How conversations ended, by channel (resolved by the bot / ended)")
    assert lines[ended_at + 1] == "  sms                         -        (none counted)   open 3"  # none closed yet
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["contacts"] == 3 and report["deflection"]["numerator"] == 2
    assert report["contact_volume"]["by_site_type"] == {"fleet_depot": 2, "highway": 1}
    for name in ("rates", "sla", "contacts_intent", "contacts_channel", "contacts_site_type", "contacts_hour"):
        data = (tmp_path / "out" / f"{name}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])
        assert width >= 480 and height > 40


def test_report_narrows_to_a_site_type_and_a_period(fleet: Runtime, rows, session: Session) -> None:  # type: ignore[no-untyped-def]
    _rows(rows, session)
    since = (utcnow() - timedelta(days=30)).date().isoformat()

    result = _run(fleet, "--site-type", "fleet_depot", "--since", since)

    assert result.exit_code == 0, result.output
    assert "site type fleet_depot" in result.output
    assert "Contacts                      3" in result.output.splitlines()  # two in the week, one 20 days back


def test_report_rejects_a_bad_date_in_one_line(fleet: Runtime) -> None:
    result = _run(fleet, "--since", "last tuesday")
    assert result.exit_code == 2
    assert result.output.strip() == ("error: --since 'last tuesday' is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)")
    assert _run(fleet, "--since", "2026-01-02", "--until", "2026-01-01").exit_code == 2
