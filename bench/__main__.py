"""`python -m bench ...`: seed databases and run the benchmarks (see bench/README.md)."""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    seed = commands.add_parser("seed", help="create a database of N realistic tickets")
    seed.add_argument("--db", default="sqlite", help="sqlite, postgresql or a database URI")
    seed.add_argument("--tickets", type=int, default=100_000)
    seed.add_argument("--long-threads", type=int, default=20, help="tickets with 50 messages")
    seed.add_argument("--seed", type=int, default=2026, help="random seed")
    seed.add_argument("--keep", action="store_true", help="add to the database, do not wipe it")

    web = commands.add_parser("web", help="gunicorn (2 workers) under load, per scenario")
    web.add_argument("--db", default="sqlite")
    web.add_argument("--scenario", action="append", help="run only these (repeatable)")
    web.add_argument("--duration", type=float, default=15.0, help="seconds per scenario")
    web.add_argument("--concurrency", type=int, default=8, help="connections in flight")
    web.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    web.add_argument(
        "--apart",
        action="store_true",
        help="one single-worker server per worker, each on its own copy of the database",
    )

    scale = commands.add_parser("scale", help="submissions a second, 1 worker, 2, 2 apart")
    scale.add_argument("--db", default="sqlite", help="sqlite (the ratio seed) or postgresql")
    scale.add_argument(
        "--configs", default="1,2,2apart", help="comma-separated: N, Napart, N+ENQUIRY_X=Y"
    )
    scale.add_argument("--rounds", type=int, default=10, help="turns every configuration takes")
    scale.add_argument("--seconds", type=float, default=6.0, help="measured seconds a slice")
    scale.add_argument("--concurrency", type=int, default=8, help="connections in flight")

    ingest = commands.add_parser("ingest", help="inbound mail ingest rate")
    ingest.add_argument("--db", default="sqlite")
    ingest.add_argument("--messages", type=int, default=1000)

    send = commands.add_parser("send", help="worker send rate into a local SMTP server")
    send.add_argument("--db", default="sqlite")
    send.add_argument("--messages", type=int, default=1000)

    annual = commands.add_parser("annual", help="the annual table of a year of tickets")
    annual.add_argument("--db", default="sqlite")
    annual.add_argument("--repeat", type=int, default=5)

    ratio = commands.add_parser("ratio", help="server CPU per request: Enquiry / bare Flask")
    ratio.add_argument("--tickets", type=int, default=10_000, help="seeded tickets")
    ratio.add_argument("--requests", type=int, default=200, help="measured requests per kind")
    ratio.add_argument("--warmup", type=int, default=20, help="unmeasured requests first")
    ratio.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    ratio.add_argument(
        "--rounds", type=int, default=10, help="turns the two servers take, per request kind"
    )
    ratio.add_argument("--reseed", action="store_true", help="seed again even if present")

    memory = commands.add_parser("memory", help="web worker resident memory after mixed requests")
    memory.add_argument("--tickets", type=int, default=10_000, help="seeded tickets")
    memory.add_argument("--requests", type=int, default=10_000, help="mixed requests in all")
    memory.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    memory.add_argument("--reseed", action="store_true", help="seed again even if present")
    memory.add_argument(
        "--no-letters", action="store_true", help="no information applications (no PDF letters)"
    )

    pipe = commands.add_parser("pipe", help="CPU per message of the MTA pipe, fresh processes")
    pipe.add_argument("--messages", type=int, default=10, help="messages (processes) each")
    pipe.add_argument("--tickets", type=int, default=10_000, help="seeded tickets")
    pipe.add_argument("--in-process", type=int, default=0, help="also M messages in one process")

    lock = commands.add_parser("lock", help="SQLite write lock held per submission, in process")
    lock.add_argument("--submissions", type=int, default=300, help="measured submissions")
    lock.add_argument("--warmup", type=int, default=20, help="unmeasured submissions first")
    lock.add_argument("--tickets", type=int, default=10_000, help="seeded tickets")

    letters = commands.add_parser("letters", help="CPU per formal letter PDF, in process")
    letters.add_argument("--letters", type=int, default=30, help="letters rendered per mode")
    letters.add_argument("--mode", choices=("both", "cached", "uncached"), default="both")

    args = parser.parse_args(argv)
    if args.command == "seed":
        from bench.seed import seed as run_seed

        summary = run_seed(
            args.db,
            tickets=args.tickets,
            long_threads=args.long_threads,
            seed_value=args.seed,
            keep=args.keep,
        )
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
    if args.command == "web":
        from bench.web import run as run_web

        return run_web(args)
    if args.command == "scale":
        from bench.scale import run as run_scale

        return run_scale(args)
    if args.command == "ingest":
        from bench.mailbench import run_ingest

        return run_ingest(args)
    if args.command == "send":
        from bench.mailbench import run_send

        return run_send(args)
    if args.command == "ratio":
        from bench.ratio import run as run_ratio

        return run_ratio(args)
    if args.command == "memory":
        from bench.memory import run as run_memory

        return run_memory(args)
    if args.command == "pipe":
        from bench.pipebench import run as run_pipe

        return run_pipe(args)
    if args.command == "lock":
        from bench.lock import run as run_lock

        return run_lock(args)
    if args.command == "letters":
        from bench.letters import run as run_letters

        return run_letters(args)
    if args.command == "annual":
        from bench.annualbench import run as run_annual

        return run_annual(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
