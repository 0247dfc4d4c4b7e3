"""The annotate view: one source's text, its annotations and suggestions, and a JSON API.

The contract with the page's script is docs/workbench.md. Views are thin: validation is a
form, anchoring rules live in the models, suggestion rules in suggestions.py.
"""

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from archive.mentions import ORGANIZATION, PERSON
from archive.models import (
    AnchorStatus,
    Annotation,
    Event,
    Medium,
    Motivation,
    Organization,
    Person,
    Quote,
    Stance,
)
from archive.models.events import local_moment
from archive.notes import render_note
from archive.rendering import Highlight, render_article
from archive.suggestions import (
    SuggestionGone,
    accept_suggestions,
    dismiss_suggestions,
    suggestions_for,
)
from sources.anchoring import describe_mismatch
from sources.dates import parse_partial_date
from sources.editing import KeysChoiceField, can_publish
from sources.models import Source
from sources.publishing import Status
from sources.versioning import EditConflict

SEARCHABLE = {
    "person": (Person, ["name__icontains", "aliases__name__icontains", "slug__icontains"]),
    "organization": (
        Organization,
        ["name__icontains", "aliases__name__icontains", "slug__icontains"],
    ),
    "event": (Event, ["title__icontains", "slug__icontains"]),
    "quote": (Quote, ["text__icontains", "slug__icontains"]),
}


class BadRequest(Exception):
    def __init__(self, message, errors=None, status=400):
        super().__init__(message)
        self.errors = errors or {}
        self.status = status


def json_error(message, status=400, **extra):
    return JsonResponse({"error": message, **extra}, status=status)


def read_json(request) -> dict:
    if request.content_type != "application/json":
        raise BadRequest("Send JSON (Content-Type: application/json).", status=415)
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest(f"The request is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise BadRequest("Send a JSON object.")
    return data


def require(request, permission: str):
    if not request.user.has_perm(permission):
        raise PermissionDenied(f"You need the permission {permission}.")


def api(view):
    """JSON errors for the script: bad input 4xx with a sentence, never a traceback page."""

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadRequest as error:
            return json_error(str(error), error.status, errors=error.errors)
        except PermissionDenied as error:
            return json_error(str(error) or "You are not allowed to do that.", 403)

    wrapped.__name__ = view.__name__
    return wrapped


# -- serialisation --------------------------------------------------------------------------


def _ref(obj, label=None):
    return {"id": obj.pk, "label": label or str(obj), "status": getattr(obj, "status", "")}


def annotation_json(annotation: Annotation) -> dict:
    return {
        "key": str(annotation.key),
        "start": annotation.start,
        "end": annotation.end,
        "exact": annotation.exact,
        "prefix": annotation.prefix,
        "suffix": annotation.suffix,
        "motivation": annotation.motivation,
        "note": annotation.note,
        "note_html": render_note(annotation.note),
        "correction": annotation.correction,
        "stance": annotation.stance,
        "status": annotation.status,
        "anchor_status": annotation.anchor_status,
        "needs_review": annotation.anchor_status in AnchorStatus.needing_review(),
        "version": annotation.version,
        "persons": [_ref(p, p.name) for p in annotation.persons.all()],
        "organizations": [_ref(o, o.name) for o in annotation.organizations.all()],
        "events": [_ref(e, e.title) for e in annotation.events.all()],
        "quote": _ref(annotation.quote, annotation.quote.text[:80]) if annotation.quote else None,
        "url": reverse("admin:archive_annotation_change", args=[annotation.pk]),
    }


def with_links(annotations):
    """What annotation_json reads, fetched up front."""
    return annotations.select_related("quote").prefetch_related(
        "persons", "organizations", "events"
    )


def source_annotations(source):
    return with_links(Annotation.objects.filter(source=source))


def render_workbench_article(source, annotations) -> str:
    highlights = [
        Highlight(
            a.start,
            a.end,
            str(a.key),
            classes=(
                "wb-mark",
                f"wb-mark--{a.motivation}",
                *(("wb-mark--review",) if a.anchor_status in AnchorStatus.needing_review() else ()),
                *(("wb-mark--draft",) if a.status == Status.DRAFT else ()),
            ),
            attrs=(("data-motivation", a.motivation),),
        )
        for a in annotations
        if a.anchor_status != AnchorStatus.ORPHANED
    ]
    return render_article(
        source.body, highlights, paragraph_attrs=lambda n, offset: [("data-offset", str(offset))]
    )


# -- the page and its state -----------------------------------------------------------------


def workbench_config(request, source) -> dict:
    base = "admin:archive_annotation_workbench"
    return {
        "source": {
            "id": source.pk,
            "slug": source.slug,
            "title": source.title,
            "length": len(source.body),
        },
        "urls": {
            "state": reverse(f"{base}_state", args=[source.pk]),
            "create": reverse(f"{base}_create", args=[source.pk]),
            "accept": reverse(f"{base}_accept", args=[source.pk]),
            "dismiss": reverse(f"{base}_dismiss", args=[source.pk]),
            "search": reverse(f"{base}_search"),
            "entities": reverse(f"{base}_entities"),
            "preview": reverse(f"{base}_preview"),
            "annotation": reverse(f"{base}_update", args=["00000000-0000-0000-0000-000000000000"]),
            "delete": reverse(f"{base}_delete", args=["00000000-0000-0000-0000-000000000000"]),
        },
        "can_publish": can_publish(request.user, Annotation),
        "motivations": list(Motivation.choices),
        "stances": list(Stance.choices),
        "statuses": list(Status.choices),
        "media": list(Medium.choices),
    }


def workbench_page(request, source_id):
    require(request, "archive.view_annotation")
    source = get_object_or_404(Source, pk=source_id)
    context = {
        **admin.site.each_context(request),
        "title": f"Annotate: {source.title}",
        "source": source,
        "opts": Annotation._meta,
        "article": render_workbench_article(source, source_annotations(source)),
        "config": workbench_config(request, source),
    }
    return TemplateResponse(request, "archive/annotation_workbench.html", context)


@api
@require_GET
def state(request, source_id):
    require(request, "archive.view_annotation")
    source = get_object_or_404(Source, pk=source_id)
    annotations = list(source_annotations(source))
    return JsonResponse(
        {
            "annotations": [annotation_json(a) for a in annotations],
            "review": [
                annotation_json(a)
                for a in annotations
                if a.anchor_status in AnchorStatus.needing_review()
            ],
            "suggestions": [
                {
                    "start": s.start,
                    "end": s.end,
                    "exact": s.exact,
                    "context": s.context,
                    "entity_type": s.entity_type,
                    "entity": s.entity_id,
                    "label": s.label,
                    "alias_kind": s.alias_kind,
                }
                for s in suggestions_for(source)
            ],
            "html": render_workbench_article(source, annotations),
        }
    )


# -- writing annotations --------------------------------------------------------------------


class TextField(forms.CharField):
    """Text from JSON: a list or an object is refused, not saved as its Python repr."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, str):
            raise forms.ValidationError("Send text here.", code="invalid")
        return super().to_python(value)


class NewQuoteForm(forms.Form):
    text = TextField(max_length=5000)
    speaker = forms.ModelChoiceField(Person.objects.all(), required=False)
    speaker_description = TextField(max_length=300, required=False)
    medium = forms.ChoiceField(choices=Medium.choices, required=False)
    said_on = TextField(required=False)

    def clean_said_on(self):
        value = self.cleaned_data["said_on"].strip()
        if not value:
            return None, ""
        try:
            return parse_partial_date(value)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("speaker") and not cleaned.get("speaker_description", "").strip():
            raise forms.ValidationError("Name the speaker, or describe an anonymous one.")
        return cleaned


class AnnotationInputForm(forms.Form):
    start = forms.IntegerField(min_value=0)
    end = forms.IntegerField(min_value=1)
    exact = TextField(strip=False, max_length=20000)
    motivation = forms.ChoiceField(choices=Motivation.choices)
    note = TextField(required=False, strip=False, max_length=20000)
    correction = TextField(required=False, max_length=5000)
    stance = forms.ChoiceField(choices=[("", "—"), *Stance.choices], required=False)
    status = forms.ChoiceField(choices=Status.choices, required=False)
    persons = KeysChoiceField(Person.objects.all(), required=False)
    organizations = KeysChoiceField(Organization.objects.all(), required=False)
    events = KeysChoiceField(Event.objects.all(), required=False)
    quote = forms.ModelChoiceField(Quote.objects.all(), required=False)
    version = forms.IntegerField(required=False)

    def __init__(self, data, *, source):
        super().__init__(data)
        self.source = source

    def clean(self):
        cleaned = super().clean()
        if {"start", "end", "exact"} <= cleaned.keys():
            problem = describe_mismatch(
                self.source.body, cleaned["start"], cleaned["end"], cleaned["exact"]
            )
            if problem:
                raise forms.ValidationError(
                    f"The selection does not match the text ({problem}). The page may be out of "
                    "date: reload it and select the passage again."
                )
        if cleaned.get("correction") and cleaned.get("motivation") != Motivation.CORRECTING:
            self.add_error("correction", "A correction needs the motivation “Correcting”.")
        return cleaned


def _form_errors(form) -> dict:
    return {field: [str(m) for m in messages] for field, messages in form.errors.items()}


def save_annotation(request, source, annotation, data) -> Annotation:
    form = AnnotationInputForm(data, source=source)
    if not form.is_valid():
        message = (
            form.non_field_errors()[0] if form.non_field_errors() else "Please correct the errors."
        )
        raise BadRequest(str(message), errors=_form_errors(form))
    cleaned = form.cleaned_data
    publisher = can_publish(request.user, Annotation)
    with transaction.atomic():
        quote = cleaned["quote"]
        if data.get("new_quote"):
            require(request, "archive.add_quote")
            quote = _create_quote(data["new_quote"], source)
        for field in ("start", "end", "exact", "motivation", "note", "correction", "stance"):
            setattr(annotation, field, cleaned[field])
        annotation.quote = quote
        annotation.anchor_status = AnchorStatus.ANCHORED  # an editor's save confirms the anchor
        if publisher and cleaned["status"]:
            annotation.status = cleaned["status"]
        elif annotation.pk is None:
            annotation.status = Status.DRAFT
        annotation.save()
        annotation.persons.set(cleaned["persons"])
        annotation.organizations.set(cleaned["organizations"])
        annotation.events.set(cleaned["events"])
    return source_annotations(source).get(pk=annotation.pk)


def _create_quote(data, source) -> Quote:
    if not isinstance(data, dict):
        raise BadRequest("new_quote must be an object.")
    form = NewQuoteForm(data)
    if not form.is_valid():
        reasons = [str(m) for m in form.non_field_errors()] or ["The new quote is incomplete."]
        raise BadRequest(
            " ".join(reasons),
            errors={f"new_quote.{k}": v for k, v in _form_errors(form).items()},
        )
    said_on, precision = form.cleaned_data["said_on"]
    text = form.cleaned_data["text"]
    base = slugify(f"{form.cleaned_data['speaker'] or 'quote'} {text}")[:60].strip("-") or "quote"
    return Quote.objects.create(
        slug=_unique_slug(Quote, base),
        text=text,
        speaker=form.cleaned_data["speaker"],
        speaker_description=form.cleaned_data["speaker_description"],
        medium=form.cleaned_data["medium"] or Medium.OTHER,
        said_on=said_on,
        said_on_precision=precision,
        text_note=f"Created from a passage of “{source.title}” in the workbench.",
    )


def _unique_slug(model, base: str) -> str:
    slug, n = base, 1
    while model.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base[:110]}-{n}"
    return slug


def guard_published(request, annotation):
    if annotation.status == Status.PUBLISHED and not can_publish(request.user, Annotation):
        raise PermissionDenied("This annotation is published: only a publisher can change it.")


@api
@require_POST
def create(request, source_id):
    require(request, "archive.add_annotation")
    source = get_object_or_404(Source, pk=source_id)
    annotation = Annotation(source=source, author=request.user)
    saved = save_annotation(request, source, annotation, read_json(request))
    return JsonResponse(annotation_json(saved), status=201)


def _check_version(annotation, data):
    version = data.get("version")
    if version is not None and version != annotation.version:
        raise EditConflict(annotation)


def _conflict(key):
    current = with_links(Annotation.objects.filter(key=key)).first()
    return json_error(
        "Someone else changed this annotation while you were editing. Your changes are still "
        "in the form: compare them with the current version below and save again.",
        409,
        current=annotation_json(current) if current else None,
    )


@api
@require_POST
def update(request, key):
    require(request, "archive.change_annotation")
    annotation = get_object_or_404(Annotation.objects.select_related("source"), key=key)
    guard_published(request, annotation)
    data = read_json(request)
    try:
        _check_version(annotation, data)
        saved = save_annotation(request, annotation.source, annotation, data)
    except EditConflict:
        return _conflict(key)
    return JsonResponse(annotation_json(saved))


@api
@require_POST
def delete(request, key):
    require(request, "archive.delete_annotation")
    annotation = get_object_or_404(Annotation, key=key)
    guard_published(request, annotation)
    data = read_json(request)
    try:
        with transaction.atomic():
            locked = Annotation.objects.select_for_update().get(pk=annotation.pk)
            _check_version(locked, data)
            locked.delete()
    except EditConflict:
        return _conflict(key)
    return HttpResponse(status=204)


# -- suggestions ----------------------------------------------------------------------------


def _suggestion_args(data) -> dict:
    entity_type = data.get("entity_type")
    if entity_type not in (PERSON, ORGANIZATION):
        raise BadRequest("entity_type must be 'person' or 'organization'.")
    if not isinstance(data.get("entity"), int):
        raise BadRequest("entity must be the entity's id.")
    args = {"entity_type": entity_type, "entity_id": data["entity"]}
    if data.get("all") is True:
        return {**args, "everything": True}
    if not isinstance(data.get("start"), int) or not isinstance(data.get("end"), int):
        raise BadRequest("Give the occurrence's start and end, or all: true.")
    return {**args, "start": data["start"], "end": data["end"]}


@api
@require_POST
def accept(request, source_id):
    require(request, "archive.add_annotation")
    source = get_object_or_404(Source, pk=source_id)
    args = _suggestion_args(read_json(request))
    try:
        created = accept_suggestions(source, user=request.user, **args)
    except SuggestionGone as error:
        raise BadRequest(str(error), status=409) from error
    except (Person.DoesNotExist, Organization.DoesNotExist) as error:
        raise BadRequest("No such entity.", status=404) from error
    created = list(source_annotations(source).filter(pk__in=[a.pk for a in created]))
    return JsonResponse({"created": [annotation_json(a) for a in created]}, status=201)


@api
@require_POST
def dismiss(request, source_id):
    require(request, "archive.add_dismissedmention")
    source = get_object_or_404(Source, pk=source_id)
    data = read_json(request)
    args = _suggestion_args(data)
    try:
        count = dismiss_suggestions(source, reason=str(data.get("reason", ""))[:300], **args)
    except SuggestionGone as error:
        raise BadRequest(str(error), status=409) from error
    return JsonResponse({"dismissed": count}, status=201)


# -- entities, search, preview --------------------------------------------------------------


@api
@require_GET
def search(request):
    kind = request.GET.get("type", "")
    if kind not in SEARCHABLE:
        raise BadRequest(f"type must be one of {', '.join(SEARCHABLE)}.")
    model, lookups = SEARCHABLE[kind]
    require(request, f"archive.view_{model._meta.model_name}")
    term = request.GET.get("q", "").strip()
    queryset = model.objects.all()
    if term:
        condition = Q()
        for lookup in lookups:
            condition |= Q(**{lookup: term})
        queryset = queryset.filter(condition).distinct()
    results = [_ref(obj, obj.text[:100] if kind == "quote" else str(obj)) for obj in queryset[:20]]
    return JsonResponse({"results": results})


@api
@require_POST
def create_entity(request):
    data = read_json(request)
    kind = data.get("type")
    name = data.get("name", "")
    if kind not in ("person", "organization", "event"):
        raise BadRequest("type must be person, organization or event.")
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 200:
        raise BadRequest("Give a name of 1 to 200 characters.", errors={"name": ["Required."]})
    model = {"person": Person, "organization": Organization, "event": Event}[kind]
    require(request, f"archive.add_{model._meta.model_name}")
    slug = _unique_slug(model, slugify(name)[:100] or kind)
    with transaction.atomic():
        if kind == "event":
            when = str(data.get("when", "")).strip()
            try:
                moment, precision = local_moment(when, "UTC")
            except ValueError as error:
                raise BadRequest(
                    "Give the event's date (YYYY, YYYY-MM or YYYY-MM-DD).",
                    errors={"when": [str(error)]},
                ) from error
            entity = Event.objects.create(
                slug=slug, title=name, occurred_at=moment, precision=precision, timezone="UTC"
            )
        else:
            entity = model.objects.create(slug=slug, name=name)
            entity.aliases.create(name=name, kind="name")
    return JsonResponse(_ref(entity, name), status=201)


@api
@require_POST
def preview(request):
    note = read_json(request).get("note", "")
    if not isinstance(note, str) or len(note) > 20000:
        raise BadRequest("note must be text of at most 20,000 characters.")
    return JsonResponse({"html": render_note(note)})


def urls(admin_site):
    """The workbench's URLs, registered by AnnotationAdmin.get_urls()."""
    from django.urls import path

    wrap = admin_site.admin_view
    name = "archive_annotation_workbench"
    return [
        path("workbench/<int:source_id>/", wrap(workbench_page), name=name),
        path("workbench/<int:source_id>/state/", wrap(state), name=f"{name}_state"),
        path("workbench/<int:source_id>/annotations/", wrap(create), name=f"{name}_create"),
        path("workbench/<int:source_id>/suggestions/accept/", wrap(accept), name=f"{name}_accept"),
        path(
            "workbench/<int:source_id>/suggestions/dismiss/", wrap(dismiss), name=f"{name}_dismiss"
        ),
        path("workbench/annotations/<uuid:key>/", wrap(update), name=f"{name}_update"),
        path("workbench/annotations/<uuid:key>/delete/", wrap(delete), name=f"{name}_delete"),
        path("workbench/search/", wrap(search), name=f"{name}_search"),
        path("workbench/entities/", wrap(create_entity), name=f"{name}_entities"),
        path("workbench/preview/", wrap(preview), name=f"{name}_preview"),
    ]
