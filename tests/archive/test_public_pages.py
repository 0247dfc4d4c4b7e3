"""Public pages: published content only, escaped text, and a fixed query budget each."""

import pytest
from django.urls import reverse

from archive.models import Annotation, Event, Organization, Person, Quote
from sources.models import Source
from sources.publishing import Status

# Budgets do not depend on how many annotations, mentions or sources there are. Each page
# reads the content generation too (+ 1, archive/caching.py); the cache is empty at the start
# of every test, so these are the budgets of the uncached path.
GENERATION = 1
PAGES = [
    ("home", {}, 8),
    ("source-list", {}, 5),  # + filter choices: outlets, people, events
    # The first view renders the reading and stores it (3 queries to claim, 3 to store, with
    # their savepoints); later views read it with the source (test_stored_readings.py).
    ("source-detail", {"slug": "altman-visitor-badge-compilation"}, 6 + 3 + 3),
    ("person-detail", {"slug": "sam-altman"}, 8),
    ("organization-detail", {"slug": "openai"}, 6),
    ("event-list", {}, 5),  # + filter choices: people, organisations
    ("event-detail", {"slug": "altman-guest-badge-visit"}, 6),
]


@pytest.mark.parametrize(("name", "kwargs", "budget"), PAGES)
def test_public_pages_render_within_their_query_budget(
    client, seed, django_assert_max_num_queries, name, kwargs, budget
):
    with django_assert_max_num_queries(budget + GENERATION):
        response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    assert b"<main" in response.content


def test_quote_page_within_budget(client, seed, django_assert_max_num_queries):
    quote = Quote.objects.filter(renderings__isnull=False).first()
    with django_assert_max_num_queries(5 + GENERATION):
        response = client.get(quote.get_absolute_url())
    assert response.status_code == 200


def test_person_page_lists_every_published_mention(client, seed):
    """A page at a time (tests/archive/test_entity_pagination.py)."""
    url = reverse("person-detail", kwargs={"slug": "sam-altman"})
    pages = [client.get(url).content.decode()]
    while 'rel="next"' in pages[-1]:
        pages.append(client.get(url, {"page": len(pages) + 1}).content.decode())
    mentions = Annotation.objects.published().filter(persons__slug="sam-altman").count()
    assert sum(page.count('class="passage"') for page in pages) == mentions > 200
    assert len(pages) > 1
    assert "Ultraman" in pages[0]


def test_drafts_are_404_to_the_public(client, seed):
    Source.objects.filter(slug="sutskever-leike-exodus-blog").update(status=Status.DRAFT)
    Person.objects.filter(slug="jan-leike").update(status=Status.DRAFT)
    Event.objects.filter(slug="gpt-4o-unveiled").update(status=Status.DRAFT)
    Organization.objects.filter(slug="cohere").update(status=Status.DRAFT)
    for url in [
        reverse("source-detail", kwargs={"slug": "sutskever-leike-exodus-blog"}),
        reverse("person-detail", kwargs={"slug": "jan-leike"}),
        reverse("event-detail", kwargs={"slug": "gpt-4o-unveiled"}),
        reverse("organization-detail", kwargs={"slug": "cohere"}),
    ]:
        assert client.get(url).status_code == 404, url


def test_passages_of_a_draft_source_do_not_appear_elsewhere(client, seed):
    draft = Source.objects.get(slug="sutskever-leike-exodus-blog")
    draft.status = Status.DRAFT
    draft.save()
    person_page = client.get(reverse("person-detail", kwargs={"slug": "ilya-sutskever"}))
    assert draft.title not in person_page.content.decode()
    assert draft.title not in client.get(reverse("source-list")).content.decode()
    assert draft.title not in client.get(reverse("home")).content.decode()


def test_draft_annotations_are_not_shown(client, seed):
    Annotation.objects.filter(persons__slug="cai-ding").update(status=Status.DRAFT)
    page = client.get(reverse("person-detail", kwargs={"slug": "cai-ding"})).content.decode()
    assert "No published passages yet." in page


def test_editor_text_is_escaped(client, seed):
    Person.objects.filter(slug="sam-altman").update(
        description='<script>alert("x")</script><img src=x onerror=alert(1)>'
    )
    page = client.get(reverse("person-detail", kwargs={"slug": "sam-altman"})).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


def test_unknown_slugs_are_404(client, seed):
    assert client.get("/people/nobody/").status_code == 404
    assert client.get("/sources/nothing/").status_code == 404


def test_mentions_are_grouped_by_source_with_their_surrounding_words(client, seed):
    page = client.get(reverse("person-detail", kwargs={"slug": "daniel-kokotajlo"})).content
    html = page.decode()
    assert html.count('class="mention-group"') == 2  # the blog and the feature
    assert '<strong class="passage">Daniel Cocateo</strong>' in html  # a misspelt mention
    assert "Pavel Ismailov, " in html  # words around it, from the stored prefix


def test_an_event_shows_each_sources_account_and_marks_disagreement(client, seed):
    html = client.get(reverse("event-detail", kwargs={"slug": "altman-returns-agreement"}))
    html = html.content.decode()
    assert "The sources disagree." in html and "contradicts this event" in html
    assert html.count('class="account"') >= 2
    assert "08:00 UTC" not in html  # a day-precision event shows no clock time


def test_a_quote_shows_every_rendering_with_its_wording_differences(client, seed):
    quote = Quote.objects.get(renderings__exact__contains="first and last time using this")
    html = client.get(quote.get_absolute_url()).content.decode()
    assert html.count('class="rendering"') == quote.renderings.published().count() >= 4
    assert "<ins>" in html and "<del>" in html
    assert "% the same words" in html
