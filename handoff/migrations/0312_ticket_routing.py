"""handoff: tickets keep the facts the escalation rules saw and the rule that fired on them

Revision ID: 0312_ticket_routing
Revises: 0311_agent_lockout
"""
import sqlalchemy as sa
from alembic import op

revision = "0312_ticket_routing"
down_revision = "0311_agent_lockout"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("routing", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("routing")
