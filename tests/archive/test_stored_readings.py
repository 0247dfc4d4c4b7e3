"""Readings stored once per version (archive/stored_readings.py): served in one query, and
forgotten whenever anything they show changes, never otherwise.

The page cache is off here, so every request reaches the view. "Committed" runs what the
commit of the editor's transaction would (the tests run inside one that is rolled back).
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive import stored_readings
from archive.models import Annotation, Event, Motivation, Organization, Person, Quote
from archive.models import StoredReading as Stored
from sources.models import Source
from sources.publishing import Status

COMPILATION = "altman-visitor-badge-compilation"
BLOG = "sutskever-leike-exodus-blog"
OP_ED = "jacobs-mission-and-execution-op-ed"


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    settings.ARCHIVE_PAGE_CACHE = False
    settings.ARCHIVE_STORED_READINGS = True


def committed() -> None:
    """What the commit of the editor's transaction does: forget what it changed."""
    for _savepoints, callback, _robust in list(connection.run_on_commit):
        if isinstance(callback, stored_readings._Forget) and not callback.done:
            callback()


def html(client, slug: str) -> str:
    response = client.get(f"/sources/{slug}/")
    assert response.status_code == 200
    return response.content.decode()


def is_stored(slug: str) -> bool:
    row = Stored.objects.filter(source__slug=slug).first()
    return row is not None and row.made_under == row.stamp


def rendered_afresh(client, slug: str, settings) -> str:
    settings.ARCHIVE_STORED_READINGS = False
    try:
        return html(client, slug)
    finally:
        settings.ARCHIVE_STORED_READINGS = True


def described(slug: str) -> Annotation:
    """A published passage of the source that readers see a note for."""
    return (
        Annotation.objects.published()
        .filter(source__slug=slug)
        .exclude(motivation=Motivation.IDENTIFYING)
        .order_by("start")
        .first()
    )


# Served from the store --------------------------------------------------------------------


def test_the_second_view_is_one_query_and_the_same_page(client, seed, settings):
    first = html(client, COMPILATION)
    assert is_stored(COMPILATION)
    with CaptureQueriesContext(connection) as queries:
        second = html(client, COMPILATION)
    assert len(queries) == 1, [q["sql"][:80] for q in queries]  # the source, with its reading
    assert second == first == rendered_afresh(client, COMPILATION, settings)


def test_a_reading_is_made_for_one_site_address(client, seed, settings):
    settings.ALLOWED_HOSTS = ["testserver", "archive.example.org"]
    html(client, COMPILATION)
    other = client.get(f"/sources/{COMPILATION}/", HTTP_HOST="archive.example.org")
    assert "http://archive.example.org/sources/" in other.content.decode()
    assert Stored.objects.get(source__slug=COMPILATION).base_url == "http://archive.example.org/"


def test_a_new_renderer_renders_again(client, seed, monkeypatch):
    html(client, COMPILATION)
    monkeypatch.setattr(stored_readings, "_renderer_digest", "a-new-deployment")
    with CaptureQueriesContext(connection) as queries:
        html(client, COMPILATION)
    assert len(queries) > 5
    assert Stored.objects.get(source__slug=COMPILATION).renderer == "a-new-deployment"


def test_the_switch_renders_every_view(client, seed, settings):
    settings.ARCHIVE_STORED_READINGS = False
    html(client, COMPILATION)
    assert not Stored.objects.exists()


# Forgotten when what it shows changes ---------------------------------------------------


def change_note(slug):
    annotation = described(slug)
    annotation.note = "A note written after the reading was stored."
    annotation.save()


def unpublish_a_passage(slug):
    annotation = described(slug)
    annotation.status = Status.DRAFT
    annotation.save()


def rename_a_person(slug):
    person = Annotation.objects.published().filter(source__slug=slug, persons__isnull=False)
    person = person.first().persons.first()
    person.name = "A Renamed Person"
    person.save()


def retitle_an_event(slug):
    event = Annotation.objects.published().filter(source__slug=slug, events__isnull=False)
    event = event.first().events.first()
    event.title = "A retitled event"
    event.save()


def edit_a_quote(slug):
    quote = Quote.objects.filter(renderings__source__slug=slug, status=Status.PUBLISHED).first()
    quote.text = "A corrected quote text"
    quote.save()


def unlink_people_and_organisations(slug):
    for annotation in Annotation.objects.published().filter(source__slug=slug):
        annotation.persons.clear()
        annotation.organizations.clear()


def link_from_the_other_side(slug):
    person = Person.objects.create(
        slug="new-person", name="A Newly Linked Person", status=Status.PUBLISHED
    )
    person.annotations.add(described(slug))


def delete_a_passage(slug):
    described(slug).delete()


def edit_the_text(slug):
    source = Source.objects.get(slug=slug)
    source.body = "Added first. " + source.body
    source.save()


CHANGES = {
    "note": (change_note, "A note written after the reading was stored."),
    "unpublished passage": (unpublish_a_passage, None),
    "renamed person": (rename_a_person, "A Renamed Person"),
    "retitled event": (retitle_an_event, "A retitled event"),
    "edited quote": (edit_a_quote, "A corrected quote text"),
    "links cleared": (unlink_people_and_organisations, None),
    "linked from the entity": (link_from_the_other_side, "A Newly Linked Person"),
    "deleted passage": (delete_a_passage, None),
    "edited text": (edit_the_text, "Added first. "),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_a_change_is_shown_at_once(client, seed, settings, change):
    make, expected = CHANGES[change]
    before = html(client, BLOG)  # a short article: the suite renders it four times a change
    make(BLOG)
    inside = html(client, BLOG)  # in the editor's transaction: rendered, not stored
    committed()
    after = html(client, BLOG)
    fresh = rendered_afresh(client, BLOG, settings)
    assert after == inside == fresh != before
    if expected:
        assert expected in after and expected not in before
    assert is_stored(BLOG)


def test_a_deleted_organisation_leaves_the_reading(client, seed):
    doomed = Organization.objects.create(
        slug="doomed", name="A Doomed Organisation", status=Status.PUBLISHED
    )
    doomed.annotations.add(described(BLOG))
    committed()
    assert "A Doomed Organisation" in html(client, BLOG)
    doomed.delete()
    committed()
    assert "A Doomed Organisation" not in html(client, BLOG)
    assert is_stored(BLOG)


def test_passages_of_other_sources_on_the_same_event_follow_their_source(client, seed):
    event = Event.objects.create(
        slug="shared",
        title="A shared event",
        occurred_at=Event.objects.first().occurred_at,
        status=Status.PUBLISHED,
    )
    described(BLOG).events.add(event)
    described(OP_ED).events.add(event)
    committed()
    assert "Other sources on this" in html(client, BLOG)
    op_ed = Source.objects.get(slug=OP_ED)
    op_ed.title = "A retitled op-ed"
    op_ed.save()
    committed()
    assert "A retitled op-ed" in html(client, BLOG)

    passage = described(OP_ED)
    link = f"/sources/{OP_ED}/#a-{passage.key}"
    assert link in html(client, BLOG)
    passage.status = Status.DRAFT  # no longer told publicly by the op-ed
    passage.save()
    committed()
    assert link not in html(client, BLOG)


def test_only_the_readings_that_show_a_change_are_forgotten(client, seed):
    lone = Source.objects.create(
        slug="lone", title="A lone report", body="Nothing else tells this.", status="published"
    )
    committed()
    for slug in (COMPILATION, BLOG, "lone"):
        html(client, slug)
    lone.title = "A lone report, retitled"
    lone.save()
    committed()
    assert is_stored(COMPILATION) and is_stored(BLOG)
    assert not is_stored("lone")


def test_a_change_rolled_back_forgets_nothing(client, seed):
    from django.db import transaction

    html(client, COMPILATION)
    with pytest.raises(RuntimeError), transaction.atomic():
        change_note(COMPILATION)
        raise RuntimeError("the editor's save fails")
    committed()
    assert is_stored(COMPILATION)


def test_a_fixture_load_forgets_every_reading(client, seed):
    html(client, COMPILATION)
    html(client, BLOG)
    call_command("loaddata", "openai-2023", verbosity=0)
    committed()
    assert not Stored.objects.filter(made_under__gt="").exists()


def test_a_change_committed_while_a_reader_renders_is_not_hidden(client, seed):
    """The reader read the old content; the change commits before it stores its HTML."""
    source = Source.objects.published().select_related("stored_reading").get(slug=BLOG)

    def render_then_change_commits():
        rendered = "<p>the reading as it was</p>"
        change_note(BLOG)
        committed()
        return rendered

    stale = stored_readings.reading_html(source, "http://testserver/", render_then_change_commits)
    assert stale == "<p>the reading as it was</p>"  # this reader got what it rendered
    assert not is_stored(BLOG)  # but nobody else will
    assert "A note written after the reading was stored." in html(client, BLOG)


def test_drafts_stay_invisible(client, seed):
    html(client, BLOG)
    source = Source.objects.get(slug=BLOG)
    source.status = Status.DRAFT
    source.save()
    committed()
    assert client.get(f"/sources/{BLOG}/").status_code == 404
