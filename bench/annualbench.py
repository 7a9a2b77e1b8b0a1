"""The annual table (table 三 of the national template) for this year of seeded tickets.

Times `enquiry.reporting.figures.annual_table` in process (the query of every information
application that can appear in the year, then `enquiry.reporting.annual.build_table`), split into
the query and the counting, and repeated; the web benchmark's `annual` scenario times the page.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

import sqlalchemy as sa

from bench import appconfig, report


def run(args: argparse.Namespace) -> int:
    from enquiry.models import Ticket
    from enquiry.reporting import annual
    from enquiry.reporting import figures as stats

    uri = appconfig.database_uri(args.db)
    year = datetime.now(UTC).year
    app = appconfig.make_app(uri)
    totals, queries, builds = [], [], []
    with app.app_context():
        from enquiry.extensions import db

        tickets = db.session.scalar(
            sa.select(sa.func.count()).where(sa.extract("year", Ticket.received_on) == year)
        )
        stats.annual_table(db.session, year)  # warm-up
        for _ in range(args.repeat):
            db.session.expire_all()
            started = time.perf_counter()
            facts = stats.application_facts(db.session, year)
            queried = time.perf_counter()
            table = annual.build_table(facts, year)
            done = time.perf_counter()
            queries.append(queried - started)
            builds.append(done - queried)
            totals.append(done - started)
            db.session.rollback()
        checks_ok = all(check.is_ok for check in annual.column_checks(table))
    rows = [
        report.summarise("annual table (total)", totals, sum(totals)),
        report.summarise("  query: application facts", queries, sum(queries)),
        report.summarise("  build_table (counting)", builds, sum(builds)),
    ]
    report.write(
        "annual",
        uri,
        rows,
        settings={
            "year": year,
            "tickets_received_in_year": tickets,
            "applications_in_table": len(facts),
            "column_checks_ok": checks_ok,
            "problems": len(table.problems),
        },
    )
    return 0
