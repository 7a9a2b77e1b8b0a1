"""`flask notifications send` and the worker job that mails colleagues' notifications."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from enquiry.cli.worker import Job
from enquiry.domain import notify_mail
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import utcnow

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL = 60.0
notifications_cli = AppGroup("notifications", help="Colleagues' notification mail.")


def run_notification_mail(config: Any, now: datetime) -> str:
    """Queue pending notification mail (each, or digests that are due) and commit."""
    policy = policy_from_config(config, session=db.session)
    try:
        count = notify_mail.queue_notification_mail(db.session, identity=policy.mail, now=now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return f"{count} notification mails queued" if count else ""


@notifications_cli.command("send")
def send_command() -> None:
    """Queue the mail of pending notifications now (the worker does this every minute)."""
    click.echo(run_notification_mail(current_app.config, utcnow()) or "nothing to send")


def worker_jobs(config: Any) -> list[Job]:
    """Return the notification job for `flask worker` (run inside the app context)."""
    interval = float(config.get("NOTIFICATION_INTERVAL_SECONDS", DEFAULT_INTERVAL))

    def run(_stop: threading.Event) -> str:
        return run_notification_mail(current_app.config, utcnow())

    return [Job("notifications", interval, run)]


COMMANDS = [notifications_cli]
