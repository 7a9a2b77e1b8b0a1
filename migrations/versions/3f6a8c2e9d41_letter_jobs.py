"""letter jobs: formal letters whose PDF the worker renders

Revision ID: 3f6a8c2e9d41
Revises: 7b3e9d1c4a58
Create Date: 2026-12-06 00:50:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3f6a8c2e9d41"
down_revision = "7b3e9d1c4a58"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "letter_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("outbound_email_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_letter_jobs_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_letter_jobs_message_id_messages")
        ),
        sa.ForeignKeyConstraint(
            ["outbound_email_id"],
            ["outbound_emails.id"],
            name=op.f("fk_letter_jobs_outbound_email_id_outbound_emails"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_letter_jobs_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_jobs")),
    )
    with op.batch_alter_table("letter_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_letter_jobs_outbound_email_id"), ["outbound_email_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_letter_jobs_ticket_id"), ["ticket_id"], unique=False)


def downgrade():
    with op.batch_alter_table("letter_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letter_jobs_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_letter_jobs_outbound_email_id"))
    op.drop_table("letter_jobs")
