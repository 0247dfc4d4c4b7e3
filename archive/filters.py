"""Filters of the public indexes. Every choice list and every link is published-only.

Filters that follow a link through annotations use `pk__in` subqueries of published
annotations, so a source, person or event matches once however many passages link it,
and no `DISTINCT` is needed on the listing itself.
"""

import django_filters
from django import forms
from django.db.models import Q

from archive.models import (
    Annotation,
    Event,
    Medium,
    Organization,
    OrganizationAlias,
    Participation,
    Person,
    PersonAlias,
    Quote,
    Role,
)
from sources.models import Source, SourceKind


def date_widget() -> forms.DateInput:
    """A native date picker that still accepts YYYY-MM-DD typed by hand (no JavaScript)."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def search_widget(placeholder: str) -> forms.TextInput:
    return forms.TextInput(attrs={"type": "search", "placeholder": placeholder})


def published_outlets():
    """(outlet, outlet) for every outlet of a published source; evaluated on each use."""
    outlets = (
        Source.objects.published()
        .exclude(outlet="")
        .order_by("outlet")
        .values_list("outlet", flat=True)
        .distinct()
    )
    return [(outlet, outlet) for outlet in outlets]


def published_people(request=None):
    return Person.objects.published().only("pk", "name").order_by("name", "pk")


def published_organizations(request=None):
    return Organization.objects.published().only("pk", "name").order_by("name", "pk")


def published_events(request=None):
    return Event.objects.published().only("pk", "title").order_by("occurred_at", "title", "pk")


def published_sources(request=None):
    return Source.objects.published().only("pk", "title").order_by("published_on", "title", "pk")


def linked_by_annotations(target: str, **links):
    """Ids of `target` (e.g. "source_id", "events") on published annotations with `links`."""
    return (
        Annotation.objects.published()
        .filter(**links)
        .filter(**{f"{target}__isnull": False})
        .values(target)
    )


class SourceFilter(django_filters.FilterSet):
    outlet = django_filters.ChoiceFilter(
        field_name="outlet",
        lookup_expr="exact",
        choices=published_outlets,
        empty_label="Any outlet",
        label="Outlet",
    )
    kind = django_filters.ChoiceFilter(
        field_name="kind",
        lookup_expr="exact",
        choices=SourceKind.choices,
        empty_label="Any kind",
        label="Kind",
    )
    published_after = django_filters.DateFilter(
        field_name="published_on",
        lookup_expr="gte",
        label="Published from",
        widget=date_widget(),
    )
    published_before = django_filters.DateFilter(
        field_name="published_on",
        lookup_expr="lte",
        label="Published until",
        widget=date_widget(),
    )
    person = django_filters.ModelChoiceFilter(
        field_name="annotations__persons",
        queryset=published_people,
        method="filter_person",
        empty_label="Anyone",
        label="Mentions person",
    )
    event = django_filters.ModelChoiceFilter(
        field_name="annotations__events",
        queryset=published_events,
        method="filter_event",
        empty_label="Any event",
        label="Tells event",
    )

    class Meta:
        model = Source
        fields = []

    def filter_person(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=linked_by_annotations("source_id", persons=value))

    def filter_event(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=linked_by_annotations("source_id", events=value))


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        method="filter_q",
        label="Name or alias contains",
        widget=search_widget("e.g. Altman"),
    )
    organization = django_filters.ModelChoiceFilter(
        field_name="roles__organization",
        queryset=published_organizations,
        method="filter_organization",
        empty_label="Any organisation",
        label="Has a role at",
    )

    class Meta:
        model = Person
        fields = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        aliases = PersonAlias.objects.filter(name__icontains=value).values("person_id")
        return queryset.filter(Q(name__icontains=value) | Q(pk__in=aliases))

    def filter_organization(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=Role.objects.filter(organization=value).values("person_id"))


class OrganizationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        method="filter_q",
        label="Name or alias contains",
        widget=search_widget("e.g. Microsoft"),
    )

    class Meta:
        model = Organization
        fields = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        aliases = OrganizationAlias.objects.filter(name__icontains=value).values("organization_id")
        return queryset.filter(Q(name__icontains=value) | Q(pk__in=aliases))


class QuoteFilter(django_filters.FilterSet):
    speaker = django_filters.ModelChoiceFilter(
        field_name="speaker",
        lookup_expr="exact",
        queryset=published_people,
        empty_label="Anyone",
        label="Speaker",
    )
    source = django_filters.ModelChoiceFilter(
        field_name="renderings__source",
        queryset=published_sources,
        method="filter_source",
        empty_label="Any source",
        label="In source",
    )
    event = django_filters.ModelChoiceFilter(
        field_name="event",
        lookup_expr="exact",
        queryset=published_events,
        empty_label="Any event",
        label="Event",
    )
    medium = django_filters.ChoiceFilter(
        field_name="medium",
        lookup_expr="exact",
        choices=Medium.choices,
        empty_label="Any medium",
        label="Medium",
    )
    said_after = django_filters.DateFilter(
        field_name="said_on", lookup_expr="gte", label="Said from", widget=date_widget()
    )
    said_before = django_filters.DateFilter(
        field_name="said_on", lookup_expr="lte", label="Said until", widget=date_widget()
    )

    class Meta:
        model = Quote
        fields = []

    def filter_source(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=linked_by_annotations("quote_id", source=value))


class EventFilter(django_filters.FilterSet):
    """The timeline's filters. An event involves an entity if the entity takes part in it
    (a participation: the primary link) or a published passage links both of them."""

    q = django_filters.CharFilter(
        field_name="title",
        lookup_expr="icontains",
        label="Title contains",
        widget=search_widget("e.g. board"),
    )
    person = django_filters.ModelChoiceFilter(
        field_name="participations__person",
        queryset=published_people,
        method="filter_person",
        empty_label="Anyone",
        label="Person",
    )
    organization = django_filters.ModelChoiceFilter(
        field_name="participations__organization",
        queryset=published_organizations,
        method="filter_organization",
        empty_label="Any organisation",
        label="Organisation",
    )

    class Meta:
        model = Event
        fields = []

    @staticmethod
    def involving(queryset, field: str, value):
        taking_part = Participation.objects.filter(**{field: value}).values("event_id")
        told = linked_by_annotations("events", **{f"{field}s": value})
        return queryset.filter(Q(pk__in=taking_part) | Q(pk__in=told))

    def filter_person(self, queryset, name, value):
        return self.involving(queryset, "person", value) if value else queryset

    def filter_organization(self, queryset, name, value):
        return self.involving(queryset, "organization", value) if value else queryset
