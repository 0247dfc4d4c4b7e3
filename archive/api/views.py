"""Read-only viewsets: published rows only, the public indexes' filters, fixed query counts.

Every queryset starts from `.published()`, whoever asks. A list fetches its page with
select_related, subquery counts and published-only prefetches; a detail adds the lists of
linked rows for that one row (`with_links`), one query each.
"""

from django.db.models import F, OuterRef, Prefetch, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from archive.api import serializers
from archive.api.pagination import ApiPagination
from archive.filters import (
    EventFilter,
    OrganizationFilter,
    PersonFilter,
    QuoteFilter,
    SourceFilter,
    linked_by_annotations,
)
from archive.models import Annotation, Event, Organization, Participation, Person, Quote, Role
from archive.queries import TIME_ORDER, count_of, published_annotations
from sources.models import Source
from sources.publishing import Status

# Orders with a unique last key, so pages never overlap or skip a row.
SOURCE_ORDER = (F("published_on").asc(nulls_last=True), "title", "pk")
ROLE_ORDER = (F("start").asc(nulls_last=True), "title", "pk")
QUOTE_ORDER = (F("said_on").asc(nulls_last=True), "slug", "pk")
#: Passages grouped by source, the sources in SOURCE_ORDER.
BY_SOURCE = (F("source__published_on").asc(nulls_last=True), "source__title", "source_id")


def linkable(queryset):
    """Just what a link needs: the slug (and the status ApiLink checks)."""
    return queryset.only("pk", "slug", "status")


def mention_counts(link: str) -> dict:
    mentions = published_annotations(**{link: OuterRef("pk")})
    return {
        "mention_count": count_of(mentions),
        "source_count": count_of(mentions, F("source_id"), distinct=True),
    }


def sources_linking(**links) -> list:
    """Published sources with a published passage that has `links`."""
    sources = Source.objects.published().filter(pk__in=linked_by_annotations("source_id", **links))
    return list(linkable(sources).order_by(*SOURCE_ORDER))


def id_filter(name: str, resource: str) -> OpenApiParameter:
    """Document a filter that takes an id (as the public index's form does)."""
    return OpenApiParameter(
        name,
        OpenApiTypes.INT,
        description=f"The `id` of a published {resource}; any other value is a 400 error.",
    )


class PublishedViewSet(viewsets.ReadOnlyModelViewSet):
    """Lookup by permanent slug; a detail serializer for one row, a lighter one for lists."""

    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    pagination_class = ApiPagination
    detail_serializer_class = None

    def get_serializer_class(self):
        if self.action == "retrieve":
            return self.detail_serializer_class
        return self.serializer_class

    def get_object(self):
        return self.with_links(super().get_object())

    def with_links(self, row):
        """Attach the lists of published rows linked to `row` (detail only)."""
        return row


@extend_schema_view(
    list=extend_schema(
        summary="Published sources, without their text",
        parameters=[id_filter("person", "person"), id_filter("event", "event")],
    ),
    retrieve=extend_schema(summary="One published source, with its text"),
)
class SourceViewSet(PublishedViewSet):
    """Articles as published. The list leaves out the text; a source's detail has it, the
    rows its published passages link to, and the URL of its W3C annotation container."""

    serializer_class = serializers.SourceSerializer
    detail_serializer_class = serializers.SourceDetailSerializer
    filterset_class = SourceFilter

    def get_queryset(self):
        sources = (
            Source.objects.published()
            .annotate(annotation_count=count_of(published_annotations(source=OuterRef("pk"))))
            .order_by(*SOURCE_ORDER)
        )
        if self.action == "list":
            # The text and the notes can be long: a list leaves them to the detail.
            sources = sources.defer(
                "body", "attribution_notes", "translation_notes", "quality_notes"
            )
        return sources

    def with_links(self, source):
        def linked(model, target):
            rows = model.objects.published().filter(
                pk__in=linked_by_annotations(target, source=source)
            )
            return list(linkable(rows))

        source.public_people = linked(Person, "persons")
        source.public_organizations = linked(Organization, "organizations")
        source.public_events = linked(Event, "events")
        source.public_quotes = linked(Quote, "quote_id")
        return source


@extend_schema_view(
    list=extend_schema(
        summary="Published people", parameters=[id_filter("organization", "organisation")]
    ),
    retrieve=extend_schema(summary="One published person, with what links to them"),
)
class PersonViewSet(PublishedViewSet):
    """People, with every form of their names and their roles at published organisations.
    A person's detail lists the sources that mention them, their quotes and events."""

    serializer_class = serializers.PersonSerializer
    detail_serializer_class = serializers.PersonDetailSerializer
    filterset_class = PersonFilter

    def get_queryset(self):
        roles = (
            Role.objects.filter(organization__status=Status.PUBLISHED)
            .select_related("organization")
            .order_by(*ROLE_ORDER)
        )
        return (
            Person.objects.published()
            .annotate(**mention_counts("persons"))
            .prefetch_related("aliases", Prefetch("roles", roles, to_attr="public_roles"))
            .order_by("name", "pk")
        )

    def with_links(self, person):
        # The same rows as /api/sources/?person=, /api/quotes/?speaker=, /api/events/?person=.
        person.public_sources = sources_linking(persons=person)
        person.public_quotes = list(linkable(Quote.objects.published().filter(speaker=person)))
        events = EventFilter.involving(Event.objects.published(), "person", person)
        person.public_events = list(linkable(events).order_by(*TIME_ORDER))
        return person


@extend_schema_view(
    list=extend_schema(summary="Published organisations"),
    retrieve=extend_schema(summary="One published organisation, with what links to it"),
)
class OrganizationViewSet(PublishedViewSet):
    """Organisations, with their aliases and parent. The detail adds the people with roles
    there, the sources that mention it, its statements and its events."""

    serializer_class = serializers.OrganizationSerializer
    detail_serializer_class = serializers.OrganizationDetailSerializer
    filterset_class = OrganizationFilter

    def get_queryset(self):
        people = Role.objects.filter(organization=OuterRef("pk"), person__status=Status.PUBLISHED)
        return (
            Organization.objects.published()
            .annotate(
                **mention_counts("organizations"),
                people_count=count_of(people, F("person_id"), distinct=True),
            )
            .select_related("parent")
            .prefetch_related("aliases")
            .order_by("name", "pk")
        )

    def with_links(self, organization):
        children = Organization.objects.published().filter(parent=organization)
        organization.public_children = list(linkable(children).order_by("name", "pk"))
        organization.public_roles = list(
            organization.roles.filter(person__status=Status.PUBLISHED)
            .select_related("person")
            .order_by(*ROLE_ORDER)
        )
        organization.public_sources = sources_linking(organizations=organization)
        quotes = Quote.objects.published().filter(speaker_organization=organization)
        organization.public_quotes = list(linkable(quotes))
        events = EventFilter.involving(Event.objects.published(), "organization", organization)
        organization.public_events = list(linkable(events).order_by(*TIME_ORDER))
        return organization


@extend_schema_view(
    list=extend_schema(
        summary="Published events, in true (UTC) order",
        parameters=[id_filter("person", "person"), id_filter("organization", "organisation")],
    ),
    retrieve=extend_schema(summary="One published event, with the sources that tell it"),
)
class EventViewSet(PublishedViewSet):
    """The timeline: each moment in UTC with its precision, zone and how a source put it.
    The detail lists the accounts (the sources telling it, with their stances)."""

    serializer_class = serializers.EventSerializer
    detail_serializer_class = serializers.EventDetailSerializer
    filterset_class = EventFilter

    def get_queryset(self):
        # One participant per row, so "either is published" means "the participant is".
        participations = (
            Participation.objects.filter(
                Q(person__status=Status.PUBLISHED) | Q(organization__status=Status.PUBLISHED)
            )
            .select_related("person", "organization")
            .order_by("pk")
        )
        return (
            Event.objects.published()
            .select_related("parent")
            .prefetch_related(
                Prefetch("participations", participations, to_attr="public_participations")
            )
            .order_by(*TIME_ORDER)
        )

    def with_links(self, event):
        children = Event.objects.published().filter(parent=event)
        event.public_children = list(linkable(children).order_by(*TIME_ORDER))
        event.public_quotes = list(linkable(Quote.objects.published().filter(event=event)))
        event.accounts = accounts_of(event)
        return event


def accounts_of(event) -> list[dict]:
    """One entry per published source telling `event`: its passages' stances and number."""
    passages = (
        Annotation.objects.published()
        .filter(events=event)
        .select_related("source")
        .only("stance", "source__slug", "source__status")
        .order_by(*BY_SOURCE, "start")
    )
    accounts: dict[int, dict] = {}
    for passage in passages:
        account = accounts.setdefault(
            passage.source_id, {"source": passage.source, "stances": [], "passages": 0}
        )
        account["passages"] += 1
        if passage.stance and passage.stance not in account["stances"]:
            account["stances"].append(passage.stance)
    return list(accounts.values())


@extend_schema_view(
    list=extend_schema(
        summary="Published quotes",
        parameters=[
            id_filter("speaker", "person"),
            id_filter("source", "source"),
            id_filter("event", "event"),
        ],
    ),
    retrieve=extend_schema(summary="One published quote, with its renderings"),
)
class QuoteViewSet(PublishedViewSet):
    """Utterances, each said once; the detail lists its renderings in published sources."""

    serializer_class = serializers.QuoteSerializer
    detail_serializer_class = serializers.QuoteDetailSerializer
    filterset_class = QuoteFilter

    def get_queryset(self):
        renderings = published_annotations(quote=OuterRef("pk"))
        return (
            Quote.objects.published()
            .select_related("speaker", "speaker_organization", "event")
            .annotate(
                rendering_count=count_of(renderings),
                source_count=count_of(renderings, F("source_id"), distinct=True),
            )
            .order_by(*QUOTE_ORDER)
        )

    def with_links(self, quote):
        renderings = (
            quote.renderings.published()
            .select_related("source")
            .only("key", "start", "exact", "quote_id", "source__slug", "source__status")
            .order_by(*BY_SOURCE, "start")
        )
        quote.public_renderings = list(renderings)
        # The sources, in order, from the renderings: no second query.
        sources = {rendering.source_id: rendering.source for rendering in quote.public_renderings}
        quote.public_sources = list(sources.values())
        return quote
