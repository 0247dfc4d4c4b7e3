"""The editors' admin: every entity with its aliases, roles, participants and passages."""

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from archive import workbench
from archive.models import (
    AnchorStatus,
    Annotation,
    DismissedMention,
    Event,
    Organization,
    OrganizationAlias,
    Participation,
    Person,
    PersonAlias,
    Quote,
    Role,
)
from sources.anchoring import describe_mismatch
from sources.editing import CheckedKeysAdmin, EditorialAdmin
from sources.text import excerpt


def changelist_link(model, filter_field, obj, label):
    url = reverse(f"admin:archive_{model}_changelist") + f"?{filter_field}={obj.pk}"
    return format_html('<a href="{}">{}</a>', url, label)


class PersonAliasInline(admin.TabularInline):
    model = PersonAlias
    extra = 1


class OrganizationAliasInline(admin.TabularInline):
    model = OrganizationAlias
    extra = 1


class RoleInline(CheckedKeysAdmin, admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["organization"]
    fields = ["organization", "title", "start", "start_precision", "end", "end_precision", "note"]


class ParticipationInline(CheckedKeysAdmin, admin.TabularInline):
    model = Participation
    extra = 0
    autocomplete_fields = ["person", "organization"]
    fields = ["person", "organization", "part"]


class NamedAdmin(EditorialAdmin):
    list_display = ["name", "slug", "status", "alias_list", "mention_count", "passages"]
    list_filter = ["status"]
    search_fields = ["name", "slug", "aliases__name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    annotation_filter = ""

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(mention_count=Count("annotations", distinct=True))
            .prefetch_related("aliases")
        )

    @admin.display(description="Aliases")
    def alias_list(self, entity):
        return ", ".join(alias.name for alias in entity.aliases.all())

    @admin.display(description="Mentions", ordering="mention_count")
    def mention_count(self, entity):
        return entity.mention_count

    @admin.display(description="")
    def passages(self, entity):
        return changelist_link("annotation", self.annotation_filter, entity, "passages →")


@admin.register(Person)
class PersonAdmin(NamedAdmin):
    inlines = [PersonAliasInline, RoleInline]
    annotation_filter = "persons__id__exact"
    list_display = [*NamedAdmin.list_display, "quotes"]

    @admin.display(description="")
    def quotes(self, person):
        return changelist_link("quote", "speaker__id__exact", person, "quotes →")


@admin.register(Organization)
class OrganizationAdmin(NamedAdmin):
    inlines = [OrganizationAliasInline]
    autocomplete_fields = ["parent"]
    annotation_filter = "organizations__id__exact"


@admin.register(Event)
class EventAdmin(EditorialAdmin):
    list_display = [
        "title",
        "when_display",
        "certainty",
        "parent",
        "status",
        "account_count",
        "accounts",
    ]
    list_filter = ["status", "certainty", "precision", "timezone"]
    search_fields = ["title", "slug", "summary", "when_as_stated"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["parent"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ParticipationInline]
    date_hierarchy = "occurred_at"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(account_count=Count("annotations"))
            .select_related("parent")
        )

    @admin.display(description="When", ordering="occurred_at")
    def when_display(self, event):
        return event.when_display

    @admin.display(description="Accounts", ordering="account_count")
    def account_count(self, event):
        return event.account_count

    @admin.display(description="")
    def accounts(self, event):
        return changelist_link("annotation", "events__id__exact", event, "passages →")


@admin.register(Quote)
class QuoteAdmin(EditorialAdmin):
    list_display = [
        "__str__",
        "medium",
        "said_on",
        "event",
        "status",
        "rendering_count",
        "passages",
    ]
    list_filter = ["status", "medium", "language"]
    search_fields = [
        "slug",
        "text",
        "speaker__name",
        "speaker_organization__name",
        "speaker_description",
    ]
    autocomplete_fields = ["speaker", "speaker_organization", "event"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(rendering_count=Count("renderings"))
            .select_related("speaker", "speaker_organization", "event")
        )

    @admin.display(description="Renderings", ordering="rendering_count")
    def rendering_count(self, quote):
        return quote.rendering_count

    @admin.display(description="")
    def passages(self, quote):
        return changelist_link("annotation", "quote__id__exact", quote, "renderings →")


@admin.register(Annotation)
class AnnotationAdmin(EditorialAdmin):
    list_display = [
        "excerpt",
        "source_slug",
        "start",
        "end",
        "motivation",
        "stance",
        "status",
        "anchor_status",
        "in_context",
    ]
    list_filter = ["anchor_status", "status", "motivation", "stance", "source"]
    search_fields = ["exact", "note", "correction", "persons__name", "organizations__name"]
    autocomplete_fields = ["source", "persons", "organizations", "events", "quote"]
    readonly_fields = [
        "key",
        "prefix",
        "suffix",
        "anchor_status",
        "author",
        "created_at",
        "updated_at",
        "origin",
    ]
    list_select_related = ["source"]
    fieldsets = [
        (
            "Passage",
            {
                "fields": [
                    "source",
                    ("start", "end"),
                    "exact",
                    ("prefix", "suffix"),
                    "anchor_status",
                ]
            },
        ),
        (
            "What it says",
            {"fields": ["motivation", "persons", "organizations", "events", "quote", "stance"]},
        ),
        ("Notes", {"fields": ["note", "correction"]}),
        (
            "Publishing",
            {"fields": ["status", "author", "key", "origin", "created_at", "updated_at"]},
        ),
    ]

    @admin.display(description="Source", ordering="source__slug")
    def source_slug(self, annotation):
        return annotation.source.slug

    @admin.display(description="Passage", ordering="exact")
    def excerpt(self, annotation):
        return excerpt(annotation.exact, 70)

    @admin.display(description="")
    def in_context(self, annotation):
        url = reverse("admin:archive_annotation_workbench", args=[annotation.source_id])
        return format_html('<a href="{}#a-{}">in context →</a>', url, annotation.key)

    def get_urls(self):
        return workbench.urls(self.admin_site) + super().get_urls()

    def save_model(self, request, obj, form, change):
        if not change and obj.author_id is None:
            obj.author = request.user
        if obj.anchor_status != AnchorStatus.ANCHORED and (
            describe_mismatch(obj.source.body, obj.start, obj.end, obj.exact) is None
        ):
            obj.anchor_status = AnchorStatus.ANCHORED  # an editor's save confirms the passage
        super().save_model(request, obj, form, change)


@admin.register(DismissedMention)
class DismissedMentionAdmin(CheckedKeysAdmin, admin.ModelAdmin):
    list_display = ["exact", "source", "start", "person", "organization", "reason"]
    list_filter = ["source"]
    search_fields = ["exact", "reason"]
    autocomplete_fields = ["source", "person", "organization"]
    readonly_fields = ["key", "prefix", "suffix"]


admin.site.site_header = "Editorial archive"
admin.site.site_title = "Editorial archive"
admin.site.index_title = "Collections"
