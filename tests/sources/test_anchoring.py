"""Anchoring selectors in a text: pure functions, no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sources.anchoring import (
    AnchorError,
    anchor_span,
    best_occurrence,
    check_anchor,
    context_score,
    describe_mismatch,
    find_passage,
    occurrences,
)

BODY = "Sam Altman wore a badge. 🚀 Then Altman left. Altman returned."


def test_a_matching_anchor_has_no_problem():
    start = BODY.index("badge")
    assert describe_mismatch(BODY, start, start + 5, "badge") is None


@pytest.mark.parametrize(
    ("start", "end", "exact", "expected"),
    [
        (0, 3, "", "empty"),
        (-1, 3, "Sam", "negative"),
        (5, 5, "x", "greater than start"),
        (0, 999, "Sam", "past the end"),
        (0, 3, "Bob", "'Sam', but the annotation's exact text is 'Bob'"),
    ],
)
def test_mismatches_are_explained(start, end, exact, expected):
    assert expected in describe_mismatch(BODY, start, end, exact)
    with pytest.raises(AnchorError):
        check_anchor(BODY, start, end, exact)


def test_prefix_and_suffix_must_agree_with_the_text():
    start = BODY.index("badge")
    assert describe_mismatch(BODY, start, start + 5, "badge", prefix="wore a ", suffix=".") is None
    assert "prefix" in describe_mismatch(BODY, start, start + 5, "badge", prefix="wears a ")
    assert "suffix" in describe_mismatch(BODY, start, start + 5, "badge", suffix="!")


def test_offsets_count_code_points_so_emoji_do_not_shift_anchors():
    start = BODY.index("Then")
    anchor = anchor_span(BODY, start, start + 4)
    assert anchor.exact == "Then"
    assert anchor.prefix == BODY[:start]
    assert anchor.prefix.endswith("🚀 ")
    long_body = "x" * 40 + BODY
    assert len(anchor_span(long_body, start + 40, start + 44).prefix) == 32


def test_find_passage_requires_a_unique_passage_or_a_unique_near():
    assert find_passage(BODY, "badge").start == BODY.index("badge")
    with pytest.raises(AnchorError, match="occurs 3 times"):
        find_passage(BODY, "Altman")
    anchor = find_passage(BODY, "Altman", near="Altman returned")
    assert anchor.start == BODY.rindex("Altman")
    with pytest.raises(AnchorError, match="not inside"):
        find_passage(BODY, "Sam", near="Altman returned")
    with pytest.raises(AnchorError, match="does not occur"):
        find_passage(BODY, "Murati")


def test_occurrences_include_overlapping_ones():
    assert occurrences("aaaa", "aa") == [0, 1, 2]
    assert occurrences("abc", "") == []


def test_context_score_prefers_the_recorded_surroundings():
    first, second = occurrences(BODY, "Altman")[1:]
    prefix, suffix = "Then ", " left"
    assert context_score(BODY, first, first + 6, prefix, suffix) > context_score(
        BODY, second, second + 6, prefix, suffix
    )


@given(st.text(min_size=1), st.data())
def test_anchor_span_round_trips(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    anchor = anchor_span(text, start, end)
    assert (
        describe_mismatch(
            text, anchor.start, anchor.end, anchor.exact, anchor.prefix, anchor.suffix
        )
        is None
    )


def test_best_occurrence_prefers_context_then_nearness():
    body = "A cat. A dog. A cat! A cat."
    assert best_occurrence(body, "cat", prefix="A ", suffix="!", near=0) == body.index("cat!")
    assert best_occurrence(body, "cat", prefix="", suffix="", near=len(body)) == body.rindex("cat")
    assert best_occurrence(body, "cow", prefix="", suffix="", near=0) is None
