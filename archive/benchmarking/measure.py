"""Timing primitives: server time of a page (in-process test Client) or of any call, with its
query count and peak memory.

Each measurement warms up first, then times `repeat` runs with `time.perf_counter`; the
query count comes from one more run under CaptureQueriesContext and the peak memory from
one more under tracemalloc, so neither instrument slows the timed runs.
"""

import math
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


@dataclass
class Result:
    """One scenario: its samples, and the target it is held to (if any)."""

    scenario: str
    seconds: list[float] = field(default_factory=list)
    queries: int | None = None
    peak_bytes: int | None = None
    target: str = ""  # as the issue states it, e.g. "median ≤ 20 ms"
    limit: float | None = None  # seconds; the median must not exceed it
    met: bool | None = None  # set by a check other than the median, when there is one
    note: str = ""
    #: One run of what was measured, to profile it when the target is missed.
    call: Callable[[], object] | None = field(default=None, repr=False, compare=False)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else math.nan

    @property
    def p95(self) -> float:
        return percentile(self.seconds, 95)

    @property
    def passed(self) -> bool | None:
        if self.met is not None:
            return self.met and (self.limit is None or self.median <= self.limit)
        return None if self.limit is None else self.median <= self.limit

    def as_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "median_ms": round(self.median * 1000, 2),
            "p95_ms": round(self.p95 * 1000, 2),
            "runs": len(self.seconds),
            "queries": self.queries,
            "peak_mib": None if self.peak_bytes is None else round(self.peak_bytes / 2**20, 2),
            "target": self.target,
            "passed": self.passed,
            "note": self.note,
        }


def percentile(samples: list[float], rank: float) -> float:
    """Nearest-rank percentile: a value that was actually measured."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(rank / 100 * len(ordered)) - 1)]


def time_call(
    call: Callable[[], object], *, repeat: int, warmup: int, budget: float | None = None
) -> Result:
    """Time `call`; returns a Result without scenario or target (the caller adds them).

    With a `budget` (seconds), a first run slower than that is the only one: a page that
    takes minutes is reported as such rather than keeping the benchmark busy for an hour.
    """
    result = Result("", call=call)
    if budget is not None:
        began = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            call()
        elapsed = time.perf_counter() - began
        if elapsed > budget:
            result.seconds, result.queries = [elapsed], len(captured.captured_queries)
            result.note = f"one run only (over the {budget:g} s budget)"
            return result
        warmup -= 1
    for _ in range(warmup):
        call()
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        result.seconds.append(time.perf_counter() - began)
    with CaptureQueriesContext(connection) as captured:
        call()
    result.queries = len(captured.captured_queries)
    result.peak_bytes = peak_memory(call)
    return result


def peak_memory(call: Callable[[], object]) -> int:
    """The most memory Python held at once during `call`, beyond what it held before."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


class PageClient:
    """The test Client as a browser on the site's own host, over HTTPS (as behind a proxy,
    so no redirect to HTTPS), failing loudly on anything but 200."""

    def __init__(self):
        host = next(
            (h for h in settings.ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")),
            "127.0.0.1",
        )
        self.client = Client(headers={"host": host})

    def get(self, url: str):
        response = self.client.get(url, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}, not 200")
        return response


def time_page(
    client: PageClient, url: str, *, repeat: int, warmup: int, budget: float | None = None
) -> Result:
    result = time_call(lambda: client.get(url), repeat=repeat, warmup=warmup, budget=budget)
    size = len(client.get(url).content) // 1024 if len(result.seconds) > 1 else None
    result.note = "; ".join(filter(None, [result.note, size and f"{size} KiB of HTML"]))
    return result


def profile(call: Callable[[], object]) -> str:
    """pyinstrument's text profile of one run of `call` (pyinstrument is a dev dependency)."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    try:
        call()
    finally:
        profiler.stop()
    tree = profiler.output_text(unicode=True, color=False)
    # The tree folds library frames away; the flat list names the functions time is spent in.
    flat = profiler.output_text(unicode=True, color=False, flat=True, flat_time="self")
    return f"{tree}\n\nSelf time by function:\n{flat}\n{slowest_queries(call)}"


def slowest_queries(call: Callable[[], object], top: int = 5) -> str:
    """The slowest SQL statements of one more run of `call`, and the plan of the slowest."""
    with CaptureQueriesContext(connection) as captured:
        call()
    queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    total = sum(float(q["time"]) for q in queries)
    lines = [f"{len(queries)} queries, {total:.3f} s in all. The slowest:"]
    lines += [f"\n{q['time']} s: {q['sql'][:1500]}" for q in queries[:top]]
    if queries and queries[0]["sql"].lstrip().upper().startswith("SELECT"):
        explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        try:
            with connection.cursor() as cursor:
                cursor.execute(explain + queries[0]["sql"])
                plan = "\n".join(" ".join(map(str, row)) for row in cursor.fetchall())
            lines.append(f"\nPlan of the slowest:\n{plan}")
        except DatabaseError as error:  # the logged SQL may not run exactly as written
            lines.append(f"\n(no plan: {error})")
    return "\n".join(lines)
