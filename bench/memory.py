"""`python -m bench memory`: resident memory of the web workers after N mixed requests.

Enquiry runs under gunicorn with 2 sync workers on SQLite (WAL) as in `bench ratio` (same
seeded database, same command line: no --preload, as deploy/gunicorn.conf.py, so each worker
imports and builds the app itself), and one client at a time sends a realistic mix of requests:
the public form (GET /ask and POST /ask of every kind; information applications get their
receipt letter made in the request, none with --no-letters), the home page and the form in the
other languages, citizens' tracking pages, static files, and a clerk's inbox (first page and
filtered), ticket pages and searches. Afterwards it reads VmRSS, VmHWM (peak resident), RssAnon
(private) and RssFile (pages of files: code, .so, shared with the other worker) of each worker
from /proc/<pid>/status.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import appconfig
from bench.progress import Progress
from bench.ratio import (
    KINDS,
    Client,
    Scenarios,
    ensure_seeded,
    gunicorn,
    ordinary_ticket_ids,
    working_copy,
)

SEARCHES = ["煤改气", "垃圾分类", "公交线路", "保障性住房", "三公经费", "天山区 供暖", "申请公开"]
STATIC = [
    "/static/css/app.css",
    "/static/css/citizen.css",
    "/static/vendor/bootstrap/bootstrap.min.css",
    "/static/vendor/htmx/htmx.min.js",
    "/static/js/citizen.js",
    "/static/favicon.svg",
]
FILTERS = [
    {"status": "in_progress"},
    {"kind": "info_application", "status": "closed"},
    {"due": "overdue"},
    {"kind": "complaint"},
    {"status": "acknowledged", "sort": "due"},
]
FIELDS = ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem")
# (weight, name): about a third citizens' form, a third staff pages, the rest tracking,
# static files and pages in other languages.
MIX = [
    (16, "submission"),  # GET /ask + POST /ask: two requests
    (4, "form in ug/en"),
    (4, "home"),
    (12, "tracking page"),
    (12, "static file"),
    (12, "staff inbox"),
    (6, "inbox filtered"),
    (14, "ticket page"),
    (10, "search"),
]


def worker_pids(master: int) -> list[int]:
    pids: list[int] = []
    for task in Path(f"/proc/{master}/task").iterdir():
        pids += [int(child) for child in (task / "children").read_text().split()]
    return sorted(pids)


def settled_workers(master: int, workers: int, timeout: float = 60) -> list[int]:
    """Wait until every worker has booted (its resident size stops moving); return their pids."""
    deadline, last, steady = time.monotonic() + timeout, {}, 0
    while time.monotonic() < deadline:
        pids = worker_pids(master)
        sizes = {pid: status(pid).get("VmRSS", 0) for pid in pids}
        steady = steady + 1 if len(pids) == workers and sizes == last else 0
        if steady >= 3:
            return pids
        last = sizes
        time.sleep(0.5)
    return worker_pids(master)


def status(pid: int) -> dict[str, int]:
    """The memory lines of /proc/<pid>/status, in kB."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in FIELDS:
            values[key] = int(rest.split()[0])
    return values


class Mix:
    """The request mix against one Enquiry server; each step returns the requests it sent."""

    def __init__(
        self, base: str, ticket_ids: list[int], codes: list[dict[str, str]], kinds: list[str]
    ) -> None:
        self.kinds = kinds
        self.scenarios = Scenarios(base, staff=True, ticket_ids=ticket_ids)
        self.citizen = Client(base)
        self.tracker = Client(base)
        for item in codes:  # the code link grants this browser the tracking page
            self.tracker.request(f"/track/{item['reference']}/{item['code']}", expect=303)
        self.references = itertools.cycle([item["reference"] for item in codes])
        self.static = itertools.cycle(STATIC)
        self.searches = itertools.cycle(SEARCHES)
        self.filters = itertools.cycle(FILTERS)
        self.languages = itertools.cycle(["ug", "en"])
        self.steps: dict[str, Callable[[], int]] = {
            "submission": self.submission,
            "form in ug/en": lambda: self.get(f"/ask?lang={next(self.languages)}"),
            "home": lambda: self.get("/"),
            "tracking page": lambda: self.get(f"/track/{next(self.references)}", self.tracker),
            "static file": lambda: self.get(next(self.static)),
            "staff inbox": lambda: self.staff("/staff/inbox"),
            "inbox filtered": lambda: self.staff("/staff/inbox?" + urlencode(next(self.filters))),
            "ticket page": self.ticket,
            "search": lambda: self.staff("/staff/search?" + urlencode({"q": next(self.searches)})),
        }

    def get(self, path: str, client: Client | None = None) -> int:
        (client or self.citizen).request(path)
        return 1

    def staff(self, path: str) -> int:
        self.scenarios.clerk.request(path)
        return 1

    def submission(self) -> int:
        self.scenarios.post(self.scenarios.form(), self.kinds)
        return 2

    def ticket(self) -> int:
        self.scenarios.ticket()
        return 1


def drive(mix: Mix, requests: int, seed: int = 2026) -> Counter[str]:
    """Send about `requests` requests in a weighted random order; count them per kind."""
    chooser = random.Random(seed)  # noqa: S311
    names = [name for _, name in MIX]
    weights = [weight for weight, _ in MIX]
    sent: Counter[str] = Counter()
    with Progress("mixed requests", requests) as progress:
        while sum(sent.values()) < requests:
            name = chooser.choices(names, weights)[0]
            done = mix.steps[name]()
            sent[name] += done
            progress.advance(done)
    return sent


def run(args: argparse.Namespace) -> int:
    appconfig.DATA.mkdir(parents=True, exist_ok=True)
    ensure_seeded(args.tickets, args.reseed)
    # On a copy: the run's submissions would otherwise stay in the seeded file and slow every
    # later `bench ratio` (1,500 more tickets, three times the open ones).
    uri = working_copy()
    ticket_ids = ordinary_ticket_ids(uri)
    sidecar = json.loads(appconfig.DATA.joinpath("ratio.seed.json").read_text())
    codes = random.Random(7).sample(sidecar["codes"], min(20, len(sidecar["codes"])))  # noqa: S311
    env = appconfig.environment(uri)
    with gunicorn("wsgi:app", env, args.workers) as (base, master):
        pids = settled_workers(master, args.workers)
        started = {pid: status(pid) for pid in pids}
        print(f"Enquiry at {base}, workers {pids}", file=sys.stderr)
        began = time.perf_counter()
        kinds = KINDS[:3] if args.no_letters else KINDS
        sent = drive(Mix(base, ticket_ids, codes, kinds), args.requests)
        seconds = time.perf_counter() - began
        if worker_pids(master) != pids:
            print("warning: a worker was restarted during the run", file=sys.stderr)
        ended = {pid: status(pid) for pid in worker_pids(master)}
        master_status = status(master)
    print_table(started, ended, master_status, args, sum(sent.values()))
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    out = appconfig.RESULTS / f"{stamp}-memory-sqlite.json"
    appconfig.RESULTS.mkdir(parents=True, exist_ok=True)
    payload: dict[str, Any] = {
        "tickets": args.tickets,
        "requests": sum(sent.values()),
        "requests_per_kind": dict(sent),
        "seconds": round(seconds, 1),
        "workers": args.workers,
        "preload": False,
        "information_applications": not args.no_letters,
        "load": os.getloadavg(),
        "kB": {
            "master": master_status,
            "workers_at_start": {str(pid): values for pid, values in started.items()},
            "workers_at_end": {str(pid): values for pid, values in ended.items()},
        },
    }
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    print(f"\n{out.relative_to(appconfig.ROOT)}", file=sys.stderr)
    return 0


def _mb(kb: int | None) -> str:
    return "-" if kb is None else f"{kb / 1024:.1f}"


def print_table(
    started: dict[int, dict[str, int]],
    ended: dict[int, dict[str, int]],
    master: dict[str, int],
    args: argparse.Namespace,
    requests: int,
) -> None:
    print(
        f"\nResident memory (MB) of the gunicorn processes; {args.tickets} tickets, SQLite WAL, "
        f"{args.workers} sync workers, no --preload, {requests} mixed requests"
        f"{' (no information applications: no letters)' if args.no_letters else ''}\n"
    )
    print("| process | VmRSS at start | VmRSS after | VmHWM (peak) | RssAnon | RssFile |")
    print("|---|---|---|---|---|---|")
    for pid, values in ended.items():
        before = started.get(pid, {})
        print(
            f"| worker {pid} | {_mb(before.get('VmRSS'))} | {_mb(values.get('VmRSS'))} | "
            f"{_mb(values.get('VmHWM'))} | {_mb(values.get('RssAnon'))} | "
            f"{_mb(values.get('RssFile'))} |"
        )
    with contextlib.suppress(KeyError):
        print(
            f"| master | | {_mb(master['VmRSS'])} | {_mb(master['VmHWM'])} | "
            f"{_mb(master['RssAnon'])} | {_mb(master['RssFile'])} |"
        )
