"""Writing through the Web Annotation Protocol: POST to a container, PUT and DELETE with
If-Match; the admin's validation, CSRF and permissions; refusals change nothing."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from archive.models import Annotation, Person
from archive.webannotation.vocabulary import CONTEXT, MEDIA_TYPE
from sources.models import Source
from sources.publishing import Status
from tests.archive.w3c_conformance import ANNOTATION_MUSTS, failures
from tests.conftest import snapshot

BASE = "http://testserver"
LD = "application/ld+json"


@pytest.fixture
def editor(client, make_user):
    client.force_login(make_user("eddie", "Editors"))
    return client


@pytest.fixture
def publisher(client, make_user):
    client.force_login(make_user("pat", "Publishers"))
    return client


@pytest.fixture
def blog(seed):
    return Source.objects.get(slug="sutskever-leike-exodus-blog")


def passage(source: Source, words: str) -> dict:
    start = source.body.index(words)
    return {
        "source": f"{BASE}/sources/{source.slug}/",
        "selector": [
            {"type": "TextQuoteSelector", "exact": words},
            {"type": "TextPositionSelector", "start": start, "end": start + len(words)},
        ],
    }


def mention(source: Source, words: str, person: Person, note="Named here.") -> dict:
    return {
        "@context": CONTEXT,
        "type": "Annotation",
        "motivation": "identifying",
        "body": [
            {"type": "TextualBody", "value": note, "format": "text/markdown"},
            {
                "type": "SpecificResource",
                "source": f"{BASE}/people/{person.slug}/",
                "purpose": "identifying",
            },
        ],
        "target": passage(source, words),
    }


def post(client, url, document, content_type=LD, **headers):
    return client.post(url, data=json.dumps(document), content_type=content_type, headers=headers)


def put(client, url, document, **headers):
    return client.put(url, data=json.dumps(document), content_type=LD, headers=headers)


@pytest.fixture
def leike(seed):
    return Person.objects.get(slug="jan-leike")


def test_an_editor_creates_an_annotation_in_a_source_container(editor, blog, leike):
    url = f"/annotations/sources/{blog.slug}/"
    response = post(editor, url, mention(blog, "Jan Leike", leike))
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == MEDIA_TYPE
    created = response.json()
    assert response["Location"] == created["id"]
    assert response["ETag"]
    assert failures(created, ANNOTATION_MUSTS) == []
    annotation = Annotation.objects.get(key=created["id"].rsplit("/", 2)[-2])
    assert annotation.status == Status.DRAFT
    assert annotation.author.username == "eddie"
    assert list(annotation.persons.all()) == [leike]
    assert annotation.note == "Named here."
    assert blog.body[annotation.start : annotation.end] == "Jan Leike"
    assert created["creator"] == {"type": "Person", "name": "Ed Eddie"}
    # the editor sees the draft; the public does not
    assert editor.get(response["Location"].removeprefix(BASE)).status_code == 200
    assert Client().get(response["Location"].removeprefix(BASE)).status_code == 404


def test_a_quote_selector_alone_is_anchored_by_its_context(editor, blog, leike):
    document = mention(blog, "Leike", leike)
    first = blog.body.index("Leike")
    second = blog.body.index("Leike", first + 10)
    document["target"]["selector"] = [
        {"type": "TextQuoteSelector", "exact": "Leike", "prefix": blog.body[second - 20 : second]}
    ]
    response = post(editor, "/annotations/", document)
    assert response.status_code == 201, response.content
    position = response.json()["target"]["selector"][1]
    assert position == {"type": "TextPositionSelector", "start": second, "end": second + 5}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["target"]["selector"][0].update(exact="Jan Leiky"), "do not match the text"),
        (lambda d: d["target"]["selector"][1].update(start=3), "do not match the text"),
        (
            lambda d: d["body"][1].update(source=f"{BASE}/people/nobody-at-all/"),
            "name nothing in this archive",
        ),
        (lambda d: d.update(motivation="bookmarking"), "bookmarking"),
        (lambda d: d.pop("target"), "target"),
        (
            lambda d: d["target"].update(
                source=f"{BASE}/sources/altman-visitor-badge-compilation/"
            ),
            "This container holds annotations of",
        ),
    ],
)
def test_invalid_annotations_are_refused_with_a_reason(editor, blog, leike, change, message):
    document = mention(blog, "Jan Leike", leike)
    change(document)
    before = snapshot()
    response = post(editor, f"/annotations/sources/{blog.slug}/", document)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert snapshot() == before


def test_malformed_requests_are_refused(editor, blog, leike):
    url = f"/annotations/sources/{blog.slug}/"
    before = snapshot()
    wrong_type = editor.post(url, data="exact=Jan", content_type="text/plain")
    assert wrong_type.status_code == 415
    assert wrong_type["Accept-Post"] == MEDIA_TYPE
    assert editor.post(url, data="{not json", content_type=LD).status_code == 400
    assert editor.post(url, data="[1, 2]", content_type=LD).status_code == 400
    huge = mention(blog, "Jan Leike", leike, note="x" * 1_100_000)
    assert post(editor, url, huge).status_code == 413
    assert post(editor, "/annotations/sources/no-such-source/", {}).status_code == 404
    assert snapshot() == before


def test_anonymous_and_non_staff_users_cannot_write(client, make_user, blog, leike):
    url = f"/annotations/sources/{blog.slug}/"
    before = snapshot()
    csrf_client = Client(enforce_csrf_checks=True)
    refused = post(csrf_client, url, mention(blog, "Jan Leike", leike))
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]
    anonymous = post(client, url, mention(blog, "Jan Leike", leike))
    assert anonymous.status_code == 403
    assert "Log in as an editor" in anonymous.json()["error"]
    client.force_login(make_user("reader", staff=False))
    assert post(client, url, mention(blog, "Jan Leike", leike)).status_code == 403
    assert snapshot() == before


def test_a_logged_in_editor_needs_the_csrf_token(make_user, blog, leike):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user("eddie", "Editors"))
    url = f"/annotations/sources/{blog.slug}/"
    assert post(browser, url, mention(blog, "Jan Leike", leike)).status_code == 403
    browser.get(url)  # an editor's GET sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    response = post(browser, url, mention(blog, "Jan Leike", leike), **{"X-CSRFToken": token})
    assert response.status_code == 201


def test_put_needs_if_match_and_answers_412_to_a_stale_one(editor, blog, leike):
    created = post(editor, "/annotations/", mention(blog, "Jan Leike", leike))
    url = created["Location"].removeprefix(BASE)
    etag = created["ETag"]
    document = created.json()
    document["body"][0]["value"] = "Head of superalignment."

    missing = put(editor, url, document)
    assert missing.status_code == 428
    assert "If-Match" in missing.json()["error"]
    stale = put(editor, url, document, **{"If-Match": '"not-the-current-one"'})
    assert stale.status_code == 412
    assert stale["ETag"] == etag

    replaced = put(editor, url, document, **{"If-Match": etag})
    assert replaced.status_code == 200, replaced.content
    assert replaced["ETag"] != etag
    assert replaced.json()["body"][0]["value"] == "Head of superalignment."
    assert Annotation.objects.get(key=url.split("/")[-2]).note == "Head of superalignment."
    # the first ETag is now stale: a second client holding it gets 412, and nothing changes
    document["body"][0]["value"] = "A lost update"
    assert put(editor, url, document, **{"If-Match": etag}).status_code == 412
    assert Annotation.objects.get(key=url.split("/")[-2]).note == "Head of superalignment."


def test_put_replaces_links_and_checks_the_id(editor, blog, leike):
    created = post(editor, "/annotations/", mention(blog, "Jan Leike", leike))
    url = created["Location"].removeprefix(BASE)
    document = created.json()
    document["body"] = [b for b in document["body"] if b["type"] == "TextualBody"]
    wrong_id = {**document, "id": f"{BASE}/annotations/00000000-0000-0000-0000-000000000000/"}
    assert put(editor, url, wrong_id, **{"If-Match": created["ETag"]}).status_code == 400
    replaced = put(editor, url, document, **{"If-Match": created["ETag"]})
    assert replaced.status_code == 200
    assert not Annotation.objects.get(key=url.split("/")[-2]).persons.exists()


def test_delete_with_if_match(editor, blog, leike):
    created = post(editor, "/annotations/", mention(blog, "Jan Leike", leike))
    url = created["Location"].removeprefix(BASE)
    assert editor.delete(url).status_code == 428
    assert editor.delete(url, headers={"If-Match": '"old"'}).status_code == 412
    assert editor.delete(url, headers={"If-Match": created["ETag"]}).status_code == 204
    assert editor.get(url).status_code == 404


def test_editors_cannot_change_published_annotations_publishers_can(editor, make_user, blog):
    published = Annotation.objects.published().filter(source=blog).first()
    url = reverse("annotation-item", kwargs={"key": published.key})
    current = editor.get(url, headers={"Accept": MEDIA_TYPE})
    document = current.json()
    document.get("body", [{}])[0]["value"] = "Rewritten"
    refused = put(editor, url, document, **{"If-Match": current["ETag"]})
    assert refused.status_code == 403
    assert editor.delete(url, headers={"If-Match": current["ETag"]}).status_code == 403
    assert Annotation.objects.filter(pk=published.pk, version=published.version).exists()

    publisher = Client()
    publisher.force_login(make_user("pat", "Publishers"))
    allowed = put(publisher, url, document, **{"If-Match": current["ETag"]})
    assert allowed.status_code == 200, allowed.content
    assert Annotation.objects.get(pk=published.pk).status == Status.PUBLISHED
