"""fleet: a charger's relay upstream (its CSMS URL and the password presented there)

Revision ID: 0103_relay_upstream
Revises: 0102_liveness
"""
import sqlalchemy as sa
from alembic import op

revision = "0103_relay_upstream"
down_revision = "0102_liveness"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chargers") as batch:
        batch.add_column(sa.Column("upstream_url", sa.String(500), nullable=True))
        batch.add_column(sa.Column("upstream_password", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chargers") as batch:
        batch.drop_column("upstream_password")
        batch.drop_column("upstream_url")
