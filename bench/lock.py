"""`python -m bench lock`: how long a submission holds SQLite's write lock, in process.

SQLite lets one writer at a time: a transaction takes the write lock at its first write and
holds it until COMMIT, so that span bounds how many submissions per second any number of
workers can make. This runs N submissions (GET /ask, then POST with the page's tokens, kinds in
turn) through the Flask test client on a copy of the `bench ratio` database and, from the
engine's events and the driver's commit, times each transaction from its first
INSERT/UPDATE/DELETE to the end of its COMMIT; it also names the statement that took the lock.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import struct
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import appconfig
from bench.progress import Progress

KINDS = ["question", "suggestion", "complaint", "info_application"]
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class LockClock:
    """First write → the end of the DB-API commit, per transaction.

    SQLAlchemy's "commit" event comes before the driver's commit, which writes the transaction
    to the WAL still holding the lock; until 2026-12-06 23:00 the span ended at that event
    and left the COMMIT out. It is kept as `before_commit` for comparison.
    """

    def __init__(self) -> None:
        self.started: float | None = None
        self.committing: float | None = None
        self.first: str = ""
        self.spans: list[float] = []
        self.before_commit: list[float] = []
        self.first_writes: Counter[str] = Counter()

    def before_execute(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.started is None and statement.lstrip().upper().startswith(WRITES):
            self.started = time.perf_counter()
            self.first = " ".join(statement.split()[:3])

    def commit_event(self, _conn: Any) -> None:
        self.committing = time.perf_counter()

    def timed_commit(self, do_commit: Callable[[Any], None]) -> Callable[[Any], None]:
        def commit(dbapi_connection: Any) -> None:
            do_commit(dbapi_connection)
            if self.started is not None and self.committing is not None:
                self.spans.append((time.perf_counter() - self.started) * 1000)
                self.before_commit.append((self.committing - self.started) * 1000)
                self.first_writes[self.first] += 1
            self.started = self.committing = None

        return commit

    def after_rollback(self, _conn: Any) -> None:
        self.started = self.committing = None


AUTOCHECKPOINT_PAGES = 1000  # SQLite's default wal_autocheckpoint


def _no_automatic_checkpoint(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def _frames_to_checkpoint(database: Path) -> int:
    """mxFrame - nBackfill from the WAL index (-shm): WAL pages not yet checkpointed."""
    with open(f"{database}-shm", "rb") as shm:
        head = shm.read(100)
    (frames,) = struct.unpack_from("=I", head, 16)  # WalIndexHdr.mxFrame, native order
    (backfilled,) = struct.unpack_from("=I", head, 96)  # WalCkptInfo.nBackfill
    return int(frames - backfilled)


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

    # SQLite's automatic checkpoint runs inside the driver's commit but after the lock is let
    # go: the bench checkpoints between submissions instead, as often, outside the clock.
    event.listen(engine, "connect", _no_automatic_checkpoint)
    engine.dispose()
    checkpoints = 0

    def checkpoint_when_due() -> None:
        nonlocal checkpoints
        if _frames_to_checkpoint(copy) >= AUTOCHECKPOINT_PAGES:
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            checkpoints += 1

    for number in range(args.warmup):
        submit(number)
        checkpoint_when_due()
    event.listen(engine, "before_cursor_execute", clock.before_execute)
    event.listen(engine, "commit", clock.commit_event)
    engine.dialect.do_commit = clock.timed_commit(engine.dialect.do_commit)  # type: ignore[assignment,method-assign]
    event.listen(engine, "rollback", clock.after_rollback)
    with Progress("submissions", args.submissions) as progress:
        for number in range(args.submissions):
            submit(number)
            checkpoint_when_due()
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
    before = sorted(clock.before_commit)
    if before:
        print(
            f"\nTo the start of the COMMIT (the figure before 2026-12-06 23:00): median "
            f"{statistics.median(before):.1f} ms, p95 {before[int(len(before) * 0.95) - 1]:.1f}"
        )
    if len(clock.spans) == args.submissions:  # one committing transaction per submission
        print("\n| kind | submissions | median ms | p95 ms |\n|---|---|---|---|")
        for offset, kind in enumerate(KINDS):
            mine = sorted(clock.spans[number] for number in range(offset, args.submissions, 4))
            if mine:
                kind_p95 = mine[max(int(len(mine) * 0.95) - 1, 0)]
                print(f"| {kind} | {len(mine)} | {statistics.median(mine):.1f} | {kind_p95:.1f} |")
    print(f"\nCheckpoints between submissions (SQLite's 1,000 WAL pages): {checkpoints}")
    print("\nThe statement that took the lock:")
    for statement, count in clock.first_writes.most_common():
        print(f"  {count:5d}  {statement} …")
    return 0
