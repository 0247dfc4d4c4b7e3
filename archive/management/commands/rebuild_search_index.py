"""Rebuild the full-text search index from the published content (safe to run at any time)."""

import time

from django.core.management.base import BaseCommand

from archive.planner import refresh_statistics
from archive.search import rebuild_index


class Command(BaseCommand):
    help = "Recompute every search entry (loaddata and edits keep it in sync; run after a restore)."

    def handle(self, *args, **options):
        began = time.perf_counter()
        count = rebuild_index()
        refresh_statistics()
        self.stdout.write(
            f"Search index rebuilt: {count} entries in {time.perf_counter() - began:.2f} s"
        )
