"""Export the collection: a natural-key fixture, the quotes as CSV, the timeline as JSON.

The choosing and writing live in archive/exporting.py; this is the command line around it.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from archive.exporting import (
    COLLECTION_MODELS,
    ExportError,
    StagedFiles,
    consistent_reads,
    counted,
    describe_counts,
    select,
    write_fixture,
    write_quotes_csv,
    write_timeline_json,
)
from archive.models import Event, Quote

__all__ = ["COLLECTION_MODELS", "Command"]


class Command(BaseCommand):
    help = (
        "Export the whole archive, or a set of sources with everything they refer to: as a "
        "fixture with natural keys only (--output), which loaddata restores into an empty "
        "database; the quotes as CSV (--quotes-csv); the timeline as JSON (--timeline-json). "
        "The fixture holds drafts too unless --published-only; the CSV and the timeline are "
        "public data and hold published items only unless --include-drafts. "
        "Use - as a file name for standard output. See docs/exporting.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the fixture (JSON, natural keys); drafts included unless --published-only",
        )
        parser.add_argument(
            "--with-users",
            action="store_true",
            help="Put user accounts and their groups in the fixture (for a move); without it, "
            "annotations lose their author",
        )
        parser.add_argument(
            "--source",
            action="append",
            dest="sources",
            metavar="SLUG",
            help="Export only this source (repeat for several) and what it refers to",
        )
        parser.add_argument(
            "--published-only",
            action="store_true",
            help="Only what the public may see, in every output (a public data dump)",
        )
        parser.add_argument(
            "--quotes-csv",
            metavar="FILE",
            help="Write the published quotes as CSV (UTF-8, one row per quote)",
        )
        parser.add_argument(
            "--timeline-json",
            metavar="FILE",
            help="Write the published events, in true order, with participants and accounts",
        )
        parser.add_argument(
            "--include-drafts",
            action="store_true",
            help="Put drafts in the CSV and the timeline too (for editors' review only)",
        )

    def handle(self, *args, **options):
        output, quotes_csv, timeline_json = (
            options["output"],
            options["quotes_csv"],
            options["timeline_json"],
        )
        targets = [target for target in (output, quotes_csv, timeline_json) if target]
        self.check_options(options, targets)
        # The summary goes to stderr when the data itself goes to stdout.
        report = self.stderr if "-" in targets else self.stdout
        raw_stdout = getattr(self.stdout, "_out", sys.stdout)
        written = []
        try:
            with consistent_reads(), StagedFiles(raw_stdout) as files:
                if output:
                    selection = select(
                        options["sources"],
                        published_only=options["published_only"],
                        with_users=options["with_users"],
                    )
                    counts = write_fixture(selection, files.open(output))
                    written.append((output, describe_counts(counts, selection.rows)))
                if quotes_csv or timeline_json:
                    data = select(options["sources"], published_only=not options["include_drafts"])
                if quotes_csv:
                    count = write_quotes_csv(data, files.open(quotes_csv, newline=""))
                    written.append((quotes_csv, counted(count, Quote)))
                if timeline_json:
                    count = write_timeline_json(data, files.open(timeline_json))
                    written.append((timeline_json, counted(count, Event)))
        except ExportError as error:
            raise CommandError(f"{error} Nothing was written.") from error
        for target, summary in written:
            name = "standard output" if target == "-" else target
            report.write(f"Wrote {name}: {summary}")

    @staticmethod
    def check_options(options, targets):
        if not targets:
            raise CommandError(
                "Nothing to write: give --output (fixture), --quotes-csv or --timeline-json."
            )
        if targets.count("-") > 1:
            raise CommandError("Only one output can go to standard output (-).")
        if options["with_users"] and not options["output"]:
            raise CommandError("--with-users applies to the fixture: give --output too.")
        if options["with_users"] and options["published_only"]:
            raise CommandError(
                "A public dump (--published-only) cannot hold user accounts (--with-users)."
            )
        if options["include_drafts"] and options["published_only"]:
            raise CommandError("--include-drafts and --published-only contradict each other.")
