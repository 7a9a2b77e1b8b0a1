"""search index: SQLite FTS5 table with triggers, PostgreSQL tsvector column with a GIN index

Revision ID: 5b3e9c1d7a42
Revises: 7380151671fb
Create Date: 2026-11-28 10:00:00.000000

The tokenised documents live in search_documents (see enquiry/search/tokenizer.py); this migration adds
what each database searches them with. Tickets that existed before it have no document yet:
run `flask search reindex` once after upgrading.

Batch ("move and copy") migrations on SQLite recreate a table and drop its triggers: a later
migration that batch-alters search_documents must create the three triggers again.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5b3e9c1d7a42'
down_revision = '7380151671fb'
branch_labels = None
depends_on = None

SQLITE_UPGRADE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(document, content='search_documents', "
    "content_rowid='ticket_id', tokenize='ascii')",
    "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, document) VALUES (new.ticket_id, new.document); END",
    "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, document) "
    "VALUES ('delete', old.ticket_id, old.document); END",
    "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, document) "
    "VALUES ('delete', old.ticket_id, old.document); "
    "INSERT INTO search_fts(rowid, document) VALUES (new.ticket_id, new.document); END",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS search_documents_au",
    "DROP TRIGGER IF EXISTS search_documents_ad",
    "DROP TRIGGER IF EXISTS search_documents_ai",
    "DROP TABLE IF EXISTS search_fts",
)
# A stored vector, not only an expression index: ranking then reads it instead of parsing
# every matching document again.
POSTGRESQL_UPGRADE = (
    "ALTER TABLE search_documents ADD COLUMN document_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', document)) STORED",
    "CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (document_tsv)",
)
POSTGRESQL_DOWNGRADE = (
    "DROP INDEX IF EXISTS ix_search_documents_tsv",
    "ALTER TABLE search_documents DROP COLUMN IF EXISTS document_tsv",
)


def upgrade():
    statements = {"sqlite": SQLITE_UPGRADE, "postgresql": POSTGRESQL_UPGRADE}
    for statement in statements.get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def downgrade():
    statements = {"sqlite": SQLITE_DOWNGRADE, "postgresql": POSTGRESQL_DOWNGRADE}
    for statement in statements.get(op.get_bind().dialect.name, ()):
        op.execute(statement)
