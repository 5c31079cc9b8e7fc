"""conversation: the agent holding a taken-over conversation, in its own column

The dialogue saves its state JSON at the end of every turn; a holder kept
inside that JSON was lost when a turn finished after the takeover.

Revision ID: 0203_conversation_agent
Revises: 0202_conversation_outcome
"""
import sqlalchemy as sa
from alembic import op

revision = "0203_conversation_agent"
down_revision = "0202_conversation_outcome"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("agent", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("agent")
