"""The composer: reply drafts saved as the clerk types, and who has a ticket open

Revision ID: c0a9f3e51b7d
Revises: 4f2d8a6c1e93
Create Date: 2026-12-04 21:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c0a9f3e51b7d"
down_revision = "4f2d8a6c1e93"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reply_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_reply_drafts_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_reply_drafts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_drafts")),
        sa.UniqueConstraint("ticket_id", "user_id", name=op.f("uq_reply_drafts_ticket_id")),
    )
    with op.batch_alter_table("reply_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reply_drafts_ticket_id"), ["ticket_id"], unique=False)
    op.create_table(
        "ticket_presence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_presence_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ticket_presence_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_presence")),
        sa.UniqueConstraint("ticket_id", "user_id", name=op.f("uq_ticket_presence_ticket_id")),
    )
    with op.batch_alter_table("ticket_presence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_presence_seen_at"), ["seen_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ticket_presence_ticket_id"), ["ticket_id"], unique=False
        )


def downgrade():
    op.drop_table("ticket_presence")
    op.drop_table("reply_drafts")
