"""Paper applications: the applicant's postal address (letters by post when there is no e-mail)

Revision ID: b7d2e4a1c930
Revises: b7d2e4f6a813
Create Date: 2026-12-05 21:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7d2e4a1c930"
down_revision = "b7d2e4f6a813"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.add_column(sa.Column("citizen_address", sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.drop_column("citizen_address")
