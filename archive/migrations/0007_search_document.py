"""PostgreSQL: store each search entry's document vector in a column, and index that column.

Migration 0004 indexed the *expression* `document_vector()`. Matching used that index, but
`ts_rank` recomputed `to_tsvector` on every matching row before the best were kept (1–6 s
for a common word over 5,000 articles). A generated, stored column is computed once, when
the row is written, and both the GIN index and `ts_rank` read it.

The column is not declared on the model: it exists on PostgreSQL only (SQLite has FTS5), so
`makemigrations` sees nothing, and inserts, `bulk_create`, `loaddata` and backups go on
writing only `names` and `body`, from which PostgreSQL computes it.
"""

from django.db import migrations

TABLE = "archive_searchentry"
INDEX = "archive_searchentry_document"  # the same name as 0004's expression index

# The expression Django compiles `document_vector()` to, as 0004's index had it.
DOCUMENT = (
    "setweight(to_tsvector('simple'::regconfig, COALESCE(names, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, COALESCE(body, '')), 'B')"
)

FORWARD = [
    f"DROP INDEX IF EXISTS {INDEX}",
    f"ALTER TABLE {TABLE} ADD COLUMN document tsvector GENERATED ALWAYS AS ({DOCUMENT}) STORED",
    # GIN queues new entries in a pending list that every search reads through, unindexed,
    # until it is full (4 MB by default: some 11,000 entries after a rebuild, 10–200 ms per
    # search) or vacuumed. 256 kB keeps that under a millisecond, and rebuilds no slower.
    f"CREATE INDEX {INDEX} ON {TABLE} USING gin (document) WITH (gin_pending_list_limit = 256)",
]

BACKWARD = [
    # Dropping the column drops its index too; then 0004's expression index comes back.
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS document",
    f"CREATE INDEX {INDEX} ON {TABLE} USING gin (({DOCUMENT}))",
]


def _execute_on_postgresql(schema_editor, statements):
    if schema_editor.connection.vendor == "postgresql":
        for sql in statements:
            schema_editor.execute(sql)


def add_document_column(apps, schema_editor):
    _execute_on_postgresql(schema_editor, FORWARD)


def drop_document_column(apps, schema_editor):
    _execute_on_postgresql(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0006_content_generation"),
    ]

    operations = [
        migrations.RunPython(add_document_column, drop_document_column, elidable=False),
    ]
