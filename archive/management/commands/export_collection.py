"""Export the collection (sources, entities, quotes, annotations) as a natural-key fixture."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

#: What a collection is, in dependency order; change history is not part of it.
COLLECTION_MODELS = [
    "sources.source",
    "archive.person",
    "archive.organization",
    "archive.personalias",
    "archive.organizationalias",
    "archive.role",
    "archive.event",
    "archive.participation",
    "archive.quote",
    "archive.annotation",
    "archive.dismissedmention",
]


class Command(BaseCommand):
    help = (
        "Write every source, entity, quote and annotation as a fixture with natural keys only, "
        "which loaddata restores into an empty database or beside other collections."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", required=True, help="Fixture file to write (.json)")
        parser.add_argument(
            "--with-users", action="store_true", help="Include user accounts (for a move)"
        )

    def handle(self, *args, output, with_users, **options):
        labels = (["auth.user"] if with_users else []) + COLLECTION_MODELS
        call_command(
            "dumpdata",
            *labels,
            natural_foreign=True,
            natural_primary=True,
            indent=1,
            output=output,
            verbosity=0,
        )
        self.stdout.write(f"Wrote {output}")
