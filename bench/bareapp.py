"""The yardstick of `bench ratio`: a bare Flask app doing the least each page needs.

It serves the same five requests as Enquiry with plain `sqlite3` and `render_template_string`:
a public form (GET /ask) that a POST answers by inserting one row and redirecting (303); a
staff inbox's first page (the newest 50 tickets); one ticket with its messages; a full-text
search. The pages read the seeded Enquiry database (BARE_SOURCE, read-only); submissions go to
a database of its own (BARE_DB, WAL). No login, CSRF, templates on disk, translations or ORM:
what is left is Flask, WSGI and SQLite, which any Flask app pays.

Run by `python -m bench ratio` as `gunicorn bench.bareapp:app`.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from datetime import UTC, datetime
from typing import Any

from flask import Flask, abort, g, redirect, render_template_string, request

app = Flask(__name__)

FORM = """<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>留言</title></head>
<body><form method="post" action="/ask">
<input type="hidden" name="token" value="{{ token }}">
<select name="kind">{% for k in kinds %}<option value="{{ k }}">{{ k }}</option>{% endfor %}
</select>
<input name="subject"><input name="name"><input name="email" type="email">
<textarea name="message"></textarea><button>提交</button></form></body></html>"""
DONE = "<!doctype html><p>{{ reference }}</p>"
INBOX = """<!doctype html><table>{% for t in rows %}<tr><td><a href="/staff/tickets/{{ t[0] }}">
{{ t[1] }}</a></td><td>{{ t[2] }}</td><td>{{ t[3] }}</td><td>{{ t[4] }}</td></tr>
{% endfor %}</table>"""
TICKET = """<!doctype html><h1>{{ t[1] }} {{ t[2] }}</h1><p>{{ t[3] }}</p>
{% for m in messages %}<article><p>{{ m[0] }}</p><div>{{ m[1] }}</div></article>{% endfor %}"""
RESULTS = """<!doctype html><p>{{ q }}</p><ol>{% for t in rows %}<li>
<a href="/staff/tickets/{{ t[0] }}">{{ t[1] }}</a> {{ t[2] }}</li>{% endfor %}</ol>"""
KINDS = ["question", "suggestion", "complaint", "info_application"]


def _connect(path: str, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=15)
    connection = sqlite3.connect(path, timeout=15)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def _source() -> sqlite3.Connection:
    if "source" not in g:
        g.source = _connect(os.environ["BARE_SOURCE"], readonly=True)
    return g.source  # type: ignore[no-any-return]


def _own() -> sqlite3.Connection:
    if "own" not in g:
        g.own = _connect(os.environ["BARE_DB"])
    return g.own  # type: ignore[no-any-return]


@app.teardown_appcontext
def _close(_error: Any) -> None:
    for name in ("source", "own"):
        connection = g.pop(name, None)
        if connection is not None:
            connection.close()


@app.get("/")
def home() -> str:
    return "ok"


@app.get("/ask")
def form() -> str:
    return render_template_string(FORM, token=secrets.token_urlsafe(16), kinds=KINDS)


@app.post("/ask")
def submit() -> Any:
    own = _own()
    with own:
        cursor = own.execute(
            "INSERT INTO submissions (kind, subject, name, email, message, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                request.form.get("kind", ""),
                request.form.get("subject", ""),
                request.form.get("name", ""),
                request.form.get("email", ""),
                request.form.get("message", ""),
                datetime.now(UTC).isoformat(),
            ),
        )
    return redirect(f"/done/{cursor.lastrowid}", code=303)


@app.get("/done/<int:number>")
def done(number: int) -> str:
    return render_template_string(DONE, reference=number)


@app.get("/staff/inbox")
def inbox() -> str:
    rows = _source().execute(
        "SELECT id, reference, subject, status, created_at FROM tickets "
        "ORDER BY created_at DESC, id DESC LIMIT 50"
    )
    return render_template_string(INBOX, rows=rows.fetchall())


@app.get("/staff/tickets/<int:ticket_id>")
def ticket(ticket_id: int) -> str:
    source = _source()
    row = source.execute(
        "SELECT id, reference, subject, status FROM tickets WHERE id = ?", (ticket_id,)
    ).fetchone()
    if row is None:
        abort(404)
    messages = source.execute(
        "SELECT created_at, body FROM messages WHERE ticket_id = ? ORDER BY created_at, id",
        (ticket_id,),
    ).fetchall()
    return render_template_string(TICKET, t=row, messages=messages)


def _bigrams(query: str) -> list[str]:
    tokens: list[str] = []
    for word in query.split():
        tokens += [word[i : i + 2] for i in range(max(1, len(word) - 1))]
    return tokens


@app.get("/staff/search")
def search() -> str:
    query = request.args.get("q", "")
    match = " ".join(f'"{token}"' for token in _bigrams(query))
    rows = _source().execute(
        "SELECT t.id, t.reference, t.subject FROM search_fts JOIN tickets t "
        "ON t.id = search_fts.rowid WHERE search_fts MATCH ? "
        "ORDER BY bm25(search_fts) LIMIT 50",
        (match,),
    )
    return render_template_string(RESULTS, q=query, rows=rows.fetchall())


def create_own_database(path: str) -> None:
    """Create the bare app's submissions table (WAL), empty."""
    connection = _connect(path)
    with connection:
        connection.execute("DROP TABLE IF EXISTS submissions")
        connection.execute(
            "CREATE TABLE submissions (id INTEGER PRIMARY KEY, kind TEXT, subject TEXT, "
            "name TEXT, email TEXT, message TEXT, created_at TEXT)"
        )
    connection.close()
