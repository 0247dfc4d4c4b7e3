"""Home and entity pages. Every query goes through `.published()`: drafts never reach the public."""

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, render

from archive.caching import cache_public_page
from archive.mention_pages import mention_page
from archive.models import Annotation, Event, Organization, Person, Quote, Role, Stance
from archive.wording import similarity, wording_diff
from sources.models import Source
from sources.publishing import Status


@cache_public_page(query=())
def home(request):
    return render(
        request,
        "archive/home.html",
        {
            "sources": Source.objects.published(),
            # The stories: events that other events belong to.
            "events": Event.objects.published()
            .filter(children__status=Status.PUBLISHED)
            .distinct(),
            "counts": {
                "people": Person.objects.published().count(),
                "organizations": Organization.objects.published().count(),
                "events": Event.objects.published().count(),
                "quotes": Quote.objects.published().count(),
            },
        },
    )


def _mentions(entity_field, entity):
    """Published passages about `entity`, by source, for an event's page (people and
    organisations page theirs: archive/mention_pages.py). The words around come from the
    stored prefix and suffix, so no article text is loaded."""
    return (
        Annotation.objects.published()
        .filter(**{entity_field: entity})
        .select_related("source")
        .defer("source__body")
        .order_by("source__published_on", "source__title", "start")
    )


def _by_source(annotations) -> list[tuple]:
    groups: dict = {}
    for annotation in annotations:
        groups.setdefault(annotation.source_id, (annotation.source, []))[1].append(annotation)
    return list(groups.values())


@cache_public_page(query=("page",))
def person_detail(request, slug):
    person = get_object_or_404(
        Person.objects.published().prefetch_related(
            "aliases",
            Prefetch(
                "roles",
                Role.objects.filter(organization__status=Status.PUBLISHED).select_related(
                    "organization"
                ),
            ),
            Prefetch("quotes", Quote.objects.published()),
        ),
        slug=slug,
    )
    return render(
        request,
        "archive/person_detail.html",
        {"entity": person, "mentions": mention_page("persons", person, request.GET.get("page"))},
    )


@cache_public_page(query=("page",))
def organization_detail(request, slug):
    organization = get_object_or_404(
        Organization.objects.published().prefetch_related("aliases"), slug=slug
    )
    mentions = mention_page("organizations", organization, request.GET.get("page"))
    return render(
        request,
        "archive/organization_detail.html",
        {"entity": organization, "mentions": mentions},
    )


@cache_public_page(query=())
def event_detail(request, slug):
    event = get_object_or_404(Event.objects.published(), slug=slug)
    accounts = list(_mentions("events", event))
    return render(
        request,
        "archive/event_detail.html",
        {
            "event": event,
            "participations": event.participations.filter(
                Q(person__status=Status.PUBLISHED) | Q(organization__status=Status.PUBLISHED)
            ).select_related("person", "organization"),
            "groups": _by_source(accounts),
            "disagreement": disagreement(accounts),
        },
    )


def disagreement(accounts) -> list[str]:
    """Sentences saying where sources part ways: contradicting or speculating accounts."""
    notes = []
    for stance, verb in (
        (Stance.CONTRADICTS, "contradicts"),
        (Stance.SPECULATES, "only speculates about"),
        (Stance.CORRECTS, "corrects another account of"),
    ):
        titles = sorted({a.source.title for a in accounts if a.stance == stance})
        for title in titles:
            notes.append(f"“{title}” {verb} this event.")
    return notes


@cache_public_page(query=())
def quote_detail(request, slug):
    quote = get_object_or_404(
        Quote.objects.published().select_related("speaker", "speaker_organization", "event"),
        slug=slug,
    )
    renderings = list(
        quote.renderings.published()
        .select_related("source")
        .defer("source__body")
        .order_by("source__title", "start")
    )
    for rendering in renderings:
        rendering.wording = wording_diff(quote.text, rendering.exact)
        rendering.likeness = round(similarity(quote.text, rendering.exact) * 100)
    speaker = quote.speaker if quote.speaker and quote.speaker.is_published else None
    return render(
        request,
        "archive/quote_detail.html",
        {"quote": quote, "renderings": renderings, "speaker": speaker},
    )
