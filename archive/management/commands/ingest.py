"""Add a new draft source from a text, Markdown or HTML file, then list its suggested mentions."""

from collections import defaultdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from archive.management.commands.suggest_mentions import dump
from archive.suggestions import suggestions_for
from sources.ingesting import BASIS_FIELDS, MAX_BYTES, IngestError, file_format, ingest_source
from sources.models import SourceKind
from sources.text import paragraphs


class Command(BaseCommand):
    help = (
        "Add one article as a draft source from a .txt, .md or .html file (a saved web page is "
        "reduced to its article text). Metadata comes from the options, then the file's YAML "
        "front matter, then the page itself. Lists the suggested mentions afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file: .txt, .md/.markdown or .html/.htm, UTF-8")
        parser.add_argument("--title")
        parser.add_argument("--slug", help="Default: made from the title")
        parser.add_argument("--outlet", help="Publication, as it would appear in a citation")
        parser.add_argument(
            "--author", action="append", dest="authors", help="Repeat for several authors"
        )
        parser.add_argument("--date", help="Publication date: YYYY, YYYY-MM or YYYY-MM-DD")
        parser.add_argument("--url", help="Where it was published")
        parser.add_argument("--kind", choices=SourceKind.values)
        parser.add_argument("--language", help="Language of the text (BCP 47), default en")
        parser.add_argument(
            "--stated",
            action="append",
            default=[],
            choices=list(BASIS_FIELDS),
            help="The given value is stated in the text itself (default: editorial attribution)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and show everything, save nothing"
        )
        parser.add_argument("--json", action="store_true", help="One JSON object, for scripts")

    def handle(self, *args, path, **options):
        data = read(Path(path))
        given = {key: options[key] for key in ("title", "slug", "outlet", "date", "url", "kind")}
        given |= {"authors": ", ".join(options["authors"] or []), "language": options["language"]}
        try:
            with transaction.atomic():
                source = ingest_source(
                    data=data,
                    filename=path,
                    given=given,
                    stated=tuple(options["stated"]),
                    given_in="the command-line options",
                )
                suggestions = suggestions_for(source)
                if options["dry_run"]:
                    transaction.set_rollback(True)
        except IngestError as error:
            raise CommandError(str(error)) from None
        workbench = None if options["dry_run"] else workbench_url(source.pk)
        if options["json"]:
            self.stdout.write(
                dump(
                    {
                        "dry_run": options["dry_run"],
                        "source": describe(source, saved=not options["dry_run"]),
                        "suggestions": [s.__dict__ for s in suggestions],
                        "workbench": workbench,
                    }
                )
            )
            return
        self.report(source, Path(path).name, suggestions, options["dry_run"], workbench)

    def report(self, source, name, suggestions, dry_run, workbench):
        verb = "Would add" if dry_run else "Added"
        count = len(paragraphs(source.body))
        self.stdout.write(
            f"{verb} draft source {source.slug!r} from {name} ({file_format(name)}): "
            f"{count} paragraph(s), {len(source.body):,} characters."
        )
        for label, value, basis in metadata_lines(source):
            self.stdout.write(f"  {label:<10} {value}" + (f"  [{basis}]" if basis else ""))
        by_entity = defaultdict(list)
        for s in suggestions:
            by_entity[(s.entity_type, s.entity_slug, s.label)].append(s)
        self.stdout.write(
            f"{len(suggestions)} suggested mention(s) of {len(by_entity)} entity(ies)"
            + (":" if suggestions else ".")
        )
        for (entity_type, slug, label), found in sorted(
            by_entity.items(), key=lambda item: (-len(item[1]), item[0])
        ):
            self.stdout.write(f"  {entity_type} {slug} ({label}): {len(found)}")
            for s in found:
                # As suggest_mentions prints them.
                self.stdout.write(
                    f"    {s.start}–{s.end}\t{s.exact!r}\t({s.alias_kind})\t…{s.context}…"
                )
        if dry_run:
            self.stdout.write("Dry run: nothing was saved.")
        elif workbench:
            self.stdout.write(f"Annotate it in the admin: {workbench}")


def read(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(MAX_BYTES + 1)  # enough for ingest to say it is too large
    except FileNotFoundError:
        raise CommandError(f"There is no file {str(path)!r}.") from None
    except OSError as error:
        raise CommandError(
            f"Nothing was added: {path} cannot be read ({error.strerror})."
        ) from None


def workbench_url(pk: int) -> str | None:
    try:
        return reverse("admin:archive_annotation_workbench", args=[pk])
    except NoReverseMatch:
        return None


def metadata_lines(source) -> list[tuple[str, str, str]]:
    return [
        ("title", source.title, source.title_basis),
        ("outlet", source.outlet or "—", source.outlet_basis),
        ("authors", source.authors or "—", source.authors_basis),
        ("published", source.published_display or "—", source.published_basis),
        ("url", source.url or "—", ""),
        ("kind", source.kind, ""),
        ("language", source.language, ""),
    ]


def describe(source, *, saved: bool) -> dict:
    fields = ["slug", "title", "title_basis", "outlet", "outlet_basis", "authors"]
    fields += ["authors_basis", "published_on_precision", "published_basis", "url", "kind"]
    fields += ["language", "status", "attribution_notes"]
    return {
        "id": source.pk if saved else None,
        **{field: str(getattr(source, field)) for field in fields},
        "published_on": source.published_on.isoformat() if source.published_on else None,
        "paragraphs": len(paragraphs(source.body)),
        "characters": len(source.body),
    }
