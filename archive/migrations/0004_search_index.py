"""The search index: SearchEntry, plus FTS5 (SQLite) or a GIN index (PostgreSQL) over it.

The index is filled by `archive.search.rebuild_index()`: our `loaddata` runs it after every
load, and an existing database is filled once with
`manage.py shell -c "from archive.search import rebuild_index; rebuild_index()"`.
It is not filled here because that needs today's models, which a migration must not use.
"""

from django.db import migrations, models

FTS_SQL = [
    # External content: FTS5 keeps only its index and reads the text from archive_searchentry.
    """CREATE VIRTUAL TABLE archive_searchentry_fts USING fts5(
        names, body, content='archive_searchentry', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER archive_searchentry_fts_insert AFTER INSERT ON archive_searchentry BEGIN
        INSERT INTO archive_searchentry_fts(rowid, names, body)
        VALUES (new.id, new.names, new.body);
    END""",
    """CREATE TRIGGER archive_searchentry_fts_delete AFTER DELETE ON archive_searchentry BEGIN
        INSERT INTO archive_searchentry_fts(archive_searchentry_fts, rowid, names, body)
        VALUES ('delete', old.id, old.names, old.body);
    END""",
    """CREATE TRIGGER archive_searchentry_fts_update AFTER UPDATE ON archive_searchentry BEGIN
        INSERT INTO archive_searchentry_fts(archive_searchentry_fts, rowid, names, body)
        VALUES ('delete', old.id, old.names, old.body);
        INSERT INTO archive_searchentry_fts(rowid, names, body)
        VALUES (new.id, new.names, new.body);
    END""",
]

FTS_DROP_SQL = [
    "DROP TRIGGER IF EXISTS archive_searchentry_fts_update",
    "DROP TRIGGER IF EXISTS archive_searchentry_fts_delete",
    "DROP TRIGGER IF EXISTS archive_searchentry_fts_insert",
    "DROP TABLE IF EXISTS archive_searchentry_fts",
]


def gin_index():
    from django.contrib.postgres.indexes import GinIndex

    from archive.models.search import document_vector

    return GinIndex(document_vector(), name="archive_searchentry_document")


def create_engine_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in FTS_SQL:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.add_index(apps.get_model("archive", "SearchEntry"), gin_index())


def drop_engine_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in FTS_DROP_SQL:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("archive", "SearchEntry"), gin_index())


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0003_editorial_groups"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("source", "Article"),
                            ("passage", "Annotated passage"),
                            ("quote", "Quote"),
                            ("person", "Person"),
                            ("organization", "Organisation"),
                            ("event", "Event"),
                        ],
                        max_length=12,
                    ),
                ),
                (
                    "object_id",
                    models.PositiveBigIntegerField(help_text="Primary key of the record, by kind."),
                ),
                (
                    "source_pk",
                    models.PositiveBigIntegerField(
                        blank=True,
                        help_text="For paragraphs and passages: their source.",
                        null=True,
                    ),
                ),
                (
                    "paragraph",
                    models.PositiveIntegerField(
                        blank=True, help_text="For a paragraph: its number, from 1.", null=True
                    ),
                ),
                (
                    "start",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="For a paragraph: its offset in the source's body.",
                        null=True,
                    ),
                ),
                ("annotation_key", models.UUIDField(blank=True, null=True)),
                ("title", models.CharField(max_length=400)),
                (
                    "names",
                    models.TextField(blank=True, help_text="Names and aliases, one a line."),
                ),
                ("body", models.TextField(blank=True)),
                ("url", models.CharField(max_length=600)),
            ],
            options={
                "verbose_name_plural": "search entries",
                "indexes": [
                    models.Index(fields=["kind", "object_id"], name="archive_searchentry_object"),
                    models.Index(fields=["source_pk"], name="archive_searchentry_source"),
                ],
            },
        ),
        migrations.RunPython(create_engine_index, drop_engine_index, elidable=False),
    ]
