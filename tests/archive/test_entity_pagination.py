"""Person and organisation pages list their mentions a page at a time, grouped by source, in a
fixed number of queries however many mentions there are."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.mention_pages import MENTIONS_PER_PAGE
from archive.models import Annotation, Organization, Person
from sources.models import Source
from sources.publishing import Status

ENTITIES = [
    (Person, "persons", "/people/sam-altman/"),
    (Organization, "organizations", "/organizations/openai/"),
]

#: Queries of an entity page (+ 1: the content generation, read for the page cache).
BUDGET = {"/people/sam-altman/": 7, "/organizations/openai/": 5}


def make_mentions(count: int, sources: int = 2) -> list[Annotation]:
    """`count` published passages naming both Sam Altman and OpenAI, spread over `sources`
    sources, in reading order. Rows are made in bulk: this is about reading them."""
    person = Person.objects.create(slug="sam-altman", name="Sam Altman", status=Status.PUBLISHED)
    organization = Organization.objects.create(
        slug="openai", name="OpenAI", status=Status.PUBLISHED
    )
    made = []
    per_source = -(-count // sources)
    for number in range(sources):
        words = min(per_source, count - number * per_source)
        source = Source.objects.create(
            slug=f"report-{number}",
            title=f"Report {number}",
            body=" ".join(["Altman"] * words),
            published_on=date(2023, 11, 20 + number),
            published_on_precision="day",
            status=Status.PUBLISHED,
        )
        annotations = Annotation.objects.bulk_create(
            Annotation(
                source=source,
                start=index * 7,
                end=index * 7 + 6,
                exact="Altman",
                status=Status.PUBLISHED,
            )
            for index in range(words)
        )
        for field, entity in (("persons", person), ("organizations", organization)):
            through = getattr(Annotation, field).through
            column = f"{entity._meta.model_name}_id"
            through.objects.bulk_create(
                through(annotation_id=a.pk, **{column: entity.pk}) for a in annotations
            )
        made.extend(annotations)
    return made


def linked_keys(html: str) -> list[str]:
    return re.findall(r'class="in-context" href="/sources/[^"#]+#a-([0-9a-f-]+)"', html)


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(("model", "link", "url"), ENTITIES)
def test_each_page_shows_its_slice_of_the_mentions_in_reading_order(
    client, empty_db, model, link, url
):
    keys = [str(a.key) for a in make_mentions(250)]
    assert linked_keys(get(client, url)) == keys[:100]
    assert linked_keys(get(client, f"{url}?page=2")) == keys[100:200]
    assert linked_keys(get(client, f"{url}?page=3")) == keys[200:]


@pytest.mark.parametrize(("model", "link", "url"), ENTITIES)
def test_a_source_split_by_a_page_break_says_which_of_its_passages_are_shown(
    client, empty_db, model, link, url
):
    make_mentions(250)  # 125 in each of two sources
    first = get(client, url)
    assert "250 passages in 2 sources; passages 1–100 on this page." in first
    assert "passages 1–100 of 125" in first and "Report 1" not in heading_texts(first)
    second = get(client, f"{url}?page=2")
    assert heading_texts(second) == [
        "Report 0 passages 101–125 of 125",
        "Report 1 passages 1–75 of 125",
    ]
    assert heading_texts(get(client, f"{url}?page=3")) == ["Report 1 passages 76–125 of 125"]


def heading_texts(html: str) -> list[str]:
    headings = re.findall(r'<h3 id="ms-[^"]+">(.*?)</h3>', html)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", h)).strip() for h in headings]


@pytest.mark.parametrize(("model", "link", "url"), ENTITIES)
def test_page_links_and_the_list_of_sources(client, empty_db, model, link, url):
    make_mentions(250)
    second = get(client, f"{url}?page=2")
    assert '<a href="?page=1" rel="prev">' in second
    assert '<a href="?page=3" rel="next">' in second
    assert '<li aria-current="page">Page 2 of 3</li>' in second
    assert '<nav class="pagination" aria-label="Pages">' in second
    # Each source links to the page where its passages begin.
    assert '<nav class="mention-sources" aria-label="Passages by source">' in second
    assert '<a href="?page=1#ms-report-0">Report 0</a>' in second
    assert '<a href="?page=2#ms-report-1">Report 1</a>' in second
    first = get(client, url)
    assert 'rel="prev"' not in first and '<a href="?page=2" rel="next">' in first
    assert "Sam Altman, page 2 ·" in second or "OpenAI, page 2 ·" in second  # the <title>


@pytest.mark.parametrize(("model", "link", "url"), ENTITIES)
def test_one_page_needs_no_page_links(client, empty_db, model, link, url):
    make_mentions(20)
    html = get(client, url)
    assert len(linked_keys(html)) == 20
    assert 'class="pagination"' not in html and "mention-sources" not in html
    assert "20 passages in 2 sources." in html
    assert "10 passages</span>" in html


@pytest.mark.parametrize(("model", "link", "url"), ENTITIES)
def test_a_page_past_the_end_shows_the_last_page_and_a_non_number_the_first(
    client, empty_db, model, link, url
):
    """As on the indexes (Paginator.get_page): a link made when there were more mentions
    still leads somewhere useful."""
    keys = [str(a.key) for a in make_mentions(250)]
    assert linked_keys(get(client, f"{url}?page=99")) == keys[200:]
    assert "Page 3 of 3" in get(client, f"{url}?page=99")
    assert linked_keys(get(client, f"{url}?page=last")) == keys[:100]
    assert linked_keys(get(client, f"{url}?page=-1")) == keys[200:]


@pytest.mark.parametrize(("model", "link", "url"), ENTITIES)
def test_the_query_count_does_not_grow_with_the_mentions(
    client, empty_db, django_assert_max_num_queries, model, link, url
):
    make_mentions(20)
    with CaptureQueriesContext(connection) as few:
        get(client, url)
    Person.objects.all().delete()
    Annotation.objects.all().delete()
    Organization.objects.all().delete()
    Source.objects.all().delete()
    make_mentions(250, sources=5)
    with django_assert_max_num_queries(BUDGET[url]) as many:
        get(client, f"{url}?page=2")
    assert len(many) == len(few)


@pytest.mark.parametrize(("model", "link", "url"), ENTITIES)
def test_drafts_are_neither_listed_nor_counted(client, empty_db, model, link, url):
    annotations = make_mentions(20)
    Annotation.objects.filter(pk__in=[a.pk for a in annotations[:5]]).update(status=Status.DRAFT)
    html = get(client, url)
    assert len(linked_keys(html)) == 15 and "15 passages in 2 sources." in html


def test_a_page_holds_a_fixed_number_of_mentions():
    assert MENTIONS_PER_PAGE == 100  # the slices above are written for it
