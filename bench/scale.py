"""`python -m bench scale`: submissions a second with one worker, two, and two apart, in turns.

On this project's shared two-core machine the speed of the same code moves by a fifth from one
minute to the next, so one run of one worker and then one of two, a minute later, compares
machines as much as servers. Here every server is started at once, each on a fresh copy of the
database, and the load generator drives them in short slices, one server at a time, round after
round (the order reversed every other round): a slow minute falls on all of them alike.

A configuration is `N` (one gunicorn with N workers on one database), `Napart` (N single-worker
gunicorns, a database each: what N workers that share nothing make here), and either may end
in `+KEY=VALUE` settings for its servers, for example `2+ENQUIRY_SQLITE_QUEUE_WRITERS=false`,
and in `@REVISION`: its servers run that commit's code, from a git worktree made for the run
(`2@4a62e50`), so that a change is measured beside the code before it, in the same minutes. The
database is this checkout's seed either way: a revision with another schema will not do.

Each configuration's CPU a pair (its servers; PostgreSQL's own processes; the load generator),
read over exactly the measured window, and the cores all of them kept busy show whether workers
ran out of cores or waited. `Napart` shares nothing, so it is the ceiling of N workers on this
machine; the run ends with N on one database against it: what sharing the database costs.

SQLite: copies of the `bench ratio` database (10,000 tickets; seeded on first use). PostgreSQL:
copies of the `bench seed --db postgresql` database made with CREATE DATABASE … TEMPLATE, each
dropped afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from bench import appconfig, report
from bench.loadgen import run_load
from bench.progress import Progress
from bench.web import (
    copy_postgresql,
    copy_sqlite,
    drop_postgresql,
    gunicorn,
    prepare_submissions,
    remove_sqlite,
    server_cpu_seconds,
    submit,
)
from bench.worktree import REVISION, worktree


@dataclass
class Config:
    """One configuration of servers and what it made, slice after slice."""

    name: str
    workers: int
    apart: bool
    env: dict[str, str]
    revision: str | None = None
    root: Path | None = None
    bases: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    pairs: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    server_cpu: list[float] = field(default_factory=list)
    generator_cpu: list[float] = field(default_factory=list)
    database_cpu: list[float] = field(default_factory=list)
    server_reads: list[int] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return sum(self.pairs) / sum(self.seconds)

    def rates(self) -> list[float]:
        return [p / s for p, s in zip(self.pairs, self.seconds, strict=True)]


def parse_config(token: str) -> Config:
    """`2`, `2apart`, `2+KEY=VALUE+KEY=VALUE`, any of them ending in `@REVISION`."""
    body, at, revision = token.partition("@")
    if at and not REVISION.fullmatch(revision):
        raise SystemExit(f"not a revision: {revision!r}")
    head, *settings = body.split("+")
    apart = head.endswith("apart")
    count = head.removesuffix("apart")
    if not count.isdigit() or int(count) < 1:
        raise SystemExit(f"not a configuration: {token!r}")
    env = {}
    for setting in settings:
        key, equals, value = setting.partition("=")
        if not equals or not key.startswith("ENQUIRY_"):
            raise SystemExit(f"not an ENQUIRY_ setting: {setting!r}")
        env[key] = value
    return Config(token, int(count), apart, env, revision or None)


def run(args: argparse.Namespace) -> int:
    configs = [parse_config(token) for token in args.configs.split(",")]
    if configs[0].workers != 1 or configs[0].apart or configs[0].env or configs[0].revision:
        raise SystemExit("the first configuration is the one the others are compared with: 1")
    uri = appconfig.database_uri(args.db)
    with contextlib.ExitStack() as stack:
        copies = _Copies(uri, stack)
        for config in configs:
            if config.revision:
                config.root = stack.enter_context(worktree(config.revision))
            for workers in [1] * config.workers if config.apart else [config.workers]:
                copy = copies.next()
                server = gunicorn(copy, workers, config.env, config.root)
                base, process = stack.enter_context(server)
                config.bases.append(base)
                config.processes.append(process)
        with Progress("slices", args.rounds * len(configs)) as progress:
            for number in range(args.rounds):
                for config in configs if number % 2 == 0 else configs[::-1]:
                    _slice(config, args)
                    progress.advance()
    _report(configs, args, uri)
    return 0


def _slice(config: Config, args: argparse.Namespace) -> None:
    marks: list[tuple[float, int, dict[int, float]]] = []
    postgresql = appconfig.dialect_of(appconfig.database_uri(args.db)) == "postgresql"

    def mark() -> None:  # the servers' CPU and reads as the measured window opens and closes
        cpu, reads = server_cpu_seconds(config.processes), _reads(config.processes)
        marks.append((cpu, reads, _database_cpu() if postgresql else {}))

    result = run_load(
        config.bases,
        submit,
        prepare_submissions,
        concurrency=args.concurrency,
        duration=args.seconds,
        warmup=1.0,
        on_window=mark,
    )
    (cpu_before, reads_before, db_before), (cpu_after, reads_after, db_after) = marks
    config.server_cpu.append(cpu_after - cpu_before)
    config.database_cpu.append(
        sum(db_after[pid] - db_before[pid] for pid in db_after.keys() & db_before.keys())
    )
    config.server_reads.append(reads_after - reads_before)
    config.generator_cpu.append(result.generator_cpu_seconds)
    config.pairs.append(result.iterations)
    config.seconds.append(result.seconds)


class _Copies:
    """Fresh copies of the seeded database, one for each server; PostgreSQL's dropped after."""

    def __init__(self, uri: str, stack: contextlib.ExitStack) -> None:
        self.uri, self.stack, self.count = uri, stack, 0
        if appconfig.dialect_of(uri) == "sqlite" and uri == appconfig.database_uri("sqlite"):
            from bench.ratio import RATIO_DB, ensure_seeded

            ensure_seeded(10_000, reseed=False)
            self.uri = f"sqlite:///{RATIO_DB}"

    def next(self) -> str:
        self.count += 1
        if appconfig.dialect_of(self.uri) == "postgresql":
            copy = copy_postgresql(self.uri, f"scale{self.count}")
            self.stack.callback(drop_postgresql, copy)
            return copy
        source = Path(self.uri.removeprefix("sqlite:///"))
        target = source.with_name(f"{source.stem}-scale{self.count}{source.suffix}")
        copy_sqlite(source, target)
        self.stack.callback(remove_sqlite, target)
        return f"sqlite:///{target}"


def _database_cpu() -> dict[int, float]:
    """CPU seconds of each PostgreSQL process on this machine (none for SQLite, which runs in
    the servers): the database's share of the cores, where the servers' own leaves it out."""
    seconds = {}
    for process in psutil.process_iter(["name", "cpu_times"]):
        if process.info["name"] == "postgres" and process.info["cpu_times"] is not None:
            times = process.info["cpu_times"]
            seconds[process.pid] = times.user + times.system
    return seconds


def _reads(processes: list[subprocess.Popen[bytes]]) -> int:
    """read(2)-family system calls of the servers: SQLite reads a page that is not in its own
    cache with one, and another process's commit empties that cache (WAL mode)."""
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            master = psutil.Process(process.pid)
            total += sum(each.io_counters().read_count for each in [master, *master.children()])
    return total


def _sharing(configs: list[Config]) -> None:
    """What sharing one database costs: N workers on one against N apart, each on its own.

    N apart is as much as N workers make on these cores with this load generator beside them,
    whatever the database does: the ceiling of N against 1."""
    for shared in configs:
        for apart in configs:
            if (
                apart.apart
                and not shared.apart
                and (apart.workers, apart.env, apart.revision)
                == (shared.workers, shared.env, shared.revision)
            ):
                print(
                    f"\n{shared.name} on one database makes {shared.rate / apart.rate:.2f} of "
                    f"{apart.name} (the ceiling here: {apart.rate / configs[0].rate:.2f}× one)"
                )


def _per_pair(config: Config, seconds: list[float]) -> float:
    return round(1000 * sum(seconds) / max(1, sum(config.pairs)), 2)


def _report(configs: list[Config], args: argparse.Namespace, uri: str) -> None:
    one = configs[0]
    rows: list[dict[str, Any]] = []
    for config in configs:
        ratios = [r / o for r, o in zip(config.rates(), one.rates(), strict=True)]
        rows.append(
            {
                "configuration": config.name,
                "pairs_per_second": round(config.rate, 1),
                "against_one_worker": round(config.rate / one.rate, 3),
                "round_ratios": {
                    "min": round(min(ratios), 2),
                    "median": round(statistics.median(ratios), 2),
                    "max": round(max(ratios), 2),
                },
                "server_cpu_ms_per_pair": _per_pair(config, config.server_cpu),
                "database_cpu_ms_per_pair": _per_pair(config, config.database_cpu),
                "generator_cpu_ms_per_pair": _per_pair(config, config.generator_cpu),
                # servers, database and load generator, in cores: 2.0 is all this machine has
                "cores_busy": round(
                    sum(map(sum, [config.server_cpu, config.database_cpu, config.generator_cpu]))
                    / sum(config.seconds),
                    2,
                ),
                "server_reads_per_pair": round(
                    sum(config.server_reads) / max(1, sum(config.pairs)), 1
                ),
                "slices_per_second": [round(rate, 1) for rate in config.rates()],
            }
        )
    print(
        f"\nsubmissions (GET+POST pairs) a second, {args.rounds} rounds of {args.seconds:g} s "
        f"slices, {args.concurrency} connections, {appconfig.dialect_of(uri)}\n"
    )
    print(
        "| configuration | pairs/s | against 1 | rounds: min / median / max "
        "| CPU ms/pair: servers, database, load generator | cores busy | reads/pair |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        spread = row["round_ratios"]
        print(
            f"| {row['configuration']} | {row['pairs_per_second']} | "
            f"{row['against_one_worker']:.2f}× | {spread['min']} / {spread['median']} / "
            f"{spread['max']} | {row['server_cpu_ms_per_pair']}, "
            f"{row['database_cpu_ms_per_pair']}, {row['generator_cpu_ms_per_pair']} | "
            f"{row['cores_busy']} | "
            f"{row['server_reads_per_pair']} |"
        )
    _sharing(configs)
    appconfig.RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC)
    path = appconfig.RESULTS / f"{stamp:%Y%m%dT%H%M%S}-scale-{appconfig.dialect_of(uri)}.json"
    payload = {
        "benchmark": "scale",
        "database": appconfig.dialect_of(uri),
        "at": stamp.isoformat(timespec="seconds"),
        "machine": report.machine(),
        "settings": {
            "rounds": args.rounds,
            "seconds": args.seconds,
            "concurrency": args.concurrency,
        },
        "results": rows,
    }
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {path.relative_to(appconfig.ROOT)}", file=sys.stderr)
