"""handoff: a ticket keeps the conversation's language, so the console can show agents which one to answer in

Tickets opened before this have none (NULL); the console shows nothing for them.

Revision ID: 0316_ticket_language
Revises: 0315_ticket_first_response
"""
import sqlalchemy as sa
from alembic import op

revision = "0316_ticket_language"
down_revision = "0315_ticket_first_response"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("language")
