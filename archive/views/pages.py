"""Home and entity pages. Every query goes through `.published()`: drafts never reach the public."""

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, render

from archive.models import Annotation, Event, Organization, Person, Quote, Role
from sources.models import Source
from sources.publishing import Status


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
    return (
        Annotation.objects.published()
        .filter(**{entity_field: entity})
        .select_related("source")
        .order_by("source__published_on", "source__title", "start")
    )


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
        {"entity": person, "mentions": _mentions("persons", person)},
    )


def organization_detail(request, slug):
    organization = get_object_or_404(
        Organization.objects.published().prefetch_related("aliases"), slug=slug
    )
    return render(
        request,
        "archive/organization_detail.html",
        {"entity": organization, "mentions": _mentions("organizations", organization)},
    )


def event_detail(request, slug):
    event = get_object_or_404(Event.objects.published(), slug=slug)
    return render(
        request,
        "archive/event_detail.html",
        {
            "event": event,
            "participations": event.participations.filter(
                Q(person__status=Status.PUBLISHED) | Q(organization__status=Status.PUBLISHED)
            ).select_related("person", "organization"),
            "accounts": _mentions("events", event),
        },
    )


def quote_detail(request, slug):
    quote = get_object_or_404(
        Quote.objects.published().select_related("speaker", "speaker_organization", "event"),
        slug=slug,
    )
    renderings = (
        quote.renderings.published().select_related("source").order_by("source__title", "start")
    )
    return render(request, "archive/quote_detail.html", {"quote": quote, "renderings": renderings})
