"""handoff: tickets, incidents and their contacts, the helpdesk outbox and its delivery attempts

Revision ID: 0301_tickets
Revises: 0001_fleet
"""
import sqlalchemy as sa
from alembic import op

revision = "0301_tickets"
down_revision = "0001_fleet"
branch_labels = ("handoff",)
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("tier", sa.String(24), nullable=False),
        sa.Column("priority", sa.String(2), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("resolved_at", TZ, nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
    )
    op.create_index("ix_incidents_kind", "incidents", ["kind"])
    op.create_index("ix_incidents_status", "incidents", ["status"])
    op.create_table(
        "incident_contacts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("contact", sa.String(64), nullable=False),
        sa.Column("contact_address", sa.String(128), nullable=True),
        sa.Column("charger_id", sa.String(64), nullable=True),
        sa.Column("site_id", sa.String(64), nullable=True),
        sa.Column("conversation_id", sa.String(32), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"],
                                name="fk_incident_contacts_incident_id_incidents", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_incident_contacts"),
    )
    op.create_index("ix_incident_contacts_incident_id", "incident_contacts", ["incident_id"])
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("contact", sa.String(64), nullable=False),
        sa.Column("contact_address", sa.String(128), nullable=True),
        sa.Column("charger_id", sa.String(64), nullable=True),
        sa.Column("connector_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.String(64), nullable=True),
        sa.Column("site_type", sa.String(32), nullable=True),
        sa.Column("intent", sa.String(32), nullable=True),
        sa.Column("nlu_confidence", sa.Float(), nullable=True),
        sa.Column("tier", sa.String(24), nullable=False),
        sa.Column("priority", sa.String(2), nullable=False),
        sa.Column("sla_due", TZ, nullable=False),
        sa.Column("rule", sa.String(64), nullable=True),
        sa.Column("problem", sa.String(64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("charger_snapshot", sa.JSON(), nullable=True),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("suggested_next_step", sa.Text(), nullable=False),
        sa.Column("conversation_id", sa.String(32), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("resolution_code", sa.String(64), nullable=True),
        sa.Column("resolved_at", TZ, nullable=True),
        sa.Column("resolved_by", sa.String(120), nullable=True),
        sa.Column("routing_verdict", sa.String(8), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name="fk_tickets_incident_id_incidents"),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
    )
    for column in ("created_at", "status", "charger_id", "tier", "conversation_id", "incident_id"):
        op.create_index(f"ix_tickets_{column}", "tickets", [column])
    op.create_table(
        "helpdesk_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.String(36), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered_at", TZ, nullable=True),
        sa.Column("gave_up_at", TZ, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name="fk_helpdesk_outbox_ticket_id_tickets", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_helpdesk_outbox"),
        sa.UniqueConstraint("delivery_id", name="uq_helpdesk_outbox_delivery_id"),
    )
    for column in ("ticket_id", "next_attempt_at", "delivered_at"):
        op.create_index(f"ix_helpdesk_outbox_{column}", "helpdesk_outbox", [column])
    op.create_table(
        "helpdesk_delivery_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["outbox_id"], ["helpdesk_outbox.id"],
                                name="fk_helpdesk_delivery_attempts_outbox_id_helpdesk_outbox", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_helpdesk_delivery_attempts"),
    )
    op.create_index("ix_helpdesk_delivery_attempts_outbox_id", "helpdesk_delivery_attempts", ["outbox_id"])


def downgrade() -> None:
    op.drop_table("helpdesk_delivery_attempts")
    op.drop_table("helpdesk_outbox")
    op.drop_table("tickets")
    op.drop_table("incident_contacts")
    op.drop_table("incidents")
