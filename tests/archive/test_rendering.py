"""Rendering a body with its highlights: nesting, parts, paragraphs, escaping, speed."""

import html
import random
import re
import time
from collections import defaultdict
from html.parser import HTMLParser

import pytest
from django.utils.safestring import SafeString
from hypothesis import given
from hypothesis import strategies as st

from archive.rendering import Highlight, render_article, render_paragraphs
from sources.text import paragraphs


class Parsed(HTMLParser):
    """A rendered article, parsed strictly: tags must nest, and each character is recorded
    with the data-a keys of the marks around it, outermost first."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, dict[str, str], int]] = []  # tag, attributes, text length
        self.paragraphs: list[dict] = []  # {"attrs", "text", "keys"} per <p>
        self.marks: list[dict[str, str]] = []  # attributes of every <mark>, in document order
        self.feed(source)
        self.close()
        assert not self.open, f"unclosed: {self.open}"

    def handle_starttag(self, tag, attrs):
        assert len(dict(attrs)) == len(attrs), f"duplicate attribute in {attrs}"
        attrs = dict(attrs)
        if tag == "p":
            assert not self.open, "a <p> inside another element"
            self.paragraphs.append({"attrs": attrs, "text": [], "keys": []})
        else:
            assert tag == "mark", f"unexpected <{tag}>"
            assert self.open, "a <mark> outside any paragraph"
            self.marks.append(attrs)
        self.open.append((tag, attrs, self.text_length()))

    def handle_endtag(self, tag):
        assert self.open, f"</{tag}> closes nothing"
        open_tag, attrs, length_at_start = self.open.pop()
        assert open_tag == tag, f"</{tag}> closes <{open_tag}>"
        if tag == "mark":
            assert self.text_length() > length_at_start, f"empty mark {attrs}"

    def handle_startendtag(self, tag, attrs):
        raise AssertionError(f"self-closing <{tag}/>")

    def handle_data(self, data):
        if not self.open:
            assert set(data) <= {"\n"}, f"text outside paragraphs: {data!r}"
            return
        keys = tuple(attrs["data-a"] for tag, attrs, _ in self.open if tag == "mark")
        paragraph = self.paragraphs[-1]
        paragraph["text"].extend(data)
        paragraph["keys"].extend([keys] * len(data))

    def text_length(self) -> int:
        return len(self.paragraphs[-1]["text"]) if self.paragraphs else 0


def parse_fragment(fragment: str) -> Parsed:
    return Parsed(f"<p>{fragment}</p>")


def strip_tags(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", fragment))


def mark(key, part, *, first=False, last=False, classes="", extra=""):
    anchor = f' id="a-{key}"' if part == 0 else ""
    cls = f' class="{classes}"' if classes else ""
    flags = (' data-first="1"' if first else "") + (' data-last="1"' if last else "")
    return f'<mark{anchor}{cls} data-a="{key}" data-part="{part}"{flags}{extra}>'


def only(key, classes=""):
    return mark(key, 0, first=True, last=True, classes=classes)


# --- Examples -----------------------------------------------------------------------------


def test_a_simple_mark():
    body = "Sam Altman said so."
    result = render_paragraphs(body, [Highlight(0, 10, "k1", ("mark", "mark--person"))])
    assert result == [f"{only('k1', 'mark mark--person')}Sam Altman</mark> said so."]


def test_a_passage_inside_another_nests():
    body = "Sam Altman said so."
    result = render_paragraphs(body, [Highlight(4, 10, "inner"), Highlight(0, 15, "outer")])
    assert result == [f"{only('outer')}Sam {only('inner')}Altman</mark> said</mark> so."]


def test_passages_sharing_a_start_put_the_longer_outside():
    result = render_paragraphs("Sam Altman", [Highlight(0, 3, "short"), Highlight(0, 10, "long")])
    assert result == [f"{only('long')}{only('short')}Sam</mark> Altman</mark>"]


def test_identical_spans_nest_by_key():
    result = render_paragraphs("Sam Altman", [Highlight(4, 10, "b"), Highlight(4, 10, "a")])
    assert result == [f"Sam {only('a')}{only('b')}Altman</mark></mark>"]


def test_crossing_passages_split_the_later_one_into_parts():
    body = "Sam Altman said so."
    result = render_paragraphs(body, [Highlight(0, 8, "a"), Highlight(4, 15, "b")])
    assert result == [
        f"{only('a')}Sam {mark('b', 0, first=True)}Altm</mark></mark>"
        f"{mark('b', 1, last=True)}an said</mark> so."
    ]


def test_a_passage_crossing_several_others_keeps_counting_its_parts():
    body = "abcdefghij"
    highlights = [Highlight(0, 3, "x"), Highlight(1, 5, "y"), Highlight(2, 9, "z")]
    result = render_paragraphs(body, highlights)
    assert result == [
        f"{only('x')}a{mark('y', 0, first=True)}b{mark('z', 0, first=True)}c"
        f"</mark></mark></mark>"
        f"{mark('y', 1, last=True)}{mark('z', 1)}de</mark></mark>"
        f"{mark('z', 2, last=True)}fghi</mark>j"
    ]


def test_a_passage_across_a_paragraph_break_is_split_at_the_break():
    body = "One two.\n\nThree four."
    result = render_article(body, [Highlight(4, 15, "k", ("mark",))])
    assert result == (
        f'<p id="p-1">One {mark("k", 0, first=True, classes="mark")}two.</mark></p>\n'
        f'<p id="p-2">{mark("k", 1, last=True, classes="mark")}Three</mark> four.</p>'
    )


def test_passages_ending_or_starting_inside_a_break_stay_in_their_paragraph():
    body = "One.\n\nTwo."
    highlights = [Highlight(0, 5, "end"), Highlight(5, 9, "start"), Highlight(4, 6, "gap")]
    result = render_paragraphs(body, highlights)
    assert result == [f"{only('end')}One.</mark>", f"{only('start')}Two</mark>."]
    assert "gap" not in "".join(result)


def test_zero_length_reversed_and_out_of_range_highlights_are_ignored_or_clamped():
    body = "Sam Altman"
    highlights = [
        Highlight(3, 3, "empty"),
        Highlight(7, 2, "reversed"),
        Highlight(20, 30, "beyond"),
        Highlight(-9, -1, "before"),
        Highlight(-5, 3, "clamped-start"),
        Highlight(4, 99, "clamped-end"),
    ]
    result = render_paragraphs(body, highlights)
    assert result == [f"{only('clamped-start')}Sam</mark> {only('clamped-end')}Altman</mark>"]


def test_escaping_in_text_and_attribute_values():
    body = "<script>alert('x')</script> & \"quoted\"\n\nIt's <b>bold</b>"
    payload = '" onmouseover="alert(1)'
    highlight = Highlight(
        0,
        len(body),
        key='k"><script>alert(2)</script>',
        classes=(payload,),
        attrs=(("title", payload), ("data-entities", "<img src=x onerror=alert(3)>")),
    )
    result = render_article(body, [highlight])
    assert "<script" not in result
    assert "<b>" not in result
    assert "<img" not in result
    assert "onmouseover=" not in result.replace("onmouseover=&quot;", "")
    parsed = Parsed(result)
    for number, (_offset, text) in enumerate(paragraphs(body)):
        assert "".join(parsed.paragraphs[number]["text"]) == text
    first, second = parsed.marks
    assert first["id"] == "a-" + highlight.key
    assert first["data-a"] == second["data-a"] == highlight.key
    assert first["class"] == payload
    assert first["title"] == payload
    assert first["data-entities"] == "<img src=x onerror=alert(3)>"
    assert "onmouseover" not in first
    assert set(first) == {
        "id",
        "class",
        "data-a",
        "data-part",
        "data-first",
        "title",
        "data-entities",
    }


def test_offsets_are_code_points_so_emoji_and_non_bmp_count_as_one():
    body = "🚀 Sam Altman 𝔄 said “hi” 👩‍💻."
    start = body.index("Sam Altman")
    rocket = Highlight(0, 1, "rocket")
    name = Highlight(start, start + len("Sam Altman"), "name")
    fraktur = Highlight(body.index("𝔄"), body.index("𝔄") + 1, "fraktur")
    coder = Highlight(body.index("👩"), body.index("👩") + 3, "coder")  # woman, ZWJ, laptop
    result = render_paragraphs(body, [coder, fraktur, name, rocket])
    assert result == [
        f"{only('rocket')}🚀</mark> {only('name')}Sam Altman</mark> "
        f"{only('fraktur')}𝔄</mark> said “hi” {only('coder')}👩‍💻</mark>."
    ]


def test_extra_attributes_follow_the_renderers_own():
    result = render_paragraphs("Sam", [Highlight(0, 3, "k", attrs=(("data-entities", "sam"),))])
    assert result == [f'{only("k")[:-1]} data-entities="sam">Sam</mark>']


@pytest.mark.parametrize("name", ["id", "class", "DATA-A", "data-part", "data-last"])
def test_attributes_the_renderer_sets_are_refused(name):
    with pytest.raises(ValueError, match="set by the renderer"):
        Highlight(0, 1, "k", attrs=((name, "x"),))


@pytest.mark.parametrize("name", ["", "on click", 'x"', "a>b", "a=b", "1x"])
def test_attribute_names_that_could_break_the_tag_are_refused(name):
    with pytest.raises(ValueError, match="not an attribute name"):
        Highlight(0, 1, "k", attrs=((name, "x"),))


def test_classes_must_be_a_tuple_not_a_string():
    with pytest.raises(TypeError):
        Highlight(0, 1, "k", classes="mark")


def test_a_key_used_twice_gets_its_id_once():
    result = render_paragraphs("Sam Altman", [Highlight(0, 3, "k"), Highlight(4, 10, "k")])
    assert "".join(result).count('id="a-k"') == 1


def test_a_passage_only_over_a_break_renders_nothing():
    assert render_paragraphs("One.\n\nTwo.", [Highlight(4, 6, "gap")]) == ["One.", "Two."]


def test_article_numbers_paragraphs_and_takes_extra_paragraph_attributes():
    body = "One.\n\nTwo.\n\nThree."
    result = render_article(
        body, [], paragraph_attrs=lambda number, offset: [("data-offset", str(offset))]
    )
    assert result == (
        '<p id="p-1" data-offset="0">One.</p>\n'
        '<p id="p-2" data-offset="6">Two.</p>\n'
        '<p id="p-3" data-offset="12">Three.</p>'
    )
    with pytest.raises(ValueError, match="set by the renderer"):
        render_article(body, [], paragraph_attrs=lambda number, offset: [("id", "x")])


def test_an_empty_body_is_one_empty_paragraph():
    assert render_article("", [Highlight(0, 5, "k")]) == '<p id="p-1"></p>'


def test_results_are_safe_strings_for_templates():
    assert isinstance(render_article("a < b", []), SafeString)
    assert all(isinstance(p, SafeString) for p in render_paragraphs("a\n\nb", []))


def test_highlights_may_be_any_iterable():
    result = render_paragraphs("Sam", (h for h in [Highlight(0, 3, "k")]))
    assert result == [f"{only('k')}Sam</mark>"]


def test_a_thousand_highlights_on_forty_thousand_characters_render_quickly():
    rng = random.Random(2023)  # noqa: S311 -- a repeatable test article, not a secret
    words = ["Sam", "Altman", "OpenAI", "board", "<fired>", "&", "“him”", "🚀", "said"]
    paras = []
    while sum(len(p) + 2 for p in paras) < 40_000:
        paras.append(" ".join(rng.choice(words) for _ in range(rng.randint(20, 120))))
    body = "\n\n".join(paras)[:40_000].rstrip()
    highlights = []
    for index in range(1_000):
        start = rng.randrange(len(body))
        length = rng.choice([rng.randint(1, 30), rng.randint(1, 400)])
        highlights.append(
            Highlight(start, start + length, f"annotation-{index}", ("mark",), (("title", "t"),))
        )
    began = time.perf_counter()
    result = render_article(body, highlights)
    elapsed = time.perf_counter() - began
    assert elapsed < 1.0, f"{elapsed:.3f} s"
    assert result.count("<mark id=") == 1_000


# --- Properties ---------------------------------------------------------------------------

CHARACTERS = st.one_of(
    st.sampled_from(["a", "b", " ", "\n", "<", ">", "&", '"', "'", "é", "🚀", "𝔄"]),
    st.characters(exclude_categories=("Cs", "Cc")),
)
BODIES = st.lists(st.text(CHARACTERS, max_size=12), min_size=1, max_size=5).map("\n\n".join)
KEYS = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=6)


@st.composite
def bodies_with_highlights(draw):
    body = draw(BODIES)
    offsets = st.integers(-3, len(body) + 3)
    keys = draw(st.lists(KEYS, unique=True, max_size=8))
    highlights = [
        Highlight(
            draw(offsets),
            draw(offsets),
            key,
            draw(st.lists(KEYS, max_size=2).map(tuple)),
            draw(st.lists(st.tuples(st.just("title"), KEYS), max_size=1).map(tuple)),
        )
        for key in keys
    ]
    return body, highlights


def clamped(body: str, highlight: Highlight) -> tuple[int, int]:
    return (
        min(max(highlight.start, 0), len(body)),
        min(max(highlight.end, 0), len(body)),
    )


@given(bodies_with_highlights())
def test_output_is_well_formed_and_gives_back_the_text(case):
    body, highlights = case
    article = render_article(body, highlights)
    parsed = Parsed(article)  # asserts that tags nest, and that no mark is empty
    body_paragraphs = paragraphs(body)
    assert [p["attrs"]["id"] for p in parsed.paragraphs] == [
        f"p-{n}" for n in range(1, len(body_paragraphs) + 1)
    ]
    fragments = render_paragraphs(body, highlights)
    assert [strip_tags(fragment) for fragment in fragments] == [t for _, t in body_paragraphs]
    assert ["".join(p["text"]) for p in parsed.paragraphs] == [t for _, t in body_paragraphs]
    for fragment in fragments:
        parse_fragment(fragment)


@given(bodies_with_highlights())
def test_every_character_is_inside_exactly_the_marks_of_its_highlights(case):
    body, highlights = case
    spans = {h.key: clamped(body, h) for h in highlights}
    parsed = Parsed(render_article(body, highlights))
    for (offset, _text), paragraph in zip(paragraphs(body), parsed.paragraphs, strict=True):
        for index, keys in enumerate(paragraph["keys"]):
            position = offset + index
            covering = [key for key, (start, end) in spans.items() if start <= position < end]
            # Outermost first: earlier start, then longer, then key.
            covering.sort(key=lambda key: (spans[key][0], -spans[key][1], key))
            assert list(keys) == covering, f"at {position}"


@given(bodies_with_highlights())
def test_each_rendered_highlight_has_one_id_and_numbered_parts(case):
    body, highlights = case
    parsed = Parsed(render_article(body, highlights))
    pieces = defaultdict(list)
    for attrs in parsed.marks:
        pieces[attrs["data-a"]].append(attrs)
    ids = [attrs["id"] for attrs in parsed.marks if "id" in attrs]
    assert sorted(ids) == sorted(f"a-{key}" for key in pieces)
    in_paragraphs = {o + i for o, text in paragraphs(body) for i in range(len(text))}
    covered = {h.key for h in highlights if in_paragraphs.intersection(range(*clamped(body, h)))}
    assert set(pieces) == covered
    for key, marks in pieces.items():
        assert [m["data-part"] for m in marks] == [str(n) for n in range(len(marks))]
        assert [m.get("id") for m in marks] == [f"a-{key}"] + [None] * (len(marks) - 1)
        assert [m.get("data-first") for m in marks] == ["1"] + [None] * (len(marks) - 1)
        assert [m.get("data-last") for m in marks] == [None] * (len(marks) - 1) + ["1"]
        (highlight,) = [h for h in highlights if h.key == key]
        for m in marks:
            assert m.get("class", "") == " ".join(highlight.classes)
            assert m.get("title") == dict(highlight.attrs).get("title")


def test_a_highlight_with_href_links_its_text_and_links_never_nest():
    body = "Sam Altman said hello."
    html = render_paragraphs(
        body,
        [
            Highlight(0, 22, "quote", href="/quotes/q/"),
            Highlight(0, 10, "name", href="/people/sam-altman/"),
        ],
    )[0]
    assert html.count("<a ") == 1  # the outer passage links; the name inside it does not
    assert '<a class="mark-link" href="/quotes/q/">' in html
    assert html.count("</a>") == 1


def test_a_name_alone_becomes_a_link_and_the_href_is_escaped():
    html = render_paragraphs("Ilya left.", [Highlight(0, 4, "k", href='/p/"><script>')])[0]
    assert '<a class="mark-link" href="/p/&quot;&gt;&lt;script&gt;">Ilya</a></mark>' in html


def test_links_close_and_reopen_with_their_pieces():
    body = "one two three"
    html = render_paragraphs(body, [Highlight(0, 7, "a", href="/a/"), Highlight(4, 13, "b")])[0]
    # "a" is cut where "b" starts inside it... and ends inside "b": every piece is balanced.
    assert html.count("<a ") == html.count("</a>")
    assert html.count("<mark") == html.count("</mark>")
