"""Admin for sources: the article record, its metadata and text."""

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from sources.editing import EditorialAdmin
from sources.models import Source


@admin.register(Source)
class SourceAdmin(EditorialAdmin):
    list_display = [
        "title",
        "outlet",
        "kind",
        "published_display",
        "status",
        "annotation_count",
        "annotate",
    ]
    list_filter = ["status", "kind", "language", "outlet_basis"]
    search_fields = ["title", "slug", "outlet", "authors", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["annotate", "created_at", "updated_at"]
    date_hierarchy = "published_on"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["title", "title_basis", "slug", "kind", "status", "annotate"]}),
        (
            "Attribution",
            {
                "fields": [
                    ("outlet", "outlet_basis"),
                    ("authors", "authors_basis"),
                    ("published_on", "published_on_precision", "published_basis"),
                    "url",
                    "attribution_notes",
                ]
            },
        ),
        (
            "Language and quality",
            {"fields": [("language", "original_language"), "translation_notes", "quality_notes"]},
        ),
        ("Text", {"fields": ["body"]}),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        report = getattr(obj, "reanchor_report", None)
        if report is None:
            return
        self.message_user(request, f"Text saved; annotations re-anchored: {report.summary}.")
        if report.needing_review:
            url = (
                reverse("admin:archive_annotation_changelist")
                + f"?source__id__exact={obj.pk}&anchor_status__in=fuzzy,orphaned"
            )
            self.message_user(
                request,
                format_html(
                    '{} annotation(s) need review: <a href="{}">check them now</a>.',
                    len(report.needing_review),
                    url,
                ),
                messages.WARNING,
            )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(annotation_count=Count("annotations"))

    @admin.display(description="")
    def annotate(self, source):
        if source.pk is None:
            return "Save the source first."
        url = reverse("admin:archive_annotation_workbench", args=[source.pk])
        return format_html('<a class="button" href="{}">Annotate</a>', url)

    @admin.display(description="Published", ordering="published_on")
    def published_display(self, source):
        return source.published_display

    @admin.display(description="Annotations", ordering="annotation_count")
    def annotation_count(self, source):
        return source.annotation_count
