"""Report, for each source, broken anchors, unlinked alias occurrences and unmentioned entities."""

from django.core.management.base import BaseCommand, CommandError

from archive.collection_checks import check_collection
from sources.models import Source


class Command(BaseCommand):
    help = (
        "Check every source (or those named): annotations whose anchor does not match the text, "
        "alias occurrences neither linked nor dismissed, and entities never mentioned. Exits "
        "non-zero on any anchor mismatch (with --strict, on any finding)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="Source slugs (default: all sources)")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Also fail on unlinked names and unmentioned entities",
        )

    def handle(self, *args, slugs, strict, **options):
        sources = Source.objects.all()
        if slugs:
            sources = sources.filter(slug__in=slugs)
            missing = set(slugs) - set(sources.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No source with slug {', '.join(sorted(missing))}")
        report = check_collection(sources)
        for source_report in report.sources:
            source = source_report.source
            self.stdout.write(
                f"{source.slug}: {len(source_report.mismatched)} anchor mismatch(es), "
                f"{len(source_report.unresolved)} unlinked name(s)"
            )
            for item, problem in source_report.mismatched:
                self.stdout.write(f"  MISMATCH {item.label}: {problem}")
            for occurrence in source_report.unresolved:
                candidates = ", ".join(sorted(slug for _, slug in occurrence.entities))
                self.stdout.write(
                    f"  UNLINKED {occurrence.start}–{occurrence.end} "
                    f"{occurrence.exact!r} → {candidates}"
                )
        for label, entities in (
            ("people", report.unmentioned_people),
            ("organizations", report.unmentioned_organizations),
        ):
            self.stdout.write(f"{len(entities)} {label} never mentioned in any source")
            for entity in entities:
                self.stdout.write(f"  UNMENTIONED {entity.slug}")
        if report.mismatch_count:
            raise CommandError(f"{report.mismatch_count} annotation(s) do not match their text")
        if strict and not report.is_clean:
            raise CommandError("The collection is not clean (see above)")
        self.stdout.write(self.style.SUCCESS("Collection checked: anchors all match."))
