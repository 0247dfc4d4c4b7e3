"""The benchmark's report: the machine it ran on, and markdown tables of the results."""

import datetime
import os
import platform
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import django
from django.db import connection

from archive.benchmarking.load import LoadResult
from archive.benchmarking.measure import Result


def machine() -> dict[str, str]:
    """What anyone comparing numbers needs to know about where they were taken."""
    info = {
        "date": datetime.date.today().isoformat(),
        "cores": str(os.cpu_count()),
        "cpu": _first(Path("/proc/cpuinfo"), r"model name\s*:\s*(.+)") or platform.processor(),
        "ram": _ram(),
        "os": _first(Path("/etc/os-release"), r'PRETTY_NAME="(.+)"') or platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "database": connection.vendor,
        "load average at start": load_average(),
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            info["postgresql"] = cursor.fetchone()[0]
    info["wrk"] = _wrk_version()
    return info


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _first(path: Path, pattern: str) -> str:
    try:
        found = re.search(pattern, path.read_text())
    except OSError:
        return ""
    return found.group(1).strip() if found else ""


def _ram() -> str:
    kib = _first(Path("/proc/meminfo"), r"MemTotal:\s+(\d+) kB")
    return f"{int(kib) / 2**20:.1f} GiB" if kib else "unknown"


def _wrk_version() -> str:
    try:
        done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)  # noqa: S607
    except OSError:
        return "not installed"
    return (done.stdout or done.stderr).split(" Copyright")[0].strip()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _verdict(passed: bool | None) -> str:
    return {True: "met", False: "**missed**", None: ""}[passed]


def results_table(results: list[Result]) -> str:
    lines = [
        "| Scenario | Target | Median | p95 | Queries | Peak memory | Result | Notes |",
        "|---|---|--:|--:|--:|--:|---|---|",
    ]
    for r in results:
        peak = "" if r.peak_bytes is None else f"{r.peak_bytes / 2**20:,.1f} MiB"
        lines.append(
            f"| {r.scenario} | {r.target} | {_ms(r.median)} | {_ms(r.p95)} | "
            f"{'' if r.queries is None else r.queries} | {peak} | {_verdict(r.passed)} | "
            f"{r.note} |"
        )
    return "\n".join(lines)


def search_table(rows: list[dict]) -> str:
    lines = [
        "| Query | Hits | Page median | Page p95 | `search()` median | Queries |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        query = row["query"].replace("|", "\\|")
        lines.append(
            f"| `{query}` | {row['hits']} | {row['page_median_ms']:.1f} ms | "
            f"{row['page_p95_ms']:.1f} ms | {row['search_median_ms']:.1f} ms | {row['queries']} |"
        )
    return "\n".join(lines)


def load_table(results: list[LoadResult], *, targets: dict[bool, float]) -> str:
    lines = [
        "| Page | Cache | One at a time | Requests/s | Ratio to minimal view | Target | Errors | "
        "Latency p50 | p99 | Worker peak RSS |",
        "|---|---|--:|--:|--:|---|--:|--:|--:|--:|",
    ]
    for r in results:
        is_page = r.path != "/healthz"
        target = f"ratio ≥ {targets[r.cached]}, 0 errors" if is_page else "0 errors"
        met = r.errors == 0 and (not is_page or (r.ratio or 0) >= targets[r.cached])
        rss = "" if r.worker_peak_rss_mib is None else f"{r.worker_peak_rss_mib:,.0f} MiB"
        lines.append(
            f"| {r.label} (`{r.path}`) | {'on' if r.cached else 'off'} | {r.single_ms:,.1f} ms | "
            f"{r.requests_per_second:,.{0 if r.requests_per_second >= 100 else 1}f} | "
            f"{r.ratio:.{2 if r.ratio >= 0.1 else 3}f} | {target}: {_verdict(met)} | "
            f"{r.errors} | {r.latency_p50_ms:,.1f} ms | {r.latency_p99_ms:,.1f} ms | {rss} |"
        )
    return "\n".join(lines)


def machine_lines(info: dict[str, str]) -> str:
    return "\n".join(f"- {key}: {value}" for key, value in info.items())


def command_line() -> str:
    return " ".join(["manage.py", *sys.argv[1:]])
