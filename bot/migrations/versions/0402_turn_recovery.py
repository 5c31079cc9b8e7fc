"""channels: claims on running turns, the outbox of replies sent after the webhook

A turn a dead process left unfinished is found (through a small partial index
on the unprocessed inbound messages), claimed by one live process and
resumed; its replies, and any reply that outlasted its webhook, go out from
`reply_outbox` with retries.

Revision ID: 0402_turn_recovery
Revises: 0401_channels
"""
import sqlalchemy as sa
from alembic import op

revision = "0402_turn_recovery"
down_revision = "0401_channels"
branch_labels = None
depends_on = "0201_conversations"

UNFINISHED = sa.text("processed = false AND direction = 'in'")


def upgrade() -> None:
    op.create_table(
        "turn_claims",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resumes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["conversation_messages.id"],
                                name="fk_turn_claims_message_id_conversation_messages", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_id", name="pk_turn_claims"),
    )
    op.create_table(
        "reply_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("delivery_id", sa.String(128), nullable=False),
        sa.Column("from_number", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("parts_sent", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("gave_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_reply_outbox"),
        sa.UniqueConstraint("channel", "delivery_id", name="uq_reply_outbox_channel"),
    )
    op.create_index("ix_reply_outbox_next_attempt_at", "reply_outbox", ["next_attempt_at"])
    op.create_index("ix_conversation_messages_unfinished", "conversation_messages", ["at"],
                    postgresql_where=UNFINISHED, sqlite_where=UNFINISHED)


def downgrade() -> None:
    op.drop_index("ix_conversation_messages_unfinished", table_name="conversation_messages")
    op.drop_index("ix_reply_outbox_next_attempt_at", table_name="reply_outbox")
    op.drop_table("reply_outbox")
    op.drop_table("turn_claims")
