"""The reader's view of an article: highlights, notes, what it mentions, how others tell it."""

from bisect import bisect_right
from dataclasses import dataclass, field

from django.db.models import Prefetch

from archive.caching import rendered_paragraphs
from archive.models import Annotation, Event, Motivation, Organization, Person
from archive.notes import render_note
from archive.rendering import Highlight
from sources.models import Source
from sources.publishing import Status
from sources.text import paragraphs


@dataclass
class Note:
    """What a reader can open beside a passage."""

    annotation: Annotation
    note_html: str
    others: list[Annotation] = field(default_factory=list)  # other sources, same events


@dataclass
class Reading:
    source: Source
    paragraphs: list[tuple[int, str, list[Note]]]  # (number from 1, html, notes starting there)
    people: list[Person]
    organizations: list[Organization]
    events: list[Event]
    quotes: list
    annotation_count: int


def published_annotations(source: Source):
    return (
        Annotation.objects.published()
        .filter(source=source)
        .select_related("quote")
        .prefetch_related(
            Prefetch("persons", Person.objects.published()),
            Prefetch("organizations", Organization.objects.published()),
            Prefetch("events", Event.objects.published()),
        )
        .order_by("start", "-end")
    )


def other_accounts(source: Source, event_ids) -> dict[int, list[Annotation]]:
    """Published passages of other published sources that tell the same events (one query)."""
    through = Annotation.events.through
    rows = (
        through.objects.filter(
            event_id__in=event_ids,
            annotation__status=Status.PUBLISHED,
            annotation__source__status=Status.PUBLISHED,
        )
        .exclude(annotation__source=source)
        .exclude(annotation__anchor_status="orphaned")
        .select_related("annotation__source")
        .order_by("annotation__source__published_on", "annotation__start")
    )
    accounts: dict[int, list[Annotation]] = {}
    for row in rows:
        accounts.setdefault(row.event_id, []).append(row.annotation)
    return accounts


def has_note(annotation: Annotation) -> bool:
    """Plain name mentions say all they have to say with their link."""
    return annotation.motivation != Motivation.IDENTIFYING or bool(
        annotation.note or annotation.correction
    )


def mention_href(annotation: Annotation) -> str | None:
    if annotation.motivation != Motivation.IDENTIFYING:
        return None
    for entity in (*annotation.persons.all(), *annotation.organizations.all()):
        return entity.get_absolute_url()
    return None


def read(source: Source) -> Reading:
    annotations = list(published_annotations(source))
    event_ids = {event.pk for a in annotations for event in a.events.all()}
    accounts = other_accounts(source, event_ids)
    highlights = [
        Highlight(
            a.start,
            a.end,
            str(a.key),
            classes=("passage-mark", f"passage-mark--{a.motivation}"),
            attrs=(("data-note", "1" if has_note(a) else "0"),),
            href=mention_href(a),
        )
        for a in annotations
    ]
    rendered = rendered_paragraphs(source.body, highlights)  # stored: rendered once per version
    starts = [offset for offset, _ in paragraphs(source.body)]
    notes_by_paragraph: dict[int, list[Note]] = {}
    for a in annotations:
        if not has_note(a):
            continue
        number = bisect_right(starts, a.start)  # paragraphs are numbered from 1
        seen, others = set(), []
        for event in a.events.all():
            for other in accounts.get(event.pk, []):
                if other.pk not in seen:
                    seen.add(other.pk)
                    others.append(other)
        notes_by_paragraph.setdefault(number, []).append(Note(a, render_note(a.note), others))

    people, organizations, events, quotes = {}, {}, {}, {}
    for a in annotations:
        people.update((p.pk, p) for p in a.persons.all())
        organizations.update((o.pk, o) for o in a.organizations.all())
        events.update((e.pk, e) for e in a.events.all())
        if a.quote and a.quote.status == Status.PUBLISHED:
            quotes[a.quote.pk] = a.quote
    return Reading(
        source=source,
        paragraphs=[(n, html, notes_by_paragraph.get(n, [])) for n, html in enumerate(rendered, 1)],
        people=sorted(people.values(), key=lambda p: p.name),
        organizations=sorted(organizations.values(), key=lambda o: o.name),
        events=sorted(events.values(), key=lambda e: e.occurred_at),
        quotes=list(quotes.values()),
        annotation_count=len(annotations),
    )


def citation(source: Source, url: str, passage: str = "") -> str:
    """A ready citation: who, what, where, when, the permalink, and the passage quoted."""
    parts = [
        source.authors or None,
        f"“{source.title}”",
        source.outlet or None,
        source.published_display or "n.d.",
    ]
    text = ", ".join(p for p in parts if p) + f". {url}"
    if passage:
        excerpt = passage if len(passage) <= 300 else passage[:299] + "…"
        text += f" Passage: “{excerpt}”"
    return text
