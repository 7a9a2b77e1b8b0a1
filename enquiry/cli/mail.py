"""`flask mail ...` and `flask worker` commands."""

from __future__ import annotations

import dataclasses
import imaplib
import logging
import re
import socket
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from enquiry.cli import deadlines as deadline_cli
from enquiry.cli import webhooks as webhooks_cli
from enquiry.cli.worker import Job, Scheduler, stop_on_signals
from enquiry.extensions import db
from enquiry.intake.ingest import (
    MAX_INBOUND_BYTES,
    IntakeSettings,
    NotReprocessableError,
    StoreError,
    reprocess,
    store,
)
from enquiry.intake.sources import (
    ImapConfigError,
    ImapSettings,
    IntakeHandler,
    app_store,
    fetch_new_mail,
    start_server,
)
from enquiry.mail import catcher
from enquiry.mail.delivery import deliver_due
from enquiry.mail.sending import DeliveryReport, DeliverySettings
from enquiry.mail.transport import SmtpSender
from enquiry.models import InboundEmail, InboundOutcome, InboundSource, utcnow

mail_cli = AppGroup("mail", help="E-mail in and out.")


def deliver_all_due(stop: threading.Event, batch_size: int | None = None) -> DeliveryReport:
    """Deliver batches until no more rows are due (or asked to stop); return what happened."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
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


def _fetch_job(_stop: threading.Event) -> str:
    imap, intake = ImapSettings.from_config(current_app.config), _intake_settings()
    db.session.rollback()  # end that read: an open transaction would make migrations wait
    try:
        report = fetch_new_mail(db.session, imap, intake, clock=utcnow, progress=_silent)
    finally:  # every stored message is committed already
        db.session.rollback()
    busy = report.results or report.rejected or report.failed
    return report.summary() if busy else ""


def _imap_jobs() -> list[Job]:
    """Fetch from IMAP every IMAP_POLL_SECONDS when IMAP_HOST is set; else nothing."""
    if not current_app.config.get("IMAP_HOST"):
        return []
    try:
        ImapSettings.from_config(current_app.config)
    except ImapConfigError as error:
        raise click.ClickException(str(error)) from error
    return [Job("imap", float(current_app.config.get("IMAP_POLL_SECONDS", 60)), _fetch_job)]


@click.command("worker")
@click.option("--once", is_flag=True, help="Run every job once, then exit.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Send outgoing mail and run periodic jobs until SIGTERM or Ctrl-C."""
    if not logging.getLogger().handlers:  # a plain process; under a test runner, leave it be
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    poll = float(current_app.config.get("WORKER_POLL_SECONDS", 5))
    stop = threading.Event()
    jobs = [Job("mail", poll, _mail_job), *_imap_jobs()]
    jobs += deadline_cli.worker_jobs(current_app.config)
    jobs += webhooks_cli.worker_jobs(current_app.config)
    scheduler = Scheduler(jobs, stop)
    with stop_on_signals(stop, click.echo):
        if once:
            raise SystemExit(0 if scheduler.run_once() else 1)
        names = ", ".join(job.name for job in jobs)
        click.echo(f"Worker running ({names}); mail every {poll:g} s. Stop with Ctrl-C or SIGTERM.")
        scheduler.run_forever()
    click.echo("Worker stopped.")


# --- intake: ingest (MTA pipe), fetch (IMAP), serve (SMTP/LMTP), reprocess -------------------

EX_DATAERR = 65  # sysexits.h: the MTA bounces the message (it is too large)
EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the message and tries again later


def _intake_settings() -> IntakeSettings:
    return IntakeSettings.from_config(current_app.config, db.session)


def _header_block(raw: bytes) -> bytes:
    end = re.search(rb"\r?\n\r?\n", raw)
    return raw[: end.end()] if end else raw[:65536]


@mail_cli.command("ingest")
@click.option(
    "--source",
    type=click.Choice([source.value for source in InboundSource]),
    default=InboundSource.PIPE.value,
    show_default=True,
)
def ingest_command(source: str) -> None:
    """Store one message from standard input (an MTA pipe): exit 0 once stored, 75 if not."""
    limit = int(current_app.config.get("MAX_INBOUND_BYTES", MAX_INBOUND_BYTES))
    try:
        raw = sys.stdin.buffer.read(limit + 1)
        if len(raw) > limit:
            why = f"over the limit of {limit} bytes; only the headers were kept"
            inbound_id = store(
                db.session,
                _header_block(raw),
                source=InboundSource(source),
                now=utcnow(),
                rejection=why,
            )
            click.echo(f"#{inbound_id} rejected: message {why}", err=True)
            raise SystemExit(EX_DATAERR)
        inbound_id = store(db.session, raw, source=InboundSource(source), now=utcnow())
    except StoreError as error:
        click.echo(f"not stored, try again later: {error}", err=True)
        raise SystemExit(EX_TEMPFAIL) from error
    # Stored: from here on the MTA is done with it, whatever happens (exit 0).
    try:
        result = reprocess(db.session, inbound_id, now=utcnow(), settings=_intake_settings())
    except Exception:  # left pending; `flask mail reprocess --all-quarantined` picks it up
        logging.getLogger(__name__).exception("Stored #%s but could not process it", inbound_id)
        click.echo(f"#{inbound_id} stored, not processed yet")
        return
    click.echo(result.summary())


def _silent(_line: str) -> None:
    pass


@mail_cli.command("fetch")
@click.option("--quiet", is_flag=True, help="Print only the summary.")
def fetch_command(quiet: bool) -> None:
    """Fetch new messages from the IMAP mailbox (IMAP_* settings) and ingest each once."""
    try:
        imap = ImapSettings.from_config(current_app.config)
    except ImapConfigError as error:
        raise click.ClickException(str(error)) from error
    progress: Callable[[str], None] = _silent if quiet else click.echo
    try:
        report = fetch_new_mail(
            db.session, imap, _intake_settings(), clock=utcnow, progress=progress
        )
    except (imaplib.IMAP4.error, OSError) as error:
        db.session.rollback()
        raise click.ClickException(f"IMAP {imap.host}:{imap.port}: {error}") from error
    click.echo(report.summary())
    if report.failed:
        raise SystemExit(1)


@mail_cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=2525, type=int, show_default=True)
@click.option("--lmtp", is_flag=True, help="Speak LMTP instead of SMTP.")
def serve_command(host: str, port: int, lmtp: bool) -> None:
    """Receive mail over SMTP (or LMTP); answer 250 only once a message is stored."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = _intake_settings()
    db.session.remove()  # end that read: a transaction left open for days blocks migrations
    store_one = app_store(app, InboundSource.SMTP)
    hostname = str(app.config.get("MAIL_DOMAIN") or socket.getfqdn())
    handler = IntakeHandler(store_one, hostname=hostname, lmtp=lmtp, clock=utcnow)
    stop = threading.Event()
    with stop_on_signals(stop, click.echo):
        try:
            controller = start_server(
                handler, host=host, port=port, max_bytes=settings.max_inbound_bytes, lmtp=lmtp
            )
        except OSError as error:
            raise click.ClickException(f"cannot listen on {host}:{port}: {error}") from error
        click.echo(f"Receiving mail ({'LMTP' if lmtp else 'SMTP'}) on {host}:{port}")
        try:
            while not stop.wait(1.0):
                pass
        finally:
            controller.stop()


@mail_cli.command("reprocess")
@click.argument("ids", nargs=-1, type=int)
@click.option(
    "--all-quarantined",
    is_flag=True,
    help="Every quarantined message, and pending ones left for over 10 minutes.",
)
def reprocess_command(ids: tuple[int, ...], all_quarantined: bool) -> None:
    """Process stored messages again (quarantined or pending ones)."""
    wanted = list(ids)
    if all_quarantined:
        stalled = (InboundEmail.outcome == InboundOutcome.PENDING) & (
            InboundEmail.received_at < utcnow() - timedelta(minutes=10)
        )
        wanted += db.session.scalars(
            select(InboundEmail.id)
            .where((InboundEmail.outcome == InboundOutcome.QUARANTINED) | stalled)
            .order_by(InboundEmail.id)
        ).all()
    if not wanted:
        raise click.UsageError("name the messages to re-process, or use --all-quarantined")
    settings, failures = _intake_settings(), 0
    for inbound_id in dict.fromkeys(wanted):
        try:
            result = reprocess(db.session, inbound_id, now=utcnow(), settings=settings)
        except (LookupError, NotReprocessableError) as error:
            failures += 1
            click.echo(f"#{inbound_id}: {error}", err=True)
            continue
        click.echo(result.summary())
    if failures:
        raise SystemExit(1)


COMMANDS = [mail_cli, worker_command]
