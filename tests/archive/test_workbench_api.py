"""The annotate view's JSON API: permissions, validation, anchoring, conflicts, suggestions."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from archive.models import AnchorStatus, Annotation, DismissedMention, Person, Quote
from sources.models import Source
from sources.publishing import Status

WB = "admin:archive_annotation_workbench"
ZERO_KEY = "00000000-0000-0000-0000-000000000001"


@pytest.fixture
def editor_client(client, make_user):
    client.force_login(make_user("eddie", "Editors"))
    return client


@pytest.fixture
def publisher_client(client, make_user):
    client.force_login(make_user("pat", "Publishers"))
    return client


@pytest.fixture
def blog(seed):
    return Source.objects.get(slug="sutskever-leike-exodus-blog")


def post(client, url, data, content_type="application/json"):
    body = json.dumps(data) if content_type == "application/json" else data
    return client.post(url, body, content_type=content_type)


def selection(source, words, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = source.body.index(words, start + 1)
    return {"start": start, "end": start + len(words), "exact": words}


def endpoints(source_id):
    yield "get", reverse(WB, args=[source_id])
    yield "get", reverse(f"{WB}_state", args=[source_id])
    yield "get", reverse(f"{WB}_search") + "?type=person&q=sam"
    yield "post", reverse(f"{WB}_create", args=[source_id])
    yield "post", reverse(f"{WB}_update", args=[ZERO_KEY])
    yield "post", reverse(f"{WB}_delete", args=[ZERO_KEY])
    yield "post", reverse(f"{WB}_accept", args=[source_id])
    yield "post", reverse(f"{WB}_dismiss", args=[source_id])
    yield "post", reverse(f"{WB}_entities")
    yield "post", reverse(f"{WB}_preview")


def test_anonymous_and_non_staff_users_are_refused_everywhere(client, blog, make_user):
    before = Annotation.objects.count()
    for user in (None, make_user("reader", staff=False)):
        if user:
            client.force_login(user)
        for method, url in endpoints(blog.pk):
            if method == "get":
                response = client.get(url)
            else:
                response = client.post(url, "{}", content_type="application/json")
            assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    assert Annotation.objects.count() == before


def test_staff_without_permissions_get_403_json(client, blog, make_user):
    client.force_login(make_user("intern"))
    response = post(client, reverse(f"{WB}_create", args=[blog.pk]), {})
    assert response.status_code == 403
    assert "permission" in response.json()["error"]


def test_an_editor_links_a_selected_passage_to_a_person(editor_client, blog):
    jan = Person.objects.get(slug="jan-leike")
    data = {**selection(blog, "the head honcho"), "motivation": "identifying", "persons": [jan.pk]}
    response = post(editor_client, reverse(f"{WB}_create", args=[blog.pk]), data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["persons"] == [{"id": jan.pk, "label": "Jan Leike", "status": "published"}]
    assert body["status"] == Status.DRAFT  # editors create drafts
    annotation = Annotation.objects.get(key=body["key"])
    assert annotation.author.username == "eddie"
    assert blog.body[annotation.start : annotation.end] == "the head honcho"
    assert annotation.history.count() >= 1


def test_an_editor_cannot_publish_through_the_api(editor_client, blog):
    data = {
        **selection(blog, "Talk about an exodus!"),
        "motivation": "commenting",
        "status": "published",
    }
    response = post(editor_client, reverse(f"{WB}_create", args=[blog.pk]), data)
    assert response.json()["status"] == Status.DRAFT


def test_a_publisher_can_publish_through_the_api(publisher_client, blog):
    data = {
        **selection(blog, "Talk about an exodus!"),
        "motivation": "commenting",
        "status": "published",
        "note": "An *exodus*.",
    }
    response = post(publisher_client, reverse(f"{WB}_create", args=[blog.pk]), data)
    assert response.json()["status"] == Status.PUBLISHED
    assert response.json()["note_html"] == "<p>An <em>exodus</em>.</p>"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"exact": "something else"}, "does not match the text"),
        ({"end": 10_000_000}, "past the end"),
        ({"start": -5}, "greater than or equal to 0"),
        ({"correction": "Fixed"}, "Correcting"),
        ({"persons": [987654]}, "Select a valid choice"),
        ({"motivation": "shouting"}, "Select a valid choice"),
    ],
)
def test_bad_selections_and_fields_are_refused_clearly(editor_client, blog, change, message):
    data = {**selection(blog, "Talk about an exodus!"), "motivation": "commenting", **change}
    before = Annotation.objects.count()
    response = post(editor_client, reverse(f"{WB}_create", args=[blog.pk]), data)
    assert response.status_code == 400
    assert message in json.dumps(response.json())
    assert Annotation.objects.count() == before


def test_wrong_content_type_and_malformed_json(editor_client, blog):
    url = reverse(f"{WB}_create", args=[blog.pk])
    assert (
        post(editor_client, url, "start=1", "application/x-www-form-urlencoded").status_code == 415
    )
    response = editor_client.post(url, "{not json", content_type="application/json")
    assert response.status_code == 400 and "not valid JSON" in response.json()["error"]


def test_emoji_before_a_passage_does_not_shift_it(publisher_client, seed):
    source = Source.objects.create(
        slug="tweet", title="A tweet", body="Bye 🚀🚀 Ilya Sutskever left"
    )
    data = {**selection(source, "Ilya Sutskever"), "motivation": "identifying"}
    assert data["start"] == 7  # code points: the two rockets count one each
    response = post(publisher_client, reverse(f"{WB}_create", args=[source.pk]), data)
    assert response.status_code == 201
    utf16_start = len("Bye 🚀🚀 ".encode("utf-16-le")) // 2
    forged = {**data, "start": utf16_start, "end": utf16_start + 14}
    assert (
        post(publisher_client, reverse(f"{WB}_create", args=[source.pk]), forged).status_code == 400
    )


def test_a_quote_is_created_from_a_selection(editor_client, blog):
    saunders = Person.objects.get(slug="william-saunders")
    text = "hell hath no fury like a CEO scorned"
    data = {
        **selection(blog, text),
        "motivation": "linking",
        "new_quote": {
            "text": text,
            "speaker_description": "a proverb, adapted",
            "medium": "other",
            "said_on": "",
        },
    }
    response = post(editor_client, reverse(f"{WB}_create", args=[blog.pk]), data)
    assert response.status_code == 201, response.content
    quote = Quote.objects.get(pk=response.json()["quote"]["id"])
    assert quote.text == text and quote.status == Status.DRAFT
    incomplete = {**data, "new_quote": {"text": text, "speaker": None}}
    response = post(editor_client, reverse(f"{WB}_create", args=[blog.pk]), incomplete)
    assert response.status_code == 400 and "speaker" in response.json()["error"]
    assert saunders  # the seed is there; only the incomplete quote was refused


def test_a_stale_update_gets_409_and_the_current_version(publisher_client, blog):
    annotation = blog.annotations.filter(exact="Jan Leike").first()
    url = reverse(f"{WB}_update", args=[annotation.key])
    base = {
        "start": annotation.start,
        "end": annotation.end,
        "exact": annotation.exact,
        "motivation": annotation.motivation,
        "persons": [p.pk for p in annotation.persons.all()],
    }
    first = post(publisher_client, url, {**base, "note": "First", "version": 1})
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = post(publisher_client, url, {**base, "note": "Second", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current"]["note"] == "First"
    assert Annotation.objects.get(pk=annotation.pk).note == "First"


def test_editors_cannot_change_or_delete_published_annotations(editor_client, blog):
    annotation = blog.annotations.filter(exact="Jan Leike").first()
    update = post(
        editor_client,
        reverse(f"{WB}_update", args=[annotation.key]),
        {
            "start": annotation.start,
            "end": annotation.end,
            "exact": annotation.exact,
            "motivation": "commenting",
        },
    )
    assert update.status_code == 403
    delete = post(editor_client, reverse(f"{WB}_delete", args=[annotation.key]), {})
    assert delete.status_code == 403
    assert Annotation.objects.filter(pk=annotation.pk, motivation="identifying").exists()


def test_delete_with_the_right_version(publisher_client, blog):
    annotation = blog.annotations.filter(exact="Jan Leike").first()
    url = reverse(f"{WB}_delete", args=[annotation.key])
    assert post(publisher_client, url, {"version": 7}).status_code == 409
    assert post(publisher_client, url, {"version": annotation.version}).status_code == 204
    assert not Annotation.objects.filter(pk=annotation.pk).exists()


def test_saving_a_fuzzy_annotation_confirms_it(publisher_client, blog):
    annotation = blog.annotations.filter(exact="Jan Leike").first()
    Annotation.objects.filter(pk=annotation.pk).update(anchor_status=AnchorStatus.FUZZY)
    data = {
        "start": annotation.start,
        "end": annotation.end,
        "exact": annotation.exact,
        "motivation": "identifying",
        "persons": [p.pk for p in annotation.persons.all()],
        "version": annotation.version,
    }
    response = post(publisher_client, reverse(f"{WB}_update", args=[annotation.key]), data)
    assert response.json()["anchor_status"] == AnchorStatus.ANCHORED


def test_suggestions_accept_one_dismiss_one_and_accept_all(editor_client, seed):
    source = Source.objects.get(slug="altman-visitor-badge-compilation")
    murati = Person.objects.get(slug="mira-murati")
    source.annotations.filter(persons=murati).delete()
    state = editor_client.get(reverse(f"{WB}_state", args=[source.pk])).json()
    mine = [s for s in state["suggestions"] if s["entity"] == murati.pk]
    assert len(mine) >= 4 and all("context" in s for s in mine)
    first, second = mine[0], mine[1]
    accept_url = reverse(f"{WB}_accept", args=[source.pk])
    dismiss_url = reverse(f"{WB}_dismiss", args=[source.pk])
    response = post(editor_client, accept_url, {**first, "entity_type": "person"})
    assert response.status_code == 201
    assert response.json()["created"][0]["persons"][0]["id"] == murati.pk
    assert post(editor_client, accept_url, {**first}).status_code == 409  # already linked
    assert post(editor_client, dismiss_url, {**second}).json() == {"dismissed": 1}
    assert DismissedMention.objects.filter(source=source, person=murati).count() == 1
    everything = {"entity_type": "person", "entity": murati.pk, "all": True}
    created = post(editor_client, accept_url, everything).json()["created"]
    assert len(created) == len(mine) - 2
    state = editor_client.get(reverse(f"{WB}_state", args=[source.pk])).json()
    assert not [s for s in state["suggestions"] if s["entity"] == murati.pk]


def test_create_a_new_entity_without_leaving_the_page(editor_client, seed):
    response = post(
        editor_client, reverse(f"{WB}_entities"), {"type": "person", "name": "Larry Summers"}
    )
    assert response.status_code == 201 and response.json()["status"] == Status.DRAFT
    person = Person.objects.get(pk=response.json()["id"])
    assert person.slug == "larry-summers" and person.aliases.get().name == "Larry Summers"
    again = post(
        editor_client, reverse(f"{WB}_entities"), {"type": "person", "name": "Larry Summers"}
    )
    assert Person.objects.get(pk=again.json()["id"]).slug == "larry-summers-2"
    event = post(editor_client, reverse(f"{WB}_entities"), {"type": "event", "name": "A meeting"})
    assert event.status_code == 400 and "date" in event.json()["error"]


def test_search_finds_people_by_alias(editor_client, seed):
    url = reverse(f"{WB}_search")
    results = editor_client.get(url, {"type": "person", "q": "Ultraman"}).json()["results"]
    assert [r["label"] for r in results] == ["Sam Altman"]
    assert editor_client.get(url, {"type": "nonsense"}).status_code == 400


def test_preview_is_sanitised(editor_client, seed):
    response = post(
        editor_client,
        reverse(f"{WB}_preview"),
        {"note": "**ok** <script>alert(1)</script> [x](javascript:alert(1))"},
    )
    html = response.json()["html"]
    assert "<strong>ok</strong>" in html and "<script" not in html and "javascript:" not in html


def test_suggest_mentions_command(seed):
    source = Source.objects.get(slug="jacobs-mission-and-execution-op-ed")
    source.annotations.filter(exact="Cohere").delete()
    out = StringIO()
    call_command("suggest_mentions", source.slug, stdout=out)
    assert "'Cohere'\t→ organization cohere (name)" in out.getvalue()
    assert "2 suggestion(s) for 1 entity(ies)." in out.getvalue()
    out = StringIO()
    call_command("suggest_mentions", source.slug, "--json", stdout=out)
    assert {s["entity_slug"] for s in json.loads(out.getvalue())} == {"cohere"}
