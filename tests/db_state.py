"""Every row of every table, to prove that a refused request changed nothing.

    before = database_state(app)
    assert client.post(...).status_code == 403
    assert database_state(app) == before

Sign-in bookkeeping is left out (audit events whose action starts with "auth.", the audit
chain's head row, and the columns a sign-in updates), so a test may sign a user in between the
two snapshots; so is the reference-data stamp, which follows the tables it stamps.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask

from enquiry.domain.reference_cache import REFERENCE_STAMP
from enquiry.extensions import db
from enquiry.models import Base

# Columns a sign-in or an ordinary page view may change.
VOLATILE = {
    "users": {"last_login_at", "failed_logins", "locked_until", "session_version"},
}
SIGN_IN_ACTIONS = "auth."
# Derived from audit_events (its newest hash and count), which sign-ins append to as well.
DERIVED = {"audit_chain_head"}
# Derived from the reference tables: the stamp that tells other processes their cache is old.
DERIVED_SETTINGS = {REFERENCE_STAMP}


def database_state(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of every table, in primary-key order, without sign-in bookkeeping."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    with app.app_context():
        for table in Base.metadata.sorted_tables:
            if table.name in DERIVED:
                continue
            skip = VOLATILE.get(table.name, set())
            columns = [column for column in table.columns if column.name not in skip]
            query = sa.select(*columns).order_by(*table.primary_key.columns)
            if table.name == "audit_events":
                query = query.where(~table.c.action.startswith(SIGN_IN_ACTIONS))
            if table.name == "settings":
                query = query.where(table.c.key.not_in(DERIVED_SETTINGS))
            state[table.name] = [tuple(row) for row in db.session.execute(query)]
        db.session.remove()
    return state


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The tables whose rows differ (for a readable assertion message)."""
    return sorted(name for name in before if before[name] != after.get(name))
