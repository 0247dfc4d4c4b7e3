"""Re-anchoring annotations after an edit: pure functions on strings, no database."""

import time
from difflib import SequenceMatcher

from hypothesis import given
from hypothesis import strategies as st

from sources.anchoring import CONTEXT_CHARS, anchor_span, describe_mismatch
from sources.reanchoring import (
    FUZZY_THRESHOLD,
    Outcome,
    Reanchorer,
    Result,
    Target,
    reanchor_all,
)

BODY = "Sam Altman wore a badge. 🚀 Then Altman left the building. Altman returned on Friday."


def target(body: str, start: int, end: int) -> Target:
    anchor = anchor_span(body, start, end)
    return Target(anchor.start, anchor.end, anchor.exact, anchor.prefix, anchor.suffix)


def target_on(body: str, exact: str, occurrence: int = 0) -> Target:
    start = -1
    for _ in range(occurrence + 1):
        start = body.index(exact, start + 1)
    return target(body, start, start + len(exact))


def reanchor(old: str, new: str, annotation: Target) -> Result:
    result = Reanchorer(old, new).reanchor(annotation)
    assert_well_formed(new, annotation, result)
    return result


def assert_well_formed(new: str, annotation: Target, result: Result) -> None:
    """The invariants every result keeps, whatever the edit."""
    if result.outcome is Outcome.ORPHANED:
        assert (result.start, result.end, result.exact) == (None, None, None)
        assert (result.prefix, result.suffix) == ("", "")
        assert 0.0 <= result.similarity < FUZZY_THRESHOLD
        return
    assert 0 <= result.start < result.end <= len(new)
    assert new[result.start : result.end] == result.exact
    assert result.prefix == new[max(0, result.start - CONTEXT_CHARS) : result.start]
    assert result.suffix == new[result.end : result.end + CONTEXT_CHARS]
    assert (
        describe_mismatch(new, result.start, result.end, result.exact, result.prefix, result.suffix)
        is None
    )
    if result.outcome is Outcome.FUZZY:
        assert annotation.exact not in new
        ratio = SequenceMatcher(None, annotation.exact, result.exact, autojunk=False).ratio()
        assert result.similarity == ratio >= FUZZY_THRESHOLD
    else:
        assert result.exact == annotation.exact
        assert result.similarity == 1.0
    if result.outcome is Outcome.UNCHANGED:
        assert (result.start, result.end) == (annotation.start, annotation.end)


def test_outcomes_are_plain_strings():
    assert [str(outcome) for outcome in Outcome] == ["unchanged", "moved", "fuzzy", "orphaned"]
    assert Outcome.FUZZY == "fuzzy"


def test_an_identical_body_leaves_every_annotation_unchanged():
    targets = [target_on(BODY, "Altman", n) for n in range(3)] + [target_on(BODY, "🚀 Then")]
    results = reanchor_all(BODY, BODY, targets)
    assert [result.outcome for result in results] == [Outcome.UNCHANGED] * 4
    assert [(r.start, r.end, r.exact) for r in results] == [
        (t.start, t.end, t.exact) for t in targets
    ]
    assert results[0].prefix == targets[0].prefix and results[0].suffix == targets[0].suffix


def test_a_target_without_recorded_context_is_unchanged_in_an_identical_body():
    start = BODY.index("badge")
    result = reanchor(BODY, BODY, Target(start, start + 5, "badge"))
    assert result.outcome is Outcome.UNCHANGED
    assert result.prefix == BODY[max(0, start - CONTEXT_CHARS) : start]


def test_an_edit_out_of_the_context_leaves_the_passage_unchanged():
    new = BODY.replace("on Friday", "on Saturday")
    result = reanchor(BODY, new, target_on(BODY, "Sam Altman"))
    assert result.outcome is Outcome.UNCHANGED
    assert (result.start, result.end) == (0, 10)


def test_text_inserted_before_moves_the_passage_by_its_length():
    new = "Breaking: " + BODY
    annotation = target_on(BODY, "Altman", 2)
    result = reanchor(BODY, new, annotation)
    assert result.outcome is Outcome.MOVED
    assert (result.start, result.end) == (annotation.start + 10, annotation.end + 10)
    assert result.exact == "Altman"


def test_a_passage_whose_context_changed_at_the_same_offsets_is_moved_not_unchanged():
    # Its selectors must be rewritten (the suffix changed), so it is reported, not silent.
    new = BODY.replace("Then Altman left", "Then Altman quit")
    annotation = target_on(BODY, "Altman", 1)
    result = reanchor(BODY, new, annotation)
    assert result.outcome is Outcome.MOVED
    assert (result.start, result.end) == (annotation.start, annotation.end)
    assert result.suffix.startswith(" quit")


def test_text_inserted_right_against_the_passage_stays_outside_it():
    start = BODY.index("badge")
    annotation = target(BODY, start, start + 5)
    glued_before = reanchor(BODY, BODY[:start] + "red" + BODY[start:], annotation)
    glued_after = reanchor(BODY, BODY[: start + 5] + "s" + BODY[start + 5 :], annotation)
    assert (glued_before.outcome, glued_before.start, glued_before.exact) == (
        Outcome.MOVED,
        start + 3,
        "badge",
    )
    assert (glued_after.outcome, glued_after.start, glued_after.exact) == (
        Outcome.MOVED,
        start,
        "badge",
    )


def test_equal_offsets_and_text_do_not_fool_the_diff():
    # Nine characters inserted before and nine deleted after: "cat" is back at 4–7, but
    # that "cat" is new text; the annotated one is now at 13.
    old = "one cat two four five."
    new = "the cat, one cat five."
    assert new[4:7] == old[4:7] == "cat" and len(new) == len(old)
    result = reanchor(old, new, target(old, 4, 7))
    assert (result.outcome, result.start, result.end) == (Outcome.MOVED, 13, 16)


def test_the_diff_places_a_passage_even_without_recorded_context():
    old = "aa. dog, bb."
    new = "xx. dog, aa. dog, bb."
    result = reanchor(old, new, Target(4, 7, "dog"))
    assert (result.outcome, result.start) == (Outcome.MOVED, 13)


def test_repeated_text_keeps_the_annotation_on_its_own_occurrence():
    old = "A cat. A cat. A cat."
    second = target_on(old, "cat", 1)
    for new, expected in [
        ("Today: " + old, second.start + 7),
        ("A cat. A dog. " + old[7:], second.start + 7),
        (old + " A cat.", second.start),
        (old[:6] + " Big news." + old[6:], second.start + 10),
    ]:
        result = reanchor(old, new, second)
        assert result.exact == "cat"
        assert result.start == expected, new


def test_when_the_diff_cannot_place_it_the_context_chooses_the_occurrence():
    old = "Ann met Bob. Ann met Cy. Ann met Dee."
    new = "Ann met Bob. Met Cy. Ann met Dee. Ann met Cy."
    result = reanchor(old, new, target_on(old, "Ann", 1))
    assert (result.outcome, result.start) == (Outcome.MOVED, new.rindex("Ann"))


def test_deleting_the_passage_orphans_it():
    new = BODY.replace(" 🚀 Then Altman left the building.", "")
    result = reanchor(BODY, new, target_on(BODY, "left the building"))
    assert result == Result(Outcome.ORPHANED, None, None, None, "", "", 0.0)


def test_deleting_a_passage_whose_text_occurs_elsewhere_moves_it():
    new = BODY.replace(" Then Altman left the building.", "")
    result = reanchor(BODY, new, target_on(BODY, "Altman", 1))
    assert result.outcome is Outcome.MOVED
    assert result.exact == "Altman"


def test_a_lightly_edited_passage_is_fuzzy():
    old = "He saw the quick brown fox jump."
    new = "He saw the quick red fox jump."
    result = reanchor(old, new, target_on(old, "quick brown fox"))
    assert (result.outcome, result.exact) == (Outcome.FUZZY, "quick red fox")
    assert result.similarity > 0.75


def test_a_fuzzy_match_keeps_to_the_passage_inside_a_rewritten_sentence():
    old = "Yesterday the quick fox jumps. Nothing else happened that day."
    new = "Yesterday the superquick fax jumps. Nothing else happened that day."
    result = reanchor(old, new, target_on(old, "quick fox"))
    assert (result.outcome, result.exact) == (Outcome.FUZZY, "quick fax")


def test_a_misspelt_name_is_corrected_fuzzily():
    old = "He met Altman today."
    new = "He met Sam Altmann today."
    result = reanchor(old, new, target_on(old, "Altman today"))
    assert (result.outcome, result.exact) == (Outcome.FUZZY, "Altmann today")


def test_a_rewrite_below_the_threshold_orphans_the_passage_with_its_best_ratio():
    old = "He saw the quick brown fox jump."
    new = "He saw a slow red dog jump."
    result = reanchor(old, new, target_on(old, "the quick brown fox"))
    assert result.outcome is Outcome.ORPHANED
    assert 0.0 < result.similarity < FUZZY_THRESHOLD


def test_offsets_count_code_points_so_emoji_shift_by_one_each():
    new = "👍🏽𝔘 " + BODY
    annotation = target_on(BODY, "🚀 Then")
    result = reanchor(BODY, new, annotation)
    assert (result.outcome, result.start, result.exact) == (
        Outcome.MOVED,
        annotation.start + 4,
        "🚀 Then",
    )
    fuzzy = reanchor(BODY, BODY.replace("🚀 Then", "🛸 Then"), annotation)
    assert (fuzzy.outcome, fuzzy.exact) == (Outcome.FUZZY, "🛸 Then")


def test_a_target_whose_offsets_do_not_fit_the_old_body_is_found_by_its_text():
    stale = Target(0, 5, "badge", prefix="wore a ")
    result = reanchor(BODY, BODY, stale)
    assert (result.outcome, result.start) == (Outcome.MOVED, BODY.index("badge"))
    assert reanchor(BODY, BODY, Target(3, 3, "")).outcome is Outcome.ORPHANED
    assert reanchor(BODY, BODY, Target(-5, 900, "Murati")).outcome is Outcome.ORPHANED


def test_reanchor_all_answers_in_order_like_one_by_one():
    new = BODY.replace("Sam Altman", "Sam Aldman").replace(" 🚀 Then Altman left the building.", "")
    targets = [target_on(BODY, text) for text in ("badge", "Sam Altman", "building", "Friday")]
    reanchorer = Reanchorer(BODY, new)
    results = reanchor_all(BODY, new, targets)
    assert results == [reanchorer.reanchor(t) for t in targets]
    assert [r.outcome for r in results] == [
        Outcome.MOVED,
        Outcome.FUZZY,
        Outcome.ORPHANED,
        Outcome.MOVED,
    ]


COMMON = ["the", "of", "and", "a", "to", "in", "that", "said", "on", "Altman", "🚀"]
SYLLABLES = ["al", "ba", "cor", "di", "en", "fu", "ga", "hor", "is", "jo", "ka", "lu", "man", "ne"]
RARE = [a + b for a in SYLLABLES for b in SYLLABLES] + [
    a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES
]


def long_article(length: int, seed: int = 1) -> str:
    """A deterministic article of `length` characters: a few common words, many rare ones."""
    state, words, size = seed, [], 0
    while size < length:
        state = (state * 1103515245 + 12345) % 2**31
        pick = state >> 8
        word = COMMON[pick % len(COMMON)] if pick % 3 == 0 else RARE[(pick >> 2) % len(RARE)]
        ending = ". " if pick % 17 == 0 else "\n\n" if pick % 89 == 0 else " "
        words.append(word + ending)
        size += len(word) + len(ending)
    return "".join(words)[:length]


def annotations_of(body: str, count: int) -> list[Target]:
    step = len(body) // count
    targets = []
    for n in range(count):
        start = body.find(" ", n * step) + 1
        end = body.find(" ", start + 1 + n % 30)
        targets.append(target(body, start, end))
    return targets


def test_a_thousand_annotations_on_a_long_article_are_reanchored_quickly():
    old = long_article(40_000)
    targets = annotations_of(old, 1000)
    middle = old.index(" ", 20_000)
    new = old[:middle] + " A correction was appended here, 🚀 at noon." + old[middle:]
    new = new[:30_000] + new[30_000:].replace(" said ", " says ", 1)
    started = time.perf_counter()
    results = reanchor_all(old, new, targets)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0
    assert {r.outcome for r in results} <= {Outcome.UNCHANGED, Outcome.MOVED, Outcome.FUZZY}
    assert sum(r.outcome is Outcome.UNCHANGED for r in results) > 400
    for annotation, result in zip(targets, results, strict=True):
        assert_well_formed(new, annotation, result)


def test_a_complete_rewrite_of_a_long_article_is_still_quick():
    # Whitespace travels with the word before it in the token diff; as tokens of their own,
    # thousands of identical spaces made this case take seconds.
    old = long_article(40_000)
    new = long_article(40_000, seed=2)
    targets = annotations_of(old, 1000)
    started = time.perf_counter()
    results = reanchor_all(old, new, targets)
    assert time.perf_counter() - started < 2.0
    for annotation, result in zip(targets, results, strict=True):
        assert_well_formed(new, annotation, result)


FRAGMENTS = ["a", "b", "ab", "cat", "Altman", " ", " ", ". ", ", ", "\n\n", "é", "🚀", "👍🏽", "𝔘"]
texts = st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join)
bodies = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=30).map("".join)
#: Absent from FRAGMENTS: inserted text that starts and ends with it cannot be mistaken for
#: old text, so only one reading of the edit leaves the passage alone.
MARKER = "¶"


@st.composite
def passages(draw):
    body = draw(bodies)
    start = draw(st.integers(0, len(body) - 1))
    end = draw(st.integers(start + 1, len(body)))
    return body, target(body, start, end)


@given(passages())
def test_property_an_identical_body_leaves_any_passage_unchanged(case):
    body, annotation = case
    result = reanchor(body, body, annotation)
    assert result.outcome is Outcome.UNCHANGED


@given(passages(), st.data())
def test_property_any_edit_anywhere_gives_a_well_formed_result(case, data):
    old, annotation = case
    edit_start = data.draw(st.integers(0, len(old)))
    edit_end = data.draw(st.integers(edit_start, len(old)))
    new = old[:edit_start] + data.draw(texts) + old[edit_end:]
    reanchor(old, new, annotation)


@given(passages(), st.data())
def test_property_an_edit_inside_or_across_the_passage_gives_a_well_formed_result(case, data):
    old, annotation = case
    edit_start = data.draw(st.integers(max(0, annotation.start - 3), annotation.end))
    edit_end = data.draw(st.integers(edit_start, min(len(old), annotation.end + 3)))
    new = old[:edit_start] + data.draw(texts) + old[edit_end:]
    reanchor(old, new, annotation)


@given(passages(), st.data())
def test_property_an_edit_beside_the_passage_keeps_it_and_shifts_it_by_the_length_change(
    case, data
):
    old, annotation = case
    start, end = annotation.start, annotation.end
    if data.draw(st.booleans()):
        edit_start = data.draw(st.integers(0, start))
        edit_end = data.draw(st.integers(edit_start, start))
    else:
        edit_start = data.draw(st.integers(end, len(old)))
        edit_end = data.draw(st.integers(edit_start, len(old)))
    inserted = data.draw(texts)
    new = old[:edit_start] + inserted + old[edit_end:]
    shift = len(inserted) - (edit_end - edit_start) if edit_end <= start else 0
    result = reanchor(old, new, annotation)
    assert result.outcome in (Outcome.UNCHANGED, Outcome.MOVED)
    assert result.exact == annotation.exact
    delta = len(new) - len(old)
    # Repetitive text can be the same result of another edit that also misses the passage
    # ("ab" inserted before "ab", or after it): either reading is then right, and no other.
    assert (
        result.start == start + shift
        or (result.start == start and new[:end] == old[:end])
        or (result.start == start + delta and new[start + delta :] == old[start:])
    )


@given(passages(), st.data())
def test_property_an_unambiguous_insertion_beside_the_passage_shifts_it_exactly(case, data):
    old, annotation = case
    at = data.draw(
        st.one_of(st.integers(0, annotation.start), st.integers(annotation.end, len(old)))
    )
    inserted = MARKER + data.draw(texts) + MARKER
    new = old[:at] + inserted + old[at:]
    result = reanchor(old, new, annotation)
    shift = len(inserted) if at <= annotation.start else 0
    assert result.outcome in (Outcome.UNCHANGED, Outcome.MOVED)
    assert (result.start, result.end) == (annotation.start + shift, annotation.end + shift)
    assert result.exact == annotation.exact


OTHER_WORDS = st.lists(st.sampled_from(["ΑΒΓ", "Δ", "·", "Ω🛸"]), min_size=1, max_size=5)


@given(bodies, bodies, OTHER_WORDS.map("".join), st.data())
def test_property_deleting_a_passage_orphans_it(before, after, passage, data):
    old = before + passage + after
    annotation = target(old, len(before), len(before) + len(passage))
    edit_start = data.draw(st.integers(0, annotation.start))
    edit_end = data.draw(st.integers(annotation.end, len(old)))
    new = old[:edit_start] + old[edit_end:]
    result = reanchor(old, new, annotation)
    assert result == Result(Outcome.ORPHANED, None, None, None, "", "", 0.0)


@given(bodies, bodies, OTHER_WORDS.map("".join), st.booleans())
def test_property_deleting_a_passage_found_elsewhere_moves_it_there(before, after, passage, first):
    old = before + passage + after + passage
    start = len(before) if first else len(old) - len(passage)
    annotation = target(old, start, start + len(passage))
    new = old[:start] + old[start + len(passage) :]
    result = reanchor(old, new, annotation)
    assert result.outcome is Outcome.MOVED
    assert result.start == new.index(passage)


def apply_edits(data, old: str, regions: list[tuple[int, int]]) -> tuple[str, int, int]:
    """Up to three random edits of `old`, each inside one of `regions`, made at once.

    Returns the new text, the net length change of the edits that start before the last
    region (those before a passage lying between two regions), and that of all of them.
    """
    edits = []
    for _ in range(data.draw(st.integers(1, 3))):
        low, high = data.draw(st.sampled_from(regions))
        edit_start = data.draw(st.integers(low, high))
        edits.append((edit_start, data.draw(st.integers(edit_start, high)), data.draw(texts)))
    pieces, at, before, total = [], 0, 0, 0
    for edit_start, edit_end, inserted in sorted(edits):
        if edit_start < at:
            continue
        pieces += [old[at:edit_start], inserted]
        at = edit_end
        change = len(inserted) - (edit_end - edit_start)
        total += change
        if edit_start < regions[-1][0]:
            before += change
    pieces.append(old[at:])
    return "".join(pieces), before, total


@given(passages(), st.data())
def test_property_several_edits_anywhere_give_well_formed_results(case, data):
    old, annotation = case
    new, _, _ = apply_edits(data, old, [(0, len(old))])
    reanchor(old, new, annotation)


@given(passages(), st.data())
def test_property_several_edits_beside_the_passage_keep_its_text(case, data):
    old, annotation = case
    regions = [(0, annotation.start), (annotation.end, len(old))]
    new, _, _ = apply_edits(data, old, regions)
    result = reanchor(old, new, annotation)
    assert result.outcome in (Outcome.UNCHANGED, Outcome.MOVED)
    assert result.exact == annotation.exact


@given(bodies, bodies, OTHER_WORDS.map("".join), st.data())
def test_property_several_edits_shift_a_unique_passage_by_the_change_before_it(
    before, after, passage, data
):
    old = before + passage + after
    annotation = target(old, len(before), len(before) + len(passage))
    regions = [(0, annotation.start), (annotation.end, len(old))]
    new, shift, _ = apply_edits(data, old, regions)
    result = reanchor(old, new, annotation)
    assert result.outcome in (Outcome.UNCHANGED, Outcome.MOVED)
    assert (result.start, result.end) == (annotation.start + shift, annotation.end + shift)
