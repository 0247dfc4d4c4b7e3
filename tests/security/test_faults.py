"""A failure in the middle of a write across many rows leaves the database exactly as before.

Each test breaks one step in the middle of a multi-object save (a Python error, or a database
error such as a lock timeout) and compares every row of the two apps, the size of every
history table, the admin's log and the search index with what they were before: re-anchoring
after a text edit (in the model and through the admin form), an import of annotations, a
source ingested from a file (function, admin upload and command), the Web Annotation
Protocol's and the workbench's saves, and the publish action on several rows.
"""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, OperationalError
from django.db.models.signals import m2m_changed, post_save
from django.urls import reverse

from archive.importing import import_annotations
from archive.models import Annotation, DismissedMention, Person
from archive.webannotation.incoming import read_annotations
from archive.webannotation.vocabulary import CONTEXT
from sources.ingesting import IngestError, ingest_source
from sources.models import Source
from sources.publishing import Status
from tests.archive.test_import_annotations import w3c
from tests.security.conftest import database_state, form_of

#: A bug in our code, and what the database says when it gives up mid-way.
FAULTS = {
    "python-error": lambda: RuntimeError("injected: the disk is full"),
    "database-locked": lambda: OperationalError("injected: database is locked"),
    "constraint": lambda: IntegrityError("injected: a constraint failed"),
}
BLOG = "sutskever-leike-exodus-blog"
OP_ED = "jacobs-mission-and-execution-op-ed"


class Injected:
    """Raise `fault` on the `nth` call (counting from 1), otherwise do what `original` does."""

    def __init__(self, fault, nth: int, original=None):
        self.fault, self.nth, self.original, self.calls = fault, nth, original, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.nth:
            raise self.fault
        return self.original(*args, **kwargs) if self.original else None

    def method(self):
        """As a method (monkeypatch.setattr on a class): `self` is passed on."""
        injected = self

        def replacement(instance, *args, **kwargs):
            return injected(instance, *args, **kwargs)

        return replacement


@pytest.fixture(params=list(FAULTS))
def fault(request):
    return FAULTS[request.param]()


@pytest.fixture
def blog(seed):
    return Source.objects.get(slug=BLOG)


def edited(body: str) -> str:
    """An edit that moves every passage: a paragraph inserted at the top."""
    return "An editor's note, inserted above the article.\n\n" + body


def dismissal_of(source: Source):
    """A dismissed suggestion, so that re-anchoring has dismissals to move after passages."""
    words = "Jan Leike"
    start = source.body.index(words)
    return DismissedMention.objects.create(
        source=source,
        start=start,
        end=start + len(words),
        exact=words,
        person=Person.objects.get(slug="jan-leike"),
    )


# (a) Re-anchoring after an edit of a source's text ---------------------------------------


def test_the_nth_passage_failing_to_re_anchor_leaves_text_and_passages(blog, fault, monkeypatch):
    from sources.reanchoring import Reanchorer

    assert blog.annotations.count() > 5
    injected = Injected(fault, 4, Reanchorer.reanchor)
    monkeypatch.setattr(Reanchorer, "reanchor", injected.method())
    before = database_state(search_rows=True)
    blog.body = edited(blog.body)
    with pytest.raises(type(fault)):
        blog.save()
    assert injected.calls == 4
    assert database_state(search_rows=True) == before


def test_a_failure_after_the_passages_are_written_undoes_them(blog, fault, monkeypatch):
    """Passages are bulk-updated (with history) before dismissals move: fail in between."""
    dismissal_of(blog)
    monkeypatch.setattr("archive.reanchor._reanchor_dismissals", Injected(fault, 1))
    before = database_state(search_rows=True)
    blog.body = edited(blog.body)
    with pytest.raises(type(fault)):
        blog.save()
    assert database_state(search_rows=True) == before


def test_a_failure_updating_the_search_index_undoes_the_edit(blog, fault, monkeypatch):
    monkeypatch.setattr("archive.search._refresh_source", Injected(fault, 1))
    before = database_state(search_rows=True)
    blog.body = edited(blog.body)
    with pytest.raises(type(fault)):
        blog.save()
    assert database_state(search_rows=True) == before


def test_the_admin_form_shows_an_error_and_saves_nothing(blog, fault, monkeypatch, login):
    from sources.reanchoring import Reanchorer

    client = login("publisher", raise_errors=False)
    url = reverse("admin:sources_source_change", args=[blog.pk])
    data = form_of(client, url)
    data["body"] = [edited(blog.body)]
    monkeypatch.setattr(Reanchorer, "reanchor", Injected(fault, 3, Reanchorer.reanchor).method())
    before = database_state(search_rows=True)
    response = client.post(url, data)
    assert response.status_code == 500  # an error page, not "saved" (302)
    assert database_state(search_rows=True) == before


# (b) Import of annotations -----------------------------------------------------------------


@pytest.fixture
def exported(seed):
    """Annotations of the op-ed as another tool would export them, each linking people."""
    source = Source.objects.get(slug=OP_ED)
    linked = list(
        source.annotations.published()
        .filter(persons__isnull=False)
        .distinct()
        .order_by("start")
        .prefetch_related("persons", "organizations", "events")[:8]
    )
    assert len(linked) >= 5
    return source, [w3c(annotation) for annotation in linked]


@pytest.fixture
def connect():
    """connect(signal, receiver, sender): a receiver for this test only."""
    connected = []

    def connect_receiver(signal, receiver, sender):
        uid = f"security-fault-{len(connected)}"
        signal.connect(receiver, sender=sender, dispatch_uid=uid, weak=False)
        connected.append((signal, sender, uid))

    yield connect_receiver
    for signal, sender, uid in connected:
        signal.disconnect(sender=sender, dispatch_uid=uid)


def fail_on_nth_link(connect, fault, nth: int, through=Annotation.persons.through) -> Injected:
    """Raise `fault` as the `nth` set of links of that kind is about to be written."""
    injected = Injected(fault, nth)

    def receiver(sender, action, **kwargs):
        if action == "pre_add":
            injected()

    connect(m2m_changed, receiver, through)
    return injected


def test_an_import_failing_while_linking_the_nth_passage_imports_nothing(exported, fault, connect):
    source, documents = exported
    injected = fail_on_nth_link(connect, fault, 3)
    before = database_state(search_rows=True)
    with pytest.raises(type(fault)):
        import_annotations(source=source, items=read_annotations(documents))
    assert injected.calls == 3
    assert database_state(search_rows=True) == before


def test_the_import_command_failing_at_the_last_step_imports_nothing(
    exported, fault, monkeypatch, tmp_path
):
    """The last write of an import (creation times, one bulk update) fails: all undone."""
    source, documents = exported
    path = tmp_path / "annotations.json"
    path.write_text(json.dumps(documents))
    monkeypatch.setattr(
        "archive.importing._Importer.keep_creation_times", Injected(fault, 1).method()
    )
    before = database_state(search_rows=True)
    with pytest.raises(type(fault)):
        call_command("import_annotations", str(path), source=source.slug, stdout=io.StringIO())
    assert database_state(search_rows=True) == before


# (c) Ingest: a new source from a file -----------------------------------------------------

TEXT = b"---\ntitle: A fresh article\n---\nFresh words about Sam Altman.\n"


def fail_after_the_source_is_inserted(connect, fault) -> Injected:
    """A receiver of post_save on Source: after the INSERT, beside history and search."""
    injected = Injected(fault, 1)

    def receiver(sender, instance, created, **kwargs):
        if created:
            injected()

    connect(post_save, receiver, Source)
    return injected


def refused(fault) -> tuple:
    """What ingest raises: the fault, or (for an IntegrityError, which it takes for a slug
    taken by someone else meanwhile) an IngestError saying so."""
    return (type(fault), IngestError) if isinstance(fault, IntegrityError) else (type(fault),)


def test_ingest_failing_after_the_insert_adds_no_source(seed, fault, connect):
    injected = fail_after_the_source_is_inserted(connect, fault)
    before = database_state(search_rows=True)
    with pytest.raises(refused(fault)):
        ingest_source(data=TEXT, filename="fresh.md")
    assert injected.calls == 1
    assert database_state(search_rows=True) == before


def test_ingest_failing_to_write_the_history_adds_no_source(seed, fault, monkeypatch):
    from simple_history.models import HistoricalRecords

    original = HistoricalRecords.create_historical_record
    monkeypatch.setattr(
        HistoricalRecords, "create_historical_record", Injected(fault, 1, original).method()
    )
    before = database_state(search_rows=True)
    with pytest.raises(refused(fault)):
        ingest_source(data=TEXT, filename="fresh.md")
    assert database_state(search_rows=True) == before


def test_the_upload_form_failing_after_the_insert_adds_no_source(seed, fault, connect, login):
    client = login("publisher", raise_errors=False)
    fail_after_the_source_is_inserted(connect, fault)
    before = database_state(search_rows=True)
    response = client.post(
        reverse("admin:sources_source_ingest"),
        {"file": SimpleUploadedFile("fresh.md", TEXT)},
    )
    # an error page, or for a constraint the form again with the reason: never "added"
    assert response.status_code == (200 if isinstance(fault, IntegrityError) else 500)
    assert database_state(search_rows=True) == before


def test_the_ingest_command_failing_after_the_insert_adds_no_source(seed, fault, connect, tmp_path):
    path = tmp_path / "fresh.md"
    path.write_bytes(TEXT)
    fail_after_the_source_is_inserted(connect, fault)
    before = database_state(search_rows=True)
    with pytest.raises((*refused(fault), CommandError)):
        call_command("ingest", str(path), stdout=io.StringIO())
    assert database_state(search_rows=True) == before


def test_a_refused_ingest_adds_nothing_either(seed):
    before = database_state(search_rows=True)
    with pytest.raises(IngestError):
        ingest_source(data=b"---\ntitle: [\n---\nText.", filename="broken.md")
    assert database_state(search_rows=True) == before


# (d) Saves of one annotation with its links: the protocol and the workbench ----------------


@pytest.fixture
def draft(blog):
    """A draft passage of the blog linked to a person, an organisation and an event."""
    words = "Jan Leike"
    start = blog.body.index(words)
    annotation = Annotation.objects.create(
        source=blog, start=start, end=start + len(words), exact=words, note="As it was."
    )
    annotation.persons.set([Person.objects.get(slug="jan-leike")])
    return Annotation.objects.get(pk=annotation.pk)


def replacement(blog, draft) -> dict:
    """The draft as a W3C document with a new note and new links (people and events)."""
    event = draft.source.annotations.filter(events__isnull=False).first().events.first()
    return {
        "@context": CONTEXT,
        "type": "Annotation",
        "motivation": "identifying",
        "body": [
            {"type": "TextualBody", "value": "Changed.", "format": "text/markdown"},
            {"type": "SpecificResource", "source": "http://testserver/people/ilya-sutskever/"},
            {"type": "SpecificResource", "source": f"http://testserver/events/{event.slug}/"},
        ],
        "target": {
            "source": f"http://testserver/sources/{blog.slug}/",
            "selector": [
                {"type": "TextQuoteSelector", "exact": draft.exact},
                {"type": "TextPositionSelector", "start": draft.start, "end": draft.end},
            ],
        },
    }


def test_a_protocol_put_failing_while_linking_events_changes_nothing(
    blog, draft, fault, connect, login
):
    client = login("publisher", raise_errors=False)
    url = reverse("annotation-item", kwargs={"key": draft.key})
    etag = client.get(url)["ETag"]
    injected = fail_on_nth_link(connect, fault, 1, Annotation.events.through)
    before = database_state(search_rows=True)
    response = client.put(
        url,
        json.dumps(replacement(blog, draft)),
        content_type="application/ld+json",
        headers={"If-Match": etag},
    )
    assert injected.calls == 1  # the persons were already set when it failed
    assert response.status_code == 500
    assert database_state(search_rows=True) == before
    assert Annotation.objects.get(pk=draft.pk).note == "As it was."


def test_a_protocol_post_failing_while_linking_creates_nothing(blog, draft, fault, connect, login):
    client = login("publisher", raise_errors=False)
    document = replacement(blog, draft)
    fail_on_nth_link(connect, fault, 1, Annotation.events.through)
    before = database_state(search_rows=True)
    response = client.post(
        reverse("annotation-source-container", kwargs={"slug": blog.slug}),
        json.dumps(document),
        content_type="application/ld+json",
    )
    assert response.status_code == 500
    assert database_state(search_rows=True) == before


def test_a_workbench_save_failing_while_linking_changes_nothing(blog, draft, fault, connect, login):
    client = login("publisher", raise_errors=False)
    event = blog.annotations.filter(events__isnull=False).first().events.first()
    fail_on_nth_link(connect, fault, 1, Annotation.events.through)
    before = database_state(search_rows=True)
    response = client.post(
        reverse("admin:archive_annotation_workbench_update", args=[draft.key]),
        json.dumps(
            {
                "start": draft.start,
                "end": draft.end,
                "exact": draft.exact,
                "motivation": "identifying",
                "note": "Changed.",
                "persons": [Person.objects.get(slug="ilya-sutskever").pk],
                "events": [event.pk],
                "new_quote": {"text": "A new quote", "speaker_description": "a source"},
                "version": draft.version,
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 500
    assert database_state(search_rows=True) == before


def test_accepting_every_suggestion_failing_on_the_nth_creates_none(seed, fault, monkeypatch):
    from archive.suggestions import accept_suggestions, suggestions_for

    source = Source.objects.create(
        slug="fault-suggestions",
        title="Suggestions",
        body="Jan Leike spoke. Jan Leike left. Jan Leike wrote. Jan Leike posted.",
    )
    leike = Person.objects.get(slug="jan-leike")
    assert len([s for s in suggestions_for(source) if s.entity_id == leike.pk]) == 4
    monkeypatch.setattr(Annotation, "save", Injected(fault, 3, Annotation.save).method())
    before = database_state(search_rows=True)
    with pytest.raises(type(fault)):
        accept_suggestions(
            source, user=None, entity_type="person", entity_id=leike.pk, everything=True
        )
    assert database_state(search_rows=True) == before


# (e) The publish action: many rows, one by one ------------------------------------------


@pytest.mark.parametrize("action", ["publish", "unpublish"])
def test_the_publish_action_failing_on_the_nth_row_changes_none(
    seed, fault, monkeypatch, login, action
):
    client = login("publisher", raise_errors=False)
    status = Status.DRAFT if action == "publish" else Status.PUBLISHED
    people = [
        Person.objects.create(slug=f"fault-person-{n}", name=f"Fault Person {n}", status=status)
        for n in range(5)
    ]
    monkeypatch.setattr(Person, "save", Injected(fault, 3, Person.save).method())
    before = database_state(search_rows=True)
    response = client.post(
        reverse("admin:archive_person_changelist"),
        {"action": action, "_selected_action": [p.pk for p in people]},
    )
    assert response.status_code == 500
    assert database_state(search_rows=True) == before
    assert {p.status for p in Person.objects.filter(slug__startswith="fault-person-")} == {status}
