"""List the mentions the alias table suggests for a source (neither linked nor dismissed)."""

import json as json_module

from django.core.management.base import BaseCommand, CommandError

from archive.suggestions import suggestions_for
from sources.models import Source


class Command(BaseCommand):
    help = (
        "Every occurrence of a known alias (whole words, case as the alias says) in the source "
        "that no annotation links and no editor dismissed, one line per candidate entity."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The source's slug")
        parser.add_argument("--json", action="store_true", help="One JSON array, for scripts")

    def handle(self, *args, slug, **options):
        source = Source.objects.filter(slug=slug).first()
        if source is None:
            raise CommandError(f"No source with slug {slug!r}")
        suggestions = suggestions_for(source)
        if options["json"]:
            self.stdout.write(dump([s.__dict__ for s in suggestions]))
            return
        for s in suggestions:
            self.stdout.write(
                f"{s.start}–{s.end}\t{s.exact!r}\t→ {s.entity_type} {s.entity_slug} "
                f"({s.alias_kind})\t…{s.context}…"
            )
        entities = {(s.entity_type, s.entity_slug) for s in suggestions}
        self.stdout.write(f"{len(suggestions)} suggestion(s) for {len(entities)} entity(ies).")


def dump(value) -> str:
    return json_module.dumps(value, ensure_ascii=False, indent=1)
