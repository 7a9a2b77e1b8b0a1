"""Mail benchmarks: inbound ingest rate over a directory of varied messages, and the worker's
send rate into a local SMTP server (aiosmtpd).

Ingest runs the intake in this process, message after message, as the SMTP intake server and
the IMAP poller do (`enquiry.intake.smtp_server.app_store`: store the raw bytes, commit, parse,
classify, act, commit). The messages are generated (`generate_messages`): new enquiries in
UTF-8 and GBK, HTML-only and multipart/alternative, attachments, replies to seeded tickets
that thread by In-Reply-To or by the reference in the subject, automatic replies, and copies
of the test suite's real-world samples (tests/data/mail) with fresh Message-IDs.

Send copies the N latest answers and acknowledgements (automatic mail, which the worker checks
against the daily per-recipient cap) of the seeded data back into the outbox as due, then runs
`flask mail send` (the worker's delivery loop) in a subprocess against an aiosmtpd server that
counts what it receives; the rate runs from the first to the last message received.
"""

from __future__ import annotations

import argparse
import base64
import email.utils
import itertools
import os
import random
import resource
import secrets
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import appconfig, report
from bench.corpus import Writer

MAIL_DIR = appconfig.DATA / "mail"
SAMPLES = appconfig.ROOT / "tests" / "data" / "mail"
OWN_ADDRESS = "xxgk@enquiry.localhost"


# --- generating the messages -----------------------------------------------------------------


def _threads(uri: str, n: int) -> list[dict[str, str]]:
    """Existing tickets to reply to: the citizen, the reference, one of our Message-IDs."""
    from enquiry.models import OutboundEmail, Ticket

    app = appconfig.make_app(uri)
    with app.app_context():
        from enquiry.extensions import db

        rows = db.session.execute(
            sa.select(
                Ticket.reference, Ticket.citizen_email, Ticket.subject, OutboundEmail.message_id
            )
            .join(OutboundEmail, OutboundEmail.ticket_id == Ticket.id)
            .where(OutboundEmail.template == "reply")
            .order_by(Ticket.id.desc())
            .limit(n)
        ).all()
    return [
        {
            "reference": r.reference,
            "email": r.citizen_email,
            "subject": r.subject,
            "mid": r.message_id,
        }
        for r in rows
    ]


def _base(writer: Writer, sender: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = email.utils.formataddr((writer.person("question")[0], sender))
    message["To"] = OWN_ADDRESS
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(datetime.now(UTC))
    message["Message-ID"] = f"<{secrets.token_hex(12)}@{sender.rsplit('@', 1)[-1]}>"
    return message


def _gbk(writer: Writer, sender: str, subject: str, body: str) -> bytes:
    """A Chinese webmail's message: GBK subject and 8-bit GBK body."""
    encoded_subject = base64.b64encode(subject.encode("gbk")).decode()
    encoded_name = base64.b64encode(writer.person("question")[0].encode("gbk")).decode()
    headers = [
        f"From: =?GBK?B?{encoded_name}?= <{sender}>",
        f"To: {OWN_ADDRESS}",
        f"Subject: =?GBK?B?{encoded_subject}?=",
        f"Date: {email.utils.format_datetime(datetime.now(UTC))}",
        f"Message-ID: <{secrets.token_hex(12)}@{sender.rsplit('@', 1)[-1]}>",
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="gb2312"',
        "Content-Transfer-Encoding: 8bit",
    ]
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body.encode("gbk") + b"\r\n"


def _attachment_bytes(r: random.Random) -> tuple[bytes, str, str, str]:
    choice = r.randrange(3)
    if choice == 0:
        return b"%PDF-1.4\n" + r.randbytes(20_000), "application", "pdf", "申请材料.pdf"
    if choice == 1:
        return b"\x89PNG\r\n\x1a\n" + r.randbytes(40_000), "image", "png", "现场照片.png"
    return "身份证明复印件说明\n".encode() * 200, "text", "plain", "说明.txt"


def generate_messages(uri: str, n: int, seed: int = 7) -> list[Path]:
    """Write n varied messages into bench/data/mail/ (replacing what was there)."""
    MAIL_DIR.mkdir(parents=True, exist_ok=True)
    for old in MAIL_DIR.glob("*.eml"):
        old.unlink()
    r = random.Random(seed)  # noqa: S311
    writer = Writer(seed)
    threads = _threads(uri, max(1, n // 4))
    samples = sorted(SAMPLES.glob("*.eml"))
    paths = []
    for index in range(n):
        kind = r.choices(
            ["utf8", "gbk", "html", "alternative", "attachment", "reply", "auto", "sample"],
            weights=[25, 15, 8, 8, 10, 22, 4, 8],
        )[0]
        raw = _message(kind, r, writer, threads, samples)
        path = MAIL_DIR / f"{index:06d}-{kind}.eml"
        path.write_bytes(raw)
        paths.append(path)
    return paths


def _message(
    kind: str, r: random.Random, writer: Writer, threads: list[dict[str, str]], samples: list[Path]
) -> bytes:
    topic = writer.topic()
    name_kind = r.choice(["question", "suggestion", "complaint", "info_application"])
    sender = writer.person(name_kind)[1]
    subject, body = writer.subject(name_kind, topic), writer.body(name_kind, topic)
    if kind == "gbk":
        return _gbk(writer, sender, subject, body)
    if kind == "sample":
        raw = r.choice(samples).read_bytes()
        fresh = f"Message-ID: <{secrets.token_hex(12)}@sample.example>".encode()
        lines = [
            fresh if line.lower().startswith(b"message-id:") else line for line in raw.split(b"\n")
        ]
        return b"\n".join(lines)
    if kind == "reply" and threads:
        thread = r.choice(threads)
        message = _base(writer, thread["email"], f"Re: [{thread['reference']}] {thread['subject']}")
        if r.random() < 0.6:
            message["In-Reply-To"] = thread["mid"]
            message["References"] = thread["mid"]
        message.set_content(writer.follow_up(topic) + "\n\n> " + "原邮件内容：" + thread["subject"])
        return message.as_bytes()
    message = _base(writer, sender, subject)
    if kind == "auto":
        message.replace_header("Subject", f"自动回复: {subject}")
        message["Auto-Submitted"] = "auto-replied"
        message.set_content("您好，我正在休假，回来后会尽快回复您的邮件。")
    elif kind == "html":
        message.set_content(f"<html><body><p>{body}</p><p>谢谢！</p></body></html>", subtype="html")
    elif kind == "alternative":
        message.set_content(body)
        message.add_alternative(f"<html><body><div>{body}</div></body></html>", subtype="html")
    elif kind == "attachment":
        message.set_content(body)
        data, main, sub, filename = _attachment_bytes(r)
        if main == "text":
            message.add_attachment(data.decode(), subtype=sub, filename=filename)
        else:
            message.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    else:
        cte = "quoted-printable" if r.random() < 0.5 else "base64"
        message.set_content(body, cte=cte)
    return message.as_bytes()


# --- ingest ----------------------------------------------------------------------------------


def run_ingest(args: argparse.Namespace) -> int:
    from enquiry.intake.smtp_server import app_store
    from enquiry.models import InboundSource

    uri = appconfig.database_uri(args.db)
    paths = generate_messages(uri, args.messages)
    app = appconfig.make_app(uri)
    store = app_store(app, InboundSource.SMTP)
    messages = [path.read_bytes() for path in paths]
    for raw in messages[:5]:  # warm-up: imports, templates, caches
        store(raw)
    latencies, outcomes = [], {}
    started = time.perf_counter()
    cpu_before = time.process_time()
    for raw in messages[5:]:
        t0 = time.perf_counter()
        result = store(raw)
        latencies.append(time.perf_counter() - t0)
        outcomes[result.outcome.value] = outcomes.get(result.outcome.value, 0) + 1
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    row = report.summarise("ingest: messages", latencies, seconds, outcomes=outcomes)
    report.write(
        "ingest",
        uri,
        [row],
        settings={
            "messages": len(latencies),
            "directory": str(MAIL_DIR.relative_to(appconfig.ROOT)),
        },
        memory={"ingest_process_peak_rss_mb": _own_peak_rss_mb()},
        notes=f"in-process intake; CPU {cpu:.1f} s of {seconds:.1f} s wall",
    )
    return 0


def _own_peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# --- send ------------------------------------------------------------------------------------


class CountingHandler:
    """aiosmtpd handler: accept everything, note when each message arrived."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.arrivals.append(time.perf_counter())
        return "250 OK"


def queue_copies(uri: str, n: int) -> int:
    """Put n copies of seeded answers and acknowledgements in the outbox, due now; return how
    many rows are due."""
    from enquiry.models import OutboundEmail, OutboxStatus, utcnow

    app = appconfig.make_app(uri)
    with app.app_context():
        from enquiry.extensions import db

        now = utcnow()
        table = OutboundEmail.__table__
        rows = db.session.execute(
            sa.select(table)
            .where(table.c.template.in_(("reply", "acknowledgement")))
            .order_by(table.c.id.desc())
            .limit(n)
        ).mappings()
        copies = []
        for row in rows:
            copy = {k: v for k, v in row.items() if k not in {"id"}}
            local, domain = row["message_id"].strip("<>").rsplit("@", 1)
            copy |= {
                "message_id": f"<{local}.b{secrets.token_hex(4)}@{domain}>",
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "sent_at": None,
                "lease_until": None,
            }
            copies.append(copy)
        db.session.execute(table.insert(), copies)
        db.session.commit()
        return (
            db.session.scalar(
                sa.select(sa.func.count()).where(
                    table.c.status == OutboxStatus.PENDING, table.c.next_attempt_at <= now
                )
            )
            or 0
        )


def run_send(args: argparse.Namespace) -> int:
    from aiosmtpd.controller import Controller

    uri = appconfig.database_uri(args.db)
    due = queue_copies(uri, args.messages)
    handler = CountingHandler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    env = appconfig.environment(uri) | {
        "ENQUIRY_MAIL_SERVER": "127.0.0.1",
        "ENQUIRY_MAIL_PORT": str(port),
        "ENQUIRY_MAIL_CATCHER": "false",
    }
    flask = str(Path(sys.executable).parent / "flask")
    try:
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603
            [flask, "mail", "send"], env=env, cwd=appconfig.ROOT, stdout=subprocess.DEVNULL
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    finally:
        controller.stop()
    arrivals = handler.arrivals
    span = (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else wall
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    row = report.summarise("send: messages (gap between)", gaps, span)
    row["count"] = len(arrivals)
    row["throughput_per_s"] = round(len(arrivals) / span, 1) if span else 0.0
    report.write(
        "send",
        uri,
        [row],
        settings={"due_before": due, "worker_exit_status": status},
        memory={"worker_peak_rss_mb": round(usage.ru_maxrss / 1024, 1)},
        notes=f"`flask mail send` wall time {wall:.1f} s incl. start-up; "
        f"rate measured first to last message received",
    )
    return 0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
