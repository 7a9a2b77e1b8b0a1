"""The search index: search_documents kept in step with tickets, and queries against it.

Every flush that changes a ticket's searchable text rewrites its search document in the same
transaction (a session event installed here; see enquiry.search.documents), so no domain verb
has to remember to. SQLite indexes the
documents in an FTS5 table kept in sync by triggers. PostgreSQL stores to_tsvector('simple',
document) in a generated column with a GIN index: ranking reads the stored vector instead of
parsing every matching document again (an expression index alone made a query matching
5,000 of 20,000 tickets take 3 s instead of 0.1 s). Both are created by the migration and, for
schemas made with `Base.metadata.create_all`, by a DDL event on the search_documents table;
`include_name` hides them from Alembic's autogenerate, since the models do not declare them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from enquiry.models import Message, SearchDocument, SessionLike, Ticket
from enquiry.search import documents, published_index, tokenizer

logger = logging.getLogger(__name__)

FTS_TABLE = "search_fts"
GIN_INDEX = "ix_search_documents_tsv"
VECTOR_COLUMN = "document_tsv"
# A broad word matches a third of a city's tickets; ranking all of them took seconds. Only the
# newest matches the user may see are ranked: the best 50 of the latest 2,000.
RANKED_CANDIDATES = 2000

# The external-content FTS5 table reads its text from search_documents. The 'ascii' tokenizer
# splits only on ASCII punctuation and spaces, so the tokens of enquiry.search, all letters and
# digits, come out as they went in (unicode61 would split Han characters newer than Unicode 6.1).
SQLITE_CREATE = (
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
)
POSTGRESQL_CREATE = (
    "ALTER TABLE search_documents ADD COLUMN document_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', document)) STORED",
    "CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (document_tsv)",
)


@dataclass(frozen=True)
class SearchHit:
    """A ticket that matched, how well, and the passage that matched.

    rank: higher is better; -bm25 on SQLite, ts_rank on PostgreSQL, so compare ranks only
    within one result list.
    """

    ticket: Ticket
    rank: float
    snippet: list[tokenizer.Segment]


def init_app(app: Flask) -> None:
    """Keep search documents in step with every session, and create the index with the schema."""
    table = SearchDocument.__table__
    for target, name, listener in (
        (Session, "before_flush", documents.drop_documents_of_deleted_tickets),
        (Session, "after_flush", documents.refresh_flushed_tickets),
        (table, "after_create", _create_index),
        (table, "before_drop", _drop_index),
    ):
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)
    published_index.install()


def optimize(connection: sa.Connection) -> None:
    """Rebuild the SQLite full-text table from search_documents (PostgreSQL needs nothing)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        connection.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")


def search(
    session: SessionLike,
    query: str,
    *,
    visible_department_ids: set[int] | None,
    limit: int = 50,
    where: Sequence[sa.ColumnElement[bool]] = (),
    candidates: int = RANKED_CANDIDATES,
) -> list[SearchHit]:
    """Return the tickets containing every token of the query, best first, with snippets.

    visible_department_ids=None means every department; `where` adds conditions on Ticket.
    Only the newest `candidates` matches that pass the conditions are ranked.
    """
    tokens = tokenizer.query_tokens(query)
    if not tokens or visible_department_ids == set():
        return []
    conditions = list(where)
    if visible_department_ids is not None:
        conditions.append(Ticket.department_id.in_(visible_department_ids))
    if session.get_bind().dialect.name == "postgresql":
        statement = _postgresql_search(tokens, conditions, candidates)
    else:
        statement = _sqlite_search(tokens, conditions, candidates)
    statement = statement.where(*conditions).order_by(Ticket.id.desc()).limit(limit)
    found = session.execute(statement).all()
    bodies = _indexed_bodies(session, [ticket.id for ticket, _rank in found])
    return [
        SearchHit(
            ticket=ticket,
            rank=float(rank),
            snippet=_snippet(ticket, bodies.get(ticket.id, []), tokens),
        )
        for ticket, rank in found
    ]


def _indexed_bodies(session: SessionLike, ticket_ids: list[int]) -> dict[int, list[str]]:
    """The indexed messages' bodies of each ticket, oldest first, as plain text (no objects)."""
    if not ticket_ids:
        return {}
    bodies: dict[int, list[str]] = {}
    rows = session.execute(
        sa.select(Message.ticket_id, Message.body)
        .where(Message.ticket_id.in_(ticket_ids), Message.kind.in_(documents.INDEXED_KINDS))
        .order_by(Message.id)
    )
    for ticket_id, body in rows:
        bodies.setdefault(ticket_id, []).append(body)
    return bodies


def include_name(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
    """Hide from Alembic's autogenerate the search structures that the models do not declare."""
    if not published_index.include_name(name, type_, parent_names):
        return False
    if type_ == "table" and name:
        return name != FTS_TABLE and not name.startswith(f"{FTS_TABLE}_")
    if type_ == "column" and parent_names.get("table_name") == SearchDocument.__tablename__:
        return name != VECTOR_COLUMN
    if type_ == "index":
        return name != GIN_INDEX
    return True


def _sqlite_search(
    tokens: list[str], conditions: Sequence[sa.ColumnElement[bool]], candidates: int
) -> sa.Select[tuple[Ticket, Any]]:
    # Every token a quoted FTS5 string, '"' doubled: nothing in a query is FTS5 syntax.
    match = " AND ".join('"' + token.replace('"', '""') + '"' for token in tokens)
    fts = sa.table(FTS_TABLE, sa.column("rowid", sa.Integer), sa.column(FTS_TABLE))
    matches = fts.c[FTS_TABLE].op("MATCH")(match)
    score = sa.literal_column(f"bm25({FTS_TABLE})", sa.Float)
    newest = (
        sa.select(fts.c.rowid)
        .join(Ticket, Ticket.id == fts.c.rowid)
        .where(matches, *conditions)
        .order_by(fts.c.rowid.desc())
        .limit(candidates)
    )
    return (
        sa.select(Ticket, (-score).label("rank"))
        .join(fts, fts.c.rowid == Ticket.id)
        .where(matches, Ticket.id.in_(newest.scalar_subquery()))
        .order_by(score)
    )


def _postgresql_search(
    tokens: list[str], conditions: Sequence[sa.ColumnElement[bool]], candidates: int
) -> sa.Select[tuple[Ticket, Any]]:
    # Every token a quoted tsquery lexeme, read by the same parser as the documents.
    quoted = " & ".join(
        "'" + token.replace("\\", "\\\\").replace("'", "''") + "'" for token in tokens
    )
    vector: sa.ColumnClause[Any] = sa.literal_column(f"search_documents.{VECTOR_COLUMN}")
    tsquery = sa.func.to_tsquery(sa.literal_column("'simple'"), sa.literal(quoted, sa.Text))
    score = sa.func.ts_rank(vector, tsquery, 1)  # 1: divide by 1 + log(document length)
    newest = (
        sa.select(SearchDocument.ticket_id)
        .join(Ticket, Ticket.id == SearchDocument.ticket_id)
        .where(vector.op("@@")(tsquery), *conditions)
        .order_by(SearchDocument.ticket_id.desc())
        .limit(candidates)
    )
    return (
        sa.select(Ticket, score.label("rank"))
        .join(SearchDocument, SearchDocument.ticket_id == Ticket.id)
        .where(SearchDocument.ticket_id.in_(newest.scalar_subquery()))
        .order_by(score.desc())
    )


def _snippet(ticket: Ticket, bodies: list[str], tokens: list[str]) -> list[tokenizer.Segment]:
    texts = [
        ticket.subject,
        ticket.info_description or "",
        *bodies,
        ticket.citizen_name,
        ticket.reference,
    ]
    found = tokenizer.snippet(texts, tokens)
    return found or [tokenizer.Segment(ticket.subject[: tokenizer.SNIPPET_CHARS], False)]


def _create_index(target: sa.Table, connection: sa.Connection, **kw: Any) -> None:
    statements = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE}
    for statement in statements.get(connection.dialect.name, ()):
        connection.exec_driver_sql(statement)


def _drop_index(target: sa.Table, connection: sa.Connection, **kw: Any) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
