"""Anchoring passages in a source's body: W3C position and quote selectors as pure functions.

Offsets are Unicode code points of the normalised body (Python ``str`` indices). Nothing
here touches the database, so every rule is tested on plain strings.
"""

from dataclasses import dataclass

#: How many characters of context a TextQuoteSelector keeps on each side.
CONTEXT_CHARS = 32


class AnchorError(ValueError):
    """A selector that does not describe a passage of the text."""


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


@dataclass(frozen=True)
class Window:
    """Part of a text: `text` is what stands from `offset` on, in a text `length` long.

    Checking an anchor needs only the passage and its context, so the database can send a
    window instead of a whole article.
    """

    text: str
    offset: int
    length: int

    @classmethod
    def of(cls, body: str) -> "Window":
        return cls(body, 0, len(body))

    def slice(self, start: int, end: int) -> str:
        start, end = max(start, 0), min(end, self.length)
        return self.text[max(0, start - self.offset) : max(0, end - self.offset)]


def describe_mismatch(
    body: "str | Window",
    start: int,
    end: int,
    exact: str,
    prefix: str = "",
    suffix: str = "",
) -> str | None:
    """Say why the selectors do not describe a passage of `body`, or return None if they do.

    Prefix and suffix, when given, must agree with the text just before and after. `body`
    may be the whole text or a Window holding the passage and its context.
    """
    window = body if isinstance(body, Window) else Window.of(body)
    if not exact:
        return "the passage is empty"
    if start < 0 or end < 0:
        return f"offsets must not be negative (start={start}, end={end})"
    if end <= start:
        return f"end ({end}) must be greater than start ({start})"
    if end > window.length:
        return f"end ({end}) is past the end of the text ({window.length} characters)"
    found = window.slice(start, end)
    if found != exact:
        return (
            f"the text at {start}–{end} is {found!r}, but the annotation's exact text is {exact!r}"
        )
    before = window.slice(start - len(prefix), start)
    if prefix and before != prefix:
        return f"the text before {start} is {before!r}, but the prefix is {prefix!r}"
    after = window.slice(end, end + len(suffix))
    if suffix and after != suffix:
        return f"the text after {end} is {after!r}, but the suffix is {suffix!r}"
    return None


def check_anchor(body: str, start: int, end: int, exact: str) -> None:
    problem = describe_mismatch(body, start, end, exact)
    if problem:
        raise AnchorError(problem)


def anchor_span(body: "str | Window", start: int, end: int) -> Anchor:
    """The full anchor (both selectors) of body[start:end]."""
    window = body if isinstance(body, Window) else Window.of(body)
    if not 0 <= start < end <= window.length:
        raise AnchorError(f"{start}–{end} is not a passage of a {window.length}-character text")
    return Anchor(
        start=start,
        end=end,
        exact=window.slice(start, end),
        prefix=window.slice(start - CONTEXT_CHARS, start),
        suffix=window.slice(end, end + CONTEXT_CHARS),
    )


def occurrences(body: str, exact: str) -> list[int]:
    """Start offsets of every (possibly overlapping) occurrence of `exact` in `body`."""
    if not exact:
        return []
    found = []
    index = body.find(exact)
    while index != -1:
        found.append(index)
        index = body.find(exact, index + 1)
    return found


def find_passage(body: str, exact: str, near: str = "") -> Anchor:
    """Anchor `exact` by its words: its only occurrence, or its first inside the unique `near`.

    This is how people name passages in a catalogue; ambiguity is an error, never a guess.
    """
    if near:
        hits = occurrences(body, near)
        if len(hits) != 1:
            raise AnchorError(f"`near` occurs {len(hits)} times, not once: {near[:80]!r}")
        inside = near.find(exact)
        if inside == -1:
            raise AnchorError(f"{exact[:80]!r} is not inside `near` {near[:80]!r}")
        start = hits[0] + inside
    else:
        hits = occurrences(body, exact)
        if not hits:
            raise AnchorError(f"{exact[:80]!r} does not occur in the text")
        if len(hits) > 1:
            raise AnchorError(
                f"{exact[:80]!r} occurs {len(hits)} times; add a unique `near` to choose one"
            )
        start = hits[0]
    return anchor_span(body, start, start + len(exact))


def context_score(body: str, start: int, end: int, prefix: str, suffix: str) -> int:
    """How many characters of the recorded prefix and suffix agree with the text around a span."""
    before = body[max(0, start - len(prefix)) : start]
    after = body[end : end + len(suffix)]
    score = 0
    for a, b in zip(reversed(before), reversed(prefix), strict=False):
        if a != b:
            break
        score += 1
    for a, b in zip(after, suffix, strict=False):
        if a != b:
            break
        score += 1
    return score


def best_occurrence(body: str, exact: str, prefix: str, suffix: str, near: int) -> int | None:
    """The occurrence of `exact` whose surroundings agree best with prefix and suffix; ties go
    to the one nearest `near`. None if `exact` does not occur."""
    hits = occurrences(body, exact)
    if not hits:
        return None
    return max(
        hits,
        key=lambda hit: (
            context_score(body, hit, hit + len(exact), prefix, suffix),
            -abs(hit - near),
        ),
    )
