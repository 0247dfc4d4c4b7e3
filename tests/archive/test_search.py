"""Search behaves the same on whichever engine the test database is: SQLite FTS5 or PostgreSQL."""

import pytest
from django.db import connection
from django.urls import reverse

from archive.models import Annotation, Person, Quote, SearchEntry
from archive.search import parse_query, rebuild_index, search
from sources.models import Source
from sources.publishing import Status

COMPILATION = "altman-visitor-badge-compilation"
HOSTILE = ['"', "(", "*", "AND", "AND (", "NEAR(x", "x" * 500, "🚀🙂", "-", 'a"b', "NOT", "^"]


def urls(hits):
    return [hit.url for hit in hits]


def test_nickname_finds_passages_of_the_compilation_and_the_person(seed):
    hits = search("Ultraman")
    compilation = Source.objects.get(slug=COMPILATION).get_absolute_url()
    assert any(hit.url.startswith(compilation + "#") and hit.kind == "source" for hit in hits)
    assert hits[0].kind == "person" and hits[0].title == "Sam Altman"


def test_quote_found_by_the_words_of_its_renderings(seed):
    quote = Quote.objects.get(slug="altman-first-and-last-time")
    assert quote.get_absolute_url() in urls(search("visitor badge"))


def test_exact_name_ranks_first(seed):
    hits = search("Kokotajlo")
    assert (hits[0].kind, hits[0].title) == ("person", "Daniel Kokotajlo")
    assert len(hits) > 1


def test_a_match_inside_an_annotated_passage_links_to_it(seed):
    hits = [hit for hit in search("Ultraman") if hit.kind == "source"]
    keys = {str(key) for key in Annotation.objects.published().values_list("key", flat=True)}
    linked = [hit for hit in hits if "#a-" in hit.url]
    assert linked and all(hit.url.split("#a-")[1] in keys for hit in linked)


def test_a_note_links_to_its_passage_in_the_reader(seed):
    annotation = Annotation.objects.published().filter(note__contains="Ultraman").first()
    hit = next(hit for hit in search("Ultraman") if hit.kind == "passage")
    assert hit.url == f"{annotation.source.get_absolute_url()}#a-{annotation.key}"


@pytest.fixture
def hostile_source(seed):
    return Source.objects.create(
        slug="hostile",
        title="Hostile <b>title</b>",
        body="Opening paragraph.\n\nHere: <script>alert(1)</script> Zyxwv & more.",
        status=Status.PUBLISHED,
    )


def test_snippets_escape_html_and_mark_terms(hostile_source):
    [hit] = search("Zyxwv")
    assert "&lt;script&gt;" in hit.snippet_html and "<script>" not in hit.snippet_html
    assert "<mark>Zyxwv</mark>" in hit.snippet_html
    assert hit.url == f"{hostile_source.get_absolute_url()}#p-2"


def test_page_escapes_the_title_and_the_query(client, hostile_source):
    response = client.get(reverse("search"), {"q": "<Zyxwv>"})
    content = response.content.decode()
    assert "Hostile &lt;b&gt;title&lt;/b&gt;" in content and "&lt;Zyxwv&gt;" in content
    assert "<script>" not in content and "<Zyxwv>" not in content


def test_unpublishing_a_source_removes_its_paragraphs(hostile_source):
    hostile_source.status = Status.DRAFT
    hostile_source.save()
    assert search("Zyxwv") == []
    hostile_source.status = Status.PUBLISHED
    hostile_source.save()
    assert len(search("Zyxwv")) == 1


def test_drafts_are_not_found(seed):
    Person.objects.create(slug="qwertz", name="Qwertz Draftperson", status=Status.DRAFT)
    assert search("Qwertz") == []
    person = Person.objects.get(slug="qwertz")
    person.status = Status.PUBLISHED
    person.save()
    assert [hit.title for hit in search("Qwertz")] == ["Qwertz Draftperson"]


def test_aliases_are_kept_in_step(seed):
    person = Person.objects.get(slug="daniel-kokotajlo")
    alias = person.aliases.create(name="Vbnmq", kind="nickname")
    assert [hit.title for hit in search("Vbnmq")] == ["Daniel Kokotajlo"]
    alias.delete()
    assert search("Vbnmq") == []


def test_editing_a_body_reindexes_it(hostile_source):
    hostile_source.body = "Opening paragraph.\n\nNow it says Plokij instead."
    hostile_source.save()
    assert search("Zyxwv") == []
    assert urls(search("Plokij")) == [f"{hostile_source.get_absolute_url()}#p-2"]


def test_deleting_removes(hostile_source):
    pk = hostile_source.pk
    hostile_source.delete()
    assert search("Zyxwv") == []
    assert not SearchEntry.objects.filter(source_pk=pk).exists()


def test_rebuild_gives_the_same_index_as_the_receivers(hostile_source):
    def rows():
        columns = ("kind", "object_id", "paragraph", "annotation_key", "title", "names", "body")
        return sorted(SearchEntry.objects.values_list(*columns), key=repr)

    before = rows()
    rebuild_index()
    assert rows() == before
    assert search("Zyxwv")


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(client, seed, query):
    search(query)
    response = client.get(reverse("search"), {"q": query})
    assert response.status_code == 200


def test_operators_are_words_not_syntax():
    assert parse_query('NEAR(x AND "visitor badge" * -y') == [
        ("NEAR",),
        ("x",),
        ("AND",),
        ("visitor", "badge"),
        ("y",),
    ]
    assert parse_query('"') == [] and parse_query("🚀") == []


def test_empty_query_returns_nothing(client, seed):
    assert search("") == [] and search("   ") == []
    response = client.get(reverse("search"))
    assert response.status_code == 200 and b"result" not in response.content


def test_long_query_is_cut_and_says_so(client, seed):
    response = client.get(reverse("search"), {"q": "Ultraman " * 60})
    assert response.status_code == 200
    assert "only its first 200" in response.content.decode()


def test_page_lists_hits_within_its_query_budget(client, seed, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get(reverse("search"), {"q": "Altman"})
    content = response.content.decode()
    assert response.status_code == 200
    assert '<ol class="search-hits">' in content and "<mark>" in content
    assert 'role="search"' in content


def test_header_form_on_every_page(client, seed):
    content = client.get(reverse("home")).content.decode()
    assert 'role="search"' in content and f'action="{reverse("search")}"' in content


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table exists on SQLite only")
def test_fts_table_stays_consistent(hostile_source):
    hostile_source.body = "Another text entirely."
    hostile_source.save()
    with connection.cursor() as cursor:
        # FTS5 raises if its index disagrees with the content table.
        cursor.execute(
            "INSERT INTO archive_searchentry_fts(archive_searchentry_fts, rank) "
            "VALUES ('integrity-check', 1)"
        )
