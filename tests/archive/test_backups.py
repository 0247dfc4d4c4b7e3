"""Backups: a backup restored into an empty database reproduces every object and every link.

The engine's own backup (manage.py backup / restore) is tested on the engine the suite runs
on: CI runs the suite on SQLite, then on PostgreSQL, so both are covered. A backup tool sees
only committed rows, so those tests are transactional; Django empties the database after each
one, and `seed_back_afterwards` puts back what the session started with.
"""

import importlib
import os
import sqlite3
import subprocess
import sys
import uuid
from io import StringIO
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from archive.backups import SIGNATURES, libpq_environment, run_postgresql_tool
from archive.exporting import COLLECTION_MODELS
from archive.models import Annotation, Person
from sources.models import Source
from sources.publishing import Status
from tests.collection_rows import database_rows
from tests.conftest import SEED_FIXTURE, snapshot

User = get_user_model()
ENGINE = connection.vendor
OTHER_ENGINE = "postgresql" if ENGINE == "sqlite" else "sqlite"
PASSWORD = "backup-test-password"


# What the session started with, and what a backup must carry besides it --------------------


def put_back_the_seed():
    """The seed collection and the editorial groups, if a flush removed them."""
    if not Source.objects.filter(slug="altman-visitor-badge-compilation").exists():
        call_command("loaddata", SEED_FIXTURE, verbosity=0)
    if not Group.objects.filter(name="Editors").exists():
        groups = importlib.import_module("archive.migrations.0003_editorial_groups")
        groups.create_groups(apps, None)


@pytest.fixture(scope="module")
def seed_back_afterwards(django_db_setup, django_db_blocker):
    """Module-scoped, so that it is torn down after the transactional test's flush."""
    yield
    with django_db_blocker.unblock():
        put_back_the_seed()


def add_what_the_seed_lacks():
    """A draft, an account with a group that wrote an annotation, and history rows."""
    Source.objects.create(
        slug="backup-draft", title="A draft", body="Not public yet.", status=Status.DRAFT
    )
    editor = User.objects.create_user("backup-editor", password=PASSWORD)
    editor.groups.add(Group.objects.get(name="Editors"))
    Annotation.objects.filter(pk=Annotation.objects.order_by("pk")[0].pk).update(author=editor)
    person = Person.objects.get(slug="sam-altman")
    person.description = "Edited before the backup, so that there is history."
    person.save()
    assert person.history.count() == 2  # the state before the edit, and the edit


def manage(*args, database_url: str) -> subprocess.CompletedProcess:
    """manage.py in a process of its own, on another database."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "SECRET_KEY"}}
    env.update(DEBUG="1", DATABASE_URL=database_url)
    return subprocess.run(  # noqa: S603 (our own manage.py, arguments from the test)
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def rows_of(cursor, tables) -> dict[str, list[tuple]]:
    """Every row of every table, in an order that does not depend on how they were stored."""
    found = {}
    for table in tables:
        cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from the catalogue)
        found[table] = sorted(cursor.fetchall(), key=repr)
    return found


def assert_holds_everything(tables: dict[str, list[tuple]]):
    """The comparison is not vacuous: the seed and the extras are in what was compared."""
    for model in [Source, Annotation, Annotation.persons.through, User, Person.history.model]:
        assert tables[model._meta.db_table], model._meta.label
    assert any("backup-draft" in row for row in tables[Source._meta.db_table])


# SQLite ------------------------------------------------------------------------------------


def sqlite_tables(database: sqlite3.Connection) -> dict[str, list[tuple]]:
    # Every table, the search index's and SQLite's own (sqlite_sequence) included.
    names = [
        name
        for (name,) in database.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        )
    ]
    return rows_of(database.cursor(), names)


@pytest.mark.skipif(ENGINE != "sqlite", reason="the SQLite backup; CI also runs on SQLite")
@pytest.mark.django_db(transaction=True)
def test_a_sqlite_backup_restored_into_an_empty_database_reproduces_everything(
    seed_back_afterwards, tmp_path
):
    put_back_the_seed()
    add_what_the_seed_lacks()
    backup, restored = tmp_path / "backup.sqlite3", tmp_path / "restored.sqlite3"
    out = StringIO()
    call_command("backup", str(backup), stdout=out)
    assert "SQLite backup" in out.getvalue()

    result = manage("restore", str(backup), database_url=f"sqlite:///{restored}")
    assert result.returncode == 0, result.stderr
    assert "1161 annotations" in result.stdout

    connection.ensure_connection()
    before = sqlite_tables(connection.connection)
    # Read as Django reads (the same type conversions), from the restored file.
    types = sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES
    with sqlite3.connect(restored, detect_types=types) as copy:
        after = sqlite_tables(copy)
    assert_holds_everything(before)
    assert list(after) == list(before)
    for table in before:
        assert after[table] == before[table], table


# PostgreSQL --------------------------------------------------------------------------------


def postgresql_tables(database: str) -> dict[str, list[tuple]]:
    import psycopg

    params = connection.settings_dict
    with psycopg.connect(
        dbname=database,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
    ) as other:
        cursor = other.cursor()
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
        tables = rows_of(cursor, [name for (name,) in cursor.fetchall()])
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences "
            "WHERE schemaname = current_schema() ORDER BY 1"
        )
        tables["(sequences)"] = cursor.fetchall()
    return tables


def database_url(database: str) -> str:
    params = connection.settings_dict
    user = quote(params["USER"] or "", safe="")
    password = f":{quote(params['PASSWORD'], safe='')}" if params["PASSWORD"] else ""
    host = f"{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
    return f"postgres://{user}{password}@{host}/{database}"


@pytest.mark.skipif(ENGINE != "postgresql", reason="the PostgreSQL backup; CI also runs on it")
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_restored_into_an_empty_database_reproduces_everything(
    seed_back_afterwards, tmp_path
):
    put_back_the_seed()
    add_what_the_seed_lacks()
    backup = tmp_path / "backup.pgdump"
    out = StringIO()
    call_command("backup", str(backup), stdout=out)
    assert "PostgreSQL backup" in out.getvalue()

    scratch = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    server = libpq_environment(connection.settings_dict, "postgres")
    run_postgresql_tool("createdb", scratch, env=server)
    try:
        result = manage("restore", str(backup), database_url=database_url(scratch))
        assert result.returncode == 0, result.stderr
        assert "1161 annotations" in result.stdout
        before = postgresql_tables(connection.settings_dict["NAME"])
        after = postgresql_tables(scratch)
    finally:
        run_postgresql_tool("dropdb", "--if-exists", "--force", scratch, env=server)
    assert_holds_everything(before)
    assert list(after) == list(before)
    for table in before:
        assert after[table] == before[table], table


# What restore refuses ----------------------------------------------------------------------


def fake_backup(tmp_path, engine: str):
    path = tmp_path / f"backup-{engine}"
    path.write_bytes(SIGNATURES[engine] + b"\0" * 200)
    return path


def test_restore_refuses_a_database_that_is_not_empty(seed, tmp_path):
    before = snapshot()
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(fake_backup(tmp_path, ENGINE)))
    assert "not empty" in str(refused.value) and "--force" in str(refused.value)
    assert "1161 annotations" in str(refused.value)
    assert snapshot() == before


def test_restore_refuses_a_backup_of_the_other_engine(seed, tmp_path):
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(fake_backup(tmp_path, OTHER_ENGINE)), force=True)
    assert "export_collection --with-users" in str(refused.value)


@pytest.mark.parametrize("content", [None, b'[{"model": "sources.source"}]'])
def test_restore_refuses_what_is_not_a_backup(db, tmp_path, content):
    path = tmp_path / "archive.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(path), force=True)
    assert str(path) in str(refused.value)


def test_backup_refuses_to_run_inside_a_transaction(seed, tmp_path):
    # It would wait forever for (SQLite) or leave out (PostgreSQL) what is not committed.
    with pytest.raises(CommandError) as refused:
        call_command("backup", str(tmp_path / "backup"))
    assert "transaction" in str(refused.value)
    assert not list(tmp_path.iterdir())


# The portable backup: export_collection --with-users -------------------------------------


def test_the_portable_backup_with_accounts_restores_exactly(seed, tmp_path, request):
    """The whole collection and every account (password, groups, permissions) come back as
    they were; change history is not part of it (docs/backups.md)."""
    editor = User.objects.create_user("portable-editor", password=PASSWORD, is_staff=True)
    editor.groups.add(Group.objects.get(name="Publishers"))
    Annotation.objects.filter(pk=Annotation.objects.order_by("pk")[0].pk).update(author=editor)
    labels = [*COLLECTION_MODELS, "auth.group", "auth.user"]
    before = database_rows(labels)
    path = tmp_path / "archive.json"
    call_command("export_collection", "--with-users", output=str(path), stdout=StringIO())

    request.getfixturevalue("empty_db")
    User.objects.all().delete()
    Group.objects.all().delete()
    assert database_rows(labels) == []
    call_command("loaddata", str(path), verbosity=0)

    assert database_rows(labels) == before
    assert User.objects.get(username="portable-editor").check_password(PASSWORD)
