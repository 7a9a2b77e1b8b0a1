"""`python -m bench ratio`: server CPU per request of Enquiry beside a bare Flask app.

Both run under gunicorn with 2 sync workers on SQLite (WAL) and are driven one request at a
time by the same small client (the standard library's urllib with a cookie jar). For each
request kind the runner reads the CPU time (utime + stime, from /proc) of the gunicorn master
and its workers before and after N requests, after a warm-up, and prints milliseconds of CPU
per request and the ratio Enquiry / bare. CPU time moves less than latency when other jobs
share the machine, but a shared host still runs faster or slower by the minute: both servers
run at once and take turns (--rounds slices of each kind), so a change of pace weighs on both.
The bare app (bench/bareapp.py) reads the same seeded database; Enquiry serves a fresh copy of
it each run.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.cookiejar
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from bench import appconfig
from bench.corpus import Writer

RATIO_DB = appconfig.DATA / "ratio.sqlite3"
RUN_DB = appconfig.DATA / "ratio-run.sqlite3"  # what a run serves: a copy of RATIO_DB
BARE_DB = appconfig.DATA / "bare.sqlite3"
SEARCH = "煤改气"
# Submissions of every kind in turn; an information application also gets its formal receipt
# letter (登记回执) as a PDF, made in the request.
KINDS = ["question", "suggestion", "complaint", "info_application"]
_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')
LOG = appconfig.DATA / "gunicorn-ratio.log"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def hidden_fields(page: str) -> dict[str, str]:
    fields = {}
    for tag in _INPUT.findall(page):
        attrs = dict(_ATTR.findall(tag))
        if attrs.get("type") == "hidden" and "name" in attrs:
            fields[attrs["name"]] = html.unescape(attrs.get("value", ""))
    return fields


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


class Client:
    """One browser: a cookie jar, no redirects followed, the status checked."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(self, path: str, data: dict[str, str] | None = None, expect: int = 200) -> str:
        body = urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        if status != expect:
            raise RuntimeError(f"{path}: {status}, wanted {expect}\n{text[:500]}")
        return text


# --- servers ----------------------------------------------------------------------------------


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children, from /proc."""
    total = 0.0
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        pids += [int(child) for child in children]
    for each in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


@contextlib.contextmanager
def gunicorn(app: str, env: dict[str, str], workers: int) -> Iterator[tuple[str, int]]:
    """Start `gunicorn app`; yield its base URL and master pid; stop it afterwards."""
    port = _free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}",
        "--chdir", str(appconfig.ROOT),
        "--log-level", "warning",
        app,
    ]  # fmt: skip
    log = LOG.open("ab")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=log)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {LOG}")
        try:
            with urllib.request.urlopen(base + "/", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 60 s")


# --- the requests -----------------------------------------------------------------------------


class Scenarios:
    """The five measured request kinds against one server (Enquiry or bare)."""

    def __init__(self, base: str, *, staff: bool, ticket_ids: list[int]) -> None:
        self.base, self.staff, self.ticket_ids = base, staff, ticket_ids
        self.citizen = Client(base)
        self.writer = Writer(1000)
        self.clerk = Client(base)
        if staff:
            page = self.clerk.request("/staff/login")
            data = {
                **hidden_fields(page),
                "email": appconfig.ADMIN_EMAIL,
                "password": appconfig.PASSWORD,
            }
            self.clerk.request("/staff/login", data, expect=302)
        self.count = 0

    def form(self) -> dict[str, str]:
        return hidden_fields(self.citizen.request("/ask"))

    def post(self, fields: dict[str, str], kinds: list[str] = KINDS) -> None:
        data = self.writer.form_data(self.writer.random.choice(kinds), fields)
        self.citizen.request("/ask", data, expect=303)

    def submission(self) -> None:
        self.post(self.form())

    def inbox(self) -> None:
        self.clerk.request("/staff/inbox")

    def ticket(self) -> None:
        self.count += 1
        self.clerk.request(f"/staff/tickets/{self.ticket_ids[self.count % len(self.ticket_ids)]}")

    def search(self) -> None:
        self.clerk.request("/staff/search?" + urlencode({"q": SEARCH}))


@dataclass
class Server:
    """One running app under test: its gunicorn master's pid and a client for each kind."""

    pid: int
    scenarios: Scenarios
    cpu: dict[str, float] = field(default_factory=dict)  # seconds, summed over the rounds

    def step(self, kind: str) -> Callable[[], None]:
        return KIND_STEPS[kind](self.scenarios)

    def measure(self, kind: str, requests: int) -> None:
        """Add the CPU time of `requests` requests of the kind (POST-only: forms first)."""
        step, forms = self.step(kind), None
        if kind in POST_KINDS:
            forms = [self.scenarios.form() for _ in range(requests)]
        before = _tree_cpu(self.pid)
        if forms is not None:
            for fields in forms:
                self.scenarios.post(fields, POST_KINDS[kind])
        else:
            for _ in range(requests):
                step()
        self.cpu[kind] = self.cpu.get(kind, 0.0) + _tree_cpu(self.pid) - before


SUBMISSION = "submission (GET form + POST)"
POST_ALL = "POST /ask alone"
POST_NO_APPLICATIONS = "POST /ask alone, no information applications"
POST_KINDS = {POST_ALL: KINDS, POST_NO_APPLICATIONS: KINDS[:3]}
KIND_STEPS: dict[str, Callable[[Scenarios], Callable[[], None]]] = {
    SUBMISSION: lambda s: s.submission,
    POST_ALL: lambda s: s.submission,  # the warm-up; measured with forms fetched first
    POST_NO_APPLICATIONS: lambda s: s.submission,
    "staff inbox, first page": lambda s: s.inbox,
    "one ticket page": lambda s: s.ticket,
    f"search {SEARCH}": lambda s: s.search,
}


def run_interleaved(
    servers: dict[str, Server], requests: int, warmup: int, rounds: int
) -> dict[str, dict[str, float]]:
    """Return CPU ms per request of each kind on each server.

    The servers take turns, a slice of each kind at a time, so a machine that speeds up or
    slows down while the benchmark runs (a shared host) weighs on both sides alike.
    """
    per_round = max(1, requests // rounds)
    for kind in KIND_STEPS:
        for server in servers.values():
            for _ in range(warmup):
                server.step(kind)()
        for _ in range(rounds):
            for server in servers.values():
                server.measure(kind, per_round)
    total = per_round * rounds
    return {
        name: {kind: server.cpu[kind] * 1000 / total for kind in KIND_STEPS}
        for name, server in servers.items()
    }


# --- the database -----------------------------------------------------------------------------


def ensure_seeded(tickets: int, reseed: bool) -> str:
    """Seed bench/data/ratio.sqlite3 with N tickets unless it was seeded with N already.

    The seeded file is never served: each run works on a fresh copy (`working_copy`).
    """
    from bench.seed import seed

    uri = f"sqlite:///{RATIO_DB}"
    marker = RATIO_DB.with_suffix(".seeded")
    seeded = marker.read_text().strip() if marker.exists() else ""
    if not reseed and RATIO_DB.exists() and seeded == str(tickets):
        _upgrade(uri)  # seeded by an earlier revision: bring the schema up to this one
        return uri
    print(f"seeding {tickets} tickets into {RATIO_DB}", file=sys.stderr)
    marker.unlink(missing_ok=True)
    seed(uri, tickets=tickets, long_threads=0, seed_value=2026, keep=False)
    marker.write_text(f"{tickets}\n")
    return uri


def working_copy() -> str:
    """Copy the seeded database for one run and return its URI.

    A run adds about 800 open tickets and their notifications; on the seeded file itself the
    next run would count more unread tickets and read a longer bell, and be slower for it.
    """
    for suffix in ("", "-wal", "-shm"):
        Path(f"{RUN_DB}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(RATIO_DB) as source, sqlite3.connect(RUN_DB) as target:
        source.backup(target)
    source.close()
    target.close()
    return f"sqlite:///{RUN_DB}"


def _upgrade(uri: str) -> None:
    from flask_migrate import upgrade

    from enquiry.extensions import init_migrate

    app = appconfig.make_app(uri)
    init_migrate(app)
    with app.app_context():
        upgrade()


def ordinary_ticket_ids(uri: str, n: int = 20) -> list[int]:
    """Ids of n tickets with an ordinary thread (2 to 6 messages), spread over the data."""
    engine = sa.create_engine(uri)
    with engine.connect() as connection:
        ids = list(
            connection.scalars(
                sa.text(
                    "SELECT ticket_id FROM messages GROUP BY ticket_id "
                    "HAVING count(*) BETWEEN 2 AND 6 ORDER BY ticket_id"
                )
            )
        )
    engine.dispose()
    step = max(1, len(ids) // n)
    return ids[::step][:n]


def run(args: argparse.Namespace) -> int:
    from bench.bareapp import create_own_database

    appconfig.DATA.mkdir(parents=True, exist_ok=True)
    ensure_seeded(args.tickets, args.reseed)
    uri = working_copy()
    ticket_ids = ordinary_ticket_ids(uri)

    create_own_database(str(BARE_DB))
    bare_env = dict(os.environ, BARE_SOURCE=str(RATIO_DB), BARE_DB=str(BARE_DB))
    with (
        gunicorn("bench.bareapp:app", bare_env, args.workers) as (bare_base, bare_pid),
        gunicorn("wsgi:app", appconfig.environment(uri), args.workers) as (base, pid),
    ):
        print(f"bare Flask and Enquiry, {args.rounds} rounds each ...", file=sys.stderr)
        servers = {
            "bare": Server(bare_pid, Scenarios(bare_base, staff=False, ticket_ids=ticket_ids)),
            "enquiry": Server(pid, Scenarios(base, staff=True, ticket_ids=ticket_ids)),
        }
        results = run_interleaved(servers, args.requests, args.warmup, args.rounds)

    print_table(results, args)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    out = appconfig.RESULTS / f"{stamp}-ratio-sqlite.json"
    appconfig.RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "tickets": args.tickets,
        "requests": args.requests,
        "warmup": args.warmup,
        "workers": args.workers,
        "rounds": args.rounds,
        "load": os.getloadavg(),
        "cpu_ms_per_request": results,
    }
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    print(f"\n{out.relative_to(appconfig.ROOT)}", file=sys.stderr)
    return 0


def print_table(results: dict[str, dict[str, float]], args: argparse.Namespace) -> None:
    print(
        f"\nServer CPU ms per request; {args.tickets} tickets, SQLite WAL, gunicorn "
        f"{args.workers} workers, {args.requests} requests each after {args.warmup} warm-up, "
        f"in {args.rounds} turns\n"
    )
    print("| | Enquiry | bare Flask | ratio |")
    print("|---|---|---|---|")
    for name, ours in results["enquiry"].items():
        bare = results["bare"][name]
        ratio = f"{ours / bare:.1f}×" if bare > 0 else "-"
        print(f"| {name} | {ours:.1f} | {bare:.1f} | {ratio} |")
