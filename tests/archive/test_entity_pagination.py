"""Person and organisation pages list their mentions a page at a time, grouped by source, in a
fixed number of queries however many mentions there are."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.mention_pages import MENTIONS_PER_PAGE, MOST_MENTIONING
from archive.models import Annotation, Organization, Person, Stance
from sources.models import Source
from sources.publishing import Status

ENTITIES = [
    (Person, "persons", "/people/sam-altman/"),
    (Organization, "organizations", "/organizations/openai/"),
]

#: Queries of an entity page (+ 1: the content generation, read for the page cache).
BUDGET = {"/people/sam-altman/": 7, "/organizations/openai/": 5}


def make_mentions(count: int, sources: int = 2) -> list[Annotation]:
    """`count` published passages naming both Sam Altman and OpenAI, spread evenly over
    `sources` sources, in reading order."""
    per_source = -(-count // sources)
    return make_mentions_in([min(per_source, count - n * per_source) for n in range(sources)])


def make_mentions_in(counts: list[int]) -> list[Annotation]:
    """Source n (slug report-n, published on day n) with counts[n] passages naming both Sam
    Altman and OpenAI; all of them in reading order. Rows are made in bulk: this is about
    reading them."""
    person = Person.objects.create(slug="sam-altman", name="Sam Altman", status=Status.PUBLISHED)
    organization = Organization.objects.create(
        slug="openai", name="OpenAI", status=Status.PUBLISHED
    )
    made = []
    for number, words in enumerate(counts):
        source = Source.objects.create(
            slug=f"report-{number}",
            title=f"Report {number}",
            body=" ".join(["Altman"] * words),
            published_on=date(2023, 1, 1) + timedelta(days=number),
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
    assert '<nav class="mention-sources" aria-labelledby="mention-sources-title">' in second
    assert '<h3 id="mention-sources-title">Sources</h3>' in second
    assert named_sources(second) == [
        ("?page=1#ms-report-0", "Report 0", "125 passages, pages 1–2"),
        ("?page=2#ms-report-1", "Report 1", "125 passages, pages 2–3"),
    ]
    first = get(client, url)
    assert 'rel="prev"' not in first and '<a href="?page=2" rel="next">' in first
    assert "Sam Altman, page 2 ·" in second or "OpenAI, page 2 ·" in second  # the <title>


def named_sources(html: str) -> list[tuple[str, str, str]]:
    """(link, title, what it says of the passages) of each source named above the passages."""
    nav = re.search(r'<nav class="mention-sources".*?</nav>', html, re.S)
    items = re.findall(
        r'<li><a href="([^"]+)">([^<]+)</a> <span class="meta">([^<]+)</span>', nav[0]
    )
    return items


def section_keys(html: str, slug: str) -> list[str]:
    """The passages a page shows under the heading of source `slug`."""
    section = re.search(rf'<h3 id="ms-{slug}">.*?</section>', html, re.S)
    assert section, f"no passages of {slug} on this page"
    return linked_keys(section[0])


@pytest.mark.parametrize(("model", "link", "url"), ENTITIES)
def test_a_few_sources_are_all_named_in_reading_order(client, empty_db, model, link, url):
    make_mentions_in([40, 50, 60])
    html = get(client, url)
    assert "150 passages in 3 sources; passages 1–100 on this page." in html
    assert named_sources(html) == [
        ("?page=1#ms-report-0", "Report 0", "40 passages, page 1"),
        ("?page=1#ms-report-1", "Report 1", "50 passages, page 1"),
        ("?page=1#ms-report-2", "Report 2", "60 passages, pages 1–2"),
    ]


#: 60 sources of 2 passages, but every sixth has more: 3, 4, … 12 (175 passages, 2 pages).
MANY = [3 + n // 6 if n % 6 == 0 else 2 for n in range(60)]


@pytest.mark.parametrize(("model", "link", "url"), ENTITIES)
def test_many_sources_name_only_those_with_the_most_passages(client, empty_db, model, link, url):
    annotations = make_mentions_in(MANY)
    html = get(client, url)
    assert "175 passages in 60 sources; passages 1–100 on this page." in html
    assert f"The {MOST_MENTIONING} sources with the most passages" in html
    assert f"{MOST_MENTIONING} of 60 sources;" in html
    named = named_sources(html)
    assert [title for _, title, _ in named] == [f"Report {n}" for n in range(54, -1, -6)]
    assert named[0][2] == "12 passages, page 2" and named[-1][2] == "3 passages, page 1"
    assert len(MANY) > MOST_MENTIONING == len(named)

    # Each link leads to the page where that source's passages begin, to its heading.
    keys = {}
    for annotation in annotations:
        keys.setdefault(annotation.source.slug, []).append(str(annotation.key))
    for href, title, _ in named:
        query, slug = href.split("#ms-")
        shown = section_keys(get(client, url + query), slug)
        assert shown == keys[slug][: len(shown)] and shown, title


@pytest.mark.parametrize(("model", "link", "url"), ENTITIES)
def test_the_query_count_does_not_grow_with_the_sources(
    client, empty_db, django_assert_max_num_queries, model, link, url
):
    make_mentions_in([30] * 5)
    with CaptureQueriesContext(connection) as few:
        few_html = get(client, url)
    for model_class in (Person, Annotation, Organization, Source):
        model_class.objects.all().delete()
    make_mentions_in(MANY * 3)
    with django_assert_max_num_queries(BUDGET[url]) as many:
        many_html = get(client, url)
    assert len(many) == len(few)
    assert len(named_sources(few_html)) == 5
    assert len(named_sources(many_html)) == MOST_MENTIONING


@pytest.mark.parametrize(("model", "link", "url"), ENTITIES)
def test_one_page_needs_no_page_links(client, empty_db, model, link, url):
    make_mentions(20)
    html = get(client, url)
    assert len(linked_keys(html)) == 20
    assert 'class="pagination"' not in html and "mention-sources" not in html
    assert "20 passages in 2 sources." in html
    assert "10 passages</span>" in html


@pytest.mark.parametrize(("model", "link", "url"), ENTITIES)
def test_an_entity_not_yet_mentioned_has_one_empty_page(client, empty_db, model, link, url):
    make_mentions_in([])
    for page in ("", "?page=3"):
        html = get(client, url + page)
        assert "No published passages yet." in html
        assert "mention-sources" not in html and 'class="pagination"' not in html


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


@pytest.mark.parametrize(("model", "link", "url"), ENTITIES)
def test_a_passage_shows_its_stance_without_a_query_of_its_own(
    client, empty_db, django_assert_max_num_queries, model, link, url
):
    """The passages are read with only the fields the page shows (archive/mention_pages.py):
    one left out would cost a query per passage."""
    annotations = make_mentions(250)
    contradicting = [a.pk for a in annotations[100:105]]
    Annotation.objects.filter(pk__in=contradicting).update(stance=Stance.CONTRADICTS)
    with django_assert_max_num_queries(BUDGET[url]):
        html = get(client, f"{url}?page=2")
    assert html.count('<span class="stance stance--contradicts">Contradicts</span>') == 5


def test_a_page_holds_a_fixed_number_of_mentions_and_names_few_sources():
    assert MENTIONS_PER_PAGE == 100  # the slices above are written for it
    assert MOST_MENTIONING == 10  # MANY is written for it
