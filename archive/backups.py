"""Backups and restores of the whole database with each engine's own tool.

SQLite: the sqlite3 backup API, which copies a consistent snapshot of a live database, page by
page, into another file (and back). PostgreSQL: `pg_dump --format=custom` and `pg_restore`,
run with the connection settings of the Django database (the password goes through the
environment, never the command line). A backup holds everything: the collection, the
accounts, the change history, the search index and the schema at its migration state.

`manage.py backup` and `manage.py restore` are the command line; docs/backups.md says when to
use these and when the portable `export_collection --with-users` instead.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.postgresql.client import DatabaseClient

from archive.models import Annotation, Event, Organization, Person, Quote
from sources.models import Source

#: The first bytes of each kind of backup file.
SIGNATURES = {"sqlite": b"SQLite format 3\x00", "postgresql": b"PGDMP"}
ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class BackupError(Exception):
    """A backup or restore that cannot be done, with what to do instead."""


def _engine(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in ENGINES:
        raise BackupError(
            f"No native backup for {vendor}: use export_collection --with-users (docs/backups.md)."
        )
    return vendor


def _outside_transactions(using: str) -> None:
    if connections[using].in_atomic_block:
        raise BackupError(
            "A backup or restore cannot run inside a transaction: it would not see, or would "
            "wait for, what the transaction has not committed."
        )


def backup(path: str | Path, using: str = DEFAULT_DB_ALIAS) -> Path:
    """Write a backup of the whole database to `path`; replace the file only once it is whole
    and checked."""
    engine = _engine(using)
    _outside_transactions(using)
    path = Path(path)
    staged = path.with_name(f".{path.name}.partial")
    try:
        if engine == "sqlite":
            _sqlite_backup(using, staged)
        else:
            _pg_dump(using, staged)
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)
    return path


def backup_engine(path: str | Path) -> str | None:
    """Which engine a backup file is for, from its first bytes, or None if it is neither."""
    with open(path, "rb") as file:
        start = file.read(16)
    return next((engine for engine, sig in SIGNATURES.items() if start.startswith(sig)), None)


def contents(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """What a restore would replace: the non-empty counts of the collection and the accounts.
    A database just created, or just migrated, holds nothing."""
    tables = set(connections[using].introspection.table_names())
    counts = {}
    for model in (Source, Person, Organization, Event, Quote, Annotation, get_user_model()):
        if model._meta.db_table in tables:
            count = model._default_manager.using(using).count()
            if count:
                counts[str(model._meta.verbose_name_plural)] = count
    return counts


def restore(path: str | Path, using: str = DEFAULT_DB_ALIAS, *, force: bool = False) -> None:
    """Replace the database with the backup at `path`. Refuses a database that holds anything
    unless `force`: a restore is meant for an empty (new, or just migrated) database."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup at {path}.")
    engine = _engine(using)
    found = backup_engine(path)
    if found is None:
        raise BackupError(f"{path} is neither an SQLite database nor a pg_dump custom archive.")
    if found != engine:
        raise BackupError(
            f"{path} is a {ENGINES[found]} backup and this database is {ENGINES[engine]}: "
            "move between engines with export_collection --with-users and loaddata "
            "(README, 'Moving to PostgreSQL')."
        )
    held = contents(using)
    if held and not force:
        listed = ", ".join(f"{count} {name}" for name, count in held.items())
        raise BackupError(
            f"The database is not empty ({listed}). Restore into a new database, or add "
            "--force to replace everything in it (back it up first)."
        )
    _outside_transactions(using)
    if engine == "sqlite":
        _sqlite_restore(path, using)
    else:
        _pg_restore(path, using)


# SQLite --------------------------------------------------------------------------------------


def _check_sqlite(database: sqlite3.Connection, name) -> None:
    result = database.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{name} is damaged: {result}")
    found = database.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
    ).fetchone()
    if not found:
        raise BackupError(f"{name} is an SQLite database, but not one of this archive.")


def _sqlite_backup(using: str, target: Path) -> None:
    connection = connections[using]
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)  # one step: a consistent snapshot
        _check_sqlite(destination, connection.settings_dict["NAME"])
    finally:
        destination.close()


def _sqlite_restore(path: Path, using: str) -> None:
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        _check_sqlite(source, path)
        connection = connections[using]
        connection.ensure_connection()
        source.backup(connection.connection)  # replaces every page of the live database
    finally:
        source.close()


# PostgreSQL ----------------------------------------------------------------------------------


def libpq_environment(settings_dict: dict, database: str | None = None) -> dict[str, str]:
    """The environment for PostgreSQL's command-line tools to reach this database (or
    `database` on the same server), as Django's `dbshell` would."""
    _, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGDATABASE": database or settings_dict.get("NAME"),
    }
    env = {**os.environ, **(env or {}), **{k: str(v) for k, v in values.items() if v}}
    return env


def postgresql_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return found


def run_postgresql_tool(name: str, *args: str, env: dict[str, str]) -> str:
    """Run one of PostgreSQL's tools; a failure becomes a BackupError with its message."""
    result = subprocess.run(  # noqa: S603 (PostgreSQL's own tool, arguments built here)
        [postgresql_tool(name), *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{name} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def _pg_dump(using: str, target: Path) -> None:
    env = libpq_environment(connections[using].settings_dict)
    run_postgresql_tool("pg_dump", "--format=custom", f"--file={target}", env=env)
    run_postgresql_tool("pg_restore", "--list", str(target), env=env)  # readable, whole


def _pg_restore(path: Path, using: str) -> None:
    connection = connections[using]
    connection.close()  # ours must not hold a lock on a table the restore drops
    env = libpq_environment(connection.settings_dict)
    if not env.get("PGDATABASE"):
        raise BackupError("The database settings name no database to restore into.")
    run_postgresql_tool(
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",  # all of it or nothing
        f"--dbname={env['PGDATABASE']}",
        str(path),
        env=env,
    )
