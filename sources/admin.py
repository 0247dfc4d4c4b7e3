"""Admin for sources: the article record, its metadata and text."""

from django.contrib import admin
from django.db import models
from django.db.models import Count

from sources.models import Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "outlet", "kind", "published_display", "status", "annotation_count"]
    list_filter = ["status", "kind", "language", "outlet_basis"]
    search_fields = ["title", "slug", "outlet", "authors", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "published_on"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["title", "title_basis", "slug", "kind", "status"]}),
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

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(annotation_count=Count("annotations"))

    @admin.display(description="Published", ordering="published_on")
    def published_display(self, source):
        return source.published_display

    @admin.display(description="Annotations", ordering="annotation_count")
    def annotation_count(self, source):
        return source.annotation_count
