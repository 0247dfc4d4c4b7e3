"""PostgreSQL's search index: the stored, GIN-indexed `document` column of migration 0007."""

import pytest
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection

from archive.models import Person, SearchEntry
from archive.models.search import document_vector
from archive.search import POSTGRESQL_MATCH, _match, _quoted, parse_query, search
from sources.models import Source
from sources.publishing import Status

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the stored document exists on PostgreSQL only"
    ),
    pytest.mark.django_db,
]

# Rows whose stored vector differs from the one computed now from their names and body.
STALE_DOCUMENTS = """
    SELECT count(*) FROM archive_searchentry
    WHERE document IS DISTINCT FROM setweight(to_tsvector('simple', names), 'A')
                                    || setweight(to_tsvector('simple', body), 'B')
"""


def fetch(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_document_is_a_generated_stored_column():
    [(data_type, generated)] = fetch(
        "SELECT data_type, is_generated FROM information_schema.columns "
        "WHERE table_name = 'archive_searchentry' AND column_name = 'document'"
    )
    assert (data_type, generated) == ("tsvector", "ALWAYS")


def test_only_the_column_is_indexed_for_search():
    definitions = [
        definition
        for (definition,) in fetch(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'archive_searchentry'"
        )
    ]
    [index] = [definition for definition in definitions if "USING gin (document)" in definition]
    assert "gin_pending_list_limit='256'" in index  # searches never read a long pending list
    # 0004's index over the expression is gone: it cost every write and served no query.
    assert not any("to_tsvector" in definition for definition in definitions)


def test_the_match_uses_the_index(seed):
    with connection.cursor() as cursor:
        # The seed collection is small enough for a sequential scan to win.
        cursor.execute("SET LOCAL enable_seqscan = off")
        params = {"terms": '"Ultraman"', "marks": "", "limit": 50}
        cursor.execute("EXPLAIN " + POSTGRESQL_MATCH, params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "archive_searchentry_document" in plan


@pytest.fixture
def source(seed):
    return Source.objects.create(
        slug="stored-document",
        title="A plain title",
        body="Opening paragraph.\n\nThe committee met Zyxwv on Tuesday.",
        status=Status.PUBLISHED,
    )


def test_an_edit_is_found_by_its_new_words_and_not_its_old_ones(source):
    source.body = "Opening paragraph.\n\nThe committee met Plokij on Tuesday."
    source.save()
    assert [hit.url for hit in search("Plokij")] == [f"{source.get_absolute_url()}#p-2"]
    assert search("Zyxwv") == []
    assert fetch(STALE_DOCUMENTS) == [(0,)]


def test_an_updated_row_gets_a_new_document(source):
    # The receivers replace entries; an UPDATE must keep the column right all the same.
    SearchEntry.objects.filter(source_pk=source.pk, paragraph=2).update(body="Now Qwvbn.")
    assert [hit.title for hit in search("Qwvbn")] == ["A plain title, paragraph 2"]
    assert search("Zyxwv") == []
    assert fetch(STALE_DOCUMENTS) == [(0,)]


def test_a_names_match_ranks_above_a_body_only_match(source):
    source.body = "Opening paragraph.\n\nVexillo said so. Vexillo again, and Vexillo once more."
    source.save()
    Person.objects.create(slug="vexillo", name="Anna Vexillo", status=Status.PUBLISHED)
    hits = search("Vexillo")  # not the whole name: no exact-name preference
    assert [hit.kind for hit in hits] == ["person", "source"]
    assert hits[0].rank > hits[1].rank


@pytest.mark.parametrize("query", ["Altman", "board", '"the board"', "Sutskever board"])
def test_ranking_is_that_of_the_expression(seed, query):
    """The stored vector ranks exactly as ts_rank over 0004's expression did."""
    terms = parse_query(query)
    expected = list(
        SearchEntry.objects.annotate(document=document_vector())
        .filter(document=SearchQuery(_quoted(terms), search_type="websearch", config="simple"))
        .annotate(
            score=SearchRank(
                document_vector(),
                SearchQuery(_quoted(terms), search_type="websearch", config="simple"),
            )
        )
        .order_by("-score", "id")
        .values_list("id", "score")[:50]
    )
    assert expected
    assert [(row["id"], row["score"]) for row in _match(terms, 50)] == expected
