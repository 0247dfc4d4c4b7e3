"""Which alias occurrences in a source are not yet linked or dismissed: suggested mentions."""

from dataclasses import dataclass

from django.db import transaction

from archive.mentions import ORGANIZATION, PERSON, Form, MentionFinder, Occurrence
from archive.models import (
    AliasKind,
    Annotation,
    DismissedMention,
    Motivation,
    Organization,
    OrganizationAlias,
    Person,
    PersonAlias,
)
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


@dataclass(frozen=True)
class Suggestion:
    """One candidate entity for one unlinked occurrence of one of its aliases."""

    start: int
    end: int
    exact: str
    context: str
    entity_type: str
    entity_id: int
    entity_slug: str
    label: str
    alias_kind: str


def _entities(entity_type: str):
    return Person if entity_type == PERSON else Organization


def suggestions_for(source: Source) -> list[Suggestion]:
    """Every alias occurrence no annotation covers and no editor dismissed, per candidate."""
    occurrences = unresolved_mentions(source)
    slugs = {PERSON: set(), ORGANIZATION: set()}
    for occurrence in occurrences:
        for entity_type, slug in occurrence.entities:
            slugs[entity_type].add(slug)
    known = {
        (entity_type, slug): (pk, name)
        for entity_type in (PERSON, ORGANIZATION)
        for pk, slug, name in _entities(entity_type)
        .objects.filter(slug__in=slugs[entity_type])
        .values_list("pk", "slug", "name")
    }
    result = []
    for occurrence in occurrences:
        context = source.body[max(0, occurrence.start - 40) : occurrence.end + 40]
        for form in occurrence.forms:
            pk, name = known[(form.entity_type, form.entity)]
            result.append(
                Suggestion(
                    occurrence.start,
                    occurrence.end,
                    occurrence.exact,
                    context.replace("\n\n", " ¶ "),
                    form.entity_type,
                    pk,
                    form.entity,
                    name,
                    form.kind,
                )
            )
    return result


class SuggestionGone(ValueError):
    """The occurrence is no longer suggested (linked, dismissed or changed meanwhile)."""


def _chosen(source, entity_type, entity_id, start=None, end=None, everything=False):
    chosen = [
        s
        for s in suggestions_for(source)
        if s.entity_type == entity_type
        and s.entity_id == entity_id
        and (everything or (s.start, s.end) == (start, end))
    ]
    if not chosen:
        raise SuggestionGone("That mention is no longer suggested; the list has been refreshed.")
    return chosen


def accept_suggestions(
    source: Source,
    *,
    user,
    entity_type: str,
    entity_id: int,
    start=None,
    end=None,
    everything=False,
) -> list[Annotation]:
    """Link the occurrence (or every suggested occurrence) to the entity, as draft mentions."""
    entity = _entities(entity_type).objects.get(pk=entity_id)
    created = []
    with transaction.atomic():
        for suggestion in _chosen(source, entity_type, entity_id, start, end, everything):
            wrong = suggestion.alias_kind in AliasKind.wrong()
            annotation = Annotation(
                source=source,
                start=suggestion.start,
                end=suggestion.end,
                exact=suggestion.exact,
                motivation=Motivation.CORRECTING if wrong else Motivation.IDENTIFYING,
                correction=entity.name if wrong else "",
                author=user,
            )
            annotation.save()
            getattr(annotation, "persons" if entity_type == PERSON else "organizations").add(entity)
            created.append(annotation)
    return created


def dismiss_suggestions(
    source: Source,
    *,
    entity_type: str,
    entity_id: int,
    start=None,
    end=None,
    everything=False,
    reason: str = "",
) -> int:
    """Remember that these occurrences are not the entity, so they are not suggested again."""
    field = "person_id" if entity_type == PERSON else "organization_id"
    chosen = _chosen(source, entity_type, entity_id, start, end, everything)
    with transaction.atomic():
        for suggestion in chosen:
            DismissedMention.objects.create(
                source=source,
                start=suggestion.start,
                end=suggestion.end,
                exact=suggestion.exact,
                reason=reason or "Dismissed in the workbench",
                **{field: entity_id},
            )
    return len(chosen)
