"""The JSON API at /api/: published content only, the indexes' filters, links that resolve."""

import json
import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import resolve, reverse

from archive.models import Annotation, Event, Organization, Participation, Person, Quote
from archive.models.events import local_moment
from sources.models import Source
from sources.publishing import Status

RESOURCES = {
    # API prefix: (model, public index, a published slug)
    "sources": (Source, "source-list", "altman-murati-interview-after-return"),
    "people": (Person, "person-list", "sam-altman"),
    "organizations": (Organization, "organization-list", "openai"),
    "events": (Event, "event-list", "altman-fired"),
    "quotes": (Quote, "quote-list", "altman-first-and-last-time"),
}
ORIGIN = "http://testserver"
INTERVIEW = "altman-murati-interview-after-return"
OP_ED = "jacobs-mission-and-execution-op-ed"


def get(client, path, status=200, **params):
    response = client.get(path, params)
    assert response.status_code == status, (path, params, response.content[:300])
    assert "json" in response["Content-Type"], path
    return response.json()


def api(prefix, slug=None):
    return f"/api/{prefix}/{slug}/" if slug else f"/api/{prefix}/"


def api_url(prefix, slug):
    return ORIGIN + api(prefix, slug)


def slugs(results) -> list[str]:
    return [row["slug"] for row in results]


def everything(client, prefix, **params) -> list[dict]:
    """Every row of a list, following `next` links."""
    page = get(client, api(prefix), page_size=200, **params)
    rows = page["results"]
    while page["next"]:
        page = get(client, page["next"])
        rows += page["results"]
    return rows


def urls_in(data) -> set[str]:
    """Every absolute URL anywhere in a response."""
    return set(re.findall(r'"(https?://[^"]+)"', json.dumps(data)))


def crawl(client) -> dict[str, dict]:
    """Every list and every detail of the API, by path."""
    pages = {"/api/": get(client, "/api/")}
    for prefix in RESOURCES:
        rows = everything(client, prefix)
        pages[api(prefix)] = rows
        for row in rows:
            pages[api(prefix, row["slug"])] = get(client, api(prefix, row["slug"]))
    return pages


# The root and the resources --------------------------------------------------------------


def test_root_lists_every_resource_and_the_schema(client, seed):
    root = get(client, "/api/")
    assert root == {
        **{prefix: ORIGIN + api(prefix) for prefix in RESOURCES},
        "schema": f"{ORIGIN}/api/schema/",
    }


@pytest.mark.parametrize("prefix", list(RESOURCES))
def test_list_has_every_published_row(client, seed, prefix):
    model = RESOURCES[prefix][0]
    page = get(client, api(prefix))
    published = model.objects.published()
    assert page["count"] == published.count()
    assert set(page) == {"count", "next", "previous", "results"}
    assert set(slugs(everything(client, prefix))) == set(published.values_list("slug", flat=True))
    for row in page["results"]:
        assert row["url"] == api_url(prefix, row["slug"])
        assert row["html_url"] == ORIGIN + model.objects.get(slug=row["slug"]).get_absolute_url()


@pytest.mark.parametrize("prefix", list(RESOURCES))
def test_detail_by_slug(client, seed, prefix):
    model, _, slug = RESOURCES[prefix]
    row = get(client, api(prefix, slug))
    instance = model.objects.get(slug=slug)
    assert row["url"] == api_url(prefix, slug)
    assert row["html_url"] == ORIGIN + instance.get_absolute_url()
    assert row["id"] == instance.pk and row["slug"] == slug
    for internal in ("status", "version", "author", "history", "created_at", "updated_at"):
        assert internal not in row


def test_source_list_leaves_the_text_to_the_detail(client, seed):
    listed = get(client, api("sources"))["results"][0]
    assert "body" not in listed and "quality_notes" not in listed
    source = Source.objects.get(slug=INTERVIEW)
    detail = get(client, api("sources", INTERVIEW))
    assert detail["body"] == source.body
    assert detail["original_language"] == source.original_language
    for field in ("title", "outlet", "authors", "published"):
        assert detail[f"{field}_basis"] == getattr(source, f"{field}_basis")
    assert detail["published_on"] == source.published_on.isoformat()
    assert detail["published_on_precision"] == source.published_on_precision
    assert (
        detail["annotation_count"] == Annotation.objects.published().filter(source=source).count()
    )
    # The W3C annotation container of this source.
    path = urlsplit(detail["annotations_url"]).path
    assert detail["annotations_url"] == ORIGIN + path
    match = resolve(path)
    assert match.url_name == "annotation-source-container"
    assert match.kwargs == {"slug": INTERVIEW}
    container = client.get(path).json()
    assert container["total"] == detail["annotation_count"]


def test_source_links_what_its_passages_link(client, seed):
    source = Source.objects.get(slug=INTERVIEW)
    passages = Annotation.objects.published().filter(source=source)
    detail = get(client, api("sources", INTERVIEW))
    expected = {
        "people": passages.values_list("persons__slug", flat=True),
        "organizations": passages.values_list("organizations__slug", flat=True),
        "events": passages.values_list("events__slug", flat=True),
        "quotes": passages.values_list("quote__slug", flat=True),
    }
    for prefix, values in expected.items():
        assert set(detail[prefix]) == {api_url(prefix, slug) for slug in values if slug}, prefix
        assert detail[prefix], prefix


def test_person_detail(client, seed):
    altman = Person.objects.get(slug="sam-altman")
    row = get(client, api("people", "sam-altman"))
    assert {"name": "Ultraman", "kind": "nickname"} in row["aliases"]
    assert {"name": "Greg Altman", "kind": "error"} in row["aliases"]
    assert "note" not in row["aliases"][0]
    ceo = next(role for role in row["roles"] if role["start"] == "2023-11-22")
    assert ceo["organization"] == api_url("organizations", "openai")
    assert ceo["organization_name"] == "OpenAI" and ceo["start_precision"] == "day"
    mentions = Annotation.objects.published().filter(persons=altman)
    assert row["mention_count"] == mentions.count()
    sources = set(mentions.values_list("source__slug", flat=True))
    assert row["source_count"] == len(sources)
    assert set(row["sources"]) == {api_url("sources", slug) for slug in sources}
    quotes = Quote.objects.published().filter(speaker=altman).values_list("slug", flat=True)
    assert set(row["quotes"]) == {api_url("quotes", slug) for slug in quotes}
    assert api_url("events", "altman-fired") in row["events"]
    # The same rows as the lists filtered by this person.
    assert set(row["events"]) == {r["url"] for r in everything(client, "events", person=altman.pk)}
    assert set(row["sources"]) == {
        r["url"] for r in everything(client, "sources", person=altman.pk)
    }


def test_organization_detail(client, seed):
    openai = Organization.objects.get(slug="openai")
    row = get(client, api("organizations", "openai"))
    assert row["parent"] is None
    assert api_url("organizations", "openai-board") in row["children"]
    assert get(client, api("organizations", "openai-board"))["parent"] == row["url"]
    assert {"person": api_url("people", "sam-altman"), "person_name": "Sam Altman"}.items() <= (
        row["roles"][0].items()
    )
    assert row["people_count"] == len({role["person"] for role in row["roles"]})
    quotes = Quote.objects.published().filter(speaker_organization=openai)
    assert set(row["quotes"]) == {api_url("quotes", quote.slug) for quote in quotes}
    assert (
        row["mention_count"] == Annotation.objects.published().filter(organizations=openai).count()
    )


def test_event_detail(client, seed):
    event = Event.objects.get(slug="altman-fired")
    row = get(client, api("events", "altman-fired"))
    assert row["moment"] == event.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert row["precision"] == event.precision and row["timezone"] == event.timezone
    assert row["certainty"] == event.certainty and row["approximate"] == event.approximate
    assert row["when_as_stated"] == event.when_as_stated
    assert row["parent"] == api_url("events", "openai-board-crisis")
    assert row["url"] in get(client, api("events", "openai-board-crisis"))["children"]
    participants = {p["person"] or p["organization"] for p in row["participants"]}
    assert api_url("people", "sam-altman") in participants
    passages = Annotation.objects.published().filter(events=event)
    accounts = {account["source"]: account for account in row["accounts"]}
    assert set(accounts) == {
        api_url("sources", slug) for slug in passages.values_list("source__slug", flat=True)
    }
    assert sum(account["passages"] for account in row["accounts"]) == passages.count()
    for account in row["accounts"]:
        assert set(account["stances"]) <= {"reports", "contradicts", "corrects", "speculates"}


def test_events_are_in_true_order(client, seed):
    moments = [row["moment"] for row in everything(client, "events")]
    assert moments == sorted(moments) and all(moment.endswith("Z") for moment in moments)


def test_quote_detail_and_speakers(client, seed):
    quote = Quote.objects.get(slug="altman-first-and-last-time")
    row = get(client, api("quotes", quote.slug))
    assert row["text"] == quote.text and row["medium"] == quote.medium
    assert row["speaker"] == {
        "kind": "person",
        "name": "Sam Altman",
        "url": api_url("people", "sam-altman"),
        "html_url": f"{ORIGIN}/people/sam-altman/",
    }
    assert row["event"] == api_url("events", "altman-guest-badge-visit")
    renderings = Annotation.objects.published().filter(quote=quote)
    assert row["rendering_count"] == len(row["renderings"]) == renderings.count()
    assert set(row["sources"]) == {
        api_url("sources", slug) for slug in renderings.values_list("source__slug", flat=True)
    }
    assert row["source_count"] == len(row["sources"])
    rendering = row["renderings"][0]
    assert rendering["exact"] in {r.exact for r in renderings}
    assert rendering["html_url"].startswith(ORIGIN + "/sources/") and "#a-" in rendering["html_url"]

    charter = get(client, api("quotes", "openai-charter-benefits-all-of-humanity"))["speaker"]
    assert charter["kind"] == "organization" and charter["url"] == api_url(
        "organizations", "openai"
    )
    meme = get(client, api("quotes", "what-did-ilya-see"))["speaker"]
    assert meme == {
        "kind": "anonymous",
        "name": "social media users",
        "url": None,
        "html_url": None,
    }


# Every link resolves ----------------------------------------------------------------------


def test_every_url_in_every_response_resolves(client, seed):
    pages = crawl(client)
    found = set().union(*(urls_in(data) for data in pages.values()))
    containers = {url for url in found if "/annotations/" in url}
    assert len(containers) == Source.objects.published().count()
    for url in containers:
        assert resolve(urlsplit(url).path).url_name == "annotation-source-container"
    paths = set()
    for url in found:
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == ORIGIN, url
        paths.add(parts.path + (f"?{parts.query}" if parts.query else ""))  # no #fragment
    unfetched = paths - set(pages)  # the public pages, which the crawl did not fetch
    public_pages = sum(model.objects.published().count() for model, _, _ in RESOURCES.values())
    assert len(unfetched) == public_pages + len(containers) + 1  # and the schema
    for path in sorted(unfetched):
        assert client.get(path).status_code == 200, path


# Filters: the public indexes' query parameters, the same results --------------------------


def index_slugs(client, name, prefix, params) -> list[str]:
    """Slugs of the rows an index page lists, in order: each row's title (or quotation) link."""
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    html = response.content.decode().split('class="index-results"', 1)[1]
    return re.findall(rf'(?:-title"><a|<blockquote><p><a) href="/{prefix}/([^/"#]+)/"', html)


def pk(model, slug):
    return model.objects.get(slug=slug).pk


FILTERS = [
    ("sources", lambda: {}),
    ("sources", lambda: {"person": pk(Person, "ilya-sutskever")}),
    ("sources", lambda: {"event": pk(Event, "gpt-4o-unveiled")}),
    ("sources", lambda: {"outlet": "The Verge"}),
    ("sources", lambda: {"kind": "op-ed"}),
    ("sources", lambda: {"published_after": "2023-11-20", "published_before": "2023-11-30"}),
    ("people", lambda: {"q": "altman"}),
    ("people", lambda: {"q": "Ultraman"}),
    ("people", lambda: {"organization": pk(Organization, "openai")}),
    ("organizations", lambda: {"q": "o"}),
    ("events", lambda: {"q": "board"}),
    ("events", lambda: {"person": pk(Person, "sam-altman")}),
    ("events", lambda: {"organization": pk(Organization, "microsoft")}),
    ("quotes", lambda: {"speaker": pk(Person, "sam-altman")}),
    ("quotes", lambda: {"source": pk(Source, OP_ED)}),
    ("quotes", lambda: {"event": pk(Event, "altman-guest-badge-visit")}),
    ("quotes", lambda: {"medium": "interview", "said_after": "2023-01-01"}),
]


@pytest.mark.parametrize(("prefix", "params"), FILTERS)
def test_a_filter_gives_what_the_public_index_gives(client, seed, prefix, params):
    params = params()
    page = get(client, api(prefix), **params)
    expected = index_slugs(client, RESOURCES[prefix][1], prefix, params)
    assert page["count"] <= 50  # one page of the index
    assert slugs(page["results"]) == expected
    if params:
        assert 0 < page["count"] < RESOURCES[prefix][0].objects.published().count()


@pytest.mark.parametrize(
    ("prefix", "params"),
    [
        ("sources", {"published_after": "not a date"}),
        ("sources", {"kind": "poem"}),
        ("sources", {"outlet": "Nobody's Gazette"}),
        ("sources", {"person": "999999"}),
        ("people", {"organization": "openai"}),
        ("events", {"person": "x"}),
        ("quotes", {"medium": "telepathy"}),
        ("quotes", {"said_before": "2023-13-45"}),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_filter(client, seed, prefix, params):
    errors = get(client, api(prefix), status=400, **params)
    assert set(errors) == set(params)
    assert all(isinstance(message, str) for message in next(iter(errors.values())))


def test_unknown_parameters_are_ignored(client, seed):
    assert get(client, api("people"), colour="blue")["count"] == Person.objects.published().count()


# Pagination -------------------------------------------------------------------------------


def test_pages_follow_each_other_without_overlap(client, seed):
    expected = slugs(get(client, api("quotes"), page_size=200)["results"])
    first = get(client, api("quotes"), page_size=10)
    assert first["count"] == 65 and len(first["results"]) == 10 and first["previous"] is None
    assert first["next"] == f"{ORIGIN}/api/quotes/?page=2&page_size=10"
    second = get(client, first["next"])
    assert second["previous"] == f"{ORIGIN}/api/quotes/?page_size=10"
    seen, page = [], first
    while True:
        seen += slugs(page["results"])
        if not page["next"]:
            break
        page = get(client, page["next"])
    assert seen == expected and len(set(seen)) == 65


def test_filters_are_kept_in_page_links(client, seed):
    altman = pk(Person, "sam-altman")
    page = get(client, api("quotes"), speaker=altman, page_size=5)
    assert f"speaker={altman}" in page["next"] and "page=2" in page["next"]
    assert get(client, page["next"])["count"] == page["count"] == 25


def test_page_size_has_a_ceiling(client, seed):
    Person.objects.bulk_create(
        Person(slug=f"bulk-{number}", name=f"Bulk {number}", status=Status.PUBLISHED)
        for number in range(200)
    )
    page = get(client, api("people"), page_size=1000)
    assert page["count"] == 238 and len(page["results"]) == 200
    assert page["next"] == f"{ORIGIN}/api/people/?page=2&page_size=1000"
    assert len(get(client, api("people"))["results"]) == 50  # the default


def test_a_page_past_the_end_is_a_404(client, seed):
    assert "detail" in get(client, api("sources"), status=404, page=9)


# Drafts -----------------------------------------------------------------------------------


def make_drafts() -> dict[str, object]:
    drafts = {
        "people": Person.objects.get(slug="sam-altman"),
        "organizations": Organization.objects.get(slug="microsoft"),
        "events": Event.objects.get(slug="altman-guest-badge-visit"),
        "sources": Source.objects.get(slug=OP_ED),
        "quotes": Quote.objects.get(slug="openai-charter-benefits-all-of-humanity"),
    }
    for row in drafts.values():
        type(row).objects.filter(pk=row.pk).update(status=Status.DRAFT)
    return drafts


def test_drafts_are_not_listed_and_their_detail_is_a_404(client, seed):
    drafts = make_drafts()
    for prefix, row in drafts.items():
        assert row.slug not in slugs(everything(client, prefix)), prefix
        assert get(client, api(prefix, row.slug), status=404) == {
            "detail": f"No {type(row).__name__} matches the given query."
        }
    # A draft's id is not a filter value, as on the public indexes.
    for prefix, name, draft in [
        ("sources", "person", "people"),
        ("sources", "event", "events"),
        ("people", "organization", "organizations"),
        ("quotes", "source", "sources"),
    ]:
        assert name in get(client, api(prefix), status=400, **{name: drafts[draft].pk})


def test_drafts_are_never_linked(client, seed):
    drafts = make_drafts()
    found = set().union(*(urls_in(data) for data in crawl(client).values()))
    for prefix, row in drafts.items():
        assert api_url(prefix, row.slug) not in found, prefix
        assert ORIGIN + row.get_absolute_url() not in found, prefix
    # A quote by a draft person names no one (as its public page does).
    quote = get(client, api("quotes", "altman-first-and-last-time"))
    assert quote["speaker"]["kind"] == "anonymous" and quote["speaker"]["url"] is None
    assert quote["event"] is None  # said during a draft event
    # Passages in a draft source count for nothing.
    openai = get(client, api("organizations", "openai"))
    assert openai["source_count"] == len(openai["sources"]) == 4


def test_a_draft_parent_is_null(client, seed):
    Event.objects.filter(slug="openai-board-crisis").update(status=Status.DRAFT)
    Organization.objects.filter(slug="openai").update(status=Status.DRAFT)
    assert get(client, api("events", "altman-fired"))["parent"] is None
    board = get(client, api("organizations", "openai-board"))
    assert board["parent"] is None
    assert api_url("organizations", "openai") not in json.dumps(get(client, api("people")))


def test_a_draft_passage_links_nothing(client, seed):
    passage = Annotation.objects.published().filter(persons__slug="cai-ding").first()
    Annotation.objects.filter(persons__slug="cai-ding").update(status=Status.DRAFT)
    row = get(client, api("people", "cai-ding"))
    assert row["mention_count"] == row["source_count"] == 0 and row["sources"] == []
    source = get(client, api("sources", passage.source.slug))
    assert api_url("people", "cai-ding") not in source["people"]


# Read-only, errors ------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", list(RESOURCES))
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_are_refused(client, seed, prefix, method):
    slug = RESOURCES[prefix][2]
    for path in (api(prefix), api(prefix, slug)):
        response = getattr(client, method)(path, data={}, content_type="application/json")
        assert response.status_code == 405, (method, path)
        assert response.json() == {"detail": f'Method "{method.upper()}" not allowed.'}
    assert RESOURCES[prefix][0].objects.filter(slug=slug, status=Status.PUBLISHED).exists()


def test_unknown_slug_is_a_json_404(client, seed):
    assert get(client, api("people", "no-such-person"), status=404) == {
        "detail": "No Person matches the given query."
    }
    assert client.get("/api/nothing/").status_code == 404


# The OpenAPI description ------------------------------------------------------------------


def test_schema_describes_every_endpoint(client, seed):
    schema = get(client, "/api/schema/", format="json")
    assert schema["openapi"].startswith("3.")
    expected = {"/api/"} | {api(p) for p in RESOURCES} | {f"/api/{p}/{{slug}}/" for p in RESOURCES}
    assert set(schema["paths"]) == expected
    assert all(list(operations) == ["get"] for operations in schema["paths"].values())
    people = schema["paths"]["/api/people/"]["get"]
    parameters = {parameter["name"] for parameter in people["parameters"]}
    assert parameters == {"q", "organization", "page", "page_size"}
    # YAML by default, and JSON on request by Accept too.
    assert client.get("/api/schema/").status_code == 200
    response = client.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert json.loads(response.content)["paths"] == schema["paths"]


def test_schema_generates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )


# Query budgets ----------------------------------------------------------------------------

# Queries per request, the same however many rows there are. A list: the count, the page,
# its prefetches; with filters, one more per filter whose choices are checked (outlets, ids).
LIST_BUDGETS = {"sources": 2, "people": 4, "organizations": 3, "events": 3, "quotes": 2}
FILTERED_BUDGETS = {"sources": 5, "people": 5, "organizations": 3, "events": 5, "quotes": 5}
# A detail: the row with its prefetches, then one query per list of linked rows.
DETAIL_BUDGETS = {"sources": 5, "people": 6, "organizations": 7, "events": 5, "quotes": 2}


def all_filters() -> dict[str, dict]:
    """Every filter of every list set at once, to values that still match something."""
    altman, openai = Person.objects.get(slug="sam-altman"), pk(Organization, "openai")
    interview = Source.objects.get(slug=INTERVIEW)
    passages = Annotation.objects.published().filter(source=interview)
    told = passages.filter(persons=altman, events__status=Status.PUBLISHED)
    quote = Quote.objects.published().filter(
        pk__in=passages.values("quote"), speaker=altman, event__status=Status.PUBLISHED
    )[0]
    return {
        "sources": {
            "outlet": interview.outlet,
            "kind": interview.kind,
            "published_after": "2023-01-01",
            "published_before": "2024-12-31",
            "person": altman.pk,
            "event": told.values_list("events", flat=True)[0],
        },
        "people": {"q": "a", "organization": openai},
        "organizations": {"q": "o"},
        "events": {"q": "a", "person": altman.pk, "organization": openai},
        "quotes": {
            "speaker": altman.pk,
            "source": interview.pk,
            "event": quote.event_id,
            "medium": quote.medium,
            "said_after": "2015-01-01",
            "said_before": "2024-12-31",
        },
    }


def add_published_rows(count: int) -> None:
    """Rows of every kind, each linked to the others, so every list and detail grows."""
    openai = Organization.objects.get(slug="openai")
    altman = Person.objects.get(slug="sam-altman")
    parent = Event.objects.get(slug="altman-fired")
    interview = Source.objects.get(slug=INTERVIEW)
    for number in range(count):
        person = Person.objects.create(
            slug=f"extra-person-{number}", name=f"Extra Person {number}", status=Status.PUBLISHED
        )
        person.aliases.create(name=f"Extra {number}", kind="short")
        person.roles.create(organization=openai, title="Researcher")
        organization = Organization.objects.create(
            slug=f"extra-org-{number}",
            name=f"Extra Org {number}",
            parent=openai,
            status=Status.PUBLISHED,
        )
        organization.aliases.create(name=f"EO{number}", kind="abbreviation")
        moment, precision = local_moment(f"2023-12-{number % 28 + 1:02d}T10:00", "Asia/Seoul")
        event = Event.objects.create(
            slug=f"extra-event-{number}",
            title=f"Extra event {number}",
            occurred_at=moment,
            precision=precision,
            timezone="Asia/Seoul",
            parent=parent,
            status=Status.PUBLISHED,
        )
        Participation.objects.create(event=event, person=altman)
        Participation.objects.create(event=event, organization=organization)
        quote = Quote.objects.create(
            slug=f"extra-quote-{number}",
            text=f"Extra words {number}",
            speaker=altman if number % 2 else None,
            speaker_organization=None if number % 2 else openai,
            event=event,
            medium="interview",
            said_on=interview.published_on,
            said_on_precision="day",
            status=Status.PUBLISHED,
        )
        source = Source.objects.create(
            slug=f"extra-source-{number}",
            title=f"Extra source {number}",
            outlet="The Verge",
            kind="interview",
            published_on=interview.published_on,
            published_on_precision="day",
            body=f"Extra text {number}.",
            status=Status.PUBLISHED,
        )
        for on in (source, interview):
            passage = Annotation.objects.create(
                source=on,
                start=0,
                end=5,
                exact=on.body[:5],
                quote=quote,
                status=Status.PUBLISHED,
            )
            passage.persons.set([person, altman])
            passage.organizations.set([organization, openai])
            passage.events.set([event, parent])


def assert_budgets(within_budget):
    filters = all_filters()
    for prefix, (_, _, slug) in RESOURCES.items():
        assert within_budget(LIST_BUDGETS[prefix], api(prefix), {})["results"]
        assert within_budget(FILTERED_BUDGETS[prefix], api(prefix), filters[prefix])["results"]
        within_budget(DETAIL_BUDGETS[prefix], api(prefix, slug), {})


@pytest.fixture
def within_budget(client, django_assert_max_num_queries):
    def check(budget, path, params):
        with django_assert_max_num_queries(budget):
            response = client.get(path, params)
        assert response.status_code == 200, (path, params)
        return response.json()

    return check


def test_query_budgets(client, seed, within_budget):
    assert_budgets(within_budget)


def test_query_budgets_do_not_grow_with_the_data(client, seed, within_budget):
    add_published_rows(30)
    assert_budgets(within_budget)
    # The extra rows were on the pages measured.
    events = within_budget(
        FILTERED_BUDGETS["events"], api("events"), {"person": pk(Person, "sam-altman")}
    )
    assert events["count"] > 30
    altman = within_budget(DETAIL_BUDGETS["people"], api("people", "sam-altman"), {})
    assert len(altman["events"]) > 30 and len(altman["quotes"]) > 15
    openai = within_budget(DETAIL_BUDGETS["organizations"], api("organizations", "openai"), {})
    assert len(openai["children"]) > 30 and len(openai["roles"]) > 30
    interview = within_budget(DETAIL_BUDGETS["sources"], api("sources", INTERVIEW), {})
    assert len(interview["people"]) > 30 and len(interview["quotes"]) > 30
    fired = within_budget(DETAIL_BUDGETS["events"], api("events", "altman-fired"), {})
    assert len(fired["children"]) == 30
    quote = within_budget(DETAIL_BUDGETS["quotes"], api("quotes", "extra-quote-1"), {})
    assert len(quote["renderings"]) == 2
