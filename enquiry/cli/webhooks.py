"""`flask webhooks deliver` for cron, and the same work as a `flask worker` job."""

from __future__ import annotations

import threading
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from enquiry.cli.worker import Job, stop_on_signals
from enquiry.extensions import db
from enquiry.models import utcnow
from enquiry.webhooks.delivery import deliver_due
from enquiry.webhooks.sending import WebhookReport, WebhookSettings
from enquiry.webhooks.transport import HttpPoster

webhooks_cli = AppGroup("webhooks", help="Signed webhooks to the office's other systems.")


def deliver_all_due(stop: threading.Event) -> WebhookReport:
    """Deliver batches until no more rows are due (or asked to stop); return what happened."""
    settings = WebhookSettings.from_config(current_app.config)
    total = WebhookReport()
    while True:
        try:
            report = deliver_due(
                db.session,
                now=utcnow(),
                settings=settings,
                poster=HttpPoster(timeout=settings.timeout, ca_file=settings.ca_file),
                should_stop=stop.is_set,
                clock=utcnow,
            )
        except Exception:
            db.session.rollback()
            raise
        total.outcomes.extend(report.outcomes)
        busy = len(report.outcomes) - report.count("released")
        if stop.is_set() or len(report.outcomes) < settings.batch_size or not busy:
            return total


@webhooks_cli.command("deliver")
def deliver_command() -> None:
    """Post the webhook deliveries that are due, once (for cron)."""
    stop = threading.Event()
    with stop_on_signals(stop, click.echo):
        report = deliver_all_due(stop)
    for delivery_id, outcome, detail in report.outcomes:
        click.echo(f"{outcome:<10} #{delivery_id}: {detail}")
    click.echo(report.summary())


def _webhook_job(stop: threading.Event) -> str:
    report = deliver_all_due(stop)
    return report.summary() if report.outcomes else ""


def worker_jobs(config: Any) -> list[Job]:
    """Return the webhook job for `flask worker`: every WORKER_POLL_SECONDS, like mail."""
    return [Job("webhooks", float(config.get("WORKER_POLL_SECONDS", 5)), _webhook_job)]


COMMANDS = [webhooks_cli]
