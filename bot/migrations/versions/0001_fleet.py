"""fleet: sites, chargers, connectors, id tokens, app state

Revision ID: 0001_fleet
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_fleet"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("payment_methods", sa.JSON(), nullable=False),
        sa.Column("emsps", sa.JSON(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sites"),
    )
    op.create_table(
        "chargers",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name="fk_chargers_site_id_sites"),
        sa.PrimaryKeyConstraint("id", name="pk_chargers"),
        sa.UniqueConstraint("label", name="uq_chargers_label"),
    )
    op.create_index("ix_chargers_site_id", "chargers", ["site_id"])
    op.create_table(
        "connectors",
        sa.Column("charger_id", sa.String(64), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("max_kw", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["charger_id"], ["chargers.id"], name="fk_connectors_charger_id_chargers", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("charger_id", "connector_id", name="pk_connectors"),
    )
    op.create_table(
        "id_tokens",
        sa.Column("id_tag", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=True),
        sa.Column("group_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id_tag", name="pk_id_tokens"),
    )
    op.create_table(
        "app_state",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_app_state"),
    )


def downgrade() -> None:
    op.drop_table("app_state")
    op.drop_table("id_tokens")
    op.drop_table("connectors")
    op.drop_index("ix_chargers_site_id", table_name="chargers")
    op.drop_table("chargers")
    op.drop_table("sites")
