"""channels: SMS/WhatsApp opt-outs

Revision ID: 0401_channels
Revises: 0001_fleet
"""
import sqlalchemy as sa
from alembic import op

revision = "0401_channels"
down_revision = "0001_fleet"
branch_labels = ("channels",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_optouts",
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("contact", sa.String(64), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "contact", name="pk_channel_optouts"),
    )


def downgrade() -> None:
    op.drop_table("channel_optouts")
