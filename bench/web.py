"""The web benchmark: gunicorn with 2 workers on a seeded database, one scenario at a time.

Scenarios (each virtual user loops; latencies are per request, in milliseconds):

- submit: GET /ask, then POST /ask with the CSRF token and the single-use form token (303).
- track: a citizen's tracking page, GET /track/<reference> after the code link granted it.
- inbox: staff inbox, first page (admin: every department, counts per status).
- inbox_deep: a page thousands of rows deep (signed keyset cursors at several depths).
- inbox_filtered: filters (status, kind, department, overdue) in turn.
- search: Chinese search queries in turn.
- ticket50: the staff page of a ticket with 50 messages.
- annual: the annual table page (table 三) for this year.

`--workers N` starts one gunicorn with N workers on the database; `--apart` starts N
single-worker gunicorns instead, each on its own copy of the database (SQLite: an online
backup beside it, left there; PostgreSQL: `<name>_apart<N>`, made from the seeded one as a
template, which nobody else may be connected to), with the virtual users dealt out among them:
what this machine allows N workers that share nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psutil
import sqlalchemy as sa

from bench import appconfig, report
from bench.loadgen import User, hidden_fields, run_load
from bench.seed import sidecar_path

SEARCHES = [
    "煤改气",
    "垃圾分类",
    "公交线路",
    "保障性住房",
    "三公经费",
    "天山区 供暖",
    "申请公开",
    "棚户区改造 补偿",
]
SCENARIOS = [
    "submit",
    "track",
    "inbox",
    "inbox_deep",
    "inbox_filtered",
    "search",
    "ticket50",
    "annual",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def gunicorn(
    uri: str, workers: int, extra_env: dict[str, str] | None = None, root: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start gunicorn on the database; yield its base URL and process; stop it afterwards.

    root: the checkout whose code the server runs (gunicorn imports from there first); this
    one by default."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}",
        "--chdir", str(root or appconfig.ROOT),
        "--log-level", "warning",
        "--backlog", "2048",
        "wsgi:app",
    ]  # fmt: skip
    log = (appconfig.DATA / "gunicorn.log").open("ab")
    process = subprocess.Popen(  # noqa: S603
        command, env={**appconfig.environment(uri), **(extra_env or {})}, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited with {process.returncode}; see bench/data/gunicorn.log"
            )
        try:
            with urllib.request.urlopen(base + "/", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 60 s")


def peak_rss_mb(pid: int) -> float:
    """The peak resident set size of a running process (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


# --- what the scenarios need from the database ------------------------------------------------


def fixtures(uri: str) -> dict[str, Any]:
    """Tracking codes, deep cursors, filters and the long threads' ids, from the seeded data."""
    from enquiry.domain.queries.inbox import SORT_NEWEST, Cursor, encode_cursor
    from enquiry.models import Department, Ticket

    sidecar = json.loads(sidecar_path(uri).read_text())
    app = appconfig.make_app(uri)
    with app.app_context(), app.test_request_context():
        from enquiry.extensions import db

        total = db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) or 0
        cursors = []
        for depth in (1_000, 5_000, 20_000, 50_000, 90_000):
            if depth >= total:
                continue
            row = db.session.execute(
                sa.select(Ticket.created_at, Ticket.id)
                .order_by(Ticket.created_at.desc(), Ticket.id.desc())
                .offset(depth - 1)
                .limit(1)
            ).one()
            cursors.append(
                encode_cursor(
                    str(app.config["SECRET_KEY"]), SORT_NEWEST, Cursor(row.created_at, row.id)
                )
            )
        departments = list(db.session.scalars(sa.select(Department.id)))
        long_ids = list(
            db.session.scalars(
                sa.select(Ticket.id).where(Ticket.reference.in_(sidecar["long_threads"]))
            )
        )
    filters = [
        {"status": "in_progress"},
        {"kind": "info_application", "status": "closed"},
        {"department": str(departments[2]), "due": "overdue"},
        {"due": "overdue"},
        {"department": str(departments[1]), "kind": "complaint"},
        {"status": "acknowledged", "sort": "due"},
    ]
    return {
        "codes": sidecar["codes"],
        "cursors": cursors,
        "filters": filters,
        "long_ids": long_ids,
        "total": total,
    }


# --- scenarios --------------------------------------------------------------------------------


async def login(user: User) -> None:
    page = await user.get("login form", "/staff/login")
    data = {**hidden_fields(page), "email": appconfig.ADMIN_EMAIL, "password": appconfig.PASSWORD}
    await user.post("login", "/staff/login", expect=302, data=data)


async def prepare_submissions(user: User) -> None:
    """Write this user's enquiries before the clock starts: the generator's CPU is the server's."""
    from bench.corpus import Writer

    writer = Writer(1000 + user.number)
    kinds = ["question", "suggestion", "complaint", "info_application"]
    texts = [writer.form_data(writer.random.choice(kinds), {}) for _ in range(SUBMISSION_TEXTS)]
    user.state["texts"] = itertools.cycle([urlencode(text) for text in texts])


async def submit(user: User) -> None:
    page = await user.get("submit: GET /ask", "/ask")
    data = urlencode(hidden_fields(page)) + "&" + next(user.state["texts"])
    await user.post("submit: POST /ask", "/ask", expect=303, data=data)


# Enquiries written ahead for each virtual user; each is posted with fresh tokens.
SUBMISSION_TEXTS = 200


def make_track(fx: dict[str, Any]) -> Any:
    async def setup(user: User) -> None:
        chooser = random.Random(user.number)  # noqa: S311
        codes = chooser.sample(fx["codes"], min(10, len(fx["codes"])))
        for item in codes:
            await user.get("track link", f"/track/{item['reference']}/{item['code']}", expect=303)
        user.state["references"] = itertools.cycle([item["reference"] for item in codes])

    async def step(user: User) -> None:
        await user.get("track: GET /track/<ref>", f"/track/{next(user.state['references'])}")

    return setup, step


def make_paths(label: str, paths: list[str], missing: str = "") -> Any:
    if not paths:  # a scenario this database has nothing for
        raise SystemExit(f"{label}: nothing to request in this database. {missing}".strip())

    async def setup(user: User) -> None:
        await login(user)
        user.state["paths"] = itertools.cycle(paths[user.number % len(paths) :] + paths)

    async def step(user: User) -> None:
        await user.get(label, next(user.state["paths"]))

    return setup, step


def scenario(name: str, fx: dict[str, Any]) -> tuple[Any, Any]:
    """Return (setup, step) of a scenario."""
    year = datetime.now(UTC).year
    if name == "submit":
        return prepare_submissions, submit
    if name == "track":
        return make_track(fx)
    if name == "inbox":
        return make_paths("inbox: first page", ["/staff/inbox"])
    if name == "inbox_deep":
        paths = [f"/staff/inbox?{urlencode({'after': c})}" for c in fx["cursors"]]
        return make_paths("inbox: deep page", paths, "It needs more than 1,000 tickets.")
    if name == "inbox_filtered":
        paths = [f"/staff/inbox?{urlencode(f)}" for f in fx["filters"]]
        return make_paths("inbox: filtered", paths)
    if name == "search":
        return make_paths("search", [f"/staff/search?{urlencode({'q': q})}" for q in SEARCHES])
    if name == "ticket50":
        return make_paths(
            "ticket with 50 messages",
            [f"/staff/tickets/{i}" for i in fx["long_ids"]],
            "Seed it with `bench seed` (--long-threads N); the ratio seed has none.",
        )
    if name == "annual":
        return make_paths("annual table page", [f"/staff/reports/annual/{year}"])
    raise ValueError(f"unknown scenario {name}")


def run(args: argparse.Namespace) -> int:
    uri = appconfig.database_uri(args.db)
    names = args.scenario or SCENARIOS
    fx = fixtures(uri)
    rows: list[dict[str, Any]] = []
    generator: dict[str, Any] = {}
    memory: dict[str, Any] = {}
    with contextlib.ExitStack() as servers:
        started = [servers.enter_context(gunicorn(u, w)) for u, w in layout(uri, args)]
        bases, processes = [base for base, _ in started], [process for _, process in started]
        for name in names:
            setup, step = scenario(name, fx)
            print(f"{name}: {args.duration:g} s, {args.concurrency} connections", file=sys.stderr)
            cpu_before = server_cpu_seconds(processes)
            result = run_load(
                bases, step, setup, concurrency=args.concurrency, duration=args.duration
            )
            server_cpu = server_cpu_seconds(processes) - cpu_before
            for label, latencies in result.latencies.items():
                if label in {"login form", "login", "track link"}:
                    continue
                rows.append(
                    report.summarise(
                        label,
                        latencies,
                        result.seconds,
                        scenario=name,
                        errors=sum(result.errors.values()),
                    )
                )
            if name == "submit":
                rows.append(
                    report.summarise(
                        "submit: GET+POST pairs",
                        _pair_latencies(result.latencies),
                        result.seconds,
                        scenario=name,
                    )
                )
            generator[name] = {
                "cpu_seconds": round(result.generator_cpu_seconds, 2),
                "cpu_share_of_one_core": round(result.generator_cpu_seconds / result.seconds, 3),
                "server_cpu_share_of_one_core_incl_setup": round(server_cpu / result.seconds, 3),
                "errors": result.errors,
            }
        workers = [w for p in processes for w in psutil.Process(p.pid).children()]
        memory = {
            "web_worker_peak_rss_mb": max((peak_rss_mb(w.pid) for w in workers), default=0.0),
            "web_workers": [peak_rss_mb(w.pid) for w in workers],
        }
    report.write(
        "web",
        uri,
        rows,
        load_generator=generator,
        memory=memory,
        settings={
            "gunicorn_workers": args.workers,
            "apart": args.apart,
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "tickets": fx["total"],
            "config": {k: v for k, v in appconfig.RUN_CONFIG.items() if k != "SECRET_KEY"},
        },
    )
    return 0


def _pair_latencies(latencies: dict[str, list[float]]) -> list[float]:
    gets, posts = latencies.get("submit: GET /ask", []), latencies.get("submit: POST /ask", [])
    return [a + b for a, b in zip(gets, posts, strict=False)]


def server_cpu_seconds(processes: list[subprocess.Popen[bytes]]) -> float:
    total = 0.0
    for process in processes:
        try:
            master = psutil.Process(process.pid)
            for proc in [master, *master.children()]:
                times = proc.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            pass
    return total


def layout(uri: str, args: argparse.Namespace) -> list[tuple[str, int]]:
    """The servers to start, as (database, workers): one with all the workers, or, `--apart`,
    one single-worker server per worker, each on its own copy of the database.

    Apart, the workers share nothing but the machine (its cores, caches and the load
    generator; on PostgreSQL also the database server): what they make together is the most
    that many workers could make here, and the shared database's cost is the difference.
    """
    if not args.apart:
        return [(uri, args.workers)]
    servers = [(uri, 1)]
    for number in range(2, args.workers + 1):
        if appconfig.dialect_of(uri) == "postgresql":
            copy = copy_postgresql(uri, f"apart{number}")
        else:
            source = Path(uri.removeprefix("sqlite:///"))
            target = source.with_name(f"{source.stem}-apart{number}{source.suffix}")
            copy_sqlite(source, target)
            copy = f"sqlite:///{target}"
            shutil.copyfile(sidecar_path(uri), sidecar_path(copy))
        servers.append((copy, 1))
    return servers


def copy_sqlite(source: Path, target: Path) -> None:
    """Replace target (and its -wal and -shm) with an online backup of source."""
    remove_sqlite(target)
    with (
        contextlib.closing(sqlite3.connect(source)) as original,
        contextlib.closing(sqlite3.connect(target)) as into,
    ):
        original.backup(into)


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _admin_engine(uri: str) -> sa.Engine:
    """An AUTOCOMMIT engine on the server's postgres database, to create and drop others."""
    url = sa.make_url(uri).set(drivername="postgresql+psycopg", database="postgres")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


def drop_postgresql(uri: str) -> None:
    admin = _admin_engine(uri)
    with admin.connect() as connection:
        name = sa.make_url(uri).database
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def copy_postgresql(uri: str, suffix: str) -> str:
    """CREATE DATABASE <name>_<suffix> TEMPLATE <name>, replacing an earlier copy."""
    source = sa.make_url(uri)
    name = f"{source.database}_{suffix}"
    admin = _admin_engine(uri)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"')
    admin.dispose()
    return source.set(database=name).render_as_string(hide_password=False)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
