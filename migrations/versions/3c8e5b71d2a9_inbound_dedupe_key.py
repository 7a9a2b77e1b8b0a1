"""inbound mail deduplicated on Message-ID and content: a reused Message-ID is not a duplicate

Revision ID: 3c8e5b71d2a9
Revises: b3b22ea090ef
Create Date: 2026-12-04 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c8e5b71d2a9'
down_revision = 'b3b22ea090ef'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inbound_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_inbound_emails_dedupe_key'), ['dedupe_key'])

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint('uq_messages_email_message_id', type_='unique')
        batch_op.create_index(batch_op.f('ix_messages_email_message_id'), ['email_message_id'], unique=False)


def downgrade():
    # Fails if two messages share a Message-ID by then (a collision taken in under this revision).
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_email_message_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_messages_email_message_id'), ['email_message_id'])

    with op.batch_alter_table('inbound_emails', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_inbound_emails_dedupe_key'), type_='unique')
        batch_op.drop_column('dedupe_key')
