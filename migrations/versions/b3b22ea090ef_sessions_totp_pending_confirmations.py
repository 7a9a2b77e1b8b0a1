"""session generation, pending TOTP secret, one-time confirmations

users.session_generation is part of the session id (raised to end a user's sessions);
users.totp_pending_secret holds the secret during enrolment instead of the session cookie;
pending_confirmations holds a new enquiry's code, sealed, until the confirmation page shows it.
Sessions signed in before this upgrade end (the session id changes format).

Revision ID: b3b22ea090ef
Revises: 3c8f1a9d5e27
Create Date: 2026-12-04 15:41:10.097045

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3b22ea090ef'
down_revision = '3c8f1a9d5e27'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pending_confirmations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('sealed_code', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_pending_confirmations_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_confirmations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_pending_confirmations_token_hash'))
    )
    with op.batch_alter_table('pending_confirmations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_confirmations_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_confirmations_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_pending_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
        batch_op.drop_column('totp_pending_secret')

    with op.batch_alter_table('pending_confirmations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_confirmations_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_pending_confirmations_created_at'))

    op.drop_table('pending_confirmations')
