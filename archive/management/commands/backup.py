"""Back up the whole database with the engine's own tool (the logic is in archive/backups.py)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from archive.backups import ENGINES, BackupError, backup


class Command(BaseCommand):
    help = (
        "Write a backup of the whole database (collection, accounts, history, search index): "
        "an SQLite file made with SQLite's backup API, or a pg_dump custom-format archive. "
        "Safe while the archive is running. Restore it with manage.py restore. "
        "See docs/backups.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup file to write (replaced only when whole)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database to back up")

    def handle(self, *args, path, database, **options):
        try:
            written = backup(path, database)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        engine = ENGINES[connections[database].vendor]
        size = written.stat().st_size
        self.stdout.write(f"Wrote {written}: {engine} backup, {size:,} bytes.")
