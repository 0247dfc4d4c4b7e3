"""Wording differences between a quote and its renderings."""

from archive.wording import similarity, wording_diff


def test_identical_wording_has_no_marks():
    assert wording_diff("I resigned", "I resigned") == "I resigned"


def test_changed_words_are_marked_and_escaped():
    html = wording_diff(
        "first and last time i ever wear one of these",
        "This is my first and last time wearing <these>",
    )
    assert "<ins>This is my </ins>" in html or "<ins>This</ins>" in html
    assert "<del>" in html and "<ins>" in html
    assert "&lt;" in html and "<these>" not in html


def test_case_alone_is_not_a_difference():
    assert "<ins>" not in wording_diff("yes, of course", "Yes, of course")


def test_similarity():
    assert similarity("a b c", "a b c") == 1.0
    assert 0 < similarity("we remain optimistic", "we are optimistic") < 1
