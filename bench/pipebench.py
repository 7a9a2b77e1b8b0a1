"""`python -m bench pipe`: CPU per message of the MTA pipe as a fresh process.

Runs N fresh processes of `python -m enquiry.intake.pipe` and of `flask mail ingest`, each
fed one new message (the intake test mails with a fresh Message-ID, in turn), on the `bench
ratio` database (SQLite, bench/data/ratio.sqlite3, seeded if missing), one after another, and
reports the CPU time (user + system) the children used, from getrusage(RUSAGE_CHILDREN). Both
only store the message; then, in this process, the worker's intake job takes them in.

With --in-process M it also stores M messages in this one process, as the pipe does (a
connection each), and has the intake job take them in, on a copy of that database
(bench/data/pipe.sqlite3): messages per second for each.
"""

from __future__ import annotations

import argparse
import itertools
import re
import resource
import secrets
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bench import appconfig

MAIL = appconfig.ROOT / "tests" / "data" / "mail"
MESSAGES = [
    "intake-gbk-new.eml",
    "intake-uyghur.eml",
    "intake-attachments.eml",
    "html-only.eml",
    "intake-typed-reference.eml",
]
_MESSAGE_ID = re.compile(rb"^Message-ID:.*$", re.IGNORECASE | re.MULTILINE)


def fresh(raw: bytes) -> bytes:
    """The message with a new Message-ID, so that it is taken in, not found a duplicate."""
    new_id = f"Message-ID: <{secrets.token_hex(8)}@bench.example.cn>".encode()
    if _MESSAGE_ID.search(raw):
        return _MESSAGE_ID.sub(new_id, raw, count=1)
    return new_id + b"\r\n" + raw


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(command: list[str], env: dict[str, str], messages: list[bytes], n: int) -> dict:
    outcomes: dict[str, int] = {}
    before, started = _children_cpu(), time.perf_counter()
    for raw in itertools.islice(itertools.cycle(messages), n):
        done = subprocess.run(  # noqa: S603
            command,
            input=fresh(raw),
            env=env,
            cwd=appconfig.ROOT,
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{command}: exit {done.returncode}\n{done.stderr.decode()}")
        word = ([*done.stdout.decode().split(), "?", "?"])[1].rstrip(";")  # "#12 stored; …"
        outcomes[word] = outcomes.get(word, 0) + 1
    cpu, wall = _children_cpu() - before, time.perf_counter() - started
    return {"cpu_s": cpu / n, "wall_s": wall / n, "outcomes": outcomes}


def run(args: argparse.Namespace) -> int:
    from bench.ratio import RATIO_DB, ensure_seeded

    appconfig.DATA.mkdir(parents=True, exist_ok=True)
    uri = ensure_seeded(args.tickets, reseed=False)
    env = appconfig.environment(uri)
    messages = [(MAIL / name).read_bytes() for name in MESSAGES]
    python = str(Path(sys.executable))
    commands = {
        "python -m enquiry.intake.pipe": [python, "-m", "enquiry.intake.pipe"],
        "flask mail ingest": [python, "-m", "flask", "mail", "ingest"],
    }
    print(f"\nOne fresh process per message, {args.messages} messages each, SQLite\n")
    print("| entry point | CPU s per message | wall s per message | outcomes |")
    print("|---|---|---|---|")
    for name, command in commands.items():
        result = measure(command, env, messages, args.messages)
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(result["outcomes"].items()))
        print(f"| `{name}` | {result['cpu_s']:.2f} | {result['wall_s']:.2f} | {outcomes} |")
    print_table(take_in(uri))
    if args.in_process:
        copy = appconfig.DATA / "pipe.sqlite3"
        copy.unlink(missing_ok=True)
        with sqlite3.connect(RATIO_DB) as source, sqlite3.connect(copy) as target:
            source.backup(target)  # with what is still in the WAL
        copy_uri = f"sqlite:///{copy}"
        print(
            f"\nIn one process, {args.in_process} messages, on a copy (bench/data/pipe.sqlite3)\n"
        )
        print("| step | messages per second | CPU ms per message | outcomes |")
        print("|---|---|---|---|")
        print_row(
            "store, as the pipe does (a connection each)",
            store_many(copy_uri, messages, args.in_process),
        )
        print_row(
            "store, one connection for all (a long-lived process)",
            store_many(copy_uri, messages, args.in_process, one_connection=True),
        )
        print_row("the worker's intake job takes them in", take_in(copy_uri))
        for path in (copy, copy.with_name(copy.name + "-wal"), copy.with_name(copy.name + "-shm")):
            path.unlink(missing_ok=True)
    return 0


def store_many(uri: str, messages: list[bytes], n: int, *, one_connection: bool = False) -> dict:
    """Store n messages the way the pipe does (a connection each, or one for all), in process."""
    from datetime import UTC, datetime

    from enquiry.intake.rawstore import Database, store_raw

    database = Database.from_config({"SQLALCHEMY_DATABASE_URI": uri})
    fed = [fresh(raw) for raw in itertools.islice(itertools.cycle(messages), n)]
    # As in a deployment, where the web app and the worker keep connections open: the last
    # connection to close would otherwise checkpoint the whole WAL into the database each time.
    running_app = sqlite3.connect(uri.removeprefix("sqlite:///"))
    running_app.execute("SELECT 1 FROM blobs LIMIT 1").fetchall()
    connection = database.connect() if one_connection else None
    cpu, wall = time.process_time(), time.perf_counter()
    for raw in fed:
        store_raw(database, raw, source="pipe", now=datetime.now(UTC), connection=connection)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    for open_connection in (connection, running_app):
        if open_connection is not None:
            open_connection.close()
    return _rates(n, cpu, wall, {"stored": n})


def take_in(uri: str) -> dict:
    """Run the worker's intake job once over everything waiting; time it."""
    from enquiry.extensions import db
    from enquiry.intake.settings import IntakeSettings
    from enquiry.intake.waiting import take_in_waiting
    from enquiry.models import utcnow

    app = appconfig.make_app(uri)
    with app.app_context():
        db.session.rollback()
        cpu, wall = time.process_time(), time.perf_counter()
        results = take_in_waiting(
            db.session,
            clock=utcnow,
            settings=lambda: IntakeSettings.from_config(app.config, db.session),
            should_stop=lambda: False,
        )
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        db.session.remove()
    outcomes: dict[str, int] = {}
    for result in results:
        outcomes[result.outcome.value] = outcomes.get(result.outcome.value, 0) + 1
    return _rates(len(results), cpu, wall, outcomes)


def _rates(n: int, cpu: float, wall: float, outcomes: dict[str, int]) -> dict:
    return {
        "n": n,
        "per_s": n / wall if wall else 0.0,
        "cpu_ms": 1000 * cpu / max(n, 1),
        "outcomes": outcomes,
    }


def print_row(name: str, result: dict) -> None:
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(result["outcomes"].items()))
    print(f"| {name} | {result['per_s']:.0f} | {result['cpu_ms']:.1f} | {outcomes} |")


def print_table(result: dict) -> None:
    print(f"\nThen, in this process, the worker's intake job ({result['n']} messages)\n")
    print("| step | messages per second | CPU ms per message | outcomes |")
    print("|---|---|---|---|")
    print_row("the worker's intake job takes them in", result)
