"""index on ticket_reads (user_id, read_at): the newest read mark of a colleague

The unread count of every staff page is kept per process under a stamp that holds the
colleague's newest read mark; the index makes reading it a single step.

Revision ID: 9d2f5a8b3c71
Revises: 8c1e4f7a2b60
Create Date: 2026-12-06 07:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "9d2f5a8b3c71"
down_revision = "8c1e4f7a2b60"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_ticket_reads_user_id_read_at", "ticket_reads", ["user_id", "read_at"], unique=False
    )


def downgrade():
    op.drop_index("ix_ticket_reads_user_id_read_at", table_name="ticket_reads")
