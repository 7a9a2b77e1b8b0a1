"""`flask retention plan|run`: what the retention policy removes now, and removing it."""

from __future__ import annotations

import logging
from contextlib import nullcontext
from datetime import datetime, time
from typing import Any

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from enquiry import audit
from enquiry.cli.deadlines import DailyAt, parse_now
from enquiry.cli.worker import Job
from enquiry.domain.retention.events import needs_redaction, redact_anonymised
from enquiry.domain.retention.plan import Plan, PlanItem, build_plan
from enquiry.domain.retention.run import apply_item, record_run
from enquiry.domain.retention.settings import load_periods
from enquiry.extensions import db
from enquiry.models import Ticket, utcnow

logger = logging.getLogger(__name__)

retention_cli = AppGroup("retention", help="Personal data retention (anonymise, purge).")
BATCH = 50  # items per transaction: a long run holds no lock for long
DEFAULT_RUN_AT = "01:30"  # Beijing time: office closed, before the 02:30 backup
CHECK_SECONDS = 600.0


def current_plan(now: datetime) -> Plan:
    """Return the plan of a run at `now` (read only)."""
    plan = build_plan(db.session, load_periods(db.session), now)
    db.session.rollback()
    return plan


def print_plan(plan: Plan) -> None:
    """Print the counts per rule, then the held tickets."""
    click.echo(f"Retention plan as of {plan.as_of.isoformat()}:")
    if not plan.items:
        click.echo("  nothing to remove")
    for (rule, action), count in plan.counts().items():
        click.echo(f"  {rule:<28} {action:<10} {count}")
    for held in plan.held:
        click.echo(f"  held: {held.reference} ({held.reason})")


def execute(plan: Plan, now: datetime, progress: bool = False) -> list[PlanItem]:
    """Carry out the plan in batches, committing each; return the items done."""
    actor = audit.Actor.system()
    done: list[PlanItem] = []
    bar = click.progressbar(plan.items, label="Removing personal data") if progress else None
    with bar if bar is not None else nullcontext(plan.items) as items:
        for number, item in enumerate(items, start=1):
            if apply_item(db.session, item, actor=actor, now=now):
                done.append(item)
            if number % BATCH == 0:
                db.session.commit()
    record_run(db.session, plan, done, actor=actor, now=now)
    db.session.commit()
    if done:
        compact()
    return done


def compact() -> None:
    """Make removed data unreadable in the database files, not just unreachable.

    SQLite runs with secure_delete on; the full-text index keeps deleted tokens until its
    segments merge, and the WAL keeps old pages until checkpointed. PostgreSQL keeps dead row
    versions until VACUUM: run it here rather than wait for autovacuum.
    """
    engine = db.engine
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            if connection.scalar(sa.text("SELECT 1 FROM sqlite_master WHERE name='search_fts'")):
                connection.execute(sa.text("INSERT INTO search_fts(search_fts) VALUES('optimize')"))
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    elif engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in VACUUMED:
                connection.exec_driver_sql(f"VACUUM {table}")


VACUUMED = (
    "tickets",
    "messages",
    "attachments",
    "blobs",
    "inbound_emails",
    "outbound_emails",
    "search_documents",
    "satisfaction_ratings",
    "pending_confirmations",
    "suppressed_addresses",
    "audit_events",
    "personal_data_requests",
    "reply_drafts",
    "consultations",
    "legal_holds",
    "suggestion_adoptions",
)


def run_retention(now: datetime, progress: bool = False) -> str:
    """Plan and carry out a run; return a summary."""
    plan = current_plan(now)
    done = execute(plan, now, progress)
    return f"{len(done)} of {len(plan.items)} removed, {len(plan.held)} held"


@retention_cli.command("plan")
@click.option("--now", "now_text", default=None, help="Plan as at this moment (ISO 8601).")
@click.option("--list", "listing", is_flag=True, help="Also list every ticket and mail.")
def plan_command(now_text: str | None, listing: bool) -> None:
    """Show what `flask retention run` would anonymise or purge, with counts per rule."""
    plan = current_plan(parse_now(now_text))
    print_plan(plan)
    if listing:
        for item in plan.items:
            label = item.reference or f"mail #{item.id}"
            click.echo(f"  {item.action} {label} ({item.rule}, due {item.due_on.isoformat()})")


@retention_cli.command("run")
@click.option("--now", "now_text", default=None, help="Act as at this moment (ISO 8601).")
def run_command(now_text: str | None) -> None:
    """Anonymise and purge what the retention periods say is due (exactly what `plan` shows)."""
    click.echo(run_retention(parse_now(now_text), progress=True))


@retention_cli.command("redact-events")
def redact_events_command() -> None:
    """Once, after upgrading: redact the audit events of enquiries anonymised before."""
    ids = db.session.scalars(sa.select(Ticket.id).where(Ticket.anonymised_at.is_not(None))).all()
    done = refused = 0
    actor, now = audit.Actor.system(), utcnow()
    for number, ticket_id in enumerate(ids, start=1):
        ticket = db.session.get(Ticket, ticket_id, with_for_update=True, populate_existing=True)
        if ticket is not None and needs_redaction(db.session, ticket):
            removed = redact_anonymised(db.session, ticket, actor=actor, now=now)
            done, refused = done + bool(removed), refused + (removed is None)
        if number % BATCH == 0:
            db.session.commit()
    db.session.commit()
    click.echo(f"{done} enquiries' audit events redacted, {refused} refused (not intact)")
    if refused:
        raise SystemExit(1)


def worker_jobs(config: Any) -> list[Job]:
    """Return the daily retention job for `flask worker` (at RETENTION_RUN_AT, Beijing time)."""
    run_at = time.fromisoformat(str(config.get("RETENTION_RUN_AT", DEFAULT_RUN_AT)))

    def work(now: datetime) -> str:
        return run_retention(now)

    return [Job("retention", CHECK_SECONDS, DailyAt(run_at, work, clock=utcnow))]


COMMANDS = [retention_cli]
