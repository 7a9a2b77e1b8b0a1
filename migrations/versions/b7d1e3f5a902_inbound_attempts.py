"""inbound_emails.attempts: the worker's tries at taking a message in

A message that stops the process taking it in (a crash, an out-of-memory kill) was taken up
again at every pass of the worker, ahead of the messages behind it; counted, it is set aside
for staff after three tries.

Revision ID: b7d1e3f5a902
Revises: a4e7c2d9f150
Create Date: 2026-12-06 17:20:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "b7d1e3f5a902"
down_revision = "a4e7c2d9f150"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inbound_emails") as batch_op:
        batch_op.add_column(
            sa.Column("attempts", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("inbound_emails") as batch_op:
        batch_op.drop_column("attempts")
