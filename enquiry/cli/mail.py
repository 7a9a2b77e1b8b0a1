"""`flask mail send|catch` and `flask worker`; the intake commands are in enquiry.cli.intake."""

from __future__ import annotations

import dataclasses
import logging
import threading
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask.logging import default_handler

from enquiry.cli import deadlines as deadline_cli
from enquiry.cli import intake as intake_cli
from enquiry.cli import notify as notify_cli
from enquiry.cli import retention as retention_cli
from enquiry.cli import webhooks as webhooks_cli
from enquiry.cli.worker import Job, Scheduler, stop_on_signals
from enquiry.domain import letter_jobs
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.mail import catcher
from enquiry.mail.delivery import deliver_due
from enquiry.mail.sending import DeliveryReport, DeliverySettings
from enquiry.mail.transport import SmtpSender
from enquiry.models import utcnow

logger = logging.getLogger(__name__)
mail_cli = AppGroup("mail", help="E-mail in and out.", commands=intake_cli.COMMANDS)


def deliver_all_due(stop: threading.Event, batch_size: int | None = None) -> DeliveryReport:
    """Render the letters mail waits for, then deliver batches until no more rows are due (or
    asked to stop); return what happened."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    render_letters()
    settings = DeliverySettings.from_config(app.config)
    if batch_size:
        settings = dataclasses.replace(settings, batch_size=batch_size)
    total = DeliveryReport()
    while True:
        try:
            report = deliver_due(
                db.session,
                now=utcnow(),
                settings=settings,
                sender=SmtpSender.for_app(app),
                should_stop=stop.is_set,
                clock=utcnow,
            )
        except Exception:
            db.session.rollback()
            raise
        total.results.extend(report.results)
        total.locked_out = report.locked_out
        if report.locked_out or stop.is_set() or len(report.results) < settings.batch_size:
            return total


def render_letters() -> int:
    """Render the formal letters the requests left to the worker; return how many."""
    policy = policy_from_config(current_app.config, session=db.session)
    try:
        rendered = letter_jobs.render_pending(db.session, policy=policy, now=utcnow())
    except Exception:
        db.session.rollback()
        raise
    if rendered:
        logger.info("Rendered %d formal letter(s) as PDF", rendered)
    return rendered


@mail_cli.command("send")
@click.option("--batch-size", type=click.IntRange(min=1), default=None)
def send_command(batch_size: int | None) -> None:
    """Send the outbox messages that are due, once (for cron)."""
    stop = threading.Event()
    with stop_on_signals(stop, click.echo):
        report = deliver_all_due(stop, batch_size)
    for result in report.results:
        click.echo(
            f"{result.outcome.value:<10} #{result.email_id} {result.to_addr}: {result.detail}"
        )
    click.echo(report.summary())


@mail_cli.command("catch")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8025, type=int, show_default=True)
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to store the .eml files (default: <instance>/mail-catcher).",
)
def catch_command(host: str, port: int, directory: Path | None) -> None:
    """Run a local SMTP server that stores every message as a .eml file (development)."""
    directory = directory or Path(current_app.instance_path) / "mail-catcher"
    stop = threading.Event()
    with stop_on_signals(stop, click.echo):
        try:
            controller = catcher.start(host, port, directory, announce=click.echo)
        except OSError as error:
            raise click.ClickException(f"cannot listen on {host}:{port}: {error}") from error
        click.echo(f"Catching mail on {host}:{port}; one .eml file per message in {directory}")
        try:
            while not stop.wait(1.0):
                pass
        finally:
            controller.stop()


def _mail_job(stop: threading.Event) -> str:
    report = deliver_all_due(stop)
    return report.summary() if report.results or report.locked_out else ""


@click.command("worker")
@click.option("--once", is_flag=True, help="Run every job once, then exit.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Send outgoing mail and run periodic jobs until SIGTERM or Ctrl-C."""
    if not logging.getLogger().handlers:  # a plain process; under a test runner, leave it be
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
        # The app's logger ("enquiry") also has Flask's handler: without this every line of the
        # worker would be printed twice, once by each.
        current_app.logger.removeHandler(default_handler)
    poll = float(current_app.config.get("WORKER_POLL_SECONDS", 5))
    stop = threading.Event()
    jobs = [Job("mail", poll, _mail_job), *intake_cli.imap_jobs()]
    jobs += deadline_cli.worker_jobs(current_app.config)
    jobs += webhooks_cli.worker_jobs(current_app.config)
    jobs[:0] = notify_cli.worker_jobs(current_app.config)  # first: its mail leaves this pass
    jobs[:0] = intake_cli.intake_jobs()  # before it: a citizen's acknowledgement too
    jobs += retention_cli.worker_jobs(current_app.config)
    scheduler = Scheduler(jobs, stop)
    with stop_on_signals(stop, click.echo):
        if once:
            raise SystemExit(0 if scheduler.run_once() else 1)
        names = ", ".join(job.name for job in jobs)
        click.echo(f"Worker running ({names}); mail every {poll:g} s. Stop with Ctrl-C or SIGTERM.")
        scheduler.run_forever()
    click.echo("Worker stopped.")


COMMANDS = [mail_cli, worker_command]
