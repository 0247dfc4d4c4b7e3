"""Who reaches what: the public sees no draft anywhere, outsiders reach no admin page and no
write endpoint, and an Editor cannot publish, by any route.

Drafts: one of each kind (source, person, organisation, event, quote, annotation), linked from
published rows in every way the model allows, carrying a word found nowhere else. The whole
public site is crawled from the home page (pages, pagination, API, W3C containers, search)
and the word, the drafts' slugs and their ids must appear nowhere, nor count anywhere.
"""

import datetime
import json
import re
import uuid
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

from archive.models import (
    Annotation,
    Event,
    Organization,
    Participation,
    Person,
    Quote,
    Role,
)
from archive.webannotation.vocabulary import CONTEXT
from sources.models import Source
from sources.publishing import Status
from tests.conftest import snapshot
from tests.security.conftest import form_of

SECRET = "Zyzzogeton"
PUBLISHED = {"status": Status.PUBLISHED}
DRAFT = {"status": Status.DRAFT}


def passage(source, words, **fields):
    start = source.body.index(words)
    links = {name: fields.pop(name, []) for name in ("persons", "organizations", "events")}
    annotation = Annotation.objects.create(
        source=source, start=start, end=start + len(words), exact=words, **fields
    )
    for name, entities in links.items():
        getattr(annotation, name).set(entities)
    return annotation


@pytest.fixture
def drafts(empty_db):
    """A small published world and a draft of each kind, woven into it."""
    moment = datetime.datetime(2023, 11, 17, 20, tzinfo=datetime.UTC)
    draft_org = Organization.objects.create(
        slug="draft-org", name=f"{SECRET} Holdings", description=SECRET, **DRAFT
    )
    draft_org.aliases.create(name=f"{SECRET} Co", kind="short")
    org = Organization.objects.create(
        slug="open-org", name="Open Org", parent=draft_org, **PUBLISHED
    )
    org.aliases.create(name="Open Org", kind="name")
    draft_person = Person.objects.create(
        slug="draft-person", name=f"Ann {SECRET}", description=SECRET, **DRAFT
    )
    draft_person.aliases.create(name=f"{SECRET} Ann", kind="nickname")
    person = Person.objects.create(slug="open-person", name="Pat Public", **PUBLISHED)
    person.aliases.create(name="Pat Public", kind="name")
    Role.objects.create(person=person, organization=draft_org, title=f"{SECRET} officer")
    Role.objects.create(person=draft_person, organization=org, title=f"{SECRET} adviser")
    draft_event = Event.objects.create(
        slug="draft-event", title=f"{SECRET} meeting", summary=SECRET, occurred_at=moment, **DRAFT
    )
    event = Event.objects.create(
        slug="open-event",
        title="Public meeting",
        occurred_at=moment,
        parent=draft_event,
        **PUBLISHED,
    )
    Participation.objects.create(event=event, person=draft_person, part=SECRET)
    Participation.objects.create(event=event, organization=draft_org, part=SECRET)
    Participation.objects.create(event=draft_event, person=person, part=SECRET)
    draft_quote = Quote.objects.create(
        slug="draft-quote", text=f"{SECRET} said so", speaker=person, event=event, **DRAFT
    )
    quote = Quote.objects.create(
        slug="open-quote",
        text="We said so",
        speaker=draft_person,
        event=draft_event,
        **PUBLISHED,
    )
    source = Source.objects.create(
        slug="open-source",
        title="Open source",
        body="Pat Public met Open Org. We said so. Then the talks ended.",
        **PUBLISHED,
    )
    draft_source = Source.objects.create(
        slug="draft-source",
        title=f"{SECRET} report",
        outlet=SECRET,
        body=f"Pat Public and {SECRET} met. We said so.",
        **DRAFT,
    )
    annotations = {
        # published passages on a published source that link to every draft kind
        "links-drafts": passage(
            source,
            "Pat Public",
            motivation="identifying",
            persons=[person, draft_person],
            organizations=[draft_org],
            events=[event, draft_event],
            **PUBLISHED,
        ),
        "renders-draft-quote": passage(
            source, "We said so", motivation="linking", quote=draft_quote, **PUBLISHED
        ),
        "public": passage(
            source, "Open Org", motivation="identifying", organizations=[org], **PUBLISHED
        ),
        # a draft passage on a published source
        "draft": passage(
            source, "Then the talks ended", motivation="commenting", note=SECRET, **DRAFT
        ),
        # a published passage on a draft source
        "on-draft-source": passage(
            draft_source,
            "Pat Public",
            motivation="describing",
            note=SECRET,
            persons=[person],
            events=[event],
            **PUBLISHED,
        ),
        "quote-on-draft-source": passage(
            draft_source, "We said so", motivation="linking", quote=quote, **PUBLISHED
        ),
    }
    return {
        "source": draft_source,
        "person": draft_person,
        "organization": draft_org,
        "event": draft_event,
        "quote": draft_quote,
        "annotation": annotations["draft"],
        "hidden_annotations": [annotations["draft"], *draft_source.annotations.all()],
        "public": {"source": source, "person": person, "organization": org, "event": event},
        "published_quote": quote,
    }


# The crawl ----------------------------------------------------------------------------------


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action") and value:
                self.found.append(value)


def links_in(response, url: str) -> list[str]:
    if "json" in response["Content-Type"]:
        text = response.content.decode()
        return re.findall(r'"(https?://testserver/[^"]*)"', text)
    parser = Links()
    parser.feed(response.content.decode())
    return [urljoin(url, link) for link in parser.found]


def crawl(client, starts) -> dict[str, object]:
    """Every page of the site reachable from `starts`, by links in HTML and URLs in JSON."""
    seen: dict[str, object] = {}
    queue = deque(starts)
    while queue:
        url = queue.popleft()
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path in seen or parts.netloc not in ("", "testserver"):
            continue
        if path.startswith(("/static/", "/admin/")) or not path.startswith("/"):
            continue
        response = client.get(path)
        seen[path] = response
        if response.status_code == 200:
            queue.extend(links_in(response, path))
    return seen


def draft_markers(drafts) -> list[str]:
    markers = [SECRET]
    for kind in ("source", "person", "organization", "event", "quote"):
        markers.append(f"/{drafts[kind].slug}/")
    markers += [str(a.key) for a in drafts["hidden_annotations"]]
    return markers


ENTRY_POINTS = [
    "/",
    "/sources/",
    "/people/",
    "/organizations/",
    "/events/",
    "/quotes/",
    "/api/",
    "/api/sources/",
    "/api/people/",
    "/api/organizations/",
    "/api/events/",
    "/api/quotes/",
    "/annotations/",
    "/annotations/?page=0",
    "/annotations/?iris=1",
    f"/search/?q={SECRET}",
    "/search/?q=Pat",
    "/search/?q=said",
]


@pytest.mark.parametrize("who", ["anonymous", "reader"])
def test_no_draft_is_shown_linked_or_counted_anywhere(drafts, who, django_user_model):
    client = Client()
    if who == "reader":  # logged in, not staff: sees what the public sees
        client.force_login(django_user_model.objects.create_user("reader"))
    pages = crawl(client, ENTRY_POINTS)
    assert len(pages) > 25  # the crawl reached the whole small site
    leaks = {}
    for path, response in pages.items():
        assert response.status_code in (200, 404), (path, response.status_code)
        text = response.content.decode()
        if path == f"/search/?q={SECRET}":
            text = text.replace(SECRET, "")  # the query itself, shown back to the reader
        found = [marker for marker in draft_markers(drafts) if marker in text]
        if found:
            leaks[path] = found
    assert leaks == {}, "\n".join(f"{k}: {v}" for k, v in leaks.items())
    assert pages[f"/search/?q={SECRET}"].context["hits"] == []
    home = re.sub(r"\s+", " ", pages["/"].content.decode())
    assert "1 source · 1 people · 1 organisations · 1 events · 1 quotes" in home


@pytest.mark.parametrize("kind", ["source", "person", "organization", "event", "quote"])
def test_every_url_of_a_draft_is_not_found(client, drafts, kind):
    draft = drafts[kind]
    api = {"person": "person", "organization": "organization"}.get(kind, kind)
    urls = [draft.get_absolute_url(), reverse(f"api:{api}-detail", kwargs={"slug": draft.slug})]
    if kind == "source":
        urls.append(reverse("annotation-source-container", kwargs={"slug": draft.slug}))
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_draft_and_hidden_annotations_are_not_found(client, drafts):
    for annotation in drafts["hidden_annotations"]:
        assert (
            client.get(reverse("annotation-item", kwargs={"key": annotation.key})).status_code
            == 404
        )
        assert client.get(annotation.get_absolute_url()).status_code == 404 or (
            str(annotation.key) not in client.get(annotation.get_absolute_url()).content.decode()
        )


def test_counts_and_filters_leave_drafts_out(client, drafts):
    public = drafts["public"]
    # a filter naming a draft finds nothing (it is not a valid choice), never its passages
    for url in (
        reverse("source-list") + f"?person={drafts['person'].pk}",
        reverse("quote-list") + f"?speaker={drafts['person'].pk}",
        reverse("event-list") + f"?person={drafts['person'].pk}",
        reverse("person-list") + f"?organization={drafts['organization'].pk}",
    ):
        response = client.get(url)
        assert response.status_code == 200 and SECRET not in response.content.decode(), url
        assert response.context["page"].paginator.count == 0, url
    api = client.get(reverse("api:source-list") + f"?person={drafts['person'].pk}")
    assert api.status_code == 400 and SECRET not in api.content.decode()
    # the counts are of published passages on published sources only
    people = client.get(reverse("api:person-list")).json()
    assert people["count"] == 1
    [pat] = people["results"]
    assert (pat["mention_count"], pat["source_count"]) == (1, 1)
    sources = client.get(reverse("api:source-list")).json()
    assert sources["count"] == 1 and sources["results"][0]["annotation_count"] == 3
    container = client.get(reverse("annotation-container"), headers={"Accept": "application/json"})
    assert container.json()["total"] == 3
    source_page = client.get(public["source"].get_absolute_url())
    assert source_page.context["reading"].annotation_count == 3


def test_a_member_of_publishers_who_is_not_staff_is_a_reader(drafts, django_user_model):
    user = django_user_model.objects.create_user("outsider")
    user.groups.add(Group.objects.get(name="Publishers"))
    client = Client()
    client.force_login(user)
    assert client.get(drafts["source"].get_absolute_url()).status_code == 404
    key = drafts["annotation"].key
    assert client.get(reverse("annotation-item", kwargs={"key": key})).status_code == 404
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


# Admin pages: every URL the admin site has ----------------------------------------------


def _walk(patterns, namespace="admin"):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern):
            yield pattern


def _sample(pattern, name) -> dict:
    """Arguments for reverse(): any well-formed value does (access is checked first)."""
    regex = getattr(pattern.pattern, "regex", None)
    converters = getattr(pattern.pattern, "converters", {})
    if converters:
        kwargs = {}
        for key, converter in converters.items():
            if isinstance(converter, UUIDConverter):
                kwargs[key] = uuid.UUID(int=1)
            elif isinstance(converter, IntConverter):
                kwargs[key] = 1
            else:
                kwargs[key] = "1"
        return {"kwargs": kwargs}
    if regex is not None and regex.groupindex:
        return {"kwargs": {key: "archive" for key in regex.groupindex}}
    if regex is not None and regex.groups:
        return {"args": ["1"] * regex.groups}
    return {}


def admin_urls() -> list[tuple[str, str]]:
    """(name, path) of every admin URL: the site's own, each model's, the workbench, ingest."""
    found = []
    for pattern in _walk(admin.site.get_urls()):
        if pattern.name:
            found.append((pattern.name, reverse(f"admin:{pattern.name}", **_sample(pattern, None))))
    # the unnamed ones: a model's bare object URL, and the catch-all
    found += [("object-redirect", "/admin/archive/person/1/"), ("catch-all", "/admin/nothing/")]
    return found


ADMIN_URLS = admin_urls()
OPEN_ADMIN_URLS = {"login"}  # the login form itself


def test_the_admin_url_list_covers_the_registered_models():
    names = {name for name, _ in ADMIN_URLS}
    for model in admin.site._registry:
        label = f"{model._meta.app_label}_{model._meta.model_name}"
        for view in ("changelist", "add", "change", "delete", "history"):
            assert f"{label}_{view}" in names
    assert {"archive_annotation_workbench", "sources_source_ingest"} <= names
    assert len(ADMIN_URLS) > 60


@pytest.fixture
def outsiders(db, django_user_model):
    reader = django_user_model.objects.create_user("reader")  # logged in, not staff
    reader.groups.add(Group.objects.get(name="Editors"))  # rights without staff status
    logged_in = Client()
    logged_in.force_login(reader)
    return {"anonymous": Client(), "non-staff": logged_in}


@pytest.mark.parametrize("who", ["anonymous", "non-staff"])
def test_outsiders_are_sent_to_the_login_page_from_every_admin_url(seed, outsiders, who):
    client = outsiders[who]
    before = snapshot()
    wrong = []
    for name, path in ADMIN_URLS:
        if name in OPEN_ADMIN_URLS:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            location = response.get("Location", "")
            if name == "logout" and response.status_code in (302, 405):
                continue  # logging out an outsider leads nowhere
            if response.status_code != 302 or not location.startswith("/admin/login/"):
                wrong.append((method, name, path, response.status_code, location))
    assert wrong == []
    assert snapshot() == before


# Write endpoints outside the admin: the Web Annotation Protocol and the API ----------------


def w3c_document(source) -> dict:
    start = source.body.index("Pat Public")
    return {
        "@context": CONTEXT,
        "type": "Annotation",
        "motivation": "commenting",
        "body": {"type": "TextualBody", "value": "x"},
        "target": {
            "source": f"http://testserver{source.get_absolute_url()}",
            "selector": [
                {"type": "TextQuoteSelector", "exact": "Pat Public"},
                {"type": "TextPositionSelector", "start": start, "end": start + 10},
            ],
        },
    }


@pytest.mark.parametrize("who", ["anonymous", "non-staff"])
def test_outsiders_cannot_write_through_the_protocol_or_the_api(drafts, outsiders, who):
    client = outsiders[who]
    source = drafts["public"]["source"]
    published = Annotation.objects.published().first()
    item = reverse("annotation-item", kwargs={"key": published.key})
    body = json.dumps(w3c_document(source))
    before = snapshot()
    for method, path, data in (
        ("POST", reverse("annotation-container"), body),
        ("POST", reverse("annotation-source-container", kwargs={"slug": source.slug}), body),
        ("PUT", item, body),
        ("DELETE", item, ""),
    ):
        response = client.generic(
            method, path, data, content_type="application/ld+json", headers={"If-Match": "*"}
        )
        assert response.status_code == 403, (method, path, response.status_code)
        assert response.json()["error"]
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for path in (reverse("api:source-list"), reverse("api:source-detail", args=[source.slug])):
            response = client.generic(method, path, "{}", content_type="application/json")
            assert response.status_code in (403, 405), (method, path)
    assert snapshot() == before


# An Editor cannot publish ------------------------------------------------------------------


@pytest.fixture
def editor(db, django_user_model):
    user = django_user_model.objects.create_user("eddie", is_staff=True, first_name="Ed")
    user.groups.add(Group.objects.get(name="Editors"))
    client = Client()
    client.force_login(user)
    return client


MODELS = {
    "source": Source,
    "person": Person,
    "organization": Organization,
    "event": Event,
    "quote": Quote,
    "annotation": Annotation,
}


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("kind", list(MODELS))
def test_an_editor_cannot_publish_a_draft_by_the_action_or_the_form(drafts, editor, kind):
    model = MODELS[kind]
    draft = drafts[kind]
    if kind == "annotation":
        draft = Annotation.objects.get(pk=draft.pk)
    # the publish action is not offered, and posting it anyway does nothing
    changelist = admin_url(model, "changelist")
    offered = editor.get(changelist).context["action_form"].fields["action"].choices
    assert "publish" not in {name for name, _ in offered}
    response = editor.post(changelist, {"action": "publish", "_selected_action": [draft.pk]})
    assert response.status_code in (200, 302)
    assert model.objects.get(pk=draft.pk).status == Status.DRAFT
    # the change form: status is read-only, so a forged status=published is ignored
    url = admin_url(model, "change", draft.pk)
    data = form_of(editor, url)
    assert "status" not in data
    data["status"] = [Status.PUBLISHED]
    response = editor.post(url, data)
    assert response.status_code == 302, (response.context["errors"], data)
    assert model.objects.get(pk=draft.pk).status == Status.DRAFT


@pytest.mark.parametrize("kind", list(MODELS))
def test_an_editor_cannot_change_or_delete_a_published_item(drafts, editor, kind):
    model = MODELS[kind]
    published = (
        drafts["public"].get(kind)
        or {"quote": drafts["published_quote"]}.get(kind)
        or Annotation.objects.published().first()
    )
    before = snapshot()
    change = admin_url(model, "change", published.pk)
    assert editor.post(change, {"status": Status.DRAFT}).status_code == 403
    assert editor.post(admin_url(model, "delete", published.pk), {"post": "yes"}).status_code == 403
    changelist = admin_url(model, "changelist")
    editor.post(changelist, {"action": "unpublish", "_selected_action": [published.pk]})
    editor.post(
        changelist, {"action": "delete_selected", "_selected_action": [published.pk], "post": "yes"}
    )
    assert snapshot() == before


@pytest.mark.parametrize("kind", list(MODELS))
def test_an_editor_cannot_publish_or_change_by_reverting_to_an_old_version(
    drafts, editor, kind, django_user_model
):
    """History's revert form saves like the change form: it must follow the same rules."""
    model = MODELS[kind]
    publisher = django_user_model.objects.create_user("pat", is_staff=True)
    publisher.groups.add(Group.objects.get(name="Publishers"))
    draft = model.objects.get(pk=drafts[kind].pk)
    draft.status = Status.PUBLISHED  # a publisher published it once...
    draft.save()
    published_version = draft.history.latest("history_date")
    draft.status = Status.DRAFT  # ...and took it back
    draft.save()
    url = reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history",
        args=[draft.pk, published_version.history_id],
    )
    form = form_of(editor, url)
    editor.post(url, form)
    assert model.objects.get(pk=draft.pk).status == Status.DRAFT
    # and a published row cannot be reverted by an editor at all
    draft = model.objects.get(pk=draft.pk)
    draft.status = Status.PUBLISHED
    draft.save()
    before = snapshot()
    older = draft.history.order_by("history_date").first()
    url = reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history",
        args=[draft.pk, older.history_id],
    )
    response = editor.post(url, form_of(editor, url))  # the form as the page offers it
    assert response.status_code == 403
    assert snapshot() == before


def test_an_editor_cannot_publish_through_the_workbench(drafts, editor):
    source = drafts["public"]["source"]
    draft = drafts["annotation"]
    base = "admin:archive_annotation_workbench"
    start = source.body.index("Open Org")
    created = editor.post(
        reverse(f"{base}_create", args=[source.pk]),
        json.dumps(
            {
                "start": start,
                "end": start + 8,
                "exact": "Open Org",
                "motivation": "commenting",
                "status": "published",
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["status"] == Status.DRAFT
    updated = editor.post(
        reverse(f"{base}_update", args=[draft.key]),
        json.dumps(
            {
                "start": draft.start,
                "end": draft.end,
                "exact": draft.exact,
                "motivation": draft.motivation,
                "status": "published",
                "version": draft.version,
            }
        ),
        content_type="application/json",
    )
    assert updated.status_code == 200 and updated.json()["status"] == Status.DRAFT
    assert Annotation.objects.get(pk=draft.pk).status == Status.DRAFT
    published = Annotation.objects.published().first()
    before = snapshot()
    for name in ("update", "delete"):
        response = editor.post(
            reverse(f"{base}_{name}", args=[published.key]),
            json.dumps(
                {
                    "start": published.start,
                    "end": published.end,
                    "exact": published.exact,
                    "motivation": published.motivation,
                    "note": "Changed",
                }
            ),
            content_type="application/json",
        )
        assert response.status_code == 403
    assert snapshot() == before


def test_an_editor_cannot_publish_through_the_protocol(drafts, editor):
    source = drafts["public"]["source"]
    document = w3c_document(source)
    document["status"] = "published"  # not a protocol term: ignored
    response = editor.post(
        reverse("annotation-source-container", kwargs={"slug": source.slug}),
        json.dumps(document),
        content_type="application/ld+json",
    )
    assert response.status_code == 201, response.content
    key = response.json()["id"].rstrip("/").rsplit("/", 1)[-1]
    assert Annotation.objects.get(key=key).status == Status.DRAFT
    published = Annotation.objects.published().filter(source=source).first()
    item = reverse("annotation-item", kwargs={"key": published.key})
    before = snapshot()
    for method in ("PUT", "DELETE"):
        response = editor.generic(
            method,
            item,
            json.dumps(document),
            content_type="application/ld+json",
            headers={"If-Match": "*"},
        )
        assert response.status_code == 403, (method, response.content)
    assert snapshot() == before
