"""Restore a backup made by manage.py backup (the logic is in archive/backups.py)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from archive.backups import BackupError, contents, restore


class Command(BaseCommand):
    help = (
        "Replace the database with a backup made by manage.py backup, on the same engine. "
        "Refuses a database that holds any source, entity, annotation or account unless "
        "--force. Stop the archive first. See docs/backups.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup file")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The database to restore into"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace everything in a database that is not empty",
        )

    def handle(self, *args, path, database, force, **options):
        try:
            restore(path, database, force=force)
            held = contents(database)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        listed = ", ".join(f"{count} {name}" for name, count in held.items()) or "nothing"
        self.stdout.write(
            f"Restored {path}: the database now holds {listed}. If this code is newer than "
            "the backup, run manage.py migrate; then manage.py check_collection."
        )
