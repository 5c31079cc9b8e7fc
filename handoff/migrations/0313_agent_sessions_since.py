"""handoff: logging out ends the agent's sessions on the server, not only in the browser

A session cookie saved before logout stayed valid until it expired; sessions
started before `sessions_since` are now refused.

Revision ID: 0313_agent_sessions_since
Revises: 0312_ticket_routing
"""
import sqlalchemy as sa
from alembic import op

revision = "0313_agent_sessions_since"
down_revision = "0312_ticket_routing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("sessions_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("sessions_since")
