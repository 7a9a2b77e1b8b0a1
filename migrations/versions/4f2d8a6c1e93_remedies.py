"""remedies: administrative review and lawsuits over an application (table 四)

Revision ID: 4f2d8a6c1e93
Revises: 5e1c0a7d93f2
Create Date: 2026-12-04 21:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "4f2d8a6c1e93"
down_revision = "5e1c0a7d93f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "remedies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("review", "lawsuit", name="remedy_kind", native_enum=False, length=32,
                    create_constraint=True),
            nullable=False,
        ),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("body", sa.String(length=200), nullable=False),
        sa.Column("after_review", sa.Boolean(), nullable=True),
        sa.Column(
            "result",
            sa.Enum("upheld", "corrected", "other", "pending", name="remedy_result",
                    native_enum=False, length=32, create_constraint=True),
            nullable=False,
        ),
        sa.Column("concluded_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(result = 'pending') = (concluded_on IS NULL)",
            name=op.f("ck_remedies_concluded_iff_result"),
        ),
        sa.CheckConstraint(
            "(kind = 'lawsuit') = (after_review IS NOT NULL)",
            name=op.f("ck_remedies_after_review_iff_lawsuit"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_remedies_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remedies")),
    )
    with op.batch_alter_table("remedies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_remedies_ticket_id"), ["ticket_id"], unique=False)


def downgrade():
    with op.batch_alter_table("remedies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_remedies_ticket_id"))
    op.drop_table("remedies")
