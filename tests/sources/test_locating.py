"""Locating a quoted passage in a text (sources/locating.py): pure functions, no database."""

import unicodedata

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from sources.anchoring import anchor_span, occurrences
from sources.locating import (
    LONG_THRESHOLD,
    MIN_FUZZY_CHARS,
    SHORT_THRESHOLD,
    How,
    Located,
    Locator,
    NotAnchorable,
    fold,
    fuzzy_threshold,
    locate,
)

BODY = (
    "Sam Altman wore a visitor badge at OpenAI. Then Altman left the building.\n\n"
    "Altman returned to “OpenAI” on Tuesday morning, and the board said it would resign. "
    "Mira Murati said the company was united. Later the board said it would resign."
)


def at(exact: str, occurrence: int = 0) -> int:
    return occurrences(BODY, exact)[occurrence]


def test_a_passage_at_its_stated_offsets_is_anchored():
    start = at("visitor badge")
    assert locate(BODY, "visitor badge", start=start, end=start + 13) == Located(
        start, start + 13, How.EXACT
    )


def test_a_passage_found_by_its_words_alone_is_anchored():
    assert locate(BODY, "visitor badge").how == How.EXACT


def test_a_passage_elsewhere_than_stated_has_moved():
    start = at("visitor badge")
    found = locate(BODY, "visitor badge", start=start + 17, end=start + 30)
    assert found == Located(start, start + 13, How.MOVED)


def test_the_context_chooses_among_repeats():
    second = at("the board said it would resign", 1)
    found = locate(BODY, "the board said it would resign", prefix="Later ", suffix=".")
    assert (found.start, found.how) == (second, How.EXACT)


def test_without_context_the_nearest_to_the_stated_offset_wins():
    second = at("Altman", 2)
    assert locate(BODY, "Altman", start=second + 5).start == second
    assert locate(BODY, "Altman", start=second + 5).how == How.MOVED


def test_repeats_with_nothing_to_tell_them_apart_are_not_anchorable():
    with pytest.raises(NotAnchorable, match="occurs 3 times and the context does not tell"):
        locate(BODY, "Altman")


def test_the_context_outweighs_a_stated_offset_that_happens_to_hold_the_words():
    # Another tool counting differently can land on another occurrence of a short word.
    first, second = at("Altman", 1), at("Altman", 2)
    anchor = anchor_span(BODY, second, second + 6)
    found = locate(BODY, "Altman", anchor.prefix, anchor.suffix, start=first, end=first + 6)
    assert found == Located(second, second + 6, How.MOVED)


def test_a_stated_offset_with_agreeing_context_is_kept():
    first = at("Altman", 1)
    anchor = anchor_span(BODY, first, first + 6)
    found = locate(BODY, "Altman", anchor.prefix, anchor.suffix, start=first, end=first + 6)
    assert found == Located(first, first + 6, How.EXACT)


def test_canonically_equivalent_text_is_the_same_text():
    body = "Café Müller closed."
    decomposed = unicodedata.normalize("NFD", "Café Müller")
    assert decomposed != "Café Müller"
    assert locate(body, decomposed, start=0) == Located(0, 11, How.EXACT)


def test_typography_and_spacing_differences_are_fuzzy_but_found():
    quoted = 'Altman returned to "OpenAI" on  Tuesday\nmorning'
    found = locate(BODY, quoted)
    assert BODY[found.start : found.end] == "Altman returned to “OpenAI” on Tuesday morning"
    assert found.how == How.FUZZY
    assert 0.8 < found.similarity < 1


def test_a_paragraph_break_quoted_as_a_space_is_found():
    found = locate(BODY, "left the building. Altman returned")
    assert BODY[found.start : found.end] == "left the building.\n\nAltman returned"
    assert found.how == How.FUZZY


def test_a_typo_in_a_long_passage_is_fuzzy_at_whole_words():
    found = locate(BODY, "Mira Murati sayd the compani was united.")
    assert BODY[found.start : found.end] == "Mira Murati said the company was united."
    assert found.how == How.FUZZY
    assert LONG_THRESHOLD <= found.similarity < 1


def test_a_typo_in_the_first_letter_does_not_cut_the_first_word():
    found = locate(BODY, "Zam Altman wore a visitor badge")
    assert BODY[found.start : found.end] == "Sam Altman wore a visitor badge"


def test_a_short_passage_never_matches_fuzzily():
    with pytest.raises(NotAnchorable, match="too few"):
        locate(BODY, "Altmn")
    with pytest.raises(NotAnchorable, match="too few"):
        locate("The cat sat.", "cot")


def test_short_passages_allow_one_typo_in_ten_characters():
    assert locate(BODY, "Mira Murato", start=0).how == How.FUZZY  # 11 characters, one typo
    with pytest.raises(NotAnchorable, match="alike"):
        locate(BODY, "Mora Murato")  # two typos


def test_an_unrelated_passage_is_not_anchorable_and_the_reason_says_how_close():
    with pytest.raises(NotAnchorable, match=r"the best match, “.*”, is \d+% alike \(85% needed\)"):
        locate(BODY, "The stock market fell sharply on Wednesday afternoon.")


def test_fuzzy_repeats_are_told_apart_by_context_then_position():
    body = "One: the board would resign at once. Two: the board would resign at once. End."
    quoted = "the bord would resign at once"
    second = body.rindex("the board")
    assert locate(body, quoted, prefix="Two: ").start == second
    assert locate(body, quoted, start=second + 3).start == second
    with pytest.raises(NotAnchorable, match="more than once"):
        locate(body, quoted)


def test_an_empty_passage_is_not_anchorable():
    with pytest.raises(NotAnchorable, match="empty"):
        locate(BODY, "")


def test_thresholds_grow_stricter_for_short_passages():
    assert fuzzy_threshold(MIN_FUZZY_CHARS - 1) is None
    assert fuzzy_threshold(MIN_FUZZY_CHARS) == SHORT_THRESHOLD
    assert fuzzy_threshold(200) == LONG_THRESHOLD


def test_fold_makes_typography_plain_and_spacing_single():
    assert fold("“It’s” – done…\n\n  ok") == '"It\'s" - done... ok'


def test_a_locator_serves_many_passages_of_one_text():
    locator = Locator(BODY)
    assert locator.locate("visitor badge").how == How.EXACT
    assert locator.locate("Mira Murati sayd the company").how == How.FUZZY
    assert locator.locate('"OpenAI" on Tuesday').how == How.FUZZY


# Properties --------------------------------------------------------------------------------

WORDS = st.sampled_from(
    ["Altman", "board", "OpenAI", "said", "the", "Murati", "resign", "badge", "on", "Sunday"]
)
TEXTS = st.lists(WORDS, min_size=3, max_size=60).map(" ".join)


@st.composite
def passages(draw):
    body = draw(TEXTS)
    start = draw(st.integers(0, len(body) - 1))
    end = draw(st.integers(start + 1, min(len(body), start + 40)))
    return body, start, end


@settings(max_examples=200, deadline=None)
@given(passages(), st.integers(-60, 60).filter(bool))
@example(("Altman said the board", 7, 11), 17)
def test_a_unique_passage_with_shifted_offsets_is_found_where_it_is(passage, shift):
    body, start, end = passage
    exact = body[start:end]
    assume(len(occurrences(body, exact)) == 1)
    stated = max(0, start + shift)
    found = locate(body, exact, start=stated, end=stated + len(exact))
    assert found == Located(start, end, How.MOVED if stated != start else How.EXACT)


@settings(max_examples=200, deadline=None)
@given(passages())
def test_a_passage_with_its_own_context_and_offsets_is_always_anchored_in_place(passage):
    body, start, end = passage
    anchor = anchor_span(body, start, end)
    found = locate(body, anchor.exact, anchor.prefix, anchor.suffix, start, end)
    assert found == Located(start, end, How.EXACT)


@settings(max_examples=200, deadline=None)
@given(passages(), st.integers(-60, 60))
def test_whatever_is_found_holds_the_words_or_something_like_them(passage, shift):
    body, start, end = passage
    assume(body[start:end].strip())
    exact = body[start:end].replace(" ", "  ")  # as a tool that keeps double spaces quotes it
    try:
        found = locate(body, exact, start=max(0, start + shift))
    except NotAnchorable as error:
        assert "does not tell which" in str(error)
        return
    assert fold(body[found.start : found.end]) == fold(exact)
    assert (found.how == How.FUZZY) == (" " in body[start:end])


@settings(max_examples=100, deadline=None)
@given(TEXTS, st.text(alphabet="xzqjkvw", min_size=1, max_size=MIN_FUZZY_CHARS - 1))
def test_a_short_passage_that_is_not_there_is_never_found(body, exact):
    with pytest.raises(NotAnchorable):
        locate(body, exact)
