"""The file an outgoing message carries: the formal letter (告知书) as PDF

Revision ID: a4c81f36d2e9
Revises: a61f0c3d9e28
Create Date: 2026-12-04 21:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a4c81f36d2e9"
down_revision = "a61f0c3d9e28"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachment_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_outbound_emails_attachment_id_attachments"),
            "attachments",
            ["attachment_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbound_emails_attachment_id_attachments"), type_="foreignkey"
        )
        batch_op.drop_column("attachment_id")
