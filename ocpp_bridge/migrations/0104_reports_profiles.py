"""ocpp bridge: what chargers report beyond status (charging limits, EV needs, log/firmware status, security
events, certificate requests), each charger's OCPP security profile from the fleet file, and the answer an
operator set for a charger's next BootNotification (Pending or Rejected)

Revision ID: 0104_reports_profiles
Revises: 0103_relay_upstream
"""
import sqlalchemy as sa
from alembic import op

revision = "0104_reports_profiles"
down_revision = "0103_relay_upstream"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ocpp_charger_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("charger_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("summary", sa.String(255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ocpp_charger_reports"),
    )
    op.create_index("ix_ocpp_charger_reports_charger_id", "ocpp_charger_reports", ["charger_id"])
    op.create_index("ix_ocpp_charger_reports_at", "ocpp_charger_reports", ["at"])
    with op.batch_alter_table("chargers") as batch:
        batch.add_column(sa.Column("security_profile", sa.Integer(), nullable=True))
    with op.batch_alter_table("ocpp_charger_state") as batch:
        batch.add_column(sa.Column("boot_answer", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ocpp_charger_state") as batch:
        batch.drop_column("boot_answer")
    with op.batch_alter_table("chargers") as batch:
        batch.drop_column("security_profile")
    op.drop_index("ix_ocpp_charger_reports_at", "ocpp_charger_reports")
    op.drop_index("ix_ocpp_charger_reports_charger_id", "ocpp_charger_reports")
    op.drop_table("ocpp_charger_reports")
