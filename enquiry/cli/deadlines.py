"""`flask deadlines digest|escalate|conclude-abandoned` for cron, and as `flask worker` jobs.

Both run on Beijing time: the digest once a day from `DIGEST_AT` (default 08:30), escalation
every `ESCALATION_INTERVAL_SECONDS` (default hourly). Both are safe to repeat: a colleague
gets one digest per Beijing day, and a ticket is escalated once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from enquiry.cli.worker import Job
from enquiry.domain import consultation_jobs, correction, supervision
from enquiry.domain.policy import due_soon_days, policy_from_config
from enquiry.extensions import db
from enquiry.models import utcnow
from enquiry.rules import deadlines

logger = logging.getLogger(__name__)

DEFAULT_DIGEST_AT = "08:30"
DEFAULT_ESCALATION_INTERVAL = 3600.0
DIGEST_CHECK_SECONDS = 60.0

deadlines_cli = AppGroup(
    "deadlines", help="Deadlines: the daily digest, escalation and lapsed 补正."
)


def parse_now(text: str | None) -> datetime:
    """Read --now (ISO 8601; without an offset it is Beijing time), or return the real now."""
    if not text:
        return utcnow()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise click.BadParameter(f"not an ISO date and time: {text!r}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=deadlines.BEIJING)


def _committed(work: Callable[[], Any]) -> Any:
    """Run one job's work in the session and commit it, or roll back and re-raise."""
    try:
        result = work()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


def run_digest(config: Any, now: datetime) -> str:
    """Queue today's digests and commit; return a summary."""
    policy = policy_from_config(config, session=db.session)
    count = _committed(
        lambda: supervision.send_digests(
            db.session,
            identity=policy.mail,
            calendar=policy.calendar,
            soon_days=due_soon_days(config),
            now=now,
        )
    )
    return f"{count} digests queued"


def run_escalation(config: Any, now: datetime) -> str:
    """Escalate overdue tickets and commit; return a summary."""
    policy = policy_from_config(config, session=db.session)
    result = _committed(
        lambda: supervision.escalate_overdue(
            db.session, identity=policy.mail, calendar=policy.calendar, now=now
        )
    )
    return f"{result.tickets} tickets escalated, {result.mails} mails queued"


def run_conclude_abandoned(config: Any, now: datetime) -> str:
    """视为放弃: conclude applications whose 补正 time limit passed unanswered, and commit."""
    policy = policy_from_config(config, session=db.session)
    count = _committed(lambda: correction.conclude_abandoned(db.session, policy=policy, now=now))
    return f"{count} applications concluded as withdrawn"


def run_consultations(config: Any, now: datetime) -> str:
    """Remind consulted departments, close lapsed consultations (视为同意), and commit."""
    policy = policy_from_config(config, session=db.session)
    return str(_committed(lambda: consultation_jobs.run(db.session, policy=policy, now=now)))


@deadlines_cli.command("digest")
@click.option("--now", "now_text", default=None, help="Act as at this moment (ISO 8601).")
def digest_command(now_text: str | None) -> None:
    """Mail each colleague the tickets due soon and overdue (once per day)."""
    click.echo(run_digest(current_app.config, parse_now(now_text)))


@deadlines_cli.command("escalate")
@click.option("--now", "now_text", default=None, help="Act as at this moment (ISO 8601).")
def escalate_command(now_text: str | None) -> None:
    """督办: mark overdue tickets and mail their departments' supervisors (once per ticket)."""
    click.echo(run_escalation(current_app.config, parse_now(now_text)))


@deadlines_cli.command("conclude-abandoned")
@click.option("--now", "now_text", default=None, help="Act as at this moment (ISO 8601).")
def conclude_abandoned_command(now_text: str | None) -> None:
    """视为放弃: conclude applications whose 补正 time limit has passed with nothing received."""
    click.echo(run_conclude_abandoned(current_app.config, parse_now(now_text)))


@deadlines_cli.command("consultations")
@click.option("--now", "now_text", default=None, help="Act as at this moment (ISO 8601).")
def consultations_command(now_text: str | None) -> None:
    """会商 / third parties: remind before the 15 working days end; close lapsed ones."""
    click.echo(run_consultations(current_app.config, parse_now(now_text)))


@dataclass
class DailyAt:
    """A job body that does its work once per Beijing day, at or after a time of day."""

    at: time
    work: Callable[[datetime], str]
    clock: Callable[[], datetime] = utcnow
    done_on: date | None = None

    def __call__(self, stop: threading.Event) -> str:
        now = self.clock()
        local = now.astimezone(deadlines.BEIJING)
        if self.done_on == local.date() or local.time().replace(tzinfo=None) < self.at:
            return "not due"
        summary = self.work(now)
        self.done_on = local.date()
        return summary


def worker_jobs(config: Any) -> list[Job]:
    """Return the deadline jobs for `flask worker` (run inside the app context)."""
    digest_at = time.fromisoformat(str(config.get("DIGEST_AT", DEFAULT_DIGEST_AT)))
    interval = float(config.get("ESCALATION_INTERVAL_SECONDS", DEFAULT_ESCALATION_INTERVAL))

    def digest(now: datetime) -> str:
        return run_digest(current_app.config, now)

    def escalate(_stop: threading.Event) -> str:
        return run_escalation(current_app.config, utcnow())

    def conclude_abandoned(_stop: threading.Event) -> str:
        return run_conclude_abandoned(current_app.config, utcnow())

    def consultations(_stop: threading.Event) -> str:
        return run_consultations(current_app.config, utcnow())

    return [
        Job("deadline-digest", DIGEST_CHECK_SECONDS, DailyAt(digest_at, digest)),
        Job("deadline-escalation", interval, escalate),
        Job("correction-abandoned", interval, conclude_abandoned),
        Job("consultations", interval, consultations),
    ]


COMMANDS = [deadlines_cli]
