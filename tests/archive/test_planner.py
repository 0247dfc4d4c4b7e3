"""SQLite's planner statistics are renewed after bulk changes (archive/planner.py)."""

import pytest
from django.core.management import call_command
from django.db import connection

from archive.planner import refresh_statistics

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL's autovacuum keeps its own statistics"
)


def analysed_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        return {row[0] for row in cursor.fetchall()}


def forget_statistics() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sqlite_stat1")
    assert analysed_tables() == set()


@sqlite_only
@pytest.mark.parametrize(
    "command",
    [
        ("rebuild_search_index",),
        ("loaddata", "openai-2023"),
        ("migrate", "--noinput"),
    ],
    ids=["rebuild_search_index", "loaddata", "migrate"],
)
def test_bulk_commands_leave_statistics_for_the_planner(command):
    forget_statistics()
    call_command(*command, verbosity=0)
    assert {"archive_annotation", "sources_source", "archive_annotation_events"} <= (
        analysed_tables()
    )


def test_nothing_is_done_on_postgresql():
    assert refresh_statistics() is (connection.vendor == "sqlite")
