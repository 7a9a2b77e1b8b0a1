"""outbox index for the daily cap on automatic mail

Revision ID: a1d4e6f8b203
Revises: e9327fa3b85c
Create Date: 2026-11-28 01:06:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1d4e6f8b203'
down_revision = 'e9327fa3b85c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbound_emails', schema=None) as batch_op:
        batch_op.create_index('ix_outbound_emails_status_sent_at', ['status', 'sent_at'], unique=False)


def downgrade():
    with op.batch_alter_table('outbound_emails', schema=None) as batch_op:
        batch_op.drop_index('ix_outbound_emails_status_sent_at')
