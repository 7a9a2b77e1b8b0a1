"""audit chain: key id per event, one chain head, no two events after the same one

Revision ID: 3c8f1a9d5e27
Revises: a1d4e6f8b203
Create Date: 2026-12-04 15:40:00.000000

Events already present keep their unkeyed hashes (key_id NULL); `flask audit verify` accepts
them before the first keyed event only.

Older versions could fork the chain under concurrent writes (two events naming the same
previous hash), which UNIQUE(prev_hash) cannot accept. When such forks exist this migration
does NOT fail and does NOT drop anything: it re-links the events in id order, from the first
one that does not follow its predecessor, and keeps each re-linked event's original previous
hash and hash in its detail under "relinked_from". It logs a warning with the number of events
re-linked and the first id. Without forks, no event is touched.
"""
import hashlib
import json
import logging
from datetime import UTC

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c8f1a9d5e27'
down_revision = 'a1d4e6f8b203'
branch_labels = None
depends_on = None

logger = logging.getLogger("alembic.runtime.migration")
GENESIS_HASH = "0" * 64

events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("ticket_id", sa.Integer),
    sa.column("actor_id", sa.Integer),
    sa.column("actor_label", sa.String),
    sa.column("action", sa.String),
    sa.column("detail", sa.JSON),
    sa.column("remote_addr", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def legacy_hash(prev_hash, row, detail):
    """The unkeyed hash of enquiry.audit.event_hash, frozen here as it was."""
    created = row.created_at
    created = created.replace(tzinfo=UTC) if created.tzinfo is None else created.astimezone(UTC)
    fields = {
        "ticket_id": row.ticket_id,
        "actor_id": row.actor_id,
        "actor_label": row.actor_label,
        "action": row.action,
        "detail": detail,
        "remote_addr": row.remote_addr,
        "created_at": created.isoformat(),
    }
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


def relink_forks(connection):
    """Make the chain linear if it forked; return how many events were re-linked."""
    forked = connection.execute(
        sa.select(events.c.prev_hash).group_by(events.c.prev_hash).having(sa.func.count() > 1)
    ).all()
    if not forked:
        return 0
    expected, relinked, first = GENESIS_HASH, 0, None
    for row in connection.execute(sa.select(events).order_by(events.c.id)).all():
        if relinked or row.prev_hash != expected:
            detail = dict(row.detail or {})
            detail["relinked_from"] = {"prev_hash": row.prev_hash, "hash": row.hash}
            new_hash = legacy_hash(expected, row, detail)
            connection.execute(
                events.update()
                .where(events.c.id == row.id)
                .values(prev_hash=expected, hash=new_hash, detail=detail)
            )
            first = first or row.id
            relinked += 1
            expected = new_hash
        else:
            expected = row.hash
    logger.warning(
        "The audit chain had forked at %d place(s) (concurrent writes in older versions): "
        "re-linked %d events from id %d on; each keeps its original hashes in "
        "detail.relinked_from.",
        len(forked),
        relinked,
        first,
    )
    return relinked


def upgrade():
    connection = op.get_bind()
    relink_forks(connection)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_prev_hash'), ['prev_hash'])
    head = op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_audit_chain_head_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    last = connection.execute(
        sa.select(events.c.hash).order_by(events.c.id.desc()).limit(1)
    ).scalar()
    count = connection.execute(sa.select(sa.func.count()).select_from(events)).scalar()
    op.bulk_insert(head, [{"id": 1, "hash": last or GENESIS_HASH, "length": count or 0}])


def downgrade():
    op.drop_table('audit_chain_head')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_events_prev_hash'), type_='unique')
        batch_op.drop_column('key_id')
