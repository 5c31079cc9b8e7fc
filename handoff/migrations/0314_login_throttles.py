"""handoff: wrong logins counted per name, known or not, and per client address

The count kept on `agents` (failed_logins, locked_until) told a stranger which
names exist: only a real name ever locked. Every name, and every client
address, now has its count in `login_throttles`.

Revision ID: 0314_login_throttles
Revises: 0313_agent_sessions_since
"""
import sqlalchemy as sa
from alembic import op

revision = "0314_login_throttles"
down_revision = "0313_agent_sessions_since"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_login_throttles_window_start", "login_throttles", ["window_start"])
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.drop_index("ix_login_throttles_window_start", table_name="login_throttles")
    op.drop_table("login_throttles")
