"""`python -m bench pipe`: CPU per message of the MTA pipe as a fresh process.

Runs N fresh processes of `python -m enquiry.intake.pipe` and of `flask mail ingest`, each
fed one new message (the intake test mails with a fresh Message-ID, in turn), on the `bench
ratio` database (SQLite, bench/data/ratio.sqlite3, seeded if missing), one after another, and
reports the CPU time (user + system) the children used, from getrusage(RUSAGE_CHILDREN).
"""

from __future__ import annotations

import argparse
import itertools
import re
import resource
import secrets
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
        word = ([*done.stdout.decode().split(), "?", "?"])[1]  # "#12 created WLMQ-…"
        outcomes[word] = outcomes.get(word, 0) + 1
    cpu, wall = _children_cpu() - before, time.perf_counter() - started
    return {"cpu_s": cpu / n, "wall_s": wall / n, "outcomes": outcomes}


def run(args: argparse.Namespace) -> int:
    from bench.ratio import ensure_seeded

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
    return 0
