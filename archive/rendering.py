"""An article body with its highlighted passages, as HTML paragraphs of nested <mark>s."""

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from html import escape

from django.utils.safestring import SafeString, mark_safe

from sources.text import paragraphs

#: Attributes the renderer writes itself; a caller's copy would make a duplicate attribute.
MARK_ATTRS = frozenset({"id", "class", "data-a", "data-part", "data-first", "data-last"})
PARAGRAPH_ATTRS = frozenset({"id"})

# Names cannot be escaped, only refused: anything else could end the tag or open a new one.
_ATTR_NAME = re.compile(r"[A-Za-z_:][-A-Za-z0-9_:.]*\Z")

#: (paragraph number from 1, its offset in the body) -> extra attributes of that <p>.
ParagraphAttrs = Callable[[int, int], Iterable[tuple[str, str]]]


def _check_attr_name(name: str, reserved: frozenset[str]) -> None:
    if not _ATTR_NAME.match(name):
        raise ValueError(f"not an attribute name: {name!r}")
    if name.lower() in reserved:
        raise ValueError(f"attribute {name!r} is set by the renderer")


def _attrs_html(attrs: Iterable[tuple[str, str]]) -> str:
    return "".join(f' {name}="{escape(str(value))}"' for name, value in attrs)


@dataclass(frozen=True)
class Highlight:
    """One passage [start, end) of a body, in code points, to wrap in <mark>s."""

    start: int
    end: int
    key: str  # annotation id: ties the pieces of one passage together, and its anchor id
    classes: tuple[str, ...] = ()
    attrs: tuple[tuple[str, str], ...] = ()
    href: str | None = None  # a link inside the mark, unless an enclosing piece links already

    def __post_init__(self):
        # A bare string would be joined letter by letter into classes "m a r k".
        if isinstance(self.classes, str):
            raise TypeError("classes must be a tuple of class names, not a string")
        for name, _value in self.attrs:
            _check_attr_name(name, MARK_ATTRS)


def _spans(body_length: int, highlights: Iterable[Highlight]) -> list[Highlight]:
    """Clamped to the body, empty ones dropped, in stack order (outermost first)."""
    kept = []
    for index, h in enumerate(highlights):
        start = min(max(h.start, 0), body_length)
        end = min(max(h.end, 0), body_length)
        if start < end:
            kept.append((start, -end, h.key, index, start, end, h))
    kept.sort()
    return [replace(h, start=start, end=end) for *_, start, end, h in kept]


def render_paragraphs(body: str, highlights: Iterable[Highlight]) -> list[SafeString]:
    """One HTML string per paragraph (without the <p> wrapper), text escaped, marks nested.

    Paragraphs are those of `sources.text.paragraphs`. Highlights are clamped to the body and
    empty ones ignored. Marks nest by (start, longest first, key); where a passage ends while
    passages opened inside it go on, or reaches the end of a paragraph, it is split into
    pieces that share data-a="KEY" and are numbered by data-part, the first carrying
    id="a-KEY" and data-first="1", the last data-last="1". A passage that covers no
    paragraph text (only a paragraph break) renders nothing, not even its id.
    """
    spans = _spans(len(body), highlights)
    paras = paragraphs(body)

    # Ranks are positions in stack order, so an open-mark stack kept in rank order is
    # always a correct nesting, and finding where to cut it is a bisection.
    starts: dict[int, list[int]] = defaultdict(list)
    ends: dict[int, list[int]] = defaultdict(list)
    for rank, h in enumerate(spans):
        starts[h.start].append(rank)
        ends[h.end].append(rank)
    points = set(starts) | set(ends)
    for offset, text in paras:
        points.update((offset, offset + len(text)))

    # Whether a piece is the last of its passage is known only later, so open tags are left
    # as (rank, part) placeholders and written once every passage's count of parts is known.
    parts = [0] * len(spans)
    rendered: list[list[str | tuple[int, int]]] = []
    tokens: list[str | tuple[int, int]] | None = None  # None between paragraphs
    active: set[int] = set()  # passages covering the current position
    stack: list[int] = []  # marks open in the current paragraph, in rank order
    linked: list[bool] = []  # beside `stack`: whether that piece opened a link (links never nest)
    cursor = para_end = 0
    next_para = 0

    def open_mark(rank: int) -> None:
        link = bool(spans[rank].href) and not any(linked)
        tokens.append((rank, parts[rank], link))
        parts[rank] += 1
        stack.append(rank)
        linked.append(link)

    def close_marks(count: int) -> str:
        closing = linked[len(linked) - count :]
        del linked[len(linked) - count :]
        return "".join("</a></mark>" if link else "</mark>" for link in reversed(closing))

    for point in sorted(points):
        ending = ends.get(point, ())
        if tokens is not None:
            if point > cursor:
                tokens.append(escape(body[cursor:point]))
                cursor = point
            if point == para_end:
                tokens.append(close_marks(len(stack)))
                stack.clear()
                rendered.append(tokens)
                tokens = None
            elif ending:
                # Everything opened after the first passage to end is inside it, so it
                # closes too; the survivors reopen, as further parts, in the same order.
                cut = bisect_left(stack, min(ending))
                inner = stack[cut:]
                del stack[cut:]
                tokens.append(close_marks(len(inner)))
                closing = set(ending)
                for rank in inner:
                    if rank not in closing:
                        open_mark(rank)
        active.difference_update(ending)
        starting = starts.get(point, ())
        active.update(starting)
        if tokens is not None:
            for rank in starting:
                open_mark(rank)
        elif next_para < len(paras) and paras[next_para][0] == point:
            offset, text = paras[next_para]
            next_para += 1
            if text:
                tokens = []
                cursor, para_end = offset, offset + len(text)
                for rank in sorted(active):
                    open_mark(rank)
            else:
                # No marks in an empty paragraph: a piece there would be an empty <mark>.
                rendered.append([])

    # Ids must be unique in a page: should two highlights share a key, the first one keeps it.
    anchored: set[str] = set()
    openers = []
    for rank, h in enumerate(spans):
        key = escape(h.key)
        anchor = f' id="a-{key}"' if parts[rank] and h.key not in anchored else ""
        if anchor:
            anchored.add(h.key)
        classes = f' class="{escape(" ".join(h.classes))}"' if h.classes else ""
        openers.append((anchor, f'{classes} data-a="{key}"', _attrs_html(h.attrs)))

    def open_tag(rank: int, part: int, link: bool) -> str:
        anchor, head, tail = openers[rank]
        if part:
            anchor = ""
        first = ' data-first="1"' if part == 0 else ""
        last = ' data-last="1"' if part == parts[rank] - 1 else ""
        opening = f'<mark{anchor}{head} data-part="{part}"{first}{last}{tail}>'
        if link:
            opening += f'<a class="mark-link" href="{escape(spans[rank].href)}">'
        return opening

    return [
        mark_safe(  # noqa: S308 -- all text and attribute values above went through escape()
            "".join(token if isinstance(token, str) else open_tag(*token) for token in para)
        )
        for para in rendered
    ]


def render_article(
    body: str,
    highlights: Iterable[Highlight],
    paragraph_attrs: ParagraphAttrs | None = None,
) -> SafeString:
    """'<p id="p-1">...</p>\\n<p id="p-2">...</p>': the paragraphs numbered from 1.

    `paragraph_attrs(number, offset)` may add attributes to each <p>, for instance the
    paragraph's offset in the body for a script that maps a selection back to offsets.
    """
    html_paragraphs = render_paragraphs(body, highlights)
    lines = []
    for number, ((offset, _text), html) in enumerate(
        zip(paragraphs(body), html_paragraphs, strict=True), start=1
    ):
        extra = ""
        if paragraph_attrs is not None:
            attrs = list(paragraph_attrs(number, offset))
            for name, _value in attrs:
                _check_attr_name(name, PARAGRAPH_ATTRS)
            extra = _attrs_html(attrs)
        lines.append(f'<p id="p-{number}"{extra}>{html}</p>')
    return mark_safe("\n".join(lines))  # noqa: S308 -- built from escaped parts only
