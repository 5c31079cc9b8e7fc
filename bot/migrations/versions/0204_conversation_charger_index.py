"""conversation: index the charger a conversation is about

The escalation rules count drivers' failure reports per charger on every
diagnosis; without the index that read scans every conversation.

Revision ID: 0204_conversation_charger_index
Revises: 0203_conversation_agent
"""
from alembic import op

revision = "0204_conversation_charger_index"
down_revision = "0203_conversation_agent"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_conversations_charger_id", "conversations", ["charger_id"])


def downgrade() -> None:
    op.drop_index("ix_conversations_charger_id", table_name="conversations")
