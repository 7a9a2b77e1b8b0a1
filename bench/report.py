"""Results: percentiles, machine load, a printed table and a JSON file under bench/results/."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import appconfig


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty list)."""
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def summarise(name: str, latencies: list[float], seconds: float, **extra: Any) -> dict[str, Any]:
    """Throughput and latency percentiles (milliseconds) of one measurement."""
    ordered = sorted(latencies)
    return {
        "name": name,
        "count": len(ordered),
        "seconds": round(seconds, 3),
        "throughput_per_s": round(len(ordered) / seconds, 1) if seconds > 0 else 0.0,
        "p50_ms": round(percentile(ordered, 0.50) * 1000, 2),
        "p95_ms": round(percentile(ordered, 0.95) * 1000, 2),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 2),
        "max_ms": round((ordered[-1] if ordered else 0.0) * 1000, 2),
        **extra,
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on, and how busy it was."""
    load = os.getloadavg()
    uptime = subprocess.run(["/usr/bin/uptime"], capture_output=True, text=True, check=False).stdout
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_1_5_15": [round(v, 2) for v in load],
        "uptime": uptime.strip(),
    }


def write(kind: str, database: str, rows: list[dict[str, Any]], **extra: Any) -> Path:
    """Write one run's JSON file and print its table; return the file's path."""
    appconfig.RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC)
    dialect = appconfig.dialect_of(database)
    payload = {
        "benchmark": kind,
        "database": dialect,
        "at": stamp.isoformat(timespec="seconds"),
        "machine": machine(),
        "results": rows,
        **extra,
    }
    path = appconfig.RESULTS / f"{stamp:%Y%m%dT%H%M%S}-{kind}-{dialect}.json"
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print_table(payload)
    print(f"\nwritten: {path.relative_to(appconfig.ROOT)}")
    return path


def print_table(payload: dict[str, Any]) -> None:
    print(
        f"\n{payload['benchmark']} on {payload['database']} at {payload['at']}"
        f"  (load {payload['machine']['loadavg_1_5_15']})"
    )
    header = (
        f"{'measurement':<28}{'count':>8}{'per s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}"
    )
    print(header)
    print("-" * len(header))
    for row in payload["results"]:
        print(
            f"{row['name']:<28}{row['count']:>8}{row['throughput_per_s']:>10.1f}"
            f"{row['p50_ms']:>10.2f}{row['p95_ms']:>10.2f}{row['p99_ms']:>10.2f}"
        )
    for key in ("memory", "load_generator", "notes"):
        if key in payload:
            print(f"{key}: {json.dumps(payload[key], ensure_ascii=False)}")
