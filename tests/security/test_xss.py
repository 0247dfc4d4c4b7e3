"""Stored XSS: hostile text in every field an editor types comes out as text, never as markup.

For each payload, one small published world is built (module-scoped, rolled back at the end)
with the payload in every editor-entered field that the public sees: the source's title,
outlet, authors, notes and body; names, descriptions and aliases; role titles; an event's
title, summary and wording of its time; quotes, their speaker descriptions and notes; an
annotation's Markdown note and correction. Then every public page, API resource and W3C
document that shows them is fetched and read strictly (tests/security/htmlcheck.py): no
script but the site's own, no event handler, no javascript:/data: link, nothing framed or
embedded, JSON only as data. The report shows each payload against each page.
"""

import datetime
import json

import markdown
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from archive.models import (
    Annotation,
    Certainty,
    Event,
    Medium,
    Organization,
    Participation,
    Person,
    Quote,
    Role,
    Stance,
)
from archive.notes import render_note
from sources.models import Source
from sources.publishing import Status
from tests.conftest import clear_collection
from tests.security.htmlcheck import read_page, strings_in

#: A word next to every payload: what the search page is asked for.
WORD = "Quillwort"

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "img-onerror": '"><img src=x onerror=alert(1)>',
    "md-javascript-link": "[click me](javascript:alert(1))",
    "md-javascript-obfuscated": (
        "[a](JaVaScRiPt:alert(1)) [b](java\tscript:alert(1)) [c](&#106;avascript:alert(1))"
    ),
    "md-data-link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "md-vbscript-link": "[x](vbscript:msgbox(1))",
    "md-image-onerror": '![x](javascript:alert(1)) ![y](x" onerror="alert(1))',
    "md-autolink": '<javascript:alert(1)> <http://ok.example/"onmouseover="alert(1)>',
    "md-html-mix": '**bold** <b onclick=alert(1)>x</b> <a href="javascript:alert(1)">y</a>',
    "svg-onload": "<svg onload=alert(1)><circle r=1 /></svg>",
    "attr-breaker-single": "' onmouseover='alert(1)' x='",
    "attr-breaker-double": '" onfocus="alert(1)" autofocus x="',
    "textarea-breaker": "</textarea><script>alert(1)</script>",
    "title-breaker": "</title><script>alert(1)</script>",
    "template-syntax": "{{ 7*7 }} {% debug %} {{ settings.SECRET_KEY }} #{7*7}",
    "iframe-srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "a-data-uri": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "a-entity-encoded-js": '<a href="&#106;avascript:alert(1)">x</a>',
    "double-escape": "&lt;script&gt;alert(1)&lt;/script&gt; &amp;lt;b&amp;gt;",
    "unicode-tricks": "x\u2028y\u2029z \u202egnp.exe\u202c \ufeff<scr\u200bipt>",
    "style-import": "<style>@import 'http://evil.example/x.css';</style>",
    "mutation-xss": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "comment-breaker": "--><script>alert(1)</script><!--",
    "script-end-in-json": "</script><script>alert(1)</script><!--<script>",
    "js-template-literal": "${alert(1)}`;alert(1)//\\';alert(1)//",
    "css-expression": '<div style="width: expression(alert(1))">x</div>',
    "base-href": '<base href="http://evil.example/">',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "form-action": '<form action="http://evil.example/"><button>Go</button></form>',
    "details-ontoggle": "<details open ontoggle=alert(1)>",
    "object-embed": '<object data="javascript:alert(1)"></object><embed src="data:x,1">',
    "noscript-breaker": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
}

ADMIN_COMMENTS = {
    " Container ",
    " END Container ",
    " Header ",
    " END Header ",
    " Content ",
    " END Content ",
    " SVGs ",
    " END SVGs ",
    " DIV needed for valid HTML ",
}


def annotate(source, exact, occurrence=0, **fields):
    start = -1
    for _ in range(occurrence + 1):
        start = source.body.index(exact, start + 1)
    links = {name: fields.pop(name, []) for name in ("persons", "organizations", "events")}
    annotation = Annotation.objects.create(
        source=source,
        start=start,
        end=start + len(exact),
        exact=exact,
        status=Status.PUBLISHED,
        **fields,
    )
    for name, entities in links.items():
        getattr(annotation, name).set(entities)
    return annotation


def build_world(p: str) -> dict:
    """Every editor-entered field that reaches the public, with the payload `p` in it."""
    published = {"status": Status.PUBLISHED}
    author = get_user_model().objects.create_user(
        "xss-author", first_name="Ed", last_name=p[:150], is_staff=True
    )
    parent_org = Organization.objects.create(
        slug="xss-parent-org", name=f"{p} {WORD} holding", description=p, **published
    )
    org = Organization.objects.create(
        slug="xss-org",
        name=f"{p} {WORD} org",
        description=f"{p} {WORD} description",
        parent=parent_org,
        **published,
    )
    org.aliases.create(name=f"{p} org alias", kind="short", note=p[:300])
    person = Person.objects.create(
        slug="xss-person",
        name=f"{p} {WORD} person",
        description=f"{p} {WORD} description",
        **published,
    )
    person.aliases.create(name=f"{p} alias", kind="nickname", note=p[:300])
    person.aliases.create(name=f"{p} wrong name", kind="error")
    Role.objects.create(
        person=person,
        organization=org,
        title=f"{p} {WORD} role",
        note=p[:300],
        start=datetime.date(2023, 11, 1),
        start_precision="day",
    )
    parent_event = Event.objects.create(
        slug="xss-parent-event",
        title=f"{p} {WORD} parent event",
        occurred_at=datetime.datetime(2023, 11, 1, tzinfo=datetime.UTC),
        **published,
    )
    event = Event.objects.create(
        slug="xss-event",
        title=f"{p} {WORD} event",
        summary=f"{p} {WORD} summary",
        when_as_stated=f"{p} Sunday"[:300],
        parent=parent_event,
        occurred_at=datetime.datetime(2023, 11, 17, 20, tzinfo=datetime.UTC),
        precision="hour",
        timezone="America/Los_Angeles",
        certainty=Certainty.DISPUTED,
        **published,
    )
    Participation.objects.create(event=event, person=person, part=f"{p} part"[:200])
    Participation.objects.create(event=event, organization=org, part=f"{p} part"[:200])
    quote = Quote.objects.create(
        slug="xss-quote",
        text=f"{p} {WORD} said",
        text_note=f"{p} text note",
        context=f"{p} context"[:300],
        speaker=person,
        medium=Medium.INTERVIEW,
        event=event,
        **published,
    )
    anonymous = Quote.objects.create(
        slug="xss-anonymous-quote",
        text=f"{WORD} {p} anonymous",
        speaker_description=f"{p} {WORD} insider"[:300],
        **published,
    )
    source = Source.objects.create(
        slug="xss-source",
        title=f"{p} {WORD} title",
        outlet=f"{p} outlet"[:200],
        authors=f"{p} author"[:300],
        attribution_notes=f"{p} attribution",
        translation_notes=f"{p} translation",
        quality_notes=f"{p} quality",
        original_language="de",
        published_on=datetime.date(2023, 11, 18),
        published_on_precision="day",
        body=(
            f"{WORD} opening words {p} and the rest.\n\n"
            f"The board heard {WORD} person say {p} to everyone.\n\n"
            f"{p}"
        ),
        **published,
    )
    other = Source.objects.create(
        slug="xss-other-source",
        title=f"{p} {WORD} other title",
        outlet=f"{p} other outlet"[:200],
        body=f"Another account: {p} as told here.",
        **published,
    )
    notes = {
        "comment": annotate(
            source,
            p,
            motivation="commenting",
            note=f"{WORD} note: {p}\n\n{p}",
            author=author,
        ),
        "mention": annotate(
            source,
            f"{WORD} person",
            motivation="identifying",
            persons=[person],
            organizations=[org],
        ),
        "correction": annotate(
            source, p, occurrence=1, motivation="correcting", correction=f"{p} {WORD}"
        ),
        "rendering": annotate(
            source,
            p,
            occurrence=2,
            motivation="linking",
            quote=quote,
            events=[event],
            stance=Stance.CONTRADICTS,
            note=p,
        ),
        "anonymous": annotate(source, "the rest", motivation="linking", quote=anonymous),
        "other": annotate(
            other, p, motivation="describing", events=[event], stance=Stance.SPECULATES, note=p
        ),
    }
    return {
        "payload": p,
        "source": source,
        "other": other,
        "person": person,
        "org": org,
        "parent_org": parent_org,
        "event": event,
        "parent_event": parent_event,
        "quote": quote,
        "anonymous": anonymous,
        "annotations": notes,
    }


@pytest.fixture(scope="module", params=list(PAYLOADS))
def world(request, django_db_setup, django_db_blocker):
    """One world per payload, shared by that payload's page tests and rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        clear_collection()
        world = build_world(PAYLOADS[request.param])
        publisher = get_user_model().objects.create_user("xss-publisher", is_staff=True)
        publisher.groups.add(Group.objects.get(name="Publishers"))
        world["publisher"] = Client()
        world["publisher"].force_login(publisher)
        yield world
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def fresh_cache():
    """A page cached for another payload's world must not answer for this one."""
    cache.clear()
    yield
    cache.clear()


# Public HTML pages ------------------------------------------------------------------------

#: name -> (URL from the world, whether the whole payload must appear as text there).
HTML_PAGES = {
    "home": (lambda w: reverse("home"), True),
    "source-list": (lambda w: reverse("source-list"), True),
    "reader": (lambda w: w["source"].get_absolute_url(), True),
    "reader-other": (lambda w: w["other"].get_absolute_url(), True),
    "person-list": (lambda w: reverse("person-list"), True),
    "person": (lambda w: w["person"].get_absolute_url(), True),
    "organization-list": (lambda w: reverse("organization-list"), True),
    "organization": (lambda w: w["org"].get_absolute_url(), True),
    "timeline": (lambda w: reverse("event-list"), True),
    "event": (lambda w: w["event"].get_absolute_url(), True),
    "quote-list": (lambda w: reverse("quote-list"), True),
    "quote": (lambda w: w["quote"].get_absolute_url(), True),
    "quote-anonymous": (lambda w: w["anonymous"].get_absolute_url(), True),
    "search-word": (lambda w: reverse("search") + f"?q={WORD}", True),
    "search-payload": (lambda w: reverse("search") + "?" + query(q=w["payload"]), False),
    "filter-reflected-person-q": (
        lambda w: reverse("person-list") + "?" + query(q=w["payload"]),
        False,
    ),
    "filter-reflected-event-q": (
        lambda w: reverse("event-list") + "?" + query(q=w["payload"]),
        False,
    ),
    "filter-invalid-outlet": (
        lambda w: reverse("source-list") + "?" + query(outlet=w["payload"]),
        True,  # "Select a valid choice. <payload> is not one of the available choices."
    ),
    "filter-invalid-person": (
        lambda w: reverse("quote-list") + "?" + query(speaker=w["payload"]),
        False,
    ),
}


def query(**params) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


def assert_no_markup(response, *, admin=False):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
    assert response["X-Content-Type-Options"] == "nosniff"
    page = read_page(response.content.decode(), admin=admin)
    findings = page.findings
    if admin:
        findings = [
            f for f in findings if f.removeprefix("an HTML comment: ")[1:-1] not in ADMIN_COMMENTS
        ]
    assert findings == [], findings
    return page


@pytest.mark.parametrize("name", list(HTML_PAGES))
def test_public_page_shows_the_payload_as_text(db, world, name, client):
    url_of, shown = HTML_PAGES[name]
    page = assert_no_markup(client.get(url_of(world)))
    if shown:
        assert world["payload"] in page.text


# Public JSON: the API and the Web Annotation protocol ---------------------------------------

JSON_RESOURCES = {
    "api-sources": lambda w: reverse("api:source-list"),
    "api-source": lambda w: reverse("api:source-detail", kwargs={"slug": w["source"].slug}),
    "api-people": lambda w: reverse("api:person-list"),
    "api-person": lambda w: reverse("api:person-detail", kwargs={"slug": w["person"].slug}),
    "api-organizations": lambda w: reverse("api:organization-list"),
    "api-organization": lambda w: reverse("api:organization-detail", kwargs={"slug": "xss-org"}),
    "api-events": lambda w: reverse("api:event-list"),
    "api-event": lambda w: reverse("api:event-detail", kwargs={"slug": w["event"].slug}),
    "api-quotes": lambda w: reverse("api:quote-list"),
    "api-quote": lambda w: reverse("api:quote-detail", kwargs={"slug": w["quote"].slug}),
    "api-quote-anonymous": lambda w: reverse(
        "api:quote-detail", kwargs={"slug": w["anonymous"].slug}
    ),
    "w3c-container": lambda w: reverse("annotation-container"),
    "w3c-source-container": lambda w: reverse(
        "annotation-source-container", kwargs={"slug": w["source"].slug}
    ),
    "w3c-annotation": lambda w: reverse(
        "annotation-item", kwargs={"key": w["annotations"]["comment"].key}
    ),
    "w3c-correction": lambda w: reverse(
        "annotation-item", kwargs={"key": w["annotations"]["correction"].key}
    ),
}
JSON_TYPES = ("application/json", "application/ld+json")


def assert_json_data(response, status=200):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].split(";")[0].strip() in JSON_TYPES
    assert response["X-Content-Type-Options"] == "nosniff"
    return json.loads(response.content)


@pytest.mark.parametrize("name", list(JSON_RESOURCES))
def test_json_carries_the_payload_as_a_string(db, world, name, client):
    document = assert_json_data(client.get(JSON_RESOURCES[name](world)))
    assert any(world["payload"] in value for value in strings_in(document))


def test_json_is_never_served_as_html(db, world, client):
    for name in ("api-source", "api-people", "w3c-annotation", "w3c-source-container"):
        response = client.get(JSON_RESOURCES[name](world), headers={"Accept": "text/html"})
        assert not response["Content-Type"].startswith("text/html"), name
        assert response["X-Content-Type-Options"] == "nosniff"


def test_json_errors_that_echo_the_payload_are_json(db, world, client):
    payload = world["payload"]
    for url in (
        reverse("api:source-list") + "?" + query(outlet=payload),
        reverse("annotation-container") + "?" + query(page=payload),
    ):
        document = assert_json_data(client.get(url), status=400)
        assert document  # a reason, as data


# The editors' side: the admin and the workbench, where editors read each other's input ----

ADMIN_PAGES = {
    "workbench": lambda w: reverse("admin:archive_annotation_workbench", args=[w["source"].pk]),
    "source-change": lambda w: reverse("admin:sources_source_change", args=[w["source"].pk]),
    "source-changelist": lambda w: reverse("admin:sources_source_changelist"),
    "source-history": lambda w: reverse("admin:sources_source_history", args=[w["source"].pk]),
    "person-change": lambda w: reverse("admin:archive_person_change", args=[w["person"].pk]),
    "organization-change": lambda w: reverse(
        "admin:archive_organization_change", args=[w["org"].pk]
    ),
    "event-change": lambda w: reverse("admin:archive_event_change", args=[w["event"].pk]),
    "quote-change": lambda w: reverse("admin:archive_quote_change", args=[w["quote"].pk]),
    "annotation-change": lambda w: reverse(
        "admin:archive_annotation_change", args=[w["annotations"]["comment"].pk]
    ),
    "annotation-changelist": lambda w: reverse("admin:archive_annotation_changelist"),
    "annotation-search": lambda w: (
        reverse("admin:archive_annotation_changelist") + "?" + query(q=w["payload"])
    ),
}


@pytest.mark.parametrize("name", list(ADMIN_PAGES))
def test_admin_page_escapes_the_payload(db, world, name):
    assert_no_markup(world["publisher"].get(ADMIN_PAGES[name](world)), admin=True)


def test_the_workbench_json_script_cannot_be_broken_out_of(db, world):
    publisher_client = world["publisher"]
    page = assert_no_markup(publisher_client.get(ADMIN_PAGES["workbench"](world)), admin=True)
    [config] = page.json_blocks  # one block, whole, parsed as JSON
    assert config["source"]["title"] == world["source"].title


def test_the_workbench_state_and_preview_are_json_with_sanitised_html(db, world):
    publisher_client = world["publisher"]
    source = world["source"]
    state = assert_json_data(
        publisher_client.get(reverse("admin:archive_annotation_workbench_state", args=[source.pk]))
    )
    assert read_page(state["html"]).findings == []
    for annotation in state["annotations"]:
        assert read_page(annotation["note_html"]).findings == []
    preview = publisher_client.post(
        reverse("admin:archive_annotation_workbench_preview"),
        json.dumps({"note": world["annotations"]["comment"].note}),
        content_type="application/json",
    )
    assert read_page(assert_json_data(preview)["html"]).findings == []


# The Markdown renderer on its own, for every payload (and more than the world holds) --------


@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_render_note_keeps_no_executable_markup(payload):
    for text in (payload, f"* {payload}", f"> {payload}", f"`{payload}`", f"[{payload}](/x)"):
        assert read_page(str(render_note(text))).findings == [], text


#: Payloads that are not markup at all: they must come out as the very same text.
PLAIN_TEXT = {"template-syntax", "double-escape", "unicode-tricks", "js-template-literal"}


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_the_checker_would_catch_the_payload_unescaped(name):
    """The reading above is strict enough: each markup payload, pasted into a page without
    escaping (in text and in quoted attributes, Markdown ones rendered unsanitised), is
    flagged; the plain-text ones are not markup in any context."""
    payload = PAYLOADS[name]
    raw = markdown.markdown(payload) if name.startswith("md-") else payload
    findings = read_page(f"<p title='{payload}' data-x=\"{payload}\">{raw}</p>").findings
    if name in PLAIN_TEXT:
        assert findings == []
    else:
        assert findings
