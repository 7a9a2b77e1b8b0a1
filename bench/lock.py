"""`python -m bench lock`: how long a submission holds SQLite's write lock, in process.

SQLite lets one writer at a time: a transaction takes the write lock at its first write and
holds it until COMMIT, so that span bounds how many submissions per second any number of
workers can make. This runs N submissions (GET /ask, then POST with the page's tokens, kinds in
turn) through the Flask test client on a copy of the `bench ratio` database and, from the
engine's events, times each transaction from its first INSERT/UPDATE/DELETE to the end of its
COMMIT; it also names the statement that took the lock.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from collections import Counter
from typing import Any

from bench import appconfig
from bench.progress import Progress

KINDS = ["question", "suggestion", "complaint", "info_application"]
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class LockClock:
    """Engine event listeners: first write → commit, per transaction."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.first: str = ""
        self.spans: list[float] = []
        self.first_writes: Counter[str] = Counter()

    def before_execute(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.started is None and statement.lstrip().upper().startswith(WRITES):
            self.started = time.perf_counter()
            self.first = " ".join(statement.split()[:3])

    def after_commit(self, _conn: Any) -> None:
        if self.started is not None:
            self.spans.append((time.perf_counter() - self.started) * 1000)
            self.first_writes[self.first] += 1
        self.started = None

    def after_rollback(self, _conn: Any) -> None:
        self.started = None


def run(args: argparse.Namespace) -> int:
    from sqlalchemy import event

    from bench.corpus import Writer
    from bench.ratio import RATIO_DB, ensure_seeded, hidden_fields

    ensure_seeded(args.tickets, reseed=False)
    copy = appconfig.DATA / "lock.sqlite3"
    shutil.copyfile(RATIO_DB, copy)
    app = appconfig.make_app(f"sqlite:///{copy}")
    from enquiry.extensions import db

    clock = LockClock()
    with app.app_context():
        engine = db.engine
    client, writer = app.test_client(), Writer(1000)

    def submit(number: int) -> None:
        page = client.get("/ask").get_data(as_text=True)
        data = writer.form_data(KINDS[number % len(KINDS)], hidden_fields(page))
        response = client.post("/ask", data=data)
        assert response.status_code == 303, response.status_code

    for number in range(args.warmup):
        submit(number)
    event.listen(engine, "before_cursor_execute", clock.before_execute)
    event.listen(engine, "commit", clock.after_commit)
    event.listen(engine, "rollback", clock.after_rollback)
    with Progress("submissions", args.submissions) as progress:
        for number in range(args.submissions):
            submit(number)
            progress.advance()
    spans = sorted(clock.spans)
    writes = [span for span in spans if span > 0]
    print(f"\nSQLite write lock per committing transaction, {args.submissions} submissions\n")
    print("| transactions with a write | median ms | p95 ms | max ms | target |")
    print("|---|---|---|---|---|")
    p95 = writes[int(len(writes) * 0.95) - 1] if writes else 0.0
    median = statistics.median(writes) if writes else 0.0
    verdict = "met" if p95 <= 5 else "missed"
    print(
        f"| {len(writes)} | {median:.1f} | {p95:.1f} | {max(writes, default=0):.1f} "
        f"| ≤ 5 ms: {verdict} |"
    )
    if len(clock.spans) == args.submissions:  # one committing transaction per submission
        print("\n| kind | submissions | median ms | p95 ms |\n|---|---|---|---|")
        for offset, kind in enumerate(KINDS):
            mine = sorted(clock.spans[number] for number in range(offset, args.submissions, 4))
            if mine:
                kind_p95 = mine[max(int(len(mine) * 0.95) - 1, 0)]
                print(f"| {kind} | {len(mine)} | {statistics.median(mine):.1f} | {kind_p95:.1f} |")
    print("\nThe statement that took the lock:")
    for statement, count in clock.first_writes.most_common():
        print(f"  {count:5d}  {statement} …")
    return 0
