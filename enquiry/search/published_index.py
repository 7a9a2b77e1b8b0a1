"""The index of published answers: their redacted public text only, searched like tickets.

Each public copy has one document in publication_search_documents, the tokens of its title,
question and answer as the public sees them (the Publication row, never the ticket, so a
redacted span or a word found only in the original can never be found). A flush that adds a
copy or changes its text rewrites the document in the same transaction. SQLite searches it with
an FTS5 table kept in sync by triggers, PostgreSQL with a stored tsvector and a GIN index, like
the ticket index (enquiry.search.index). Whether a copy is public is decided by the query that
is narrowed here (status = published), so drafts may be indexed without being findable.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, UOWTransaction

from enquiry.models import Publication, PublicationSearchDocument, utcnow
from enquiry.search import tokenizer

logger = logging.getLogger(__name__)

FTS_TABLE = "publication_search_fts"
GIN_INDEX = "ix_publication_search_documents_tsv"
VECTOR_COLUMN = "document_tsv"
INDEXED_FIELDS = ("title", "question", "answer")

SQLITE_CREATE = (
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
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS publication_search_documents_au",
    "DROP TRIGGER IF EXISTS publication_search_documents_ad",
    "DROP TRIGGER IF EXISTS publication_search_documents_ai",
    "DROP TABLE IF EXISTS publication_search_fts",
)
SQLITE_REBUILD = "INSERT INTO publication_search_fts(publication_search_fts) VALUES ('rebuild')"
POSTGRESQL_CREATE = (
    "ALTER TABLE publication_search_documents ADD COLUMN document_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', document)) STORED",
    "CREATE INDEX ix_publication_search_documents_tsv ON publication_search_documents "
    "USING gin (document_tsv)",
)


def install() -> None:
    """Keep publication documents in step with every session, and create the index with them."""
    table = PublicationSearchDocument.__table__
    for target, name, listener in (
        (Session, "before_flush", drop_documents_of_deleted_publications),
        (Session, "after_flush", refresh_flushed_publications),
        (table, "after_create", _create_index),
        (table, "before_drop", _drop_index),
    ):
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)


def document_for(title: str, question: str, answer: str) -> str:
    """The space-joined tokens of a public copy's text (redacted title, question and answer)."""
    return tokenizer.document_for("", title, "", [question, answer])


def refresh(connection: sa.Connection, publication_ids: Collection[int]) -> int:
    """Rewrite the documents of these public copies from their rows; return how many."""
    if not publication_ids:
        return 0
    copies = Publication.__table__.c
    now = utcnow()
    rows = [
        {
            "publication_id": row.id,
            "document": document_for(row.title, row.question, row.answer),
            "updated_at": now,
        }
        for row in connection.execute(
            sa.select(copies.id, copies.title, copies.question, copies.answer).where(
                copies.id.in_(publication_ids)
            )
        )
    ]
    if rows:
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        statement = insert(PublicationSearchDocument)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["publication_id"],
                set_={
                    "document": statement.excluded.document,
                    "updated_at": statement.excluded.updated_at,
                },
                where=PublicationSearchDocument.document != statement.excluded.document,
            ),
            rows,
        )
    return len(rows)


def optimize(connection: sa.Connection) -> None:
    """Rebuild the SQLite full-text table from its documents (PostgreSQL needs nothing)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(SQLITE_REBUILD)


def matching(statement: sa.Select[Any], query: str, dialect: str) -> sa.Select[Any] | None:
    """Narrow a select of Publication to copies holding every query token, best match first.

    None when the query has no token at all (nothing can match it).
    """
    tokens = tokenizer.query_tokens(query)
    return _narrowed(statement, tokens, dialect, every=True) if tokens else None


def sharing(statement: sa.Select[Any], tokens: Sequence[str], dialect: str) -> sa.Select[Any]:
    """Narrow a select of Publication to copies holding any of the tokens, best match first."""
    return _narrowed(statement, tokens, dialect, every=False)


def _narrowed(
    statement: sa.Select[Any], tokens: Sequence[str], dialect: str, *, every: bool
) -> sa.Select[Any]:
    best: sa.ColumnElement[Any]
    if dialect == "postgresql":
        # Every token a quoted tsquery lexeme, read by the same parser as the documents.
        quoted = (" & " if every else " | ").join(
            "'" + token.replace("\\", "\\\\").replace("'", "''") + "'" for token in tokens
        )
        vector: sa.ColumnClause[Any] = sa.literal_column(
            f"publication_search_documents.{VECTOR_COLUMN}"
        )
        tsquery = sa.func.to_tsquery(sa.literal_column("'simple'"), sa.literal(quoted, sa.Text))
        statement = statement.join(
            PublicationSearchDocument,
            PublicationSearchDocument.publication_id == Publication.id,
        ).where(vector.op("@@")(tsquery))
        best = sa.func.ts_rank(vector, tsquery, 1).desc()
    else:
        # Every token a quoted FTS5 string, '"' doubled: nothing in a query is FTS5 syntax.
        match = (" AND " if every else " OR ").join(
            '"' + token.replace('"', '""') + '"' for token in tokens
        )
        fts = sa.table(FTS_TABLE, sa.column("rowid", sa.Integer), sa.column(FTS_TABLE))
        statement = statement.join(fts, fts.c.rowid == Publication.id).where(
            fts.c[FTS_TABLE].op("MATCH")(match)
        )
        best = sa.literal_column(f"bm25({FTS_TABLE})", sa.Float)
    return statement.order_by(None).order_by(
        best, Publication.published_at.desc(), Publication.id.desc()
    )


def include_name(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
    """Hide from Alembic's autogenerate the search structures that the models do not declare."""
    if type_ == "table" and name:
        return name != FTS_TABLE and not name.startswith(f"{FTS_TABLE}_")
    if (
        type_ == "column"
        and parent_names.get("table_name") == PublicationSearchDocument.__tablename__
    ):
        return name != VECTOR_COLUMN
    if type_ == "index":
        return name != GIN_INDEX
    return True


def drop_documents_of_deleted_publications(
    session: Session, flush_context: UOWTransaction, instances: Iterable[Any] | None
) -> None:
    """Delete a deleted copy's document first: it holds a foreign key to the copy."""
    gone = [obj.id for obj in session.deleted if isinstance(obj, Publication) and obj.id]
    if gone:
        session.connection().execute(
            sa.delete(PublicationSearchDocument).where(
                PublicationSearchDocument.publication_id.in_(gone)
            )
        )


def refresh_flushed_publications(session: Session, flush_context: UOWTransaction) -> None:
    """Rewrite the documents of the public copies whose text this flush added or changed."""
    changed = {
        obj.id
        for obj in (*session.new, *session.dirty)
        if isinstance(obj, Publication)
        and obj not in session.deleted
        and obj.id is not None
        and (obj in session.new or _changed(obj))
    }
    if changed:
        refresh(session.connection(), changed)


def _changed(obj: Publication) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in INDEXED_FIELDS)


def _create_index(target: sa.Table, connection: sa.Connection, **kw: Any) -> None:
    statements = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE}
    for statement in statements.get(connection.dialect.name, ()):
        connection.exec_driver_sql(statement)


def _drop_index(target: sa.Table, connection: sa.Connection, **kw: Any) -> None:
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_DROP:
            connection.exec_driver_sql(statement)
