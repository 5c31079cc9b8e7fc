"""ocpp bridge: node leases (liveness), write-ahead command audit, the API caller's claimed identity

A bridge node renews a lease in ocpp_bridge_nodes; chargers served by a node
whose lease lapsed count as offline. Audit rows are written before a command
is sent (status Pending) and carry the caller's command id, the sending node
and, for API calls, the identity the caller claimed (never trusted).

Revision ID: 0102_liveness
Revises: 0101_ocpp
"""
import sqlalchemy as sa
from alembic import op

revision = "0102_liveness"
down_revision = "0101_ocpp"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ocpp_bridge_nodes",
        sa.Column("node_id", sa.String(100), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("renewed_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("node_id", name="pk_ocpp_bridge_nodes"),
    )
    op.create_index("ix_ocpp_charger_state_node_id", "ocpp_charger_state", ["node_id"])
    with op.batch_alter_table("ocpp_command_audit") as batch:
        batch.add_column(sa.Column("command_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("node_id", sa.String(100), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(120), nullable=True))
    op.create_index("ix_ocpp_command_audit_command_id", "ocpp_command_audit", ["command_id"])
    op.create_index("ix_ocpp_command_audit_status", "ocpp_command_audit", ["status"])


def downgrade() -> None:
    op.drop_index("ix_ocpp_command_audit_status", table_name="ocpp_command_audit")
    op.drop_index("ix_ocpp_command_audit_command_id", table_name="ocpp_command_audit")
    with op.batch_alter_table("ocpp_command_audit") as batch:
        batch.drop_column("claimed_by")
        batch.drop_column("node_id")
        batch.drop_column("command_id")
    op.drop_index("ix_ocpp_charger_state_node_id", table_name="ocpp_charger_state")
    op.drop_table("ocpp_bridge_nodes")
