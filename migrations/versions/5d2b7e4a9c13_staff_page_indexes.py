"""indexes for every staff page: messages (ticket_id, kind, id), notifications (user_id, id)

Unread markers and the unread count look for a citizen message after the last one read; the
bell reads a colleague's newest notifications (without the index, all of them are sorted).

Revision ID: 5d2b7e4a9c13
Revises: 3f6a8c2e9d41
Create Date: 2026-12-06 03:40:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "5d2b7e4a9c13"
down_revision = "3f6a8c2e9d41"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_messages_ticket_id_kind_id", "messages", ["ticket_id", "kind", "id"], unique=False
    )
    op.create_index(
        "ix_notifications_user_id_id", "notifications", ["user_id", "id"], unique=False
    )


def downgrade():
    op.drop_index("ix_notifications_user_id_id", table_name="notifications")
    op.drop_index("ix_messages_ticket_id_kind_id", table_name="messages")
