"""read horizons: what counted as read when the unread markers arrived

Every colleague who exists at upgrade time gets a horizon at the newest message then stored,
so the backlog does not show as unread to everyone; only what arrives afterwards is new.

Revision ID: 7b3e9d1c4a58
Revises: b7d2e4a1c930
Create Date: 2026-12-05 21:30:00.000000

"""

from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "7b3e9d1c4a58"
down_revision = "b7d2e4a1c930"
branch_labels = None
depends_on = None


def upgrade():
    horizons = op.create_table(
        "read_horizons",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_message_id", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_read_horizons_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_read_horizons")),
    )
    connection = op.get_bind()
    newest = connection.execute(sa.text("SELECT MAX(id) FROM messages")).scalar() or 0
    users = connection.execute(sa.text("SELECT id FROM users")).scalars().all()
    now = datetime.now(UTC)
    if users:
        op.bulk_insert(
            horizons,
            [{"user_id": user_id, "last_message_id": newest, "set_at": now} for user_id in users],
        )


def downgrade():
    op.drop_table("read_horizons")
