"""publication search index: the redacted public copies, searched like tickets

Revision ID: b7d2e4f6a813
Revises: 5c8e1f3a9b72
Create Date: 2026-12-05 21:40:00.000000

/questions searches publication_search_documents (the tokens of each copy's redacted title,
question and answer; see enquiry/search/published_index.py) through an FTS5 table on SQLite and
a stored tsvector with a GIN index on PostgreSQL. The copies that exist are indexed here.
"""

from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

from enquiry.search import tokenizer


# revision identifiers, used by Alembic.
revision = "b7d2e4f6a813"
down_revision = "5c8e1f3a9b72"
branch_labels = None
depends_on = None

SQLITE_UPGRADE = (
    "CREATE VIRTUAL TABLE publication_search_fts USING fts5(document, "
    "content='publication_search_documents', content_rowid='publication_id', tokenize='ascii')",
    "CREATE TRIGGER publication_search_documents_ai AFTER INSERT ON publication_search_documents "
    "BEGIN INSERT INTO publication_search_fts(rowid, document) "
    "VALUES (new.publication_id, new.document); END",
    "CREATE TRIGGER publication_search_documents_ad AFTER DELETE ON publication_search_documents "
    "BEGIN INSERT INTO publication_search_fts(publication_search_fts, rowid, document) "
    "VALUES ('delete', old.publication_id, old.document); END",
    "CREATE TRIGGER publication_search_documents_au AFTER UPDATE ON publication_search_documents "
    "BEGIN INSERT INTO publication_search_fts(publication_search_fts, rowid, document) "
    "VALUES ('delete', old.publication_id, old.document); "
    "INSERT INTO publication_search_fts(rowid, document) "
    "VALUES (new.publication_id, new.document); END",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS publication_search_documents_au",
    "DROP TRIGGER IF EXISTS publication_search_documents_ad",
    "DROP TRIGGER IF EXISTS publication_search_documents_ai",
    "DROP TABLE IF EXISTS publication_search_fts",
)
POSTGRESQL_UPGRADE = (
    "ALTER TABLE publication_search_documents ADD COLUMN document_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', document)) STORED",
    "CREATE INDEX ix_publication_search_documents_tsv ON publication_search_documents "
    "USING gin (document_tsv)",
)
POSTGRESQL_DOWNGRADE = ("DROP INDEX IF EXISTS ix_publication_search_documents_tsv",)


def upgrade():
    documents = op.create_table(
        "publication_search_documents",
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publications.id"],
            name=op.f("fk_publication_search_documents_publication_id_publications"),
        ),
        sa.PrimaryKeyConstraint("publication_id", name=op.f("pk_publication_search_documents")),
    )
    statements = {"sqlite": SQLITE_UPGRADE, "postgresql": POSTGRESQL_UPGRADE}
    for statement in statements.get(op.get_bind().dialect.name, ()):
        op.execute(statement)
    _index_existing_copies(documents)


def downgrade():
    statements = {"sqlite": SQLITE_DOWNGRADE, "postgresql": POSTGRESQL_DOWNGRADE}
    for statement in statements.get(op.get_bind().dialect.name, ()):
        op.execute(statement)
    op.drop_table("publication_search_documents")


def _index_existing_copies(documents):
    copies = sa.table(
        "publications",
        sa.column("id", sa.Integer),
        sa.column("title", sa.Text),
        sa.column("question", sa.Text),
        sa.column("answer", sa.Text),
    )
    bind = op.get_bind()
    now = datetime.now(UTC)
    rows = [
        {
            "publication_id": row.id,
            "document": tokenizer.document_for("", row.title, "", [row.question, row.answer]),
            "updated_at": now,
        }
        for row in bind.execute(sa.select(copies))
    ]
    if rows:
        op.bulk_insert(documents, rows)

