"""The load test: gunicorn on loopback, driven by wrk, against the reader and `/healthz`.

Throughput is reported as a ratio to `/healthz` (no database, no template) served by the
same server in the same run, so the number says what the page costs rather than how fast
the machine is. gunicorn runs with the production configuration (archive/gunicorn.py)
when it exists, against the benchmark's database, with DEBUG off.
"""

import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

GUNICORN_CONFIG = Path(settings.BASE_DIR) / "archive" / "gunicorn.py"
HOST = "127.0.0.1"


@dataclass
class LoadResult:
    label: str
    path: str
    cached: bool
    requests: int
    seconds: float
    requests_per_second: float
    non_2xx: int
    socket_errors: int
    latency_p50_ms: float
    latency_p99_ms: float
    single_ms: float = math.nan  # median of requests one at a time, before the load
    worker_peak_rss_mib: float | None = None
    ratio: float | None = None  # to /healthz in the same run

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def wrk_path() -> str:
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed: `apt-get install wrk` (make bench does it)")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(*, cached: bool, workers: int, database_url: str, redis_url: str = ""):
    """Serve the archive with gunicorn on a free loopback port; yields (base URL, process)."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": HOST,
        "ARCHIVE_CACHE": "1" if cached else "0",
        "BIND": f"{HOST}:{port}",
        "WEB_CONCURRENCY": str(workers),
        "LOG_LEVEL": "INFO",  # as in production: one line per request (to a file here)
    }
    # Only the Redis named here: a shared one may hold another run's pages under the same URLs.
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    command = [sys.executable, "-m", "gunicorn"]
    if GUNICORN_CONFIG.exists():
        command += ["-c", str(GUNICORN_CONFIG)]
    command += ["--workers", str(workers), "--bind", f"{HOST}:{port}", "archive.wsgi:application"]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        base = f"http://{HOST}:{port}"
        try:
            _wait_until_up(base, server, log)
            yield base, server
        finally:
            server.terminate()
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_up(base: str, server: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"gunicorn stopped:\n{log.read().decode()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def check_page(base: str, path: str, warmup: int = 5) -> None:
    """Each page must answer 200 (not a redirect) before it is loaded: wrk counts 3xx as
    success. The warm-up also fills the cache, when there is one."""
    for _ in range(warmup):
        with urllib.request.urlopen(f"{base}{path}", timeout=30) as response:  # noqa: S310
            if response.status != 200 or response.url != f"{base}{path}":
                raise RuntimeError(f"{path} answered {response.status} at {response.url}")


def single_requests(base: str, path: str, count: int = 10) -> float:
    """Median milliseconds of `count` requests made one after another (no concurrency)."""
    times = []
    for _ in range(count):
        began = time.perf_counter()
        url = f"{base}{path}"  # http on loopback, made here
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            response.read()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def run_wrk(base: str, path: str, *, connections: int, seconds: int, threads: int = 2) -> dict:
    # A 10 s timeout: a reverse proxy would wait that long too; slower answers count as errors.
    output = subprocess.run(  # noqa: S603 (wrk from PATH, our own arguments)
        [
            wrk_path(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            # As every browser does: the cache keeps a gzipped copy of each page for them.
            "--header",
            "Accept-Encoding: gzip",
            f"{base}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(output)


_DURATION = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    # wrk writes "-nanus" (or nothing) when no request finished in time.
    return float(found.group(1)) * _DURATION[found.group(2)] if found else math.nan


def parse_wrk(output: str) -> dict:
    """The numbers of wrk's --latency report."""
    done = re.search(r"(\d+) requests in ([\d.]+)(\w+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests": int(done.group(1)),
        "seconds": _ms(done.group(2) + done.group(3)) / 1000,
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "socket_errors": sum(map(int, socket_errors.groups())) if socket_errors else 0,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "latency_p50_ms": _ms(_percentile(output, 50)),
        "latency_p99_ms": _ms(_percentile(output, 99)),
    }


def _percentile(output: str, rank: int) -> str:
    found = re.search(rf"^\s+{rank}%\s+(\S+)", output, re.MULTILINE)
    return found.group(1) if found else ""


def worker_peak_rss_mib(server: subprocess.Popen) -> float | None:
    """The largest peak resident size (VmHWM) among gunicorn's workers now alive."""
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        peaks = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
        return max(peaks) if peaks else None
    except (OSError, AttributeError):
        return None  # not Linux, or a worker was just replaced


def load_test(
    pages: dict[str, str],
    *,
    database_url: str,
    seconds: int,
    connections: int,
    workers: int = 2,
    redis_url: str = "",
) -> list[LoadResult]:
    """For caching off then on: /healthz, then each page, each for `seconds`."""
    results = []
    for cached in (False, True):
        with gunicorn(
            cached=cached, workers=workers, database_url=database_url, redis_url=redis_url
        ) as (base, server):
            baseline = None
            for label, path in {"Minimal view": "/healthz", **pages}.items():
                check_page(base, path)
                single = single_requests(base, path)
                numbers = run_wrk(base, path, connections=connections, seconds=seconds)
                result = LoadResult(label, path, cached, single_ms=single, **numbers)
                result.worker_peak_rss_mib = worker_peak_rss_mib(server)
                baseline = baseline or result.requests_per_second
                result.ratio = result.requests_per_second / baseline if baseline else None
                results.append(result)
    return results
