"""Which alias occurrences in a source are not yet linked or dismissed: suggested mentions."""

from dataclasses import dataclass

from archive.mentions import ORGANIZATION, PERSON, Form, MentionFinder, Occurrence
from archive.models import Annotation, DismissedMention, OrganizationAlias, PersonAlias
from sources.models import Source


def alias_forms() -> list[Form]:
    """Every alias in the archive, drafts included: editors link drafts too."""
    forms = [
        Form(text, PERSON, slug, kind, case_sensitive)
        for text, slug, kind, case_sensitive in PersonAlias.objects.values_list(
            "name", "person__slug", "kind", "case_sensitive"
        )
    ]
    forms += [
        Form(text, ORGANIZATION, slug, kind, case_sensitive)
        for text, slug, kind, case_sensitive in OrganizationAlias.objects.values_list(
            "name", "organization__slug", "kind", "case_sensitive"
        )
    ]
    return forms


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    entities: frozenset[tuple[str, str]]

    def covers(self, occurrence: Occurrence) -> bool:
        return self.start <= occurrence.start and occurrence.end <= self.end


def linked_spans(source: Source) -> list[Span]:
    """Each annotation of the source with the entities it links (three queries in all)."""
    annotations = Annotation.objects.filter(source=source).prefetch_related(
        "persons", "organizations"
    )
    return [
        Span(
            annotation.start,
            annotation.end,
            frozenset(
                [(PERSON, person.slug) for person in annotation.persons.all()]
                + [(ORGANIZATION, org.slug) for org in annotation.organizations.all()]
            ),
        )
        for annotation in annotations
    ]


def dismissed_spans(source: Source) -> list[Span]:
    return [
        Span(
            dismissal.start,
            dismissal.end,
            frozenset(
                [(PERSON, dismissal.person.slug)]
                if dismissal.person_id
                else [(ORGANIZATION, dismissal.organization.slug)]
            ),
        )
        for dismissal in DismissedMention.objects.filter(source=source).select_related(
            "person", "organization"
        )
    ]


def is_resolved(occurrence: Occurrence, linked: list[Span], dismissed: list[Span]) -> bool:
    """Linked to one of its candidate entities, or dismissed for every candidate."""
    candidates = occurrence.entities
    if any(span.covers(occurrence) and span.entities & candidates for span in linked):
        return True
    rejected = set()
    for span in dismissed:
        if span.start == occurrence.start and span.end == occurrence.end:
            rejected |= span.entities
    return candidates <= rejected


def unresolved_mentions(source: Source, finder: MentionFinder | None = None) -> list[Occurrence]:
    finder = finder or MentionFinder(alias_forms())
    linked, dismissed = linked_spans(source), dismissed_spans(source)
    return [
        occurrence
        for occurrence in finder.find(source.body)
        if not is_resolved(occurrence, linked, dismissed)
    ]
