"""conversation: how each conversation ended (outcome) and when it was closed

Revision ID: 0202_conversation_outcome
Revises: 0201_conversations
"""
import sqlalchemy as sa
from alembic import op

revision = "0202_conversation_outcome"
down_revision = "0201_conversations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("outcome", sa.String(16), nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("closed_at")
        batch.drop_column("outcome")
