"""handoff: a ticket remembers when a person first answered it, so its SLA clock stops there

The console counted the first-response deadline down (and then up, in red)
after an agent had already answered. `first_response_at` is set by the
agent's first message in the ticket's conversation; existing tickets take it
from the messages already stored.

Revision ID: 0315_ticket_first_response
Revises: 0314_login_throttles
"""
import sqlalchemy as sa
from alembic import op

revision = "0315_ticket_first_response"
down_revision = "0314_login_throttles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True))
    # the conversation tables come from another migration branch; on a new database they may not exist yet
    if "conversation_messages" not in sa.inspect(op.get_bind()).get_table_names():
        return
    op.execute(
        "UPDATE tickets SET first_response_at = (SELECT MIN(m.at) FROM conversation_messages m "
        "WHERE m.conversation_id = tickets.conversation_id AND m.direction = 'agent' "
        "AND m.at >= tickets.created_at) WHERE conversation_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("first_response_at")
