"""Locating a quoted passage in a text: at its stated offsets, elsewhere by its words, or nearly.

Annotations made elsewhere (another tool, another copy of the article) carry offsets that
cannot be trusted, and a TextQuoteSelector that can: `locate` finds the passage by its words,
lets the recorded context choose among repeats, and falls back to an approximate match only
when the passage is long enough for similarity to mean anything. Pure functions of strings.
"""

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz

from sources.anchoring import context_score, occurrences
from sources.text import excerpt

#: Passages shorter than this are never matched approximately: one letter changes a short
#: word into another ("Sam" / "Pam"), and short strings are nearly everywhere by chance.
MIN_FUZZY_CHARS = 8
#: Passages shorter than this need the stricter threshold: one typo in ten characters.
SHORT_PASSAGE_CHARS = 30
#: Least similarity (rapidfuzz's Indel ratio: 1 - edits / total length) for a fuzzy match.
#: One changed character in a passage of n costs 1/n, so 0.9 allows one typo per ten
#: characters in a short passage, and 0.85 three in twenty in a longer one; unrelated
#: sentences of the same length score around 0.5-0.6.
SHORT_THRESHOLD = 0.9
LONG_THRESHOLD = 0.85
#: Approximate matches this close to the best are told apart by context, then position.
TIE_MARGIN = 0.02
#: Context further than this from the passage says nothing more about where it is.
CONTEXT_LIMIT = 256
#: How many disjoint approximate matches are weighed against each other at most.
MAX_CANDIDATES = 8

_WORD = re.compile(r"\w")
# Typographic variants of one character: what another tool's copy of a text often differs by.
_FOLDED = {
    **dict.fromkeys("‘’‚‛′`´", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    "…": "...",
}
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")


class How(StrEnum):
    """How a passage was found; the values are those of the archive's anchor statuses."""

    EXACT = "anchored"  # at the stated offsets (or, with none stated, by its words alone)
    MOVED = "moved"  # its exact words, elsewhere than the stated offsets
    FUZZY = "fuzzy"  # a passage like it: typography, spacing or a few characters differ


@dataclass(frozen=True)
class Located:
    start: int
    end: int
    how: How
    similarity: float = 1.0


class NotAnchorable(ValueError):
    """No passage of the text can be said to be the one quoted; the message says why."""


class Locator:
    """Locates any number of passages in one text, folding the text once if need be."""

    def __init__(self, body: str):
        self.body = body
        self._folded: _Folded | None = None

    @property
    def folded(self) -> "_Folded":
        if self._folded is None:
            self._folded = _Folded(self.body)
        return self._folded

    def locate(
        self,
        exact: str,
        prefix: str = "",
        suffix: str = "",
        start: int | None = None,
        end: int | None = None,
    ) -> Located:
        """See `locate`."""
        body = self.body
        exact, prefix, suffix = (unicodedata.normalize("NFC", s) for s in (exact, prefix, suffix))
        if not exact:
            raise NotAnchorable("the passage is empty")
        prefix, suffix = prefix[-CONTEXT_LIMIT:], suffix[:CONTEXT_LIMIT]
        if start is not None and end is None:
            end = start + len(exact)
        hits = occurrences(body, exact)
        if hits:
            chosen = _choose(body, hits, len(exact), prefix, suffix, start, end)
            if start is None or (chosen, chosen + len(exact)) == (start, end):
                return Located(chosen, chosen + len(exact), How.EXACT)
            return Located(chosen, chosen + len(exact), How.MOVED)
        found = _locate_folded(self.folded, exact, prefix, suffix, start)
        if found is not None:
            return found
        return _locate_fuzzy(self.folded, exact, prefix, suffix, start)


def locate(
    body: str,
    exact: str,
    prefix: str = "",
    suffix: str = "",
    start: int | None = None,
    end: int | None = None,
) -> Located:
    """Where the passage quoted by a TextQuoteSelector stands in `body`.

    Tiers: the stated offsets, if they hold `exact` and no other occurrence fits the context
    better (EXACT); another occurrence of `exact`, chosen by context then nearness to `start`
    (MOVED); the same words typographically folded (curly quotes, dashes, runs of spaces), or
    an approximate match of a long enough passage (FUZZY). `body` is the archive's normalised
    text; NFC differences in the quote do not count as differences. Raises NotAnchorable.
    """
    return Locator(body).locate(exact, prefix, suffix, start, end)


def fuzzy_threshold(length: int) -> float | None:
    """The least similarity accepted for a passage of `length` characters; None: exact only."""
    if length < MIN_FUZZY_CHARS:
        return None
    return SHORT_THRESHOLD if length < SHORT_PASSAGE_CHARS else LONG_THRESHOLD


def fold(text: str) -> str:
    """`text` with typographic variants made plain and every run of white space one space."""
    return _Folded(text).text


def _quoted(text: str) -> str:
    return "“" + excerpt(text.replace("\n", " "), 60) + "”"


def _choose(
    body: str,
    hits: list[int],
    length: int,
    prefix: str,
    suffix: str,
    start: int | None,
    end: int | None,
) -> int:
    """The occurrence the context points to; on a tie the one nearest `start`, never a guess."""
    if len(hits) == 1:
        return hits[0]
    if start is not None and end == start + length and start in hits and not (prefix or suffix):
        return start
    scores = {hit: context_score(body, hit, hit + length, prefix, suffix) for hit in hits}
    best = max(scores.values())
    fitting = [hit for hit in hits if scores[hit] == best]
    if len(fitting) > 1 and start is not None:
        nearest = min(abs(hit - start) for hit in fitting)
        fitting = [hit for hit in fitting if abs(hit - start) == nearest]
    if len(fitting) > 1:
        raise NotAnchorable(
            f"{_quoted(body[hits[0] : hits[0] + length])} occurs {len(hits)} times and the "
            "context does not tell which"
        )
    return fitting[0]


class _Folded:
    """A text folded for comparison, and where each folded character came from."""

    def __init__(self, text: str):
        chars: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        index = 0
        while index < len(text):
            char = text[index]
            if char.isspace():
                run_end = index + 1
                while run_end < len(text) and text[run_end].isspace():
                    run_end += 1
                chars.append(" ")
                self.starts.append(index)
                self.ends.append(run_end)
                index = run_end
                continue
            if char not in _INVISIBLE:
                for folded in _FOLDED.get(char, char):
                    chars.append(folded)
                    self.starts.append(index)
                    self.ends.append(index + 1)
            index += 1
        self.text = "".join(chars)
        self.original = text

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the folded span start–end."""
        return self.starts[start], self.ends[end - 1]

    def position(self, offset: int) -> int:
        """The folded position of an original offset."""
        return bisect_left(self.starts, offset)


def _locate_folded(
    folded: _Folded, exact: str, prefix: str, suffix: str, start: int | None
) -> Located | None:
    """The quote's words with typography and spacing folded: FUZZY, since the text differs."""
    needle = fold(exact)
    if not needle.strip():
        return None
    hits = occurrences(folded.text, needle)
    if not hits:
        return None
    near = None if start is None else folded.position(start)
    chosen = _choose(folded.text, hits, len(needle), fold(prefix), fold(suffix), near, None)
    span_start, span_end = folded.span(chosen, chosen + len(needle))
    found = folded.original[span_start:span_end]
    return Located(span_start, span_end, How.FUZZY, _similarity(exact, found, cap=True))


def _similarity(a: str, b: str, cap: bool = False) -> float:
    ratio = fuzz.ratio(a, b) / 100
    # Texts that differ are never reported as 100% alike, however long they are.
    return min(ratio, 0.99) if cap and a != b else ratio


@dataclass(frozen=True)
class _Candidate:
    start: int  # folded offsets
    end: int
    similarity: float


def _locate_fuzzy(
    folded: _Folded, exact: str, prefix: str, suffix: str, start: int | None
) -> Located:
    needle = fold(exact)
    threshold = fuzzy_threshold(len(needle.strip()))
    if threshold is None:
        raise NotAnchorable(
            f"{_quoted(exact)} is not in the text, and {len(exact)} characters are too few to "
            f"look for a passage like it (at least {MIN_FUZZY_CHARS})"
        )
    text = folded.text
    fprefix, fsuffix = fold(prefix), fold(suffix)
    cutoff = (threshold - 0.15) * 100
    windows = _windows(needle, text, cutoff, MAX_CANDIDATES)
    if fprefix or fsuffix:
        # The passage with its context stands out where the passage alone may not.
        context = fprefix + needle + fsuffix
        for window_start, window_end in _windows(context, text, cutoff, 2):
            windows += _windows(needle, text[window_start:window_end], cutoff, 1, window_start)
    near = None if start is None else folded.position(start)
    if near is not None:
        reach = len(needle) + 64
        low = max(0, near - reach)
        windows += _windows(needle, text[low : near + reach + len(needle)], cutoff, 1, low)
    candidates = {_refine(text, needle, *window) for window in dict.fromkeys(windows)}
    if not candidates:
        # Nothing came near the cutoff; measure the best anyway, so the report can say how far.
        windows = _windows(needle, text, 0, 1)
        candidates = {_refine(text, needle, *window) for window in windows}
    if not candidates:
        raise NotAnchorable("the text is empty")
    best = max(candidates, key=lambda c: c.similarity)
    if best.similarity < threshold:
        span = folded.span(best.start, best.end)
        raise NotAnchorable(
            f"no passage like {_quoted(exact)}: the best match, "
            f"{_quoted(folded.original[span[0] : span[1]])}, is {best.similarity:.0%} alike "
            f"({threshold:.0%} needed)"
        )
    chosen = _pick(text, candidates, best.similarity, fprefix, fsuffix, near)
    if chosen is None:
        raise NotAnchorable(
            f"passages like {_quoted(exact)} occur more than once and the context does not "
            "tell which"
        )
    span_start, span_end = folded.span(chosen.start, chosen.end)
    similarity = min(chosen.similarity, 0.99)  # fuzzy is never 100%: the words differ
    return Located(span_start, span_end, How.FUZZY, similarity)


def _windows(
    needle: str, text: str, cutoff: float, limit: int, offset: int = 0
) -> list[tuple[int, int]]:
    """Up to `limit` disjoint windows of `text` most like `needle`, best first."""
    if len(needle) >= len(text):
        return [(offset, offset + len(text))] if text else []
    found = []
    for _ in range(limit):
        alignment = fuzz.partial_ratio_alignment(needle, text, score_cutoff=cutoff)
        if alignment is None:
            break
        window_start, window_end = alignment.dest_start, alignment.dest_end
        found.append((offset + window_start, offset + window_end))
        # NUL never occurs in a normalised text, so a masked window matches nothing again.
        text = text[:window_start] + "\0" * (window_end - window_start) + text[window_end:]
    return found


def _is_word(text: str, index: int) -> bool:
    return 0 <= index < len(text) and _WORD.match(text, index) is not None


def _edges(text: str, near: int, pad: int, char: str, *, start: bool) -> list[int]:
    """Where a passage beginning (or ending) with `char` may begin (or end) near `near`."""
    low, high = max(0, near - pad), min(len(text), near + pad)
    word = _WORD.match(char) is not None
    edges = []
    for index in range(low, high + 1):
        inside, outside = (index, index - 1) if start else (index - 1, index)
        if word:
            # A passage that begins with a word begins with a whole word.
            if _is_word(text, inside) and not _is_word(text, outside):
                edges.append(index)
        elif 0 <= inside < len(text) and text[inside] == char:
            edges.append(index)
    return edges or [near]


def _refine(text: str, needle: str, window_start: int, window_end: int) -> _Candidate:
    """The span near a window most like `needle`, its edges on word boundaries where the
    passage's are (a typo in the first letter must not leave the first word cut short)."""
    pad = min(max(8, len(needle) // 10), 32)
    best, best_key = None, None
    for span_start in _edges(text, window_start, pad, needle[0], start=True):
        for span_end in _edges(text, window_end, pad, needle[-1], start=False):
            if span_end <= span_start:
                continue
            similarity = _similarity(needle, text[span_start:span_end])
            distance = abs(span_start - window_start) + abs(span_end - window_end)
            if best_key is None or (similarity, -distance) > best_key:
                best, best_key = (
                    _Candidate(span_start, span_end, similarity),
                    (similarity, -distance),
                )
    if best is None:
        return _Candidate(
            window_start, window_end, _similarity(needle, text[window_start:window_end])
        )
    return best


def _context_similarity(text: str, candidate: _Candidate, prefix: str, suffix: str) -> float:
    parts = []
    if prefix:
        before = text[max(0, candidate.start - len(prefix)) : candidate.start]
        parts.append((len(prefix), _similarity(prefix, before)))
    if suffix:
        parts.append((len(suffix), _similarity(suffix, text[candidate.end :][: len(suffix)])))
    total = sum(length for length, _ in parts)
    return round(sum(length * score for length, score in parts) / total, 2) if total else 0.0


def _pick(
    text: str,
    candidates: set[_Candidate],
    best: float,
    prefix: str,
    suffix: str,
    near: int | None,
) -> _Candidate | None:
    """Among the candidates about as alike as the best, the one the context (then position)
    points to; None if nothing tells them apart."""
    contenders: list[_Candidate] = []
    for candidate in sorted(candidates, key=lambda c: (-c.similarity, c.start)):
        if candidate.similarity < best - TIE_MARGIN:
            break
        # Overlapping spans are one passage with different edges: the more alike stands.
        if all(candidate.end <= c.start or c.end <= candidate.start for c in contenders):
            contenders.append(candidate)
    if len(contenders) > 1 and (prefix or suffix):
        scores = {c: _context_similarity(text, c, prefix, suffix) for c in contenders}
        top = max(scores.values())
        contenders = [c for c in contenders if scores[c] == top]
    if len(contenders) > 1 and near is not None:
        nearest = min(abs(c.start - near) for c in contenders)
        contenders = [c for c in contenders if abs(c.start - near) == nearest]
    return contenders[0] if len(contenders) == 1 else None
