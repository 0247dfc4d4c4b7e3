"""Import W3C Web Annotations made elsewhere into a source, anchored by their quotes.

Exit status: 0 when every annotation was imported (fuzzy ones included) or was already there;
1 when some were kept out (invalid, refused or not anchorable; the others are imported); 2
when nothing was imported because the command or the file is wrong (unreadable, not JSON,
not annotations, unknown source or user).
"""

import json
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from archive.importing import ItemReport, Outcome, Report, import_annotations
from archive.webannotation.incoming import InvalidAnnotation, read_annotations
from sources.models import Source
from sources.text import excerpt

#: Exit statuses (see the module docstring).
SOME_KEPT_OUT = 1
NOTHING_DONE = 2


class Command(BaseCommand):
    help = (
        "Import the W3C Web Annotations of a JSON file (one annotation, a list, an "
        "AnnotationCollection or an AnnotationPage) into a source. Each is placed by its "
        "TextQuoteSelector: anchored, moved, fuzzy (saved for review) or kept out with the "
        "reason. Running it again imports nothing twice."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("file", help="The JSON file, or - for standard input")
        parser.add_argument("--source", required=True, help="Slug of the source annotated")
        parser.add_argument("--user", help="Username of the imported annotations' author")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish what is imported (fuzzy matches stay drafts until checked)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would happen; save nothing"
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON")

    def handle(self, *args, file, source, user, publish, dry_run, **options):
        target = Source.objects.filter(slug=source).first()
        if target is None:
            raise CommandError(f"No source with slug {source!r}", returncode=NOTHING_DONE)
        author = None
        if user:
            author = get_user_model().objects.filter(username=user).first()
            if author is None:
                raise CommandError(f"No user named {user!r}", returncode=NOTHING_DONE)
        name = "standard input" if file == "-" else file
        data = self._load(file, name, options.get("stdin") or sys.stdin)
        try:
            entries = read_annotations(data)
        except InvalidAnnotation as error:
            raise CommandError(f"{name}: {error}", returncode=NOTHING_DONE) from error
        report = import_annotations(
            source=target, items=entries, user=author, publish=publish, dry_run=dry_run
        )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
        else:
            self._write(report)
        if report.kept_out:
            raise CommandError(
                f"{len(report.kept_out)} annotation(s) kept out: see the report",
                returncode=SOME_KEPT_OUT,
            )

    def _load(self, file: str, name: str, stdin):
        try:
            if file == "-":
                text = stdin.read()
            else:
                # utf-8-sig: exports written on Windows often open with a byte-order mark.
                with open(file, encoding="utf-8-sig") as handle:
                    text = handle.read()
        except OSError as error:
            raise CommandError(
                f"Cannot read {name}: {error.strerror or error}", returncode=NOTHING_DONE
            ) from error
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{name} is not UTF-8 text (byte {error.start})", returncode=NOTHING_DONE
            ) from error
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{name} is not valid JSON: {error.msg} at line {error.lineno}, "
                f"column {error.colno}",
                returncode=NOTHING_DONE,
            ) from error

    def _write(self, report: Report) -> None:
        for item in report.items:
            self.stdout.write(describe(item))
            for iri, reason in item.unknown.items():
                self.stdout.write(f"    unknown link {iri}: {reason}")
            for remark in item.remarks:
                self.stdout.write(f"    note: {remark}")
        self.stdout.write(report.summary)


def describe(item: ItemReport) -> str:
    """One line for one annotation of the file, as an operator reads it."""
    head = f"#{item.number} {item.outcome.value}"
    if not item.outcome.imported:
        return f"{head}: {item.reason}" if item.reason else head
    quoted = f"“{excerpt(item.exact.replace(chr(10), ' '), 60)}”"
    here = f"{item.start}–{item.end}"
    if item.outcome == Outcome.MOVED and item.given_start is not None:
        line = f"{head} {item.given_start}–{item.given_end} → {here} {quoted}"
    elif item.outcome == Outcome.FUZZY:
        given = excerpt(item.given_exact.replace("\n", " "), 60)
        line = f"#{item.number} fuzzy ({item.similarity:.0%}) {here} {quoted}, quoted as “{given}”"
    else:
        line = f"{head} {here} {quoted}"
    links = "; ".join(f"{kind}: {', '.join(slugs)}" for kind, slugs in item.links.items())
    if links:
        line += f" → {links}"
    if item.outcome == Outcome.FUZZY:
        line += " (a draft until an editor checks it)"
    return line
