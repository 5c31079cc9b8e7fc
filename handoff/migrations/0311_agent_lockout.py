"""handoff: agents count wrong passwords and wait after too many

Revision ID: 0311_agent_lockout
Revises: 0310_agents
"""
import sqlalchemy as sa
from alembic import op

revision = "0311_agent_lockout"
down_revision = "0310_agents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
