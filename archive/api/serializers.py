"""What the API shows of each published row. Links are absolute URLs (archive/api/fields.py).

List serializers carry what an index shows; detail serializers add the heavy parts (a
source's text) and the lists of linked rows, which the viewsets fetch for one row only.
Editorial internals (versions, authors of edits, history, alias notes) are never exposed.
"""

import datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from archive.api.fields import ApiLink, PageLink, SelfLink, api_url
from archive.models import Event, Organization, Person, Quote, Role, Stance
from archive.models.names import AliasKind
from sources.models import Source


def utc_datetime(**kwargs) -> serializers.DateTimeField:
    """ISO 8601 in UTC ('2023-11-17T20:28:00Z'), whatever the server's time zone."""
    return serializers.DateTimeField(default_timezone=datetime.UTC, read_only=True, **kwargs)


class ResourceSerializer(serializers.ModelSerializer):
    """What every resource has: its links and its id."""

    html_url = PageLink()
    id = serializers.IntegerField(
        read_only=True, help_text="What filters take, as on the public indexes: ?person=<id>."
    )


# Sources ----------------------------------------------------------------------------------


class SourceSerializer(ResourceSerializer):
    url = SelfLink("source")
    original_url = serializers.CharField(
        source="url", read_only=True, help_text="Where it was published, if known."
    )
    published_display = serializers.CharField(
        read_only=True, help_text="The date as precisely as known: '2023', 'November 2023'."
    )
    annotation_count = serializers.IntegerField(
        read_only=True, help_text="Published passages annotated in this source."
    )

    class Meta:
        model = Source
        fields = [
            "url",
            "html_url",
            "id",
            "slug",
            "title",
            "title_basis",
            "kind",
            "outlet",
            "outlet_basis",
            "authors",
            "authors_basis",
            "published_on",
            "published_on_precision",
            "published_basis",
            "published_display",
            "original_url",
            "language",
            "original_language",
            "annotation_count",
        ]
        read_only_fields = fields


class SourceDetailSerializer(SourceSerializer):
    annotations_url = serializers.SerializerMethodField(
        help_text="The W3C Web Annotation container of this source's published passages."
    )
    people = ApiLink("person", many=True, source="public_people")
    organizations = ApiLink("organization", many=True, source="public_organizations")
    events = ApiLink("event", many=True, source="public_events")
    quotes = ApiLink("quote", many=True, source="public_quotes")

    class Meta(SourceSerializer.Meta):
        fields = [
            *SourceSerializer.Meta.fields,
            "attribution_notes",
            "translation_notes",
            "quality_notes",
            "body",
            "annotations_url",
            "people",
            "organizations",
            "events",
            "quotes",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_annotations_url(self, source) -> str:
        return reverse(
            "annotation-source-container",
            kwargs={"slug": source.slug},
            request=self.context["request"],
        )


# People and organisations -----------------------------------------------------------------


class AliasSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=AliasKind.choices, read_only=True)


ROLE_FIELDS = ["title", "start", "start_precision", "end", "end_precision"]


class PersonRoleSerializer(serializers.ModelSerializer):
    """A person's role, seen from the person: the organisation is the link."""

    organization = ApiLink("organization")
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Role
        fields = ["organization", "organization_name", *ROLE_FIELDS]
        read_only_fields = fields


class OrganizationRoleSerializer(serializers.ModelSerializer):
    """A role seen from the organisation: the person is the link."""

    person = ApiLink("person")
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = Role
        fields = ["person", "person_name", *ROLE_FIELDS]
        read_only_fields = fields


MENTION_FIELDS = ["mention_count", "source_count"]


class NamedSerializer(ResourceSerializer):
    """Fields people and organisations share."""

    aliases = AliasSerializer(many=True, read_only=True)
    mention_count = serializers.IntegerField(
        read_only=True, help_text="Published passages that mention it."
    )
    source_count = serializers.IntegerField(
        read_only=True, help_text="Published sources with at least one such passage."
    )


class PersonSerializer(NamedSerializer):
    url = SelfLink("person")
    roles = PersonRoleSerializer(
        many=True, read_only=True, source="public_roles", help_text="Roles at organisations."
    )

    class Meta:
        model = Person
        fields = [
            "url",
            "html_url",
            "id",
            "slug",
            "name",
            "description",
            "wikidata",
            "aliases",
            "roles",
            *MENTION_FIELDS,
        ]
        read_only_fields = fields


class PersonDetailSerializer(PersonSerializer):
    sources = ApiLink("source", many=True, source="public_sources")
    quotes = ApiLink("quote", many=True, source="public_quotes")
    events = ApiLink("event", many=True, source="public_events")

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "sources", "quotes", "events"]
        read_only_fields = fields


class OrganizationSerializer(NamedSerializer):
    url = SelfLink("organization")
    parent = ApiLink("organization", help_text="The organisation it belongs to, if any.")
    people_count = serializers.IntegerField(
        read_only=True, help_text="Published people with a role here."
    )

    class Meta:
        model = Organization
        fields = [
            "url",
            "html_url",
            "id",
            "slug",
            "name",
            "description",
            "wikidata",
            "parent",
            "aliases",
            *MENTION_FIELDS,
            "people_count",
        ]
        read_only_fields = fields


class OrganizationDetailSerializer(OrganizationSerializer):
    children = ApiLink("organization", many=True, source="public_children")
    roles = OrganizationRoleSerializer(
        many=True, read_only=True, source="public_roles", help_text="People's roles here."
    )
    sources = ApiLink("source", many=True, source="public_sources")
    quotes = ApiLink("quote", many=True, source="public_quotes")
    events = ApiLink("event", many=True, source="public_events")

    class Meta(OrganizationSerializer.Meta):
        fields = [
            *OrganizationSerializer.Meta.fields,
            "children",
            "roles",
            "sources",
            "quotes",
            "events",
        ]
        read_only_fields = fields


# Events -----------------------------------------------------------------------------------


class ParticipantSerializer(serializers.Serializer):
    """A person or an organisation taking part; exactly one of the two links is set."""

    person = ApiLink("person")
    organization = ApiLink("organization")
    name = serializers.CharField(source="participant.name", read_only=True)
    part = serializers.CharField(read_only=True, help_text="For example: removed as CEO.")


class AccountSerializer(serializers.Serializer):
    """A published source telling the event, and how its passages stand towards it."""

    source = ApiLink("source")
    stances = serializers.ListField(
        child=serializers.ChoiceField(choices=Stance.choices), read_only=True
    )
    passages = serializers.IntegerField(read_only=True)


class EventSerializer(ResourceSerializer):
    url = SelfLink("event")
    moment = utc_datetime(
        source="occurred_at",
        help_text="When it happened, in UTC; for a day, month or year, its local start.",
    )
    ends_at = utc_datetime(allow_null=True)
    when_display = serializers.CharField(
        read_only=True, help_text="The moment as precisely as known, in its own zone."
    )
    parent = ApiLink("event", help_text="The larger event this is part of.")
    participants = ParticipantSerializer(many=True, read_only=True, source="public_participations")

    class Meta:
        model = Event
        fields = [
            "url",
            "html_url",
            "id",
            "slug",
            "title",
            "summary",
            "moment",
            "precision",
            "timezone",
            "approximate",
            "ends_at",
            "ends_precision",
            "when_as_stated",
            "when_display",
            "certainty",
            "parent",
            "participants",
        ]
        read_only_fields = fields


class EventDetailSerializer(EventSerializer):
    children = ApiLink("event", many=True, source="public_children")
    accounts = AccountSerializer(many=True, read_only=True)
    quotes = ApiLink("quote", many=True, source="public_quotes")

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "children", "accounts", "quotes"]
        read_only_fields = fields


# Quotes -----------------------------------------------------------------------------------


#: A quote's speaker is a published person, a published organisation, or only described.
SPEAKER_KINDS = ["person", "organization", "anonymous"]


class SpeakerSerializer(serializers.Serializer):
    """Who said it: a published person or organisation (linked), or a described speaker."""

    kind = serializers.ChoiceField(choices=SPEAKER_KINDS)
    name = serializers.CharField(allow_null=True)
    url = serializers.URLField(allow_null=True)
    html_url = serializers.URLField(allow_null=True)


class RenderingSerializer(serializers.Serializer):
    source = ApiLink("source")
    html_url = PageLink(help_text="The passage in the source's public page.")
    exact = serializers.CharField(read_only=True, help_text="The source's wording.")


class QuoteSerializer(ResourceSerializer):
    url = SelfLink("quote")
    speaker = serializers.SerializerMethodField()
    said_on_display = serializers.CharField(
        read_only=True, help_text="The date as precisely as known: '2023', 'November 2023'."
    )
    event = ApiLink("event", help_text="The event it was said during, if any.")
    rendering_count = serializers.IntegerField(
        read_only=True, help_text="Published passages rendering it."
    )
    source_count = serializers.IntegerField(
        read_only=True, help_text="Published sources with at least one such passage."
    )

    class Meta:
        model = Quote
        fields = [
            "url",
            "html_url",
            "id",
            "slug",
            "text",
            "text_note",
            "speaker",
            "medium",
            "said_on",
            "said_on_precision",
            "said_on_display",
            "context",
            "event",
            "language",
            "rendering_count",
            "source_count",
        ]
        read_only_fields = fields

    @extend_schema_field(SpeakerSerializer)
    def get_speaker(self, quote) -> dict:
        """A draft person or organisation is not named: the quote falls back to its
        description of the speaker, as the public page does."""
        request = self.context["request"]
        for kind, basename, entity in (
            ("person", "person", quote.speaker),
            ("organization", "organization", quote.speaker_organization),
        ):
            if entity is not None and entity.is_published:
                return {
                    "kind": kind,
                    "name": entity.name,
                    "url": api_url(request, basename, entity.slug),
                    "html_url": request.build_absolute_uri(entity.get_absolute_url()),
                }
        return {
            "kind": "anonymous",
            "name": quote.speaker_description or None,
            "url": None,
            "html_url": None,
        }


class QuoteDetailSerializer(QuoteSerializer):
    sources = ApiLink("source", many=True, source="public_sources")
    renderings = RenderingSerializer(many=True, read_only=True, source="public_renderings")

    class Meta(QuoteSerializer.Meta):
        fields = [*QuoteSerializer.Meta.fields, "sources", "renderings"]
        read_only_fields = fields
