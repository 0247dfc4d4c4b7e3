"""The benchmark's own parts: the synthetic collection keeps every invariant, /healthz is free."""

import random

import pytest

from archive.benchmarking.load import parse_wrk
from archive.benchmarking.prose import Cast, Writer
from archive.benchmarking.synthetic import Sizes, check, generate
from archive.models import Annotation, Person
from sources.anchoring import describe_mismatch
from sources.models import Source

TINY = Sizes(
    articles=5,
    words=200,
    annotations_per_article=12,
    people=6,
    events=5,
    quotes=10,
    star_mentions=10,
    dense_annotations=40,
    sparse_annotations=3,
)


@pytest.fixture
def collection(empty_db):
    return generate(TINY, log=None)


def test_every_annotation_is_anchored_on_its_text(collection):
    bodies = dict(Source.objects.values_list("pk", "body"))
    annotations = Annotation.objects.all()
    assert annotations.count() == 5 * 12 + 40 + 3
    for a in annotations:
        assert bodies[a.source_id][a.start : a.end] == a.exact
        assert (
            describe_mismatch(bodies[a.source_id], a.start, a.end, a.exact, a.prefix, a.suffix)
            is None
        )


def test_sizes_are_as_asked(collection):
    assert check(collection) == []
    assert Source.objects.published().count() == 5 + 2
    assert Person.objects.published().count() == 6
    star = Person.objects.get(slug=collection.star)
    assert star.annotations.published().count() == 10
    dense = Source.objects.get(slug=collection.dense)
    sparse = Source.objects.get(slug=collection.sparse)
    assert dense.body == sparse.body
    assert (dense.annotations.count(), sparse.annotations.count()) == (40, 3)
    assert len(collection.queries) == 20


def test_prose_is_deterministic():
    cast = Cast([("Amara Okafor", "Okafor"), ("Jonas Berg", "Berg")], [("Meridian Labs", "ML")], [])

    def article(seed):
        rng = random.Random(seed)  # noqa: S311 (made-up text)
        text = Writer(rng, cast).article(300, star=0, star_mentions=4)
        return text.body, text.spans

    body, spans = article(7)
    assert article(7) == (body, spans)
    assert article(8)[0] != body
    assert sum(1 for s in spans if s.kind == "person" and s.ref == 0) == 4  # the star, exactly


def test_healthz_answers_without_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz", secure=True)
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")


WRK = """Running 30s test @ http://127.0.0.1:8000/healthz
  2 threads and 32 connections
  Latency Distribution
     50%  812.00us
     75%    1.10ms
     90%    1.50ms
     99%    2.31s
  91234 requests in 30.01s, 15.43MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 12
Requests/sec:   3040.12
"""


def test_wrk_report_is_read():
    numbers = parse_wrk(WRK)
    assert numbers["requests"] == 91234
    assert numbers["requests_per_second"] == 3040.12
    assert (numbers["socket_errors"], numbers["non_2xx"]) == (3, 12)
    assert numbers["latency_p50_ms"] == pytest.approx(0.812)
    assert numbers["latency_p99_ms"] == pytest.approx(2310)
