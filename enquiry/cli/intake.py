"""`flask mail ingest|fetch|serve|reprocess`: mail coming in (MTA pipe, IMAP, SMTP/LMTP), and
the worker's intake and IMAP jobs."""

from __future__ import annotations

import imaplib
import socket
import sys
import threading
from collections.abc import Callable

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from enquiry.cli.worker import Job, stop_on_signals
from enquiry.extensions import db
from enquiry.intake.imap import ImapConfigError, ImapSettings, fetch_new_mail
from enquiry.intake.ingest import NotReprocessableError, reprocess
from enquiry.intake.settings import IntakeSettings
from enquiry.intake.stream import ingest_stream
from enquiry.intake.waiting import stalled, take_in_waiting
from enquiry.models import InboundEmail, InboundOutcome, InboundSource, utcnow


def intake_settings() -> IntakeSettings:
    return IntakeSettings.from_config(current_app.config, db.session)


@click.command("ingest")
@click.option(
    "--source",
    type=click.Choice([source.value for source in InboundSource]),
    default=InboundSource.PIPE.value,
    show_default=True,
)
@with_appcontext
def ingest_command(source: str) -> None:
    """Store one message from standard input (an MTA pipe): exit 0 once stored, 75 if not.

    The worker takes it in. The same as `python -m enquiry.intake.pipe`, which starts faster.
    """
    status = ingest_stream(InboundSource(source), sys.stdin.buffer, sys.stdout, sys.stderr)
    if status:
        raise SystemExit(status)


def _silent(_line: str) -> None:
    pass


@click.command("fetch")
@click.option("--quiet", is_flag=True, help="Print only the summary.")
@with_appcontext
def fetch_command(quiet: bool) -> None:
    """Fetch new messages from the IMAP mailbox (IMAP_* settings) and ingest each once."""
    try:
        imap = ImapSettings.from_config(current_app.config)
    except ImapConfigError as error:
        raise click.ClickException(str(error)) from error
    progress: Callable[[str], None] = _silent if quiet else click.echo
    try:
        report = fetch_new_mail(
            db.session, imap, intake_settings(), clock=utcnow, progress=progress
        )
    except (imaplib.IMAP4.error, OSError) as error:
        db.session.rollback()
        raise click.ClickException(f"IMAP {imap.host}:{imap.port}: {error}") from error
    click.echo(report.summary())
    if report.failed:
        raise SystemExit(1)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=2525, type=int, show_default=True)
@click.option("--lmtp", is_flag=True, help="Speak LMTP instead of SMTP.")
@with_appcontext
def serve_command(host: str, port: int, lmtp: bool) -> None:
    """Receive mail over SMTP (or LMTP); answer 250 only once a message is stored."""
    # Imported here: aiosmtpd is for this long-running server only, not for web workers.
    from enquiry.intake.smtp_server import IntakeHandler, app_store, start_server

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = intake_settings()
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


@click.command("reprocess")
@click.argument("ids", nargs=-1, type=int)
@click.option(
    "--all-quarantined",
    is_flag=True,
    help="Every quarantined message, and pending ones left for over 10 minutes.",
)
@with_appcontext
def reprocess_command(ids: tuple[int, ...], all_quarantined: bool) -> None:
    """Process stored messages again (quarantined or pending ones)."""
    wanted = list(ids)
    if all_quarantined:
        wanted += db.session.scalars(
            select(InboundEmail.id)
            .where((InboundEmail.outcome == InboundOutcome.QUARANTINED) | stalled(utcnow()))
            .order_by(InboundEmail.id)
        ).all()
    if not wanted:
        raise click.UsageError("name the messages to re-process, or use --all-quarantined")
    settings, failures = intake_settings(), 0
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


def _fetch_job(_stop: threading.Event) -> str:
    imap, intake = ImapSettings.from_config(current_app.config), intake_settings()
    db.session.rollback()  # end that read: an open transaction would make migrations wait
    try:
        report = fetch_new_mail(db.session, imap, intake, clock=utcnow, progress=_silent)
    finally:  # every stored message is committed already
        db.session.rollback()
    busy = report.results or report.rejected or report.failed
    return report.summary() if busy else ""


def _take_in_job(stop: threading.Event) -> str:
    try:
        results = take_in_waiting(
            db.session, clock=utcnow, settings=intake_settings, should_stop=stop.is_set
        )
    finally:  # every message taken in is committed already
        db.session.rollback()
    if not results:
        return ""
    shown = "; ".join(result.summary() for result in results[:10])
    more = f"; and {len(results) - 10} more" if len(results) > 10 else ""
    return f"{len(results)} taken in: {shown}{more}"


def intake_jobs() -> list[Job]:
    """Take in what the MTA pipe stored, every WORKER_POLL_SECONDS."""
    return [Job("intake", float(current_app.config.get("WORKER_POLL_SECONDS", 5)), _take_in_job)]


def imap_jobs() -> list[Job]:
    """Fetch from IMAP every IMAP_POLL_SECONDS when IMAP_HOST is set; else nothing."""
    if not current_app.config.get("IMAP_HOST"):
        return []
    try:
        ImapSettings.from_config(current_app.config)
    except ImapConfigError as error:
        raise click.ClickException(str(error)) from error
    return [Job("imap", float(current_app.config.get("IMAP_POLL_SECONDS", 60)), _fetch_job)]


COMMANDS = [ingest_command, fetch_command, serve_command, reprocess_command]
