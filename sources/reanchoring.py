"""Re-anchoring annotations after an edit of the body: unchanged, moved, fuzzy or orphaned.

Every annotation survives an edit with one of four outcomes, decided in tiers: the passage
is where it was (UNCHANGED), its exact text is elsewhere (MOVED), a closely similar passage
stands where the edit put it (FUZZY), or nothing fits and an editor must decide (ORPHANED).
Nothing is deleted and nothing moves without saying so. Pure functions of two strings.
"""

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

from sources.anchoring import (
    anchor_span,
    best_occurrence,
    context_score,
    describe_mismatch,
)

#: The least SequenceMatcher ratio between the old passage and its candidate for FUZZY.
FUZZY_THRESHOLD = 0.6

#: Replaced blocks up to this many characters on each side are re-diffed character by
#: character, so a passage inside a rewritten sentence maps to its own words, not to the
#: whole sentence. Larger blocks keep their boundaries: a character diff is quadratic.
REFINE_CHARS = 1000

# A token is a word with the non-word run after it (or the non-word run a text opens with).
# Spaces as tokens of their own would be thousands of identical tokens, and difflib's
# matching is quadratic in such repeats: a rewritten 40,000-character article took seconds.
_TOKEN = re.compile(r"\W+|\w+\W*")
_WORD = re.compile(r"\w")


class Outcome(StrEnum):
    """How an annotation fared in an edit, from nothing to do to an editor's decision."""

    UNCHANGED = "unchanged"
    MOVED = "moved"
    FUZZY = "fuzzy"
    ORPHANED = "orphaned"


@dataclass(frozen=True)
class Target:
    """An annotation's anchor in the body before the edit."""

    start: int
    end: int
    exact: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class Result:
    """Where an annotation stands in the body after the edit; offsets are None if ORPHANED."""

    outcome: Outcome
    start: int | None
    end: int | None
    exact: str | None
    prefix: str
    suffix: str
    similarity: float


def _common_prefix(a: str, b: str) -> int:
    # Binary search on slice equality: each comparison runs in C, so a 40,000-character
    # body costs a few dozen comparisons instead of a Python loop over every character.
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, b: str) -> int:
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle : len(a) - low] == b[len(b) - middle : len(b) - low]:
            low = middle
        else:
            high = middle - 1
    return low


def _is_word(text: str, index: int) -> bool:
    return 0 <= index < len(text) and _WORD.match(text, index) is not None


def _mid_word(text: str, index: int) -> bool:
    return _is_word(text, index - 1) and _is_word(text, index)


class _Segments:
    """A diff as rows (tag, a1, a2, b1, b2) tiling an old range, in character offsets.

    Pure insertions cover no old text and are left out: a start offset falls after them
    (the row beginning there wins) and an end offset before them (the row ending there wins),
    so text inserted at a passage's edge stays outside it.
    """

    def __init__(self, rows: list[tuple[str, int, int, int, int]]):
        self.rows = [row for row in rows if row[1] < row[2]]
        self.starts = [row[1] for row in self.rows]

    def locate(self, offset: int, *, start: bool) -> int:
        if start:
            return bisect_right(self.starts, offset) - 1
        return bisect_left(self.starts, offset) - 1

    def point(self, offset: int, *, start: bool) -> int:
        tag, a1, _, b1, b2 = self.rows[self.locate(offset, start=start)]
        if tag == "equal":
            return b1 + offset - a1
        return b1 if start else b2


def _opcode_rows(matcher: SequenceMatcher, old_at: list[int], new_at: list[int]) -> list:
    return [
        (tag, old_at[i1], old_at[i2], new_at[j1], new_at[j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]


def _tokens(text: str, base: int) -> tuple[list[str], list[int]]:
    """The tokens of `text`, and where each starts (plus where the text ends), from `base`."""
    matches = list(_TOKEN.finditer(text))
    return [m.group() for m in matches], [base + m.start() for m in matches] + [base + len(text)]


class _Diff:
    """Where each old offset went: the common head and tail, and a token diff between them.

    Trimming the common head and tail first makes any single edit exact: a passage wholly
    before it keeps its offsets and one wholly after it shifts by the length change, however
    repetitive the text. Only what lies between is diffed, on tokens, which keeps a small edit
    of a long article cheap.
    """

    def __init__(self, old: str, new: str):
        self.old, self.new = old, new
        self.delta = len(new) - len(old)
        self.head = _common_prefix(old, new)
        # The whole common tail says where passages after the edit went; the capped tail
        # (not overlapping the head) bounds the middle that is diffed.
        self.tail_start = len(old) - _common_suffix(old, new)
        tail = min(len(old) - self.tail_start, min(len(old), len(new)) - self.head)
        self.middle_end = len(old) - tail
        old_tokens, old_at = _tokens(old[self.head : self.middle_end], self.head)
        new_tokens, new_at = _tokens(new[self.head : len(new) - tail], self.head)
        matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
        self.segments = _Segments(_opcode_rows(matcher, old_at, new_at))
        self._refined: dict[int, _Segments | None] = {}

    def _refine(self, index: int) -> "_Segments | None":
        if index not in self._refined:
            tag, a1, a2, b1, b2 = self.segments.rows[index]
            refined = None
            if tag == "replace" and a2 - a1 <= REFINE_CHARS and b2 - b1 <= REFINE_CHARS:
                matcher = SequenceMatcher(None, self.old[a1:a2], self.new[b1:b2], autojunk=False)
                old_at = list(range(a1, a2 + 1))
                new_at = list(range(b1, b2 + 1))
                refined = _Segments(_opcode_rows(matcher, old_at, new_at))
            self._refined[index] = refined
        return self._refined[index]

    def point(self, offset: int, *, start: bool, fine: bool) -> int:
        """The new offset of an old one; a start keeps to the right of insertions there."""
        if offset < self.head or (offset == self.head and not start):
            return offset
        if offset > self.middle_end or (offset == self.middle_end and start):
            return offset + self.delta
        index = self.segments.locate(offset, start=start)
        if fine and self.segments.rows[index][0] != "equal":
            refined = self._refine(index)
            if refined is not None:
                return refined.point(offset, start=start)
        return self.segments.point(offset, start=start)

    def span(
        self, start: int, end: int, prefix: str, suffix: str, *, fine: bool = True
    ) -> tuple[int, int]:
        before = end <= self.head
        after = start >= self.tail_start
        shifted = (start + self.delta, end + self.delta)
        if before and after:
            # Repetitive text can make both readings true ("ab" + "ab" inserted before or
            # after): the recorded context decides, and the unmoved reading wins a tie.
            shifted_score = context_score(self.new, *shifted, prefix, suffix)
            if shifted_score > context_score(self.new, start, end, prefix, suffix):
                return shifted
            return start, end
        if before:
            return start, end
        if after:
            return shifted
        return (
            self.point(start, start=True, fine=fine),
            self.point(end, start=False, fine=fine),
        )


def _orphan(similarity: float) -> Result:
    return Result(Outcome.ORPHANED, None, None, None, "", "", similarity)


class Reanchorer:
    """Re-anchors any number of annotations across one edit; the diff is computed once."""

    def __init__(self, old_body: str, new_body: str):
        self.old_body = old_body
        self.new_body = new_body
        self._diff = _Diff(old_body, new_body)

    def reanchor(self, target: Target) -> Result:
        exact = target.exact
        if not exact:
            return _orphan(0.0)
        located = describe_mismatch(self.old_body, target.start, target.end, exact) is None
        start, end = (target.start, target.end) if located else self._locate_in_old(target)
        new = self.new_body
        mapped = self._diff.span(start, end, target.prefix, target.suffix)
        if new[mapped[0] : mapped[1]] == exact:
            if located and mapped == (target.start, target.end) and self._context_holds(target):
                return self._result(Outcome.UNCHANGED, *mapped, 1.0)
            return self._result(Outcome.MOVED, *mapped, 1.0)
        best = best_occurrence(new, exact, target.prefix, target.suffix, near=mapped[0])
        if best is not None:
            return self._result(Outcome.MOVED, best, best + len(exact), 1.0)
        return self._fuzzy(target, start, end, mapped)

    def _locate_in_old(self, target: Target) -> tuple[int, int]:
        """Where a target whose offsets do not fit the old body most likely stood in it."""
        old, exact = self.old_body, target.exact
        best = best_occurrence(old, exact, target.prefix, target.suffix, near=target.start)
        if best is not None:
            return best, best + len(exact)
        start = min(max(target.start, 0), len(old))
        return start, min(max(target.end, start), len(old))

    def _context_holds(self, target: Target) -> bool:
        new, start, end = self.new_body, target.start, target.end
        # Near either end of the body the recorded context may be longer than what is left
        # of it; agreeing as far as the body goes is agreeing.
        expected = min(len(target.prefix), start) + min(len(target.suffix), len(new) - end)
        return context_score(new, start, end, target.prefix, target.suffix) == expected

    def _candidates(self, target: Target, start: int, end: int, fine: tuple[int, int]):
        old, new, exact = self.old_body, self.new_body, target.exact
        spans = [fine]
        snapped_start, snapped_end = fine
        # A passage that began or ended on a word boundary should not come back as half a
        # word just because the character diff split a rewritten word.
        if not _mid_word(old, start):
            while snapped_start > 0 and _mid_word(new, snapped_start):
                snapped_start -= 1
        if not _mid_word(old, end):
            while snapped_end < len(new) and _mid_word(new, snapped_end):
                snapped_end += 1
        spans.append((snapped_start, snapped_end))
        spans.append(self._diff.span(start, end, target.prefix, target.suffix, fine=False))
        seen = set()
        for span_start, span_end in spans:
            for candidate in self._trimmed(exact, span_start, span_end):
                if candidate not in seen and candidate[0] < candidate[1]:
                    seen.add(candidate)
                    yield candidate

    def _trimmed(self, exact: str, start: int, end: int):
        yield start, end
        text = self.new_body[start:end]
        if not exact[0].isspace():
            start += len(text) - len(text.lstrip())
        if not exact[-1].isspace():
            end -= len(text) - len(text.rstrip())
        yield start, end

    def _fuzzy(self, target: Target, start: int, end: int, fine: tuple[int, int]) -> Result:
        exact = target.exact
        best, chosen = 0.0, None
        for candidate in self._candidates(target, start, end, fine):
            text = self.new_body[candidate[0] : candidate[1]]
            # No ratio can exceed this length bound; a candidate far longer than the passage
            # is skipped unmeasured, so a huge rewritten block costs nothing.
            bound = 2 * min(len(exact), len(text)) / (len(exact) + len(text))
            if bound <= best or (bound < FUZZY_THRESHOLD and len(text) > len(exact)):
                continue
            ratio = SequenceMatcher(None, exact, text, autojunk=False).ratio()
            if ratio > best:
                best, chosen = ratio, candidate
        if chosen is not None and best >= FUZZY_THRESHOLD:
            return self._result(Outcome.FUZZY, *chosen, best)
        return _orphan(best)

    def _result(self, outcome: Outcome, start: int, end: int, similarity: float) -> Result:
        anchor = anchor_span(self.new_body, start, end)
        return Result(
            outcome,
            anchor.start,
            anchor.end,
            anchor.exact,
            anchor.prefix,
            anchor.suffix,
            similarity,
        )


def reanchor_all(old_body: str, new_body: str, targets: Sequence[Target]) -> list[Result]:
    """Re-anchor every target across one edit, in order, diffing the two bodies once."""
    reanchorer = Reanchorer(old_body, new_body)
    return [reanchorer.reanchor(target) for target in targets]
