"""Public indexes: sources, people, organisations, quotes and the timeline, with their filters."""

import re

import pytest
from django.urls import reverse

from archive.models import Annotation, Event, Organization, Participation, Person, Quote
from archive.models.events import local_moment
from sources.models import Source
from sources.publishing import Status

OP_ED = "jacobs-mission-and-execution-op-ed"
INTERVIEW = "altman-murati-interview-after-return"

# Queries per page, with every filter set: the same however many rows there are.
BUDGETS = {
    "source-list": 8,
    "person-list": 5,
    "organization-list": 2,
    "quote-list": 8,
    "event-list": 7,
}
GENERATION = 1  # every page also reads the content generation (archive/caching.py)


def page(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response.content.decode()


def linked(html: str, prefix: str) -> set[str]:
    """Slugs of the pages under /prefix/ that `html` links to."""
    return set(re.findall(rf'href="/{prefix}/([^/"]+)/"', html))


def results(html: str) -> str:
    """The results column only (not the filter form's choices)."""
    return html.split('class="index-results"', 1)[1]


def pk(model, slug):
    return model.objects.get(slug=slug).pk


@pytest.fixture
def filtered_params():
    """Every filter of every page set to a real, published value."""
    altman, sutskever = pk(Person, "sam-altman"), pk(Person, "ilya-sutskever")
    openai = pk(Organization, "openai")
    event = Annotation.objects.published().filter(events__isnull=False).first().events.first()
    source = Source.objects.get(slug=INTERVIEW)
    return {
        "source-list": {
            "outlet": "The Verge",
            "kind": "interview",
            "published_after": "2023-01-01",
            "published_before": "2024-12-31",
            "person": sutskever,
            "event": event.pk,
        },
        "person-list": {"q": "a", "organization": openai},
        "organization-list": {"q": "o"},
        "quote-list": {
            "speaker": altman,
            "source": source.pk,
            "event": event.pk,
            "medium": "interview",
            "said_after": "2023-01-01",
            "said_before": "2024-12-31",
        },
        "event-list": {"q": "a", "person": altman, "organization": openai},
    }


# Every page -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(BUDGETS))
def test_each_index_renders_the_seed(client, seed, name):
    html = page(client, name)
    assert "<main" in html and 'method="get"' in html
    assert "Apply filters" in html and "Clear filters" in html
    assert 'aria-current="page"' in html


def test_every_form_control_has_a_label(client, seed):
    for name in BUDGETS:
        html = page(client, name).split('class="filters"', 1)[1].split("</form>", 1)[0]
        ids = re.findall(r'<(?:input|select)[^>]*\sid="([^"]+)"', html)
        assert ids, name
        for control_id in ids:
            assert f'<label for="{control_id}">' in html, (name, control_id)


def test_header_links_to_every_index(client, seed):
    html = page(client, "home")
    for name in BUDGETS:
        assert f'href="{reverse(name)}"' in html


def test_index_urls_are_permanent():
    assert reverse("source-list") == "/sources/"
    assert reverse("person-list") == "/people/"
    assert reverse("organization-list") == "/organizations/"
    assert reverse("quote-list") == "/quotes/"
    assert reverse("event-list") == "/events/"


# Query budgets ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "budget"), list(BUDGETS.items()))
def test_query_budget_with_and_without_filters(
    client, seed, filtered_params, django_assert_max_num_queries, name, budget
):
    with django_assert_max_num_queries(budget + GENERATION):
        client.get(reverse(name))
    with django_assert_max_num_queries(budget + GENERATION):
        response = client.get(reverse(name), filtered_params[name])
    assert response.status_code == 200


def add_published_rows(count: int) -> None:
    openai = Organization.objects.get(slug="openai")
    source = Source.objects.get(slug=OP_ED)
    for number in range(count):
        person = Person.objects.create(
            slug=f"extra-person-{number}", name=f"Extra Person {number}", status=Status.PUBLISHED
        )
        person.roles.create(organization=openai, title="Researcher")
        Organization.objects.create(
            slug=f"extra-org-{number}", name=f"Extra Org {number}", status=Status.PUBLISHED
        )
        moment, precision = local_moment(f"2023-12-{number % 28 + 1:02d}T10:00", "Asia/Seoul")
        event = Event.objects.create(
            slug=f"extra-event-{number}",
            title=f"Extra event {number}",
            occurred_at=moment,
            precision=precision,
            timezone="Asia/Seoul",
            status=Status.PUBLISHED,
        )
        Participation.objects.create(event=event, person=person)
        Participation.objects.create(event=event, organization=openai)
        Quote.objects.create(
            slug=f"extra-quote-{number}",
            text=f"Extra words {number}",
            speaker=person,
            event=event,
            status=Status.PUBLISHED,
        )
        Source.objects.create(
            slug=f"extra-source-{number}",
            title=f"Extra source {number}",
            outlet=f"Extra outlet {number}",
            body=f"Extra text {number}.",
            status=Status.PUBLISHED,
        )
    # One more passage on an existing source, linking the new rows.
    Annotation.objects.create(
        source=source,
        start=0,
        end=3,
        exact=source.body[:3],
        status=Status.PUBLISHED,
    ).persons.set(Person.objects.filter(slug__startswith="extra-person-"))


@pytest.mark.parametrize(("name", "budget"), list(BUDGETS.items()))
def test_query_budget_does_not_grow_with_the_data(
    client, seed, filtered_params, django_assert_max_num_queries, name, budget
):
    add_published_rows(30)
    with django_assert_max_num_queries(budget + GENERATION):
        response = client.get(reverse(name))
    assert response.status_code == 200
    with django_assert_max_num_queries(budget + GENERATION):
        response = client.get(reverse(name), filtered_params[name])
    assert response.status_code == 200
    assert "Extra" in page(client, name)


# Sources ----------------------------------------------------------------------------------


def test_sources_by_person(client, seed):
    sutskever = Person.objects.get(slug="ilya-sutskever")
    expected = set(
        Source.objects.published()
        .filter(annotations__in=Annotation.objects.published().filter(persons=sutskever))
        .values_list("slug", flat=True)
    )
    html = page(client, "source-list", person=sutskever.pk)
    assert linked(results(html), "sources") == expected
    assert OP_ED not in expected and len(expected) == 4
    assert "4 sources match" in html


def test_sources_by_outlet_kind_and_dates(client, seed):
    assert linked(page(client, "source-list", outlet="The Verge"), "sources") == {INTERVIEW}
    assert linked(page(client, "source-list", kind="op-ed"), "sources") == {OP_ED}
    in_2024 = page(client, "source-list", published_after="2024-01-01")
    assert linked(in_2024, "sources") == {
        "sutskever-leike-exodus-blog",
        "safety-team-lost-trust-in-altman",
    }
    late_2023 = page(
        client, "source-list", published_after="2023-11-20", published_before="2023-11-30"
    )
    assert linked(late_2023, "sources") == {OP_ED, INTERVIEW}


def test_sources_by_event(client, seed):
    event = Event.objects.get(slug="gpt-4o-unveiled")
    expected = set(
        Annotation.objects.published().filter(events=event).values_list("source__slug", flat=True)
    )
    assert expected
    assert linked(page(client, "source-list", event=event.pk), "sources") == expected


def test_outlet_choices_are_published_outlets(client, seed):
    html = page(client, "source-list")
    assert '<option value="The Verge">' in html and '<option value="Vox">' in html
    interview = Source.objects.get(slug=INTERVIEW)
    interview.status = Status.DRAFT
    interview.save()  # as an editor does: a queryset update() would bypass the page cache
    html = page(client, "source-list")
    assert "The Verge" not in html
    assert INTERVIEW not in linked(html, "sources")


def test_filter_state_is_kept_in_the_form(client, seed):
    html = page(client, "source-list", kind="op-ed", published_after="2023-11-01")
    assert '<option value="op-ed" selected>' in html
    assert 'value="2023-11-01"' in html


def test_an_invalid_filter_shows_an_error_and_no_results(client, seed):
    html = page(client, "source-list", published_after="not a date")
    assert 'class="field-error"' in html
    assert linked(results(html), "sources") == set()


# People and organisations ------------------------------------------------------------------


def test_people_by_name_or_alias(client, seed):
    assert linked(results(page(client, "person-list", q="Ultraman")), "people") == {"sam-altman"}
    assert "sam-altman" in linked(results(page(client, "person-list", q="altman")), "people")


def test_people_by_organisation(client, seed):
    openai = Organization.objects.get(slug="openai")
    expected = set(
        Person.objects.published().filter(roles__organization=openai).values_list("slug", flat=True)
    )
    html = results(page(client, "person-list", organization=openai.pk))
    # Role lines link organisations, never people: every person link is a result.
    assert linked(html, "people") == expected
    assert "sam-altman" in expected


def test_organizations_by_name(client, seed):
    html = results(page(client, "organization-list", q="microsoft"))
    assert "microsoft" in linked(html, "organizations")
    assert "openai" not in linked(html.split('class="item-title"', 1)[1], "organizations")


def test_people_counts_are_published_only(client, seed):
    cai = Person.objects.get(slug="cai-ding")
    Annotation.objects.filter(persons=cai).update(status=Status.DRAFT)
    html = page(client, "person-list", q="Cai Ding")
    assert "0 passages" in html and "0 sources" in html


# Quotes -----------------------------------------------------------------------------------


def quote_slugs(html):
    return linked(results(html), "quotes")


def test_quotes_by_speaker(client, seed):
    altman = Person.objects.get(slug="sam-altman")
    expected = set(Quote.objects.published().filter(speaker=altman).values_list("slug", flat=True))
    html = page(client, "quote-list", speaker=altman.pk)
    assert quote_slugs(html) == expected and len(expected) == 25


def test_quotes_by_medium_and_dates(client, seed):
    interviews = set(
        Quote.objects.published().filter(medium="interview").values_list("slug", flat=True)
    )
    assert quote_slugs(page(client, "quote-list", medium="interview")) == interviews
    in_2024 = set(
        Quote.objects.published()
        .filter(said_on__gte="2024-01-01", said_on__lte="2024-12-31")
        .values_list("slug", flat=True)
    )
    html = page(client, "quote-list", said_after="2024-01-01", said_before="2024-12-31")
    assert in_2024 and quote_slugs(html) == in_2024


def test_quotes_by_source_and_event(client, seed):
    source = Source.objects.get(slug=OP_ED)
    expected = set(
        Annotation.objects.published()
        .filter(source=source, quote__isnull=False)
        .values_list("quote__slug", flat=True)
    )
    assert quote_slugs(page(client, "quote-list", source=source.pk)) == expected
    event = Quote.objects.published().exclude(event=None).first().event
    expected = set(Quote.objects.published().filter(event=event).values_list("slug", flat=True))
    assert quote_slugs(page(client, "quote-list", event=event.pk)) == expected


# Drafts -----------------------------------------------------------------------------------


def test_drafts_never_appear_in_lists_or_choices(client, seed):
    leike = Person.objects.get(slug="jan-leike")
    cohere = Organization.objects.get(slug="cohere")
    gpt4o = Event.objects.get(slug="gpt-4o-unveiled")
    blog = Source.objects.get(slug="sutskever-leike-exodus-blog")
    quote = Quote.objects.published().filter(speaker__slug="sam-altman").first()
    for row in (leike, cohere, gpt4o, blog, quote):
        type(row).objects.filter(pk=row.pk).update(status=Status.DRAFT)

    pages = {name: page(client, name) for name in BUDGETS}
    everything = "".join(pages.values())
    for text in (f">{leike.name}<", f">{gpt4o.title}<", f">{blog.title}<", f">{cohere.name}<"):
        assert text not in everything, text
    assert "jan-leike" not in linked(everything, "people")
    assert gpt4o.slug not in linked(everything, "events")
    assert blog.slug not in linked(everything, "sources")
    assert f'href="{quote.get_absolute_url()}"' not in pages["quote-list"]
    assert f'<option value="{cohere.pk}">' not in pages["person-list"]
    assert "cohere" not in linked(pages["organization-list"], "organizations")
    # Choices are published-only, so a draft in the URL is refused, not used.
    for name, params in [
        ("source-list", {"person": leike.pk}),
        ("source-list", {"event": gpt4o.pk}),
        ("quote-list", {"source": blog.pk}),
        ("event-list", {"person": leike.pk}),
        ("person-list", {"organization": cohere.pk}),
    ]:
        html = page(client, name, **params)
        assert 'class="field-error"' in html, name
        assert "0 " in html.split('id="results-heading"', 1)[1][:40], name


def test_draft_speakers_and_participants_are_not_named(client, seed):
    altman = Person.objects.get(slug="sam-altman")
    Person.objects.filter(pk=altman.pk).update(status=Status.DRAFT)
    quotes = page(client, "quote-list", medium="interview")
    timeline = page(client, "event-list")
    assert ">Sam Altman<" not in quotes and ">Sam Altman<" not in timeline
    assert "sam-altman" not in linked(quotes, "people")
    assert "sam-altman" not in linked(timeline, "people")


# The timeline -----------------------------------------------------------------------------


def make_event(slug, title, when, timezone, **fields):
    moment, precision = local_moment(when, timezone)
    return Event.objects.create(
        slug=slug,
        title=title,
        occurred_at=moment,
        precision=precision,
        timezone=timezone,
        status=fields.pop("status", Status.PUBLISHED),
        **fields,
    )


def test_timeline_is_in_true_order_across_time_zones(client, seed):
    beijing = make_event("zone-beijing", "Zonetest Beijing", "2023-11-20T05:00", "Asia/Shanghai")
    pacific = make_event(
        "zone-pacific", "Zonetest Pacific", "2023-11-19T13:30", "America/Los_Angeles"
    )
    # 21:00 and 21:30 UTC on 19 November: the Pacific event is half an hour later.
    assert (pacific.occurred_at - beijing.occurred_at).total_seconds() == 30 * 60

    html = page(client, "event-list")
    assert html.index("Zonetest Beijing") < html.index("Zonetest Pacific")
    # Each is grouped under its own local date, with its own local time.
    html = page(client, "event-list", q="Zonetest")
    headings = [
        heading.strip()
        for heading in re.findall(r'<h3 id="group-[^"]+" class="group-heading">([^<]+)', html)
    ]
    assert headings == ["Monday 20 November 2023", "Sunday 19 November 2023"]
    assert "05:00 CST" in html and "13:30 PST" in html
    assert html.index("Monday 20 November 2023") < html.index("Zonetest Beijing")
    assert html.index("Zonetest Beijing") < html.index("Sunday 19 November 2023")


def test_whole_timeline_is_in_utc_order(client, seed):
    html = page(client, "event-list")
    shown = re.findall(r'<h4 class="event-title"><a href="/events/([^/]+)/"', html)
    rank = {"year": 0, "month": 1, "day": 2, "hour": 3, "minute": 4}
    events = sorted(
        Event.objects.published(),
        key=lambda event: (event.occurred_at, rank[event.precision], event.title, event.pk),
    )
    expected = [event.slug for event in events[:50]]
    assert shown == expected


def test_month_and_year_events_form_their_own_groups(client, seed):
    make_event("vague-month", "Vaguetest month", "2023-11", "America/Los_Angeles")
    make_event("vague-year", "Vaguetest year", "2015", "America/Los_Angeles")
    make_event("vague-day", "Vaguetest day", "2023-11-01", "America/Los_Angeles")
    html = page(client, "event-list", q="Vaguetest")
    headings = [heading.strip() for heading in re.findall(r'class="group-heading">([^<]+)', html)]
    # A month starts at its first local moment, before the days in it.
    assert headings == ["2015", "November 2023", "Wednesday 1 November 2023"]


def test_timeline_links_each_event_and_its_participants(client, seed):
    event = Event.objects.get(slug="altman-guest-badge-visit")
    html = page(client, "event-list", q=event.title)
    assert f'href="{event.get_absolute_url()}"' in html
    people = {p.person.slug for p in event.participations.exclude(person=None)}
    assert people and people <= linked(results(html), "people")


def test_timeline_by_person_and_organisation(client, seed):
    altman = Person.objects.get(slug="sam-altman")
    taking_part = set(
        Event.objects.published()
        .filter(participations__person=altman)
        .values_list("slug", flat=True)
    )
    # An event linked to him only by a published passage counts; by a draft one, not.
    source = Source.objects.get(slug=OP_ED)
    told = make_event("told-only", "Toldtest published", "2023-11-25", "America/Los_Angeles")
    hidden = make_event("told-draft", "Toldtest draft", "2023-11-26", "America/Los_Angeles")
    for event, status in [(told, Status.PUBLISHED), (hidden, Status.DRAFT)]:
        annotation = Annotation.objects.create(
            source=source, start=0, end=4, exact=source.body[:4], status=status
        )
        annotation.persons.set([altman])
        annotation.events.set([event])
    html = page(client, "event-list", person=altman.pk, q="Toldtest")
    assert "Toldtest published" in html and "Toldtest draft" not in html

    nadella = Person.objects.get(slug="satya-nadella")
    expected_count = len(
        set(
            Event.objects.published()
            .filter(participations__person=nadella)
            .values_list("pk", flat=True)
        )
        | set(
            Event.objects.published()
            .filter(annotations__in=Annotation.objects.published().filter(persons=nadella))
            .values_list("pk", flat=True)
        )
    )
    html = page(client, "event-list", person=nadella.pk)
    assert f"{expected_count} event" in html
    assert taking_part

    microsoft = Organization.objects.get(slug="microsoft")
    html = results(page(client, "event-list", organization=microsoft.pk, q="Microsoft"))
    assert linked(html, "events")
    for slug in linked(html, "events"):
        event = Event.objects.get(slug=slug)
        assert (
            event.participations.filter(organization=microsoft).exists()
            or Annotation.objects.published().filter(events=event, organizations=microsoft).exists()
        )


def test_pagination_keeps_the_filters(client, seed):
    for number in range(60):
        make_event(
            f"paged-{number}", f"Pagedtest {number:02d}", "2023-12-01", "America/Los_Angeles"
        )
    html = page(client, "event-list", q="Pagedtest")
    assert "60 events match" in html and "Page 1 of 2" in html
    assert re.search(r'href="\?q=Pagedtest&amp;page=2"', html)
    second = page(client, "event-list", q="Pagedtest", page=2)
    assert "Pagedtest 59" in second and "Pagedtest 00" not in second
    assert 'value="Pagedtest"' in second


# Escaping ---------------------------------------------------------------------------------


def test_editor_text_is_escaped_everywhere(client, seed):
    evil = '<script>alert("x")</script>'
    Source.objects.filter(slug=OP_ED).update(title=evil, outlet=evil)
    Event.objects.filter(slug="gpt-4o-unveiled").update(title=evil)
    Person.objects.filter(slug="sam-altman").update(name=evil, description=evil)
    Organization.objects.filter(slug="openai").update(name=evil)
    Quote.objects.filter(pk=Quote.objects.published().first().pk).update(text=evil)
    for name in BUDGETS:
        html = page(client, name)
        assert "<script>" not in html, name
        assert "&lt;script&gt;" in html, name
