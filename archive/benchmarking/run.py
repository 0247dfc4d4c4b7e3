"""`make bench`: for each engine, a scratch database, `migrate`, `manage.py bench`, then drop it.

    python -m archive.benchmarking.run --engines "sqlite postgres" -- --scale 0.02

Everything after `--` goes to `manage.py bench`. The bench command refuses a database that
holds data, so it never runs against a real archive; this script gives it a fresh one: a
temporary SQLite file, or a PostgreSQL database `archive_bench_<pid>` created beside the
one BENCH_POSTGRES_URL names (and dropped afterwards, whatever happens).
"""

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


@contextmanager
def scratch_database(engine: str, postgres_url: str, folder: Path):
    """Yields the DATABASE_URL of a new, empty database, removed on the way out."""
    if engine == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    if engine != "postgres":
        raise SystemExit(f"unknown engine {engine!r}: sqlite or postgres")
    import psycopg

    name = f"archive_bench_{os.getpid()}"
    parts = urlsplit(postgres_url)
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite postgres")
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES_URL") or DEFAULT_POSTGRES
    )
    args, bench_args = parser.parse_known_args(argv)
    bench_args = [a for a in bench_args if a != "--"]
    for engine in args.engines.split():
        folder = Path(tempfile.mkdtemp(prefix=f"archive-bench-{engine}-"))
        try:
            with scratch_database(engine, args.postgres, folder) as url:
                env = {
                    **os.environ,
                    "DATABASE_URL": url,
                    "DEBUG": "0",
                    "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
                    "SECURE_SSL_REDIRECT": "0",
                    "ALLOWED_HOSTS": "127.0.0.1",
                    "STATIC_ROOT": str(folder / "static"),
                    # Timings in-process are of the work itself; the load test turns it on.
                    "ARCHIVE_CACHE": "0",
                    # One JSON line per request on the terminal would bury the report.
                    "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
                }
                manage = [sys.executable, str(ROOT / "manage.py")]
                for command in (["migrate", "--noinput", "-v0"], ["bench", *bench_args]):
                    subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True)  # noqa: S603
        except subprocess.CalledProcessError as error:
            print(f"bench on {engine} failed ({error})", file=sys.stderr)
            return 1
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
