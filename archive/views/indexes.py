"""Public indexes: sources, people, organisations, quotes and the timeline.

Each view filters a published-only queryset with its FilterSet (state in the query string,
no JavaScript), paginates it, and fetches what the page shows in a fixed number of queries:
counts are subqueries, related rows are select_related or published-only prefetches.
"""

import zoneinfo
from collections import Counter
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import (
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.shortcuts import render

from archive.caching import cache_public_page
from archive.filters import (
    EventFilter,
    OrganizationFilter,
    PersonFilter,
    QuoteFilter,
    SourceFilter,
)
from archive.models import Event, Organization, Participation, Person, Quote, Role
from archive.queries import TIME_ORDER, count_of, published_annotations
from sources.dates import Precision
from sources.models import Source
from sources.publishing import Status

PER_PAGE = 50


def filtered_page(request, filterset_class, queryset: QuerySet) -> tuple:
    """(filterset, page). Invalid filters (e.g. an unpublished person) show no results."""
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    valid = not filterset.is_bound or filterset.is_valid()
    results = filterset.qs if valid else queryset.none()
    page = Paginator(results, PER_PAGE).get_page(request.GET.get("page"))
    return filterset, page


def index_context(filterset, page: Page, **extra) -> dict:
    return {
        "filter": filterset,
        "page": page,
        "objects": page.object_list,
        "filtered": any(filterset.data.get(name) for name in filterset.filters),
        **extra,
    }


@cache_public_page
def source_list(request):
    sources = (
        Source.objects.published()
        .defer("body", "attribution_notes", "translation_notes", "quality_notes")
        .annotate(
            annotation_count=count_of(published_annotations(source=OuterRef("pk"))),
        )
        .order_by(F("published_on").asc(nulls_last=True), "title", "pk")
    )
    filterset, page = filtered_page(request, SourceFilter, sources)
    return render(request, "sources/source_list.html", index_context(filterset, page))


def _mention_counts(link: str) -> dict:
    mentions = published_annotations(**{link: OuterRef("pk")})
    return {
        "mention_count": count_of(mentions),
        "source_count": count_of(mentions, F("source_id"), distinct=True),
    }


@cache_public_page
def person_list(request):
    people = (
        Person.objects.published()
        .annotate(**_mention_counts("persons"))
        .prefetch_related(
            Prefetch(
                "roles",
                Role.objects.filter(organization__status=Status.PUBLISHED)
                .select_related("organization")
                .order_by(F("start").asc(nulls_last=True), "title", "pk"),
                to_attr="public_roles",
            ),
        )
        .order_by("name", "pk")
    )
    filterset, page = filtered_page(request, PersonFilter, people)
    return render(request, "archive/person_list.html", index_context(filterset, page))


@cache_public_page
def organization_list(request):
    organizations = (
        Organization.objects.published()
        .annotate(
            **_mention_counts("organizations"),
            people_count=count_of(
                Role.objects.filter(organization=OuterRef("pk"), person__status=Status.PUBLISHED),
                F("person_id"),
                distinct=True,
            ),
        )
        .select_related("parent")
        .order_by("name", "pk")
    )
    filterset, page = filtered_page(request, OrganizationFilter, organizations)
    return render(request, "archive/organization_list.html", index_context(filterset, page))


@cache_public_page
def quote_list(request):
    renderings = published_annotations(quote=OuterRef("pk"))
    quotes = (
        Quote.objects.published()
        .select_related("speaker", "speaker_organization", "event")
        .annotate(
            rendering_count=count_of(renderings),
            source_count=count_of(renderings, F("source_id"), distinct=True),
        )
        .order_by(F("said_on").asc(nulls_last=True), "slug", "pk")
    )
    filterset, page = filtered_page(request, QuoteFilter, quotes)
    return render(request, "archive/quote_list.html", index_context(filterset, page))


# The timeline ---------------------------------------------------------------------------


@dataclass
class TimelineGroup:
    """Consecutive events (in true order) that share a local day, month or year."""

    label: str
    level: str  # "day", "month" or "year"
    events: list = field(default_factory=list)
    zone_note: str = ""


def zone_name(timezone: str) -> str:
    """'America/Los_Angeles' → 'Los Angeles time'."""
    return timezone.rsplit("/", 1)[-1].replace("_", " ") + " time"


def _local_key(event: Event) -> tuple[str, str, str]:
    """(level, label, machine-readable date) of the event's own local day, month or year."""
    local = event.occurred_at.astimezone(zoneinfo.ZoneInfo(event.timezone))
    if event.precision == Precision.YEAR:
        return "year", str(local.year), f"{local:%Y}"
    if event.precision == Precision.MONTH:
        return "month", f"{local:%B} {local.year}", f"{local:%Y-%m}"
    label = f"{local:%A} {local.day} {local:%B} {local.year}"
    return "day", label, f"{local:%Y-%m-%d}"


def timeline_groups(events) -> list[TimelineGroup]:
    """Group events, already in true (UTC) order, by the local date each one happened on.

    Groups follow the events' order, so when reports from several time zones interleave,
    a date can head two groups; such a group names its zone if it differs from the zone
    most of the page's dated events are in. Events known only to a month or a year form
    their own groups, in order by the start of that month or year.
    """
    groups: list[TimelineGroup] = []
    home_zone = Counter(
        event.timezone
        for event in events
        if event.precision not in (Precision.YEAR, Precision.MONTH)
    ).most_common(1)
    home = home_zone[0][0] if home_zone else ""
    for event in events:
        level, label, machine = _local_key(event)
        event.local_date = machine
        if not groups or (groups[-1].level, groups[-1].label) != (level, label):
            groups.append(TimelineGroup(label=label, level=level))
        groups[-1].events.append(event)
    for group in groups:
        zones = {event.timezone for event in group.events}
        if group.level == "day" and home and home not in zones:
            group.zone_note = ", ".join(sorted(zone_name(zone) for zone in zones))
    return groups


@cache_public_page
def event_list(request):
    participations = (
        Participation.objects.filter(
            Q(person__status=Status.PUBLISHED) | Q(organization__status=Status.PUBLISHED)
        )
        .select_related("person", "organization")
        .order_by("pk")
    )
    events = (
        Event.objects.published()
        .defer("summary", "when_as_stated")
        .prefetch_related(
            Prefetch("participations", participations, to_attr="public_participations")
        )
        .order_by(*TIME_ORDER)
    )
    filterset, page = filtered_page(request, EventFilter, events)
    context = index_context(filterset, page, groups=timeline_groups(list(page.object_list)))
    return render(request, "archive/event_list.html", context)
