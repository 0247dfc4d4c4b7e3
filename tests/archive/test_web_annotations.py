"""Annotations as W3C Web Annotations: the data model (checked with the W3C's own MUST
assertions) and the protocol's read side: conneg, paging, ETag, Link, Allow, OPTIONS, HEAD."""

import json

import pytest
from django.urls import reverse

from archive.models import Annotation, Motivation
from archive.webannotation import jsonld
from archive.webannotation.vocabulary import CONTEXT, MEDIA_TYPE
from sources.models import Source
from sources.publishing import Status
from tests.archive.w3c_conformance import (
    ANNOTATION_MUSTS,
    COLLECTION_MUSTS,
    PAGE_MUSTS,
    failures,
    format_problems,
    shape,
)

BASE = "http://testserver"
LD = "application/ld+json"


def get(client, path, **headers):
    return client.get(path, headers={"Accept": MEDIA_TYPE, **headers})


@pytest.fixture
def blog(seed):
    return Source.objects.get(slug="sutskever-leike-exodus-blog")


# -- the data model ------------------------------------------------------------------------


def test_every_seed_annotation_passes_the_w3c_must_assertions(seed):
    annotations = jsonld.with_links(Annotation.objects.all())
    documents = [jsonld.annotation_jsonld(BASE, a) for a in annotations]
    assert len(documents) == 1161
    shapes = {}
    for document in documents:
        shapes.setdefault(json.dumps(shape(document), sort_keys=True), document)
    problems = {}
    for document in shapes.values():  # the assertions take ~40 ms a document: once a shape
        problems[document["id"]] = failures(document, ANNOTATION_MUSTS)
    for document in documents:
        problems[document["id"]] = problems.get(document["id"], []) + format_problems(document)
    assert {iri: found for iri, found in problems.items() if found} == {}
    assert 10 < len(shapes) < 200


def test_documents_of_one_shape_pass_or_fail_alike(seed):
    """What makes checking one document per shape sound: a sample checked in full agrees."""
    annotations = jsonld.with_links(Annotation.objects.all()).order_by("?")[:25]
    for annotation in annotations:
        document = jsonld.annotation_jsonld(BASE, annotation)
        assert failures(document, ANNOTATION_MUSTS) == failures(shape(document), ANNOTATION_MUSTS)
        broken = {**document, "target": {"selector": document["target"]["selector"]}}
        assert failures(broken, ANNOTATION_MUSTS) == failures(shape(broken), ANNOTATION_MUSTS)


def test_the_conformance_check_catches_a_broken_annotation(seed):
    """The checker is not vacuous: the spec's mistakes are reported."""
    good = jsonld.annotation_jsonld(BASE, jsonld.with_links(Annotation.objects).first())
    assert failures(good, ANNOTATION_MUSTS) == []
    for broken in (
        {**good, "@context": "http://example.org/other.jsonld"},
        {key: value for key, value in good.items() if key != "target"},
        {**good, "type": "Note"},
        {**good, "bodyValue": "both body and bodyValue"},
        {**good, "id": ["two", "ids"]},
    ):
        assert failures(broken, ANNOTATION_MUSTS), broken
    assert format_problems({**good, "id": "annotations/1", "created": "2024-05-17T10:00:00"})


def test_an_annotation_carries_selectors_bodies_and_agents(seed, blog):
    annotation = (
        jsonld.with_links(Annotation.objects.published())
        .filter(source=blog, persons__isnull=False)
        .exclude(note="")
        .first()
    )
    document = jsonld.annotation_jsonld(BASE, annotation)
    assert document["@context"] == CONTEXT
    assert document["id"] == f"{BASE}/annotations/{annotation.key}/"
    assert document["type"] == "Annotation"
    assert document["canonical"] == f"urn:uuid:{annotation.key}"
    assert document["created"].endswith("Z") and document["modified"].endswith("Z")
    assert document["creator"]["type"] in ("Person", "Organization")
    target = document["target"]
    assert target["source"] == f"{BASE}/sources/{blog.slug}/"
    quote, position = target["selector"]
    assert quote == {
        "type": "TextQuoteSelector",
        "exact": annotation.exact,
        "prefix": annotation.prefix,
        "suffix": annotation.suffix,
    }
    assert position == {
        "type": "TextPositionSelector",
        "start": annotation.start,
        "end": annotation.end,
    }
    assert blog.body[position["start"] : position["end"]] == quote["exact"]
    note = document["body"][0]
    assert note["type"] == "TextualBody"
    assert note["value"] == annotation.note
    assert note["format"] == "text/markdown"
    people = [b for b in document["body"] if b.get("purpose") == "identifying"]
    assert {b["source"] for b in people} >= {
        f"{BASE}/people/{p.slug}/" for p in annotation.persons.all()
    }
    assert all(b["type"] == "SpecificResource" for b in people)


def test_motivations_map_onto_w3c_terms(seed):
    seen = {}
    for annotation in jsonld.with_links(Annotation.objects.published()):
        document = jsonld.annotation_jsonld(BASE, annotation)
        seen[annotation.motivation] = document["motivation"]
    assert seen == {
        Motivation.IDENTIFYING: "identifying",
        Motivation.DESCRIBING: "describing",
        Motivation.LINKING: "linking",
        Motivation.CORRECTING: "editing",
        Motivation.QUESTIONING: "questioning",
        Motivation.COMMENTING: "commenting",
    }


def test_a_correction_events_and_quotes_are_bodies(seed):
    correction = jsonld.with_links(Annotation.objects.published()).exclude(correction="").first()
    bodies = jsonld.annotation_jsonld(BASE, correction)["body"]
    assert any(
        b.get("purpose") == "editing" and b["value"] == correction.correction for b in bodies
    )
    rendering = jsonld.with_links(Annotation.objects.published()).filter(quote__isnull=False)[0]
    bodies = jsonld.annotation_jsonld(BASE, rendering)["body"]
    assert {
        "type": "SpecificResource",
        "source": f"{BASE}/quotes/{rendering.quote.slug}/",
        "purpose": "linking",
        "label": rendering.quote.text,
    } in bodies


def test_an_editor_is_named_by_full_name_never_by_login(seed, django_user_model):
    annotation = jsonld.with_links(Annotation.objects).first()
    annotation.author = django_user_model(username="jdoe42", first_name="Jane", last_name="Doe")
    document = jsonld.annotation_jsonld(BASE, annotation)
    assert document["creator"] == {"type": "Person", "name": "Jane Doe"}
    annotation.author = django_user_model(username="jdoe42")
    assert "jdoe42" not in json.dumps(jsonld.annotation_jsonld(BASE, annotation))


# -- the protocol: containers ---------------------------------------------------------------


def test_the_container_is_an_annotation_collection_with_the_first_page_embedded(
    client, seed, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = get(client, "/annotations/")
    assert response.status_code == 200
    assert response["Content-Type"] == MEDIA_TYPE
    assert '<http://www.w3.org/ns/ldp#BasicContainer>; rel="type"' in response["Link"]
    assert "http://www.w3.org/ns/ldp#constrainedBy" in response["Link"]
    assert response["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert response["Accept-Post"] == MEDIA_TYPE
    assert response["ETag"].startswith('"')
    assert not response.cookies  # a public answer sets no cookie (caches may keep it)
    assert {"Accept", "Prefer"} <= {v.strip() for v in response["Vary"].split(",")}
    collection = response.json()
    assert collection["@context"][0] == CONTEXT
    assert collection["type"] == ["BasicContainer", "AnnotationCollection"]
    assert collection["total"] == Annotation.objects.published().count()
    first = collection["first"]
    assert first["type"] == "AnnotationPage"
    assert len(first["items"]) == 100
    assert first["next"] == f"{BASE}/annotations/?page=1"
    assert collection["last"].startswith(f"{BASE}/annotations/?page=")
    assert failures(collection, COLLECTION_MUSTS) == []
    assert failures(collection, PAGE_MUSTS) == []
    assert format_problems(collection) == []


def test_paging_walks_every_published_annotation_once(client, seed, django_assert_max_num_queries):
    seen, url, pages = [], "/annotations/?page=0", 0
    while url:
        with django_assert_max_num_queries(6):
            response = get(client, url)
        assert response.status_code == 200, url
        page = response.json()
        assert failures(page, PAGE_MUSTS) == []
        assert page["startIndex"] == len(seen)
        assert page["partOf"]["id"] == f"{BASE}/annotations/"
        seen += [item["id"] for item in page["items"]]
        url = page.get("next", "").removeprefix(BASE)
        pages += 1
    published = Annotation.objects.published()
    assert len(seen) == len(set(seen)) == published.count()
    assert pages == (published.count() + 99) // 100
    assert get(client, f"/annotations/?page={pages}").status_code == 404
    bad = get(client, "/annotations/?page=-1")
    assert bad.status_code == 400
    assert "whole number" in bad.json()["error"]


@pytest.mark.parametrize(
    ("prefer", "first_kind"),
    [
        ('return=representation;include="http://www.w3.org/ns/ldp#PreferMinimalContainer"', str),
        ('return=representation;include="http://www.w3.org/ns/oa#PreferContainedIRIs"', "iris"),
        (
            'return=representation;include="http://www.w3.org/ns/oa#PreferContainedDescriptions"',
            dict,
        ),
    ],
)
def test_prefer_picks_minimal_iris_or_descriptions(client, seed, prefer, first_kind):
    response = get(client, "/annotations/", Prefer=prefer)
    assert response["Preference-Applied"] == "return=representation"
    first = response.json()["first"]
    if first_kind is str:
        assert first == f"{BASE}/annotations/?page=0"
    elif first_kind == "iris":
        assert first["id"] == f"{BASE}/annotations/?iris=1&page=0"
        assert all(isinstance(item, str) for item in first["items"])
        assert first["next"] == f"{BASE}/annotations/?iris=1&page=1"
    else:
        assert all(item["type"] == "Annotation" for item in first["items"])


def test_content_negotiation(client, seed):
    assert get(client, "/annotations/", Accept=LD)["Content-Type"] == MEDIA_TYPE
    assert get(client, "/annotations/", Accept="application/json")["Content-Type"] == (
        "application/json"
    )
    assert client.get("/annotations/")["Content-Type"] == MEDIA_TYPE  # no Accept at all
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert get(client, "/annotations/", Accept=browser).status_code == 200
    refused = get(client, "/annotations/", Accept="text/turtle")
    assert refused.status_code == 406
    assert "application/ld+json" in refused.json()["error"]


def test_head_options_and_conditional_get(client, seed):
    full = get(client, "/annotations/")
    head = client.head("/annotations/", headers={"Accept": MEDIA_TYPE})
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == full["ETag"]
    assert int(head["Content-Length"]) == len(full.content)
    options = client.options("/annotations/")
    assert options.status_code == 200
    assert options["Allow"] == "GET, HEAD, OPTIONS, POST"
    again = get(client, "/annotations/", **{"If-None-Match": full["ETag"]})
    assert again.status_code == 304
    assert again["ETag"] == full["ETag"]


def test_the_etag_changes_when_an_annotation_is_published(client, seed, blog):
    url = f"/annotations/sources/{blog.slug}/"
    before = get(client, url)
    draft = Annotation.objects.filter(source=blog).first()
    Annotation.objects.filter(pk=draft.pk).update(status=Status.DRAFT)
    after = get(client, url)
    assert after["ETag"] != before["ETag"]
    assert after.json()["total"] == before.json()["total"] - 1


def test_one_container_per_source(client, seed, blog, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        response = get(client, f"/annotations/sources/{blog.slug}/")
    assert response.status_code == 200
    collection = response.json()
    assert collection["id"] == f"{BASE}/annotations/sources/{blog.slug}/"
    assert blog.title in collection["label"]
    assert collection["total"] == Annotation.objects.published().filter(source=blog).count()
    sources = {item["target"]["source"] for item in collection["first"]["items"]}
    assert sources == {f"{BASE}/sources/{blog.slug}/"}
    assert get(client, "/annotations/sources/no-such-source/").status_code == 404


def test_drafts_are_invisible_to_the_public(client, seed, blog):
    annotation = Annotation.objects.published().filter(source=blog).first()
    url = reverse("annotation-item", kwargs={"key": annotation.key})
    assert get(client, url).status_code == 200
    Annotation.objects.filter(pk=annotation.pk).update(status=Status.DRAFT)
    missing = get(client, url)
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/json"
    total = get(client, "/annotations/").json()["total"]
    on_blog = Annotation.objects.published().filter(source=blog).count()
    Source.objects.filter(pk=blog.pk).update(status=Status.DRAFT)
    assert get(client, f"/annotations/sources/{blog.slug}/").status_code == 404
    assert get(client, "/annotations/").json()["total"] == total - on_blog


def test_an_annotation_resource(client, seed, django_assert_max_num_queries):
    annotation = Annotation.objects.published().first()
    url = reverse("annotation-item", kwargs={"key": annotation.key})
    with django_assert_max_num_queries(4):
        response = get(client, url)
    assert response.status_code == 200
    assert response["Content-Type"] == MEDIA_TYPE
    assert response["Link"] == '<http://www.w3.org/ns/ldp#Resource>; rel="type"'
    assert response["Allow"] == "GET, HEAD, OPTIONS, PUT, DELETE"
    assert response["ETag"]
    document = response.json()
    assert document["id"] == BASE + url
    assert failures(document, ANNOTATION_MUSTS) == []
    assert client.options(url)["Allow"] == "GET, HEAD, OPTIONS, PUT, DELETE"
    patch = client.patch(url, data="{}", content_type=LD)
    assert patch.status_code == 405
    assert patch["Allow"] == "GET, HEAD, OPTIONS, PUT, DELETE"


def test_links_in_a_served_annotation_resolve(client, seed):
    document = get(client, "/annotations/").json()["first"]["items"][0]
    for url in [document["target"]["source"]] + [
        b["source"] for b in document.get("body", []) if b["type"] == "SpecificResource"
    ]:
        assert client.get(url.removeprefix(BASE)).status_code == 200, url
