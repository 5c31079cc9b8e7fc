"""ocpp bridge: charger and connector state, status history, sessions, command audit, safety locks

Revision ID: 0101_ocpp
Revises: 0001_fleet
"""
import sqlalchemy as sa
from alembic import op

revision = "0101_ocpp"
down_revision = "0001_fleet"
branch_labels = ("ocpp_bridge",)
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ocpp_charger_state",
        sa.Column("charger_id", sa.String(64), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("online_since", TZ, nullable=True),
        sa.Column("offline_since", TZ, nullable=True),
        sa.Column("offline_reason", sa.String(100), nullable=True),
        sa.Column("last_heartbeat", TZ, nullable=True),
        sa.Column("last_seen", TZ, nullable=True),
        sa.Column("protocol", sa.String(16), nullable=True),
        sa.Column("node_id", sa.String(100), nullable=True),
        sa.Column("vendor", sa.String(100), nullable=True),
        sa.Column("model", sa.String(100), nullable=True),
        sa.Column("firmware_version", sa.String(100), nullable=True),
        sa.Column("serial_number", sa.String(100), nullable=True),
        sa.Column("booted_at", TZ, nullable=True),
        sa.Column("firmware_status", sa.String(50), nullable=True),
        sa.Column("diagnostics_status", sa.String(50), nullable=True),
        sa.PrimaryKeyConstraint("charger_id", name="pk_ocpp_charger_state"),
    )
    op.create_table(
        "ocpp_connector_state",
        sa.Column("charger_id", sa.String(64), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("error_code", sa.String(50), nullable=True),
        sa.Column("vendor_error_code", sa.String(50), nullable=True),
        sa.Column("info", sa.String(255), nullable=True),
        sa.Column("since", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("charger_id", "connector_id", name="pk_ocpp_connector_state"),
    )
    op.create_table(
        "ocpp_status_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("charger_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(50), nullable=True),
        sa.Column("error_code", sa.String(50), nullable=True),
        sa.Column("vendor_error_code", sa.String(50), nullable=True),
        sa.Column("info", sa.String(255), nullable=True),
        sa.Column("at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ocpp_status_events"),
    )
    op.create_index("ix_ocpp_status_events_charger_id", "ocpp_status_events", ["charger_id"])
    op.create_index("ix_ocpp_status_events_at", "ocpp_status_events", ["at"])
    op.create_table(
        "ocpp_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("charger_id", sa.String(64), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=True),
        sa.Column("transaction_id", sa.String(64), nullable=True),
        sa.Column("id_tag_masked", sa.String(64), nullable=True),
        sa.Column("id_tag_hash", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(100), nullable=True),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("stopped_at", TZ, nullable=True),
        sa.Column("meter_start_wh", sa.Float(), nullable=True),
        sa.Column("meter_stop_wh", sa.Float(), nullable=True),
        sa.Column("energy_wh", sa.Float(), nullable=True),
        sa.Column("power_w", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ocpp_sessions"),
    )
    op.create_index("ix_ocpp_sessions_charger_id", "ocpp_sessions", ["charger_id"])
    op.create_index("ix_ocpp_sessions_transaction_id", "ocpp_sessions", ["transaction_id"])
    op.create_index("ix_ocpp_sessions_outcome", "ocpp_sessions", ["outcome"])
    op.create_table(
        "ocpp_command_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("charger_id", sa.String(64), nullable=False),
        sa.Column("requested_by", sa.String(120), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=True),
        sa.Column("observed", sa.JSON(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ocpp_command_audit"),
    )
    op.create_index("ix_ocpp_command_audit_charger_id", "ocpp_command_audit", ["charger_id"])
    op.create_index("ix_ocpp_command_audit_requested_by", "ocpp_command_audit", ["requested_by"])
    op.create_index("ix_ocpp_command_audit_at", "ocpp_command_audit", ["at"])
    op.create_table(
        "ocpp_safety_locks",
        sa.Column("charger_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(255), nullable=False),
        sa.Column("locked_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("charger_id", name="pk_ocpp_safety_locks"),
    )


def downgrade() -> None:
    op.drop_table("ocpp_safety_locks")
    for index in ("at", "requested_by", "charger_id"):
        op.drop_index(f"ix_ocpp_command_audit_{index}", table_name="ocpp_command_audit")
    op.drop_table("ocpp_command_audit")
    for index in ("outcome", "transaction_id", "charger_id"):
        op.drop_index(f"ix_ocpp_sessions_{index}", table_name="ocpp_sessions")
    op.drop_table("ocpp_sessions")
    op.drop_index("ix_ocpp_status_events_at", table_name="ocpp_status_events")
    op.drop_index("ix_ocpp_status_events_charger_id", table_name="ocpp_status_events")
    op.drop_table("ocpp_status_events")
    op.drop_table("ocpp_connector_state")
    op.drop_table("ocpp_charger_state")
