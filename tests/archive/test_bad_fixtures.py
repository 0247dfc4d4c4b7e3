"""A bad fixture fails with a message that names the problem, and leaves the database as it was."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import snapshot

BODY = "Sam Altman returned to OpenAI."


def source_row(slug="bad-fixture-source", body=BODY):
    return {
        "model": "sources.source",
        "fields": {
            "slug": slug,
            "title": "Bad fixture",
            "body": body,
            "kind": "news-report",
            "status": "published",
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        },
    }


def annotation_row(
    start=0,
    end=10,
    exact="Sam Altman",
    persons=(("sam-altman",),),
    source="bad-fixture-source",
    key="0b6f5a4e-5d7e-4c55-9a11-3c2b7f0e9a01",
):
    return {
        "model": "archive.annotation",
        "fields": {
            "key": key,
            "source": [source],
            "start": start,
            "end": end,
            "exact": exact,
            "prefix": "",
            "suffix": "",
            "motivation": "identifying",
            "note": "",
            "correction": "",
            "persons": [list(p) for p in persons],
            "organizations": [],
            "events": [],
            "quote": None,
            "stance": "",
            "status": "published",
            "author": None,
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        },
    }


def person_row(slug, name):
    return {
        "model": "archive.person",
        "fields": {
            "slug": slug,
            "name": name,
            "description": "",
            "wikidata": "",
            "status": "published",
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        },
    }


@pytest.fixture
def load(seed, tmp_path):
    """Load rows (or raw text) as a fixture; assert it fails and that nothing changed."""

    def run(rows, name="bad.json"):
        path = tmp_path / name
        path.write_text(rows if isinstance(rows, str) else json.dumps(rows), encoding="utf-8")
        before = snapshot()
        with pytest.raises(CommandError) as failure:
            call_command("loaddata", str(path), verbosity=0)
        assert snapshot() == before, "a failed load must leave the database unchanged"
        return str(failure.value)

    return run


def test_a_good_fixture_of_the_same_shape_loads(seed, tmp_path):
    path = tmp_path / "good.json"
    path.write_text(json.dumps([source_row(), annotation_row()]), encoding="utf-8")
    call_command("loaddata", str(path), verbosity=0)
    from archive.models import Annotation

    annotation = Annotation.objects.get(source__slug="bad-fixture-source")
    assert annotation.persons.get().slug == "sam-altman"


def test_malformed_json(load):
    message = load('[{"model": "sources.source", "fields": {', name="broken.json")
    assert "broken.json" in message


def test_unknown_natural_key_is_named(load):
    message = load([source_row(), annotation_row(persons=[("nobody-at-all",)])])
    assert "nobody-at-all" in message
    assert "Person" in message


def test_unknown_source_is_named(load):
    message = load([annotation_row(source="no-such-source")])
    assert "no-such-source" in message or "does not exist" in message


def test_offsets_out_of_range(load):
    message = load([source_row(), annotation_row(start=20, end=999, exact="x")])
    assert "past the end of the text" in message
    assert "0b6f5a4e-5d7e-4c55-9a11-3c2b7f0e9a01" in message


def test_exact_text_mismatch_shows_both_strings(load):
    message = load([source_row(), annotation_row(exact="Sam Altmann", end=11)])
    assert "0b6f5a4e-5d7e-4c55-9a11-3c2b7f0e9a01" in message
    assert "bad-fixture-source" in message
    assert "'Sam Altman '" in message and "'Sam Altmann'" in message


def test_mismatch_against_a_seed_source(load):
    message = load([annotation_row(source="altman-visitor-badge-compilation", exact="Ultraman")])
    assert "'Ultraman'" in message


def test_duplicate_slug_in_one_fixture(load):
    message = load([person_row("jane-doe", "Jane Doe"), person_row("jane-doe", "Jane Roe")])
    assert "jane-doe" in message and "twice" in message


def test_slug_already_taken_by_another_row(load):
    row = person_row("sam-altman", "Another Sam Altman")
    row["pk"] = 900001  # an explicit key: a different row that claims an existing slug
    message = load([row])
    assert "archive.Person" in message
    assert "unique" in message.lower()


def test_a_body_that_is_not_normalised(load):
    message = load([source_row(body="Line one  \nLine two")])
    assert "not normalised" in message


def test_a_failure_late_in_a_fixture_rolls_back_what_came_before(load):
    rows = [source_row(), person_row("jane-doe", "Jane Doe"), annotation_row(exact="Nope")]
    load(rows)
