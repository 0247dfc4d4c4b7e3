"""Admin for sources: the article record, its metadata and text."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from sources.editing import EditorialAdmin
from sources.ingesting import BASIS_FIELDS, MAX_BYTES, IngestError, ingest_source
from sources.models import Source, SourceKind


class IngestForm(forms.Form):
    """A file and whatever metadata the editor wants to give over the file's own."""

    file = forms.FileField(
        help_text=(
            f"A .txt, .md or .html file in UTF-8, at most {MAX_BYTES // 2**20} MB. A saved web "
            "page is reduced to its article text; a text or Markdown file may start with a "
            "YAML front matter block (title, outlet, authors, date, url, kind, language)."
        )
    )
    title = forms.CharField(
        required=False,
        max_length=300,
        help_text="Empty: from the front matter, the Markdown headline or the page's metadata.",
    )
    slug = forms.SlugField(required=False, max_length=120, help_text="Empty: made from the title.")
    outlet = forms.CharField(required=False, max_length=200)
    authors = forms.CharField(
        required=False, max_length=300, help_text="As credited; separate several with commas."
    )
    date = forms.CharField(
        required=False, max_length=10, help_text="YYYY, YYYY-MM or YYYY-MM-DD, as precise as known."
    )
    url = forms.URLField(
        required=False, max_length=500, assume_scheme="https", label="Original URL"
    )
    kind = forms.ChoiceField(
        required=False, choices=[("", "From the file (default: news report)"), *SourceKind.choices]
    )
    language = forms.CharField(required=False, max_length=12, help_text="BCP 47; empty: en.")
    stated = forms.MultipleChoiceField(
        required=False,
        choices=[(key, key) for key in BASIS_FIELDS],
        widget=forms.CheckboxSelectMultiple,
        label="Stated in the text",
        help_text=(
            "Tick what you gave above that the text itself states; the rest is recorded as an "
            "editorial attribution, to be backed by evidence in the attribution notes."
        ),
    )


@admin.register(Source)
class SourceAdmin(EditorialAdmin):
    change_list_template = "admin/sources/source/change_list.html"  # adds "Add source from file"
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

    def get_urls(self):
        ingest = path(
            "ingest/", self.admin_site.admin_view(self.ingest_view), name="sources_source_ingest"
        )
        return [ingest, *super().get_urls()]

    def ingest_view(self, request):
        """Add source from file: on any error the form comes back with the reason, and
        nothing is created."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IngestForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            upload, stated = data.pop("file"), tuple(data.pop("stated"))
            try:
                source = ingest_source(
                    data=upload.read(MAX_BYTES + 1),  # enough for ingest to say it is too large
                    filename=upload.name,
                    given=data,
                    stated=stated,
                    given_in="the upload form",
                    user=request.user,
                )
            except IngestError as error:
                form.add_error(None, str(error))
            else:
                self.log_addition(request, source, [{"added": {}}])
                self.message_user(request, ingest_message(source, upload.name), messages.SUCCESS)
                return redirect("admin:sources_source_change", source.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Add source from file",
            "form": form,
        }
        return TemplateResponse(request, "admin/sources/source/ingest_form.html", context)

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


def ingest_message(source: Source, name: str) -> str:
    # Imported here, not at the top: sources must load without archive, and only this
    # message needs the alias table. A signal would hide the same dependency, not remove it.
    from archive.suggestions import suggestions_for

    suggestions = suggestions_for(source)
    entities = {(s.entity_type, s.entity_id) for s in suggestions}
    return format_html(
        "Added the draft source “{}” from {}. {} suggested mention(s) of {} entity(ies): "
        '<a href="{}">review them in the workbench</a>.',
        source.title,
        name,
        len(suggestions),
        len(entities),
        reverse("admin:archive_annotation_workbench", args=[source.pk]),
    )
