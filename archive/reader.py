"""The reader's view of an article: highlights, notes, what it mentions, how others tell it."""

from bisect import bisect_right
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.template.loader import render_to_string

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
    people: list[Person] = field(default_factory=list)
    organizations: list[Organization] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


@dataclass
class Links:
    """An annotation's prefetched links, read once: each `a.persons.all()` builds a related
    manager and a queryset, which for an article of 757 passages cost a tenth of a second."""

    people: list[Person]
    organizations: list[Organization]
    events: list[Event]

    @classmethod
    def of(cls, annotation: Annotation) -> "Links":
        return cls(
            list(annotation.persons.all()),
            list(annotation.organizations.all()),
            list(annotation.events.all()),
        )


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


def mention_href(annotation: Annotation, links: Links) -> str | None:
    if annotation.motivation != Motivation.IDENTIFYING:
        return None
    for entity in (*links.people, *links.organizations):
        return entity.get_absolute_url()
    return None


def read(source: Source) -> Reading:
    annotations = list(published_annotations(source))
    links = {a.pk: Links.of(a) for a in annotations}
    event_ids = {event.pk for a in annotations for event in links[a.pk].events}
    accounts = other_accounts(source, event_ids)
    highlights = [
        Highlight(
            a.start,
            a.end,
            str(a.key),
            classes=("passage-mark", f"passage-mark--{a.motivation}"),
            attrs=(("data-note", "1" if has_note(a) else "0"),),
            href=mention_href(a, links[a.pk]),
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
        linked = links[a.pk]
        for event in linked.events:
            for other in accounts.get(event.pk, []):
                if other.pk not in seen:
                    seen.add(other.pk)
                    others.append(other)
        note = Note(
            a, render_note(a.note), others, linked.people, linked.organizations, linked.events
        )
        notes_by_paragraph.setdefault(number, []).append(note)

    people, organizations, events, quotes = {}, {}, {}, {}
    for a in annotations:
        linked = links[a.pk]
        people.update((p.pk, p) for p in linked.people)
        organizations.update((o.pk, o) for o in linked.organizations)
        events.update((e.pk, e) for e in linked.events)
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


def render_reading(source: Source, page_url: str) -> str:
    """The article's reading as HTML (templates/sources/includes/reading.html): what
    archive/stored_readings.py stores. `page_url` is the article's absolute URL, cited."""
    reading = read(source)
    for _, _, notes in reading.paragraphs:
        for note in notes:
            key = note.annotation.key
            note.citation = citation(source, f"{page_url}#a-{key}", note.annotation.exact)
    return render_to_string(
        "sources/includes/reading.html",
        {"reading": reading, "source": source, "citation": citation(source, page_url)},
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
