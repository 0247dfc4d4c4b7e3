"""Forged and malformed requests to every write endpoint: a clear 4xx, and nothing changed.

The endpoints: the workbench's JSON API (create, update, delete, accept, dismiss, entities,
preview), the Web Annotation Protocol (POST to a container, PUT and DELETE of an item), the
admin's add and change forms for sources and annotations, and "Add source from file". Each
case is sent by a user who *may* write (a publisher, unless the case is about an editor), so
the refusal comes from the request's content, not from a missing permission. Whatever the
case, the answer is a 4xx with a reason a person or a script can read, never a 500, and no
row of any table (history, search index and admin log included) changes.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from archive.models import Annotation, Person
from archive.suggestions import suggestions_for
from archive.webannotation.protocol import MAX_BODY
from archive.webannotation.vocabulary import CONTEXT
from sources.ingesting import MAX_BYTES
from sources.models import Source
from sources.publishing import Status
from tests.conftest import snapshot
from tests.security.conftest import database_state

WB = "admin:archive_annotation_workbench"
LD = "application/ld+json"
BASE = "http://testserver"
MISSING = "00000000-0000-4000-8000-000000000000"
#: Django refuses a request body above DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) before any view.
HUGE = 3 * 1024 * 1024

TARGET_BODY = (
    "Jan Leike resigned from OpenAI on Tuesday.\n\n"
    "Ilya Sutskever left the same week, and OpenAI said little."
)
OTHER_BODY = "Reports said that OpenAI lost Ilya Sutskever and then Jan Leike within days."


@dataclass
class World:
    target: Source
    other: Source
    draft: Annotation  # a draft passage of `target`
    published: Annotation  # a published passage of `target`
    foreign: Annotation  # a passage of `other`
    person: Person
    clients: dict[str, Client] = field(default_factory=dict)


def span(source: Source, words: str) -> dict:
    start = source.body.index(words)
    return {"start": start, "end": start + len(words), "exact": words}


@pytest.fixture
def world(seed, django_user_model):
    """Two small sources beside the seed collection (whose entities they name); every row of
    the seed must also come through each case unchanged."""
    target = Source.objects.create(
        slug="forged-target", title="Target", body=TARGET_BODY, status=Status.PUBLISHED
    )
    other = Source.objects.create(
        slug="forged-other", title="Other", body=OTHER_BODY, status=Status.PUBLISHED
    )

    def passage(source, words, status):
        return Annotation.objects.create(
            source=source,
            motivation="commenting",
            note="A note.",
            status=status,
            **span(source, words),
        )

    built = World(
        target=target,
        other=other,
        draft=passage(target, "the same week", Status.DRAFT),
        published=passage(target, "on Tuesday", Status.PUBLISHED),
        foreign=passage(other, "Reports said", Status.PUBLISHED),
        person=Person.objects.get(slug="jan-leike"),
    )
    for name, group in (("publisher", "Publishers"), ("editor", "Editors")):
        user = django_user_model.objects.create_user(
            f"forger-{name}", is_staff=True, first_name="Ed", last_name=name
        )
        user.groups.add(Group.objects.get(name=group))
        for key, csrf in ((name, False), (f"{name}-csrf", True)):
            client = Client(enforce_csrf_checks=csrf)
            client.force_login(user)
            built.clients[key] = client
    return built


# The requests -------------------------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    body: bytes | None = None
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)
    form: dict | None = None  # multipart, as a browser's form sends


def as_json(data) -> bytes:
    return json.dumps(data).encode()


def wb_url(name: str, *args) -> str:
    return reverse(f"{WB}_{name}", args=args)


def wb(name: str, data=None, *, arg: Callable | None = None, raw=None, **request) -> Callable:
    """A workbench request: `arg(world)` gives the URL argument, `data(world)` the JSON."""

    if arg is None:
        arg = DEFAULT_ARG.get(name)

    def build(w: World, client) -> Request:
        args = [arg(w)] if arg else []
        body = raw if raw is not None else as_json(data(w) if callable(data) else (data or {}))
        return Request(request.pop("method", "POST"), wb_url(name, *args), body, **request)

    return build


def target_id(w):
    return w.target.pk


def draft_key(w):
    return w.draft.key


def published_key(w):
    return w.published.key


DEFAULT_ARG = {
    "create": target_id,
    "accept": target_id,
    "dismiss": target_id,
    "update": draft_key,
    "delete": draft_key,
}


def new_passage(w, **changes) -> dict:
    return {**span(w.target, "resigned"), "motivation": "commenting", "note": "x", **changes}


def edit_of(annotation, **changes) -> dict:
    return {
        "start": annotation.start,
        "end": annotation.end,
        "exact": annotation.exact,
        "motivation": annotation.motivation,
        "note": "Edited.",
        "version": annotation.version,
        **changes,
    }


def suggestion(source: Source, words: str) -> dict:
    found = next(s for s in suggestions_for(source) if s.exact == words)
    return {
        "entity_type": found.entity_type,
        "entity": found.entity_id,
        "start": found.start,
        "end": found.end,
    }


# The Web Annotation Protocol --------------------------------------------------------------


def w3c_document(source: Source, selection: dict, **changes) -> dict:
    return {
        "@context": CONTEXT,
        "type": "Annotation",
        "motivation": "commenting",
        "body": [{"type": "TextualBody", "value": "A note.", "format": "text/markdown"}],
        "target": {
            "source": f"{BASE}{source.get_absolute_url()}",
            "selector": [
                {"type": "TextQuoteSelector", "exact": selection["exact"]},
                {
                    "type": "TextPositionSelector",
                    "start": selection["start"],
                    "end": selection["end"],
                },
            ],
        },
        **changes,
    }


def container(w):
    return reverse("annotation-source-container", kwargs={"slug": w.target.slug})


def item(annotation) -> str:
    return reverse("annotation-item", kwargs={"key": annotation.key})


def etag(client, path) -> str:
    return client.get(path)["ETag"]


def w3c_post(document: Callable, *, path=container, **request) -> Callable:
    def build(w, client):
        body = request.pop("raw", None)
        if body is None:
            body = as_json(document(w))
        return Request("POST", path(w), body, request.pop("content_type", LD), **request)

    return build


def w3c_write(method, document: Callable | None, *, if_match="current", of=None, raw=None):
    """PUT or DELETE of the draft passage (or `of(world)`), with an If-Match header."""

    def build(w, client):
        annotation = of(w) if of else w.draft
        path = item(annotation) if annotation is not None else f"/annotations/{MISSING}/"
        headers = {}
        if if_match == "current":
            headers["If-Match"] = etag(client, path) if annotation is not None else "*"
        elif if_match:
            headers["If-Match"] = if_match
        body = raw if raw is not None else (as_json(document(w)) if document else None)
        return Request(method, path, body, LD, headers)

    return build


def draft_document(w, **changes):
    return w3c_document(w.target, span(w.target, "the same week"), **changes)


# The admin's forms ------------------------------------------------------------------------


def annotation_form(w, **changes) -> dict:
    return {
        "source": w.target.pk,
        **span(w.target, "resigned"),
        "motivation": "commenting",
        "note": "",
        "correction": "",
        "stance": "",
        "status": Status.DRAFT,
        **changes,
    }


def admin_form(url: Callable, data: Callable) -> Callable:
    def build(w, client):
        return Request("POST", url(w), content_type="", form=data(w))

    return build


def source_form(w, **changes) -> dict:
    return {
        "title": "A forged source",
        "title_basis": "stated",
        "slug": "a-forged-source",
        "kind": "news-report",
        "status": Status.DRAFT,
        "outlet": "",
        "outlet_basis": "unknown",
        "authors": "",
        "authors_basis": "unknown",
        "published_on": "",
        "published_on_precision": "",
        "published_basis": "unknown",
        "url": "",
        "attribution_notes": "",
        "language": "en",
        "original_language": "",
        "translation_notes": "",
        "quality_notes": "",
        "body": "Some text.",
        **changes,
    }


def ingest(name: str, content: bytes, **fields) -> Callable:
    def build(w, client):
        upload = SimpleUploadedFile(name, content)
        return Request(
            "POST",
            reverse("admin:sources_source_ingest"),
            content_type="",
            form={"file": upload, **fields},
        )

    return build


def front_matter(yaml_text: str) -> bytes:
    return f"---\n{yaml_text}\n---\nA body of text that is long enough.\n".encode()


def add_annotation(w):
    return reverse("admin:archive_annotation_add")


def add_source(w):
    return reverse("admin:sources_source_add")


def change_draft(w):
    return reverse("admin:archive_annotation_change", args=[w.draft.pk])


def change_target(w):
    return reverse("admin:sources_source_change", args=[w.target.pk])


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable
    expected: tuple[int, ...]
    who: str = "publisher"


CASES = [
    # -- workbench: create --------------------------------------------------------------
    Case(
        "wb-create-offsets-past-the-end",
        wb("create", lambda w: new_passage(w, start=10_000, end=10_008)),
        (400,),
    ),
    Case(
        "wb-create-offsets-reversed", wb("create", lambda w: new_passage(w, start=9, end=3)), (400,)
    ),
    Case("wb-create-negative-start", wb("create", lambda w: new_passage(w, start=-4)), (400,)),
    Case(
        "wb-create-huge-offsets",
        wb("create", lambda w: new_passage(w, start=2**70, end=2**70 + 8)),
        (400,),
    ),
    Case(
        "wb-create-exact-mismatch", wb("create", lambda w: new_passage(w, exact="RESIGNED")), (400,)
    ),
    Case(
        "wb-create-another-sources-passage",
        wb("create", lambda w: {**new_passage(w), **span(w.other, "Reports said")}),
        (400,),
    ),
    Case(
        "wb-create-unknown-person",
        wb("create", lambda w: new_passage(w, persons=[987654321])),
        (400,),
    ),
    Case(
        "wb-create-out-of-range-person",
        wb("create", lambda w: new_passage(w, persons=[2**70])),
        (400,),
    ),
    Case(
        "wb-create-persons-not-a-list", wb("create", lambda w: new_passage(w, persons="1")), (400,)
    ),
    Case(
        "wb-create-persons-of-objects",
        wb("create", lambda w: new_passage(w, persons=[{"id": 1}])),
        (400,),
    ),
    Case(
        "wb-create-unknown-event",
        wb("create", lambda w: new_passage(w, events=[987654321])),
        (400,),
    ),
    Case(
        "wb-create-unknown-quote", wb("create", lambda w: new_passage(w, quote=987654321)), (400,)
    ),
    Case("wb-create-unknown-source", wb("create", new_passage, arg=lambda w: 987654321), (404,)),
    Case(
        "wb-create-bad-motivation",
        wb("create", lambda w: new_passage(w, motivation="hacking")),
        (400,),
    ),
    Case("wb-create-bad-status", wb("create", lambda w: new_passage(w, status="archived")), (400,)),
    Case("wb-create-bad-stance", wb("create", lambda w: new_passage(w, stance="endorses")), (400,)),
    Case(
        "wb-create-correction-without-correcting",
        wb("create", lambda w: new_passage(w, correction="Fixed")),
        (400,),
    ),
    Case(
        "wb-create-start-not-a-number", wb("create", lambda w: new_passage(w, start="ten")), (400,)
    ),
    Case(
        "wb-create-note-not-text",
        wb("create", lambda w: new_passage(w, note={"html": "<b>"})),
        (400,),
    ),
    Case(
        "wb-create-nul-in-note",
        wb("create", lambda w: new_passage(w, note="before\x00after")),
        (400,),
    ),
    Case(
        "wb-create-oversized-note",
        wb("create", lambda w: new_passage(w, note="x" * 20_001)),
        (400,),
    ),
    Case(
        "wb-create-new-quote-without-speaker",
        wb("create", lambda w: new_passage(w, new_quote={"text": "Hi"})),
        (400,),
    ),
    Case(
        "wb-create-new-quote-text-not-text",
        wb(
            "create",
            lambda w: new_passage(w, new_quote={"text": ["Hi"], "speaker_description": "a source"}),
        ),
        (400,),
    ),
    Case(
        "wb-create-new-quote-not-an-object",
        wb("create", lambda w: new_passage(w, new_quote="Hi")),
        (400,),
    ),
    Case(
        "wb-create-new-quote-unknown-speaker",
        wb("create", lambda w: new_passage(w, new_quote={"text": "Hi", "speaker": 987654321})),
        (400,),
    ),
    Case(
        "wb-create-new-quote-bad-date",
        wb(
            "create",
            lambda w: new_passage(
                w,
                new_quote={"text": "Hi", "speaker_description": "a source", "said_on": "yesterday"},
            ),
        ),
        (400,),
    ),
    Case(
        "wb-create-oversized-body",
        wb("create", raw=b'{"note": "' + b"x" * HUGE + b'"}', arg=target_id),
        (400, 413),
    ),
    Case(
        "wb-create-form-encoded",
        wb(
            "create",
            raw=b"start=1&end=2",
            arg=target_id,
            content_type="application/x-www-form-urlencoded",
        ),
        (415,),
    ),
    Case(
        "wb-create-text-plain",
        wb("create", new_passage, arg=target_id, content_type="text/plain"),
        (415,),
    ),
    Case("wb-create-malformed-json", wb("create", raw=b'{"start": 1,', arg=target_id), (400,)),
    Case("wb-create-json-array", wb("create", raw=b"[1, 2]", arg=target_id), (400,)),
    Case("wb-create-not-utf8", wb("create", raw=b'{"note": "\xff\xfe"}', arg=target_id), (400,)),
    Case(
        "wb-create-missing-csrf", wb("create", new_passage, arg=target_id), (403,), "publisher-csrf"
    ),
    Case("wb-create-get", wb("create", arg=target_id, method="GET"), (405,)),
    Case("wb-create-put", wb("create", new_passage, arg=target_id, method="PUT"), (405,)),
    # -- workbench: update and delete ---------------------------------------------------
    Case(
        "wb-update-unknown-annotation",
        wb("update", lambda w: edit_of(w.draft), arg=lambda w: MISSING),
        (404,),
    ),
    Case(
        "wb-update-with-another-sources-passage",
        wb(
            "update", lambda w: {**edit_of(w.draft), **span(w.other, "Reports said")}, arg=draft_key
        ),
        (400,),
    ),
    Case(
        "wb-update-with-another-sources-offsets",
        wb(
            "update",
            lambda w: edit_of(w.draft, start=w.foreign.start, end=w.foreign.end),
            arg=draft_key,
        ),
        (400,),
    ),
    Case(
        "wb-update-exact-mismatch",
        wb("update", lambda w: edit_of(w.draft, exact="THE SAME WEEK"), arg=draft_key),
        (400,),
    ),
    Case(
        "wb-update-stale-version",
        wb("update", lambda w: edit_of(w.draft, version=w.draft.version - 1), arg=draft_key),
        (409,),
    ),
    Case(
        "wb-update-unknown-person",
        wb("update", lambda w: edit_of(w.draft, persons=[987654321]), arg=draft_key),
        (400,),
    ),
    Case("wb-update-malformed-json", wb("update", raw=b"{", arg=draft_key), (400,)),
    Case(
        "wb-update-wrong-content-type",
        wb("update", lambda w: edit_of(w.draft), arg=draft_key, content_type="text/plain"),
        (415,),
    ),
    Case(
        "wb-update-missing-csrf",
        wb("update", lambda w: edit_of(w.draft), arg=draft_key),
        (403,),
        "publisher-csrf",
    ),
    Case("wb-update-get", wb("update", arg=draft_key, method="GET"), (405,)),
    Case(
        "wb-update-published-by-an-editor",
        wb("update", lambda w: edit_of(w.published), arg=published_key),
        (403,),
        "editor",
    ),
    Case("wb-delete-unknown-annotation", wb("delete", {}, arg=lambda w: MISSING), (404,)),
    Case(
        "wb-delete-stale-version",
        wb("delete", lambda w: {"version": w.draft.version + 1}, arg=draft_key),
        (409,),
    ),
    Case("wb-delete-published-by-an-editor", wb("delete", {}, arg=published_key), (403,), "editor"),
    Case("wb-delete-malformed-json", wb("delete", raw=b"{{", arg=draft_key), (400,)),
    Case(
        "wb-delete-wrong-content-type",
        wb("delete", {}, arg=draft_key, content_type="application/x-www-form-urlencoded"),
        (415,),
    ),
    Case("wb-delete-missing-csrf", wb("delete", {}, arg=draft_key), (403,), "publisher-csrf"),
    Case("wb-delete-get", wb("delete", arg=draft_key, method="GET"), (405,)),
    # -- workbench: suggestions -----------------------------------------------------------
    Case(
        "wb-accept-bad-entity-type",
        wb(
            "accept",
            lambda w: {**suggestion(w.target, "Jan Leike"), "entity_type": "event"},
            arg=target_id,
        ),
        (400,),
    ),
    Case(
        "wb-accept-entity-not-an-id",
        wb(
            "accept",
            lambda w: {**suggestion(w.target, "Jan Leike"), "entity": "jan-leike"},
            arg=target_id,
        ),
        (400,),
    ),
    Case(
        "wb-accept-unknown-entity",
        wb(
            "accept",
            lambda w: {**suggestion(w.target, "Jan Leike"), "entity": 987654321},
            arg=target_id,
        ),
        (404, 409),
    ),
    Case(
        "wb-accept-out-of-range-entity",
        wb(
            "accept",
            lambda w: {**suggestion(w.target, "Jan Leike"), "entity": 2**70},
            arg=target_id,
        ),
        (404, 409),
    ),
    Case(
        "wb-accept-unsuggested-span",
        wb(
            "accept",
            lambda w: {**suggestion(w.target, "Jan Leike"), "start": 1, "end": 5},
            arg=target_id,
        ),
        (409,),
    ),
    Case(
        "wb-accept-another-sources-suggestion",
        wb("accept", lambda w: suggestion(w.other, "Jan Leike"), arg=target_id),
        (409,),
    ),
    Case(
        "wb-accept-without-a-span",
        wb("accept", lambda w: {**suggestion(w.target, "Jan Leike"), "start": None}, arg=target_id),
        (400,),
    ),
    Case(
        "wb-accept-unknown-source",
        wb("accept", lambda w: suggestion(w.target, "Jan Leike"), arg=lambda w: 987654321),
        (404,),
    ),
    Case("wb-accept-malformed-json", wb("accept", raw=b"nope", arg=target_id), (400,)),
    Case(
        "wb-accept-missing-csrf",
        wb("accept", lambda w: suggestion(w.target, "Jan Leike"), arg=target_id),
        (403,),
        "publisher-csrf",
    ),
    Case("wb-accept-get", wb("accept", arg=target_id, method="GET"), (405,)),
    Case(
        "wb-dismiss-bad-entity-type",
        wb(
            "dismiss",
            lambda w: {**suggestion(w.target, "Jan Leike"), "entity_type": "quote"},
            arg=target_id,
        ),
        (400,),
    ),
    Case(
        "wb-dismiss-unknown-entity",
        wb(
            "dismiss",
            lambda w: {**suggestion(w.target, "Jan Leike"), "entity": 987654321},
            arg=target_id,
        ),
        (404, 409),
    ),
    Case(
        "wb-dismiss-another-sources-suggestion",
        wb("dismiss", lambda w: suggestion(w.other, "Jan Leike"), arg=target_id),
        (409,),
    ),
    Case(
        "wb-dismiss-missing-csrf",
        wb("dismiss", lambda w: suggestion(w.target, "Jan Leike"), arg=target_id),
        (403,),
        "publisher-csrf",
    ),
    # -- workbench: entities and preview ------------------------------------------------
    Case("wb-entity-bad-type", wb("entities", {"type": "source", "name": "X"}), (400,)),
    Case("wb-entity-empty-name", wb("entities", {"type": "person", "name": "   "}), (400,)),
    Case("wb-entity-name-too-long", wb("entities", {"type": "person", "name": "x" * 201}), (400,)),
    Case(
        "wb-entity-event-without-a-date",
        wb("entities", {"type": "event", "name": "Something"}),
        (400,),
    ),
    Case(
        "wb-entity-event-bad-date",
        wb("entities", {"type": "event", "name": "Something", "when": "2023-13-45"}),
        (400,),
    ),
    Case("wb-entity-name-not-text", wb("entities", {"type": "person", "name": ["A", "B"]}), (400,)),
    Case("wb-entity-malformed-json", wb("entities", raw=b"{'type': 'person'}"), (400,)),
    Case(
        "wb-entity-missing-csrf",
        wb("entities", {"type": "person", "name": "Forged"}),
        (403,),
        "publisher-csrf",
    ),
    Case("wb-entity-get", wb("entities", method="GET"), (405,)),
    Case("wb-preview-oversized-note", wb("preview", {"note": "x" * 20_001}), (400,)),
    Case("wb-preview-note-not-text", wb("preview", {"note": ["x"]}), (400,)),
    Case("wb-preview-get", wb("preview", method="GET"), (405,)),
    # -- Web Annotation Protocol: POST --------------------------------------------------
    Case(
        "w3c-post-wrong-content-type",
        w3c_post(
            lambda w: w3c_document(w.target, span(w.target, "resigned")), content_type="text/plain"
        ),
        (415,),
    ),
    Case(
        "w3c-post-form-encoded",
        w3c_post(
            None, raw=b"motivation=commenting", content_type="application/x-www-form-urlencoded"
        ),
        (415,),
    ),
    Case("w3c-post-malformed-json", w3c_post(None, raw=b'{"type": "Annotation"'), (400,)),
    Case("w3c-post-json-array", w3c_post(None, raw=b"[]"), (400,)),
    Case("w3c-post-not-an-annotation", w3c_post(lambda w: {"type": "Person", "name": "x"}), (400,)),
    Case("w3c-post-oversized", w3c_post(None, raw=b'{"x": "' + b"x" * MAX_BODY + b'"}'), (413,)),
    Case(
        "w3c-post-far-oversized", w3c_post(None, raw=b'{"x": "' + b"x" * HUGE + b'"}'), (400, 413)
    ),
    Case(
        "w3c-post-another-sources-target",
        w3c_post(lambda w: w3c_document(w.other, span(w.other, "Reports said"))),
        (400,),
    ),
    Case(
        "w3c-post-unknown-target-source",
        w3c_post(
            lambda w: (
                w3c_document(w.target, span(w.target, "resigned"))
                | {
                    "target": {
                        "source": f"{BASE}/sources/no-such-source/",
                        "selector": {"type": "TextQuoteSelector", "exact": "resigned"},
                    }
                }
            ),
            path=lambda w: reverse("annotation-container"),
        ),
        (400,),
    ),
    Case(
        "w3c-post-foreign-site-target",
        w3c_post(
            lambda w: (
                w3c_document(w.target, span(w.target, "resigned"))
                | {"target": "https://evil.example/page"}
            ),
            path=lambda w: reverse("annotation-container"),
        ),
        (400,),
    ),
    Case(
        "w3c-post-nul-in-note",
        w3c_post(
            lambda w: w3c_document(
                w.target,
                span(w.target, "resigned"),
                body={"type": "TextualBody", "value": "before\x00after"},
            )
        ),
        (400,),
    ),
    Case(
        "w3c-post-mismatched-selectors",
        w3c_post(
            lambda w: w3c_document(w.target, {**span(w.target, "resigned"), "exact": "RESIGNED"})
        ),
        (400,),
    ),
    Case(
        "w3c-post-offsets-past-the-end",
        w3c_post(
            lambda w: w3c_document(w.target, {"start": 9000, "end": 9008, "exact": "resigned"})
        ),
        (400,),
    ),
    Case(
        "w3c-post-negative-offsets",
        w3c_post(lambda w: w3c_document(w.target, {"start": -8, "end": 0, "exact": "resigned"})),
        (400,),
    ),
    Case(
        "w3c-post-huge-offsets",
        w3c_post(
            lambda w: w3c_document(
                w.target, {"start": 2**70, "end": 2**70 + 8, "exact": "resigned"}
            )
        ),
        (400,),
    ),
    Case(
        "w3c-post-text-not-in-the-source",
        w3c_post(
            lambda w: (
                w3c_document(w.target, span(w.target, "resigned"))
                | {
                    "target": {
                        "source": f"{BASE}/sources/forged-target/",
                        "selector": {"type": "TextQuoteSelector", "exact": "never written here"},
                    }
                }
            )
        ),
        (400,),
    ),
    Case(
        "w3c-post-unknown-entity",
        w3c_post(
            lambda w: w3c_document(
                w.target,
                span(w.target, "resigned"),
                motivation="identifying",
                body=[
                    {
                        "type": "SpecificResource",
                        "source": f"{BASE}/people/nobody-at-all/",
                        "purpose": "identifying",
                    }
                ],
            )
        ),
        (400,),
    ),
    Case(
        "w3c-post-unknown-container",
        w3c_post(
            lambda w: w3c_document(w.target, span(w.target, "resigned")),
            path=lambda w: "/annotations/sources/no-such-source/",
        ),
        (404,),
    ),
    Case(
        "w3c-post-missing-csrf",
        w3c_post(lambda w: w3c_document(w.target, span(w.target, "resigned"))),
        (403,),
        "publisher-csrf",
    ),
    Case(
        "w3c-post-to-an-item",
        w3c_post(
            lambda w: w3c_document(w.target, span(w.target, "resigned")),
            path=lambda w: item(w.draft),
        ),
        (405,),
    ),
    # -- Web Annotation Protocol: PUT and DELETE ----------------------------------------
    Case("w3c-put-without-if-match", w3c_write("PUT", draft_document, if_match=None), (428,)),
    Case(
        "w3c-put-stale-if-match",
        w3c_write("PUT", draft_document, if_match='"0123456789abcdef"'),
        (412,),
    ),
    Case(
        "w3c-put-with-another-annotations-id",
        w3c_write("PUT", lambda w: draft_document(w, id=f"{BASE}{item(w.foreign)}")),
        (400,),
    ),
    Case(
        "w3c-put-targeting-another-source",
        w3c_write("PUT", lambda w: w3c_document(w.other, span(w.other, "Reports said"))),
        (400,),
    ),
    Case(
        "w3c-put-mismatched-selectors",
        w3c_write(
            "PUT", lambda w: w3c_document(w.target, {**span(w.target, "the same week"), "start": 0})
        ),
        (400,),
    ),
    Case("w3c-put-unknown-annotation", w3c_write("PUT", draft_document, of=lambda w: None), (404,)),
    Case("w3c-put-malformed-json", w3c_write("PUT", None, raw=b"{"), (400,)),
    Case(
        "w3c-put-oversized",
        w3c_write("PUT", None, raw=b'{"x": "' + b"x" * MAX_BODY + b'"}'),
        (413,),
    ),
    Case(
        "w3c-put-published-by-an-editor",
        w3c_write(
            "PUT",
            lambda w: w3c_document(w.target, span(w.target, "on Tuesday")),
            of=lambda w: w.published,
        ),
        (403,),
        "editor",
    ),
    Case("w3c-put-missing-csrf", w3c_write("PUT", draft_document), (403,), "publisher-csrf"),
    Case("w3c-delete-without-if-match", w3c_write("DELETE", None, if_match=None), (428,)),
    Case("w3c-delete-stale-if-match", w3c_write("DELETE", None, if_match='"stale"'), (412,)),
    Case("w3c-delete-unknown-annotation", w3c_write("DELETE", None, of=lambda w: None), (404,)),
    Case(
        "w3c-delete-published-by-an-editor",
        w3c_write("DELETE", None, of=lambda w: w.published),
        (403,),
        "editor",
    ),
    Case("w3c-delete-missing-csrf", w3c_write("DELETE", None), (403,), "publisher-csrf"),
    Case("w3c-patch-an-item", w3c_write("PATCH", draft_document), (405,)),
    Case(
        "w3c-put-a-container",
        lambda w, c: Request("PUT", container(w), as_json(draft_document(w)), LD),
        (405,),
    ),
    Case(
        "w3c-delete-a-container",
        lambda w, c: Request("DELETE", reverse("annotation-container")),
        (405,),
    ),
    Case(
        "api-post-is-read-only",
        lambda w, c: Request("POST", reverse("api:source-list"), as_json({"slug": "x"})),
        (403, 405),
    ),
    Case(
        "api-delete-is-read-only",
        lambda w, c: Request(
            "DELETE", reverse("api:source-detail", kwargs={"slug": w.target.slug})
        ),
        (403, 405),
    ),
    # -- admin forms ----------------------------------------------------------------------
    Case(
        "admin-annotation-offsets-past-the-end",
        admin_form(add_annotation, lambda w: annotation_form(w, start=5000, end=5008)),
        (200,),
    ),
    Case(
        "admin-annotation-exact-mismatch",
        admin_form(add_annotation, lambda w: annotation_form(w, exact="RESIGNED")),
        (200,),
    ),
    Case(
        "admin-annotation-another-sources-passage",
        admin_form(add_annotation, lambda w: annotation_form(w, **span(w.other, "Reports said"))),
        (200,),
    ),
    Case(
        "admin-annotation-unknown-source",
        admin_form(add_annotation, lambda w: annotation_form(w, source=987654321)),
        (200,),
    ),
    Case(
        "admin-annotation-out-of-range-person",
        admin_form(add_annotation, lambda w: annotation_form(w, persons=[2**70])),
        (200,),
    ),
    Case(
        "admin-annotation-out-of-range-source",
        admin_form(add_annotation, lambda w: annotation_form(w, source=2**70)),
        (200,),
    ),
    Case(
        "admin-annotation-out-of-range-quote",
        admin_form(add_annotation, lambda w: annotation_form(w, quote=2**70)),
        (200,),
    ),
    Case(
        "wb-create-out-of-range-quote", wb("create", lambda w: new_passage(w, quote=2**70)), (400,)
    ),
    Case(
        "wb-create-out-of-range-event-as-text",
        wb("create", lambda w: new_passage(w, events=[str(2**70)])),
        (400,),
    ),
    Case(
        "admin-annotation-source-not-a-number",
        admin_form(add_annotation, lambda w: annotation_form(w, source="abc")),
        (200,),
    ),
    Case(
        "admin-annotation-person-not-a-number",
        admin_form(add_annotation, lambda w: annotation_form(w, persons=["abc"])),
        (200,),
    ),
    Case(
        "admin-annotation-unknown-person",
        admin_form(add_annotation, lambda w: annotation_form(w, persons=[987654321])),
        (200,),
    ),
    Case(
        "admin-annotation-correction-without-correcting",
        admin_form(add_annotation, lambda w: annotation_form(w, correction="Fixed")),
        (200,),
    ),
    Case(
        "admin-annotation-moved-to-another-source",
        admin_form(
            change_draft,
            lambda w: annotation_form(
                w, source=w.other.pk, **span(w.target, "the same week"), version=w.draft.version
            ),
        ),
        (200,),
    ),
    Case(
        "admin-annotation-stale-version",
        admin_form(
            change_draft,
            lambda w: annotation_form(
                w,
                **span(w.target, "the same week"),
                note="Changed",
                version=w.draft.version - 1 or 99,
            ),
        ),
        (200,),
    ),
    Case(
        "admin-annotation-missing-csrf",
        admin_form(add_annotation, annotation_form),
        (403,),
        "publisher-csrf",
    ),
    Case(
        "admin-source-javascript-url",
        admin_form(add_source, lambda w: source_form(w, url="javascript:alert(1)")),
        (200,),
    ),
    Case(
        "admin-source-bad-slug",
        admin_form(add_source, lambda w: source_form(w, slug="../../etc")),
        (200,),
    ),
    Case(
        "admin-source-taken-slug",
        admin_form(add_source, lambda w: source_form(w, slug=w.other.slug)),
        (200,),
    ),
    Case(
        "admin-source-empty-body",
        admin_form(add_source, lambda w: source_form(w, body=" \n\n ")),
        (200,),
    ),
    Case(
        "admin-source-bad-kind",
        admin_form(add_source, lambda w: source_form(w, kind="rumour")),
        (200,),
    ),
    Case(
        "admin-source-title-too-long",
        admin_form(add_source, lambda w: source_form(w, title="x" * 301)),
        (200,),
    ),
    Case(
        "admin-source-missing-csrf", admin_form(add_source, source_form), (403,), "publisher-csrf"
    ),
    Case(
        "admin-source-stale-version",
        admin_form(
            change_target,
            lambda w: source_form(
                w, slug=w.target.slug, body=TARGET_BODY + "\n\nMore.", version=w.target.version + 5
            ),
        ),
        (200,),
    ),
    # -- Add source from file -------------------------------------------------------------
    Case(
        "ingest-too-large", ingest("big.txt", b"word " * (MAX_BYTES // 5 + 10), title="Big"), (200,)
    ),
    Case("ingest-unsupported-type", ingest("tool.exe", b"MZ\x90\x00binary", title="Tool"), (200,)),
    Case(
        "ingest-binary-as-text", ingest("data.txt", b"\x00\x01\x02\x03" * 100, title="Data"), (200,)
    ),
    Case(
        "ingest-not-utf8",
        ingest("latin.txt", "Caf\u00e9 cr\u00e8me".encode("latin-1"), title="Latin"),
        (200,),
    ),
    Case("ingest-empty", ingest("empty.txt", b"   \n\n  ", title="Empty"), (200,)),
    Case("ingest-bad-yaml", ingest("bad.md", front_matter("title: [unclosed")), (200,)),
    Case(
        "ingest-yaml-python-tag",
        ingest("tag.md", front_matter('title: !!python/object/apply:os.system ["true"]')),
        (200,),
    ),
    Case("ingest-yaml-not-a-mapping", ingest("list.md", front_matter("- one\n- two")), (200,)),
    Case(
        "ingest-yaml-unknown-key",
        ingest("key.md", front_matter("title: T\nstatus: published")),
        (200,),
    ),
    Case("ingest-yaml-title-not-text", ingest("obj.md", front_matter("title: {a: 1}")), (200,)),
    Case(
        "ingest-yaml-bad-basis",
        ingest("basis.md", front_matter("title: T\ntitle_basis: invented")),
        (200,),
    ),
    Case(
        "ingest-duplicate-slug",
        ingest("dup.txt", b"Fresh words here.", title="X", slug="forged-other"),
        (200,),
    ),
    Case(
        "ingest-duplicate-text", ingest("same.txt", OTHER_BODY.encode(), title="Same text"), (200,)
    ),
    Case(
        "ingest-bad-date",
        ingest("date.txt", b"Fresh words.", title="Dated", date="2023-02-30"),
        (200,),
    ),
    Case(
        "ingest-javascript-url",
        ingest("url.txt", b"Fresh words.", title="Linked", url="javascript:alert(1)"),
        (200,),
    ),
    Case(
        "ingest-no-file",
        lambda w, c: Request(
            "POST",
            reverse("admin:sources_source_ingest"),
            content_type="",
            form={"title": "No file"},
        ),
        (200,),
    ),
    Case(
        "ingest-missing-csrf",
        ingest("ok.txt", b"Fresh words.", title="Fine"),
        (403,),
        "publisher-csrf",
    ),
]


def send(client: Client, request: Request):
    if request.form is not None:
        return client.post(request.path, request.form)
    return client.generic(
        request.method,
        request.path,
        request.body or b"",
        content_type=request.content_type,
        headers=request.headers,
    )


def assert_readable(response):
    """A reason a script (JSON with an error) or a person (a page, a form's errors) can read."""
    content_type = response.get("Content-Type", "")
    if response.status_code == 405:
        assert response["Allow"]  # what to use instead
        return
    assert response.content.strip(), "an empty answer"
    if "json" in content_type:
        document = json.loads(response.content)
        assert isinstance(document, dict) and (document.get("error") or document.get("detail"))
    elif response.status_code == 200:
        page = response.content.decode()
        assert 'class="errorlist' in page or 'class="errornote' in page, "no error shown"


def test_every_case_has_a_distinct_name():
    names = [case.id for case in CASES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_forged_request_is_refused_and_changes_nothing(world, case):
    client = world.clients[case.who]
    request = case.build(world, client)
    before = database_state()
    response = send(client, request)
    assert response.status_code in case.expected, response.content[:400]
    assert_readable(response)
    assert database_state() == before


def test_fields_the_workbench_does_not_take_are_ignored(world):
    """A save may carry forged extra fields (another source, an author, an origin, a
    primary key): the passage is saved as the form says, the forged fields change nothing."""
    client = world.clients["publisher"]
    editor = world.clients["editor"]
    forged = {
        **edit_of(world.draft),
        "source": world.other.pk,
        "source_id": world.other.pk,
        "author": 1,
        "key": MISSING,
        "origin": "forged",
        "anchor_status": "orphaned",
        "id": world.foreign.pk,
        "pk": world.foreign.pk,
    }
    foreign_before = snapshot()["archive.Annotation"]
    response = client.post(
        wb_url("update", world.draft.key), json.dumps(forged), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    saved = Annotation.objects.get(pk=world.draft.pk)
    assert (saved.source_id, saved.key, saved.origin) == (
        world.target.pk,
        world.draft.key,
        world.draft.origin,
    )
    assert saved.author_id == world.draft.author_id
    assert saved.anchor_status == "anchored"
    after = {row[0]: row for row in snapshot()["archive.Annotation"]}
    assert after[world.foreign.pk] == next(r for r in foreign_before if r[0] == world.foreign.pk)
    # and an editor's forged "status" on a create is a draft all the same
    response = editor.post(
        wb_url("create", world.target.pk),
        json.dumps(new_passage(world, status="published")),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Annotation.objects.get(key=response.json()["key"]).status == Status.DRAFT


def test_no_write_endpoint_is_left_out():
    """Every workbench URL that accepts a POST is exercised by the cases above."""
    from django.contrib import admin

    from archive.workbench import urls

    prefix = "archive_annotation_workbench_"
    reads = {"state", "search"}
    names = {p.name.removeprefix(prefix) for p in urls(admin.site) if p.name.startswith(prefix)}
    covered = {case.id.split("-")[1] for case in CASES if case.id.startswith("wb-")}
    aliases = {"entity": "entities"}
    assert names - reads == {aliases.get(name, name) for name in covered}


# Reading endpoints take forged parameters too: never a 500 --------------------------------

FILTERS = [
    "/sources/?person=",
    "/sources/?event=",
    "/sources/?published_after=",
    "/sources/?page=",
    "/quotes/?speaker=",
    "/quotes/?source=",
    "/quotes/?said_after=",
    "/events/?person=",
    "/events/?organization=",
    "/people/?organization=",
    "/search/?q=",
    "/api/sources/?person=",
    "/api/sources/?page=",
    "/api/quotes/?speaker=",
    "/api/events/?person=",
    "/api/people/?organization=",
    "/annotations/?page=",
]


@pytest.mark.parametrize(
    "value", [str(2**70), "-1", "abc", "1e9", "0x10", "1;DROP TABLE x", "\x00", "%00", "\u202e"]
)
def test_forged_filter_values_are_refused_or_ignored_never_a_500(seed, value):
    client = Client(raise_request_exception=False)
    before = database_state()
    for url in FILTERS:
        path, name = url.rstrip("=").split("?")
        response = client.get(path, {name: value})
        assert response.status_code in (200, 400, 404), (url, value, response.status_code)
    assert database_state() == before
