"""补正 (art. 30): when it was requested and the time limit the citizen was given

Revision ID: 7b3e2c9a1d04
Revises: 019db77dacff
Create Date: 2026-12-04 20:05:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "7b3e2c9a1d04"
down_revision = "019db77dacff"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("correction_requested_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("correction_due_on", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("correction_due_on")
        batch_op.drop_column("correction_requested_on")
