"""Ingest: reading files, each format to plain text, metadata precedence and basis, refusals."""

import datetime
from pathlib import Path

import pytest

from sources.ingesting import (
    MAX_BYTES,
    IngestError,
    decode,
    extract,
    ingest_source,
    markdown_to_text,
    source_fields,
    split_front_matter,
)
from sources.models import Basis, Source
from sources.publishing import Status
from sources.text import is_normalised, normalise
from tests.conftest import snapshot

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"


def fields_of(name: str, given=None, stated=()) -> dict:
    data = (DATA / name).read_bytes()
    return source_fields(extract(data, name), name, given or {}, stated, "the options")


# Reading bytes: no database needed.


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty.txt is empty"),
        ("blank.txt", b" \n\r\n\t ", "blank.txt is empty"),
        ("bom.txt", b"\xef\xbb\xbf\n", "bom.txt is empty"),
        ("scan.txt", (DATA / "scan.txt").read_bytes(), "binary file"),
        ("wide.txt", "Sam Altman".encode("utf-16"), "is UTF-16, not UTF-8; convert it first"),
        ("noise.txt", bytes(range(1, 32)) * 4, "binary file"),
        ("bell.txt", b"OpenAI said so.\n\nSam \x07Altman", r"U\+0007 at character 21 \(line 3\)"),
        ("big.txt", b"a" * (MAX_BYTES + 1), "larger than 5 MB"),
    ],
)
def test_unreadable_bytes_are_refused_with_the_reason(name, data, message):
    with pytest.raises(IngestError, match=message):
        decode(data, name)


def test_latin1_is_refused_with_the_offset_and_an_iconv_command():
    with pytest.raises(IngestError) as error:
        decode((DATA / "latin1.txt").read_bytes(), "notes/latin1.txt")
    message = str(error.value)
    assert "not UTF-8 (byte 0xE9 at offset 3, line 1)" in message
    assert "iconv -f LATIN1 -t UTF-8 notes/latin1.txt > notes/latin1.utf8.txt" in message


def test_a_utf8_bom_is_dropped():
    assert decode("\ufeffOpenAI".encode(), "a.txt") == "OpenAI"


def test_unknown_extensions_are_refused():
    with pytest.raises(IngestError, match=r"unsupported file type '\.pdf'; use \.txt, \.md"):
        extract(b"%PDF-1.7", "report.pdf")
    with pytest.raises(IngestError, match="no extension"):
        extract(b"text", "README")


# Formats to plain text.


def test_plain_text_is_normalised_as_the_anchoring_rules_require():
    text = "Title  \r\n\r\n\r\nFirst line\rsecond line\n\n\n\nCafe\u0301 ok\t\n"
    body = extract(text.encode(), "a.txt").body
    assert body == "Title\n\nFirst line\n\nsecond line\n\nCafé ok"
    assert is_normalised(body)


def test_front_matter_gives_metadata_and_is_not_in_the_body():
    extracted = extract((DATA / "board-statement.txt").read_bytes(), "board-statement.txt")
    assert extracted.format == "text"
    assert extracted.front_matter == {
        "title": "OpenAI board names Mira Murati interim chief executive",
        "outlet": "The Example Tribune",
        "authors": "Dana Whitfield, Omar Reyes",
        "date": "2023-11-17",
        "url": "https://tribune.example.org/business/2023/11/17/openai-board-altman",
        "kind": "news-report",
        "language": "en",
    }
    assert extracted.body.startswith("SAN FRANCISCO — The board of OpenAI said on Friday")
    assert "---" not in extracted.body and "title:" not in extracted.body
    # Stray blank lines and trailing spaces are gone; a single line break is a paragraph.
    assert extracted.body.count("\n\n") == 3 and is_normalised(extracted.body)


def test_front_matter_errors_name_the_problem():
    with pytest.raises(IngestError, match="unknown key 'autor'; use title, slug"):
        split_front_matter("---\nautor: Jane\n---\nText", "a.md")
    with pytest.raises(IngestError, match=r"is not valid YAML: mapping values .* \(line 2\)"):
        split_front_matter("---\ntitle: a: b\n---\nText", "a.md")
    with pytest.raises(IngestError, match="gives 'outlet' as"):
        split_front_matter("---\noutlet: {name: X}\n---\nText", "a.md")


def test_markdown_becomes_plain_paragraphs_with_link_text_kept():
    extracted = extract((DATA / "safety-team-essay.md").read_bytes(), "safety-team-essay.md")
    paragraphs = extracted.body.split("\n\n")
    assert paragraphs[:3] == [
        "What the superalignment exits tell us",
        "Two departures in one week would be news at any company. At OpenAI, where Ilya "
        "Sutskever and Jan Leike led the team meant to keep future systems under control, "
        "they read like a verdict.",
        "What happened",
    ]
    assert "The company's reply came from Sam Altman and Greg Brockman the next day." in (
        extracted.body
    )
    # Headings, list items and quotations are paragraphs; no markup or URL survives.
    assert "Leike followed within hours." in paragraphs
    assert "We are long overdue in getting incredibly serious about the implications of AGI." in (
        paragraphs
    )
    for markup in ("*", "#", "[", "](", "https://", "`", "> ", "- "):
        assert markup not in extracted.body, markup
    assert extracted.stated == {"title": "What the superalignment exits tell us"}


def test_markdown_details():
    text, headline = markdown_to_text(
        "Intro with &amp; entity and <span>inline html</span>.\n\n"
        "# Not a leading headline\n\n"
        "    code line one\n    code line two\n\n"
        "1. first\n2. second\n\n---\n\n![a chart](chart.png) After the image."
    )
    assert headline == ""
    assert normalise(text).split("\n\n") == [
        "Intro with & entity and inline html.",
        "Not a leading headline",
        "code line one",
        "code line two",
        "first",
        "second",
        "After the image.",
    ]


def test_html_is_reduced_to_its_article_text_with_the_metadata_it_states():
    extracted = extract((DATA / "news-article.html").read_bytes(), "news-article.html")
    paragraphs = extracted.body.split("\n\n")
    assert len(paragraphs) == 5
    assert paragraphs[0].startswith("Microsoft has hired Sam Altman, the ousted chief executive")
    assert paragraphs[-1].startswith("Shares in Microsoft, which has committed about $13bn")
    for boilerplate in (
        "cookies",
        "Subscribe",
        "Advertisement",
        "Ledger app",
        "Read more",
        "Who is Ilya Sutskever?",
        "Share this article",
        "All rights reserved",
        "dataLayer",
        "addEventListener",
    ):
        assert boilerplate not in extracted.body, boilerplate
    assert extracted.stated == {
        "title": "Microsoft hires Sam Altman after OpenAI board refuses his return",
        "outlet": "The Example Ledger",
        "authors": "Priya Natarajan",
        "date": "2023-11-20",
        "url": "https://ledger.example.com/tech/2023/11/20/microsoft-hires-altman",
    }


def test_a_page_without_article_text_is_refused():
    page = b"<html><head><title>Home</title></head><body><script>let a;</script></body></html>"
    with pytest.raises(IngestError, match="has no article text in the page"):
        extract(page, "home.html")


# Metadata precedence and basis.


def test_given_values_override_front_matter_which_overrides_the_document():
    fields = fields_of(
        "safety-team-essay.md", given={"title": "Exits", "outlet": "", "date": "2024-05-20"}
    )
    assert fields["title"] == "Exits"  # given, over the Markdown headline
    assert fields["outlet"] == "Alignment Notes"  # an empty option does not override
    assert (fields["published_on"], fields["published_on_precision"]) == (
        datetime.date(2024, 5, 20),
        "day",
    )
    assert fields["kind"] == "blog-post" and fields["slug"] == "exits"
    assert fields["status"] == Status.DRAFT


def test_what_the_document_states_is_stated_and_what_editors_give_is_attributed():
    page = fields_of("news-article.html")
    for basis in ("title_basis", "outlet_basis", "authors_basis", "published_basis"):
        assert page[basis] == Basis.STATED
    assert "attribution_notes" not in page

    given = fields_of("board-statement.txt", given={"outlet": "Tribune"}, stated=["date"])
    assert given["title_basis"] == Basis.ATTRIBUTED
    assert given["outlet_basis"] == Basis.ATTRIBUTED
    assert given["published_basis"] == Basis.STATED
    assert given["attribution_notes"] == (
        "Attributed at ingest, evidence still to be recorded: title, authors from the front "
        "matter of board-statement.txt; outlet from the options."
    )


def test_missing_metadata_has_unknown_basis_and_a_title_in_the_text_is_stated():
    text = b"Sam Altman returns\n\nOpenAI said so on Wednesday."
    fields = source_fields(extract(text, "a.txt"), "a.txt", {"title": "Sam Altman returns"})
    assert fields["title_basis"] == Basis.STATED
    assert fields["outlet_basis"] == fields["authors_basis"] == Basis.UNKNOWN
    assert fields["published_basis"] == Basis.UNKNOWN and "published_on" not in fields


def test_front_matter_may_declare_a_basis():
    text = b"---\ntitle: T\noutlet: Wired\noutlet_basis: stated\npublished: 2023\n---\nBody"
    fields = source_fields(extract(text, "a.txt"), "a.txt", {})
    assert fields["outlet_basis"] == Basis.STATED
    assert (fields["published_on"], fields["published_on_precision"]) == (
        datetime.date(2023, 1, 1),
        "year",
    )
    bad = b"---\ntitle: T\noutlet: Wired\noutlet_basis: sure\n---\nBody"
    with pytest.raises(IngestError, match="outlet_basis 'sure'; use one of stated"):
        source_fields(extract(bad, "a.txt"), "a.txt", {})


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({}, "a.txt has no title: give one as an option or as `title:` in its front matter"),
        ({"title": "T", "date": "20 Nov 2023"}, "Bad date '20 Nov 2023': use YYYY, YYYY-MM"),
        ({"title": "T", "date": "2023-02-30"}, "Bad date '2023-02-30'"),
        ({"title": "T", "kind": "rumour"}, "Unknown kind 'rumour'; use one of news-report"),
        ({"title": "奥特曼回归"}, "No slug can be made from the title '奥特曼回归'; give one"),
    ],
)
def test_bad_metadata_is_refused_with_the_reason(given, message):
    with pytest.raises(IngestError, match=message):
        source_fields(extract(b"OpenAI", "a.txt"), "a.txt", given)


# Writing: one transaction, nothing left behind on a refusal.


def test_ingest_creates_a_clean_draft(seed):
    data = (DATA / "news-article.html").read_bytes()
    source = ingest_source(data=data, filename="news-article.html")
    source.refresh_from_db()
    assert source.status == Status.DRAFT and source.version == 1
    assert source.slug == "microsoft-hires-sam-altman-after-openai-board-refuses-his-return"
    assert source.published_display == "20 November 2023"
    assert is_normalised(source.body)
    record = source.history.get()
    assert record.history_change_reason == "Ingested from news-article.html"


def refuse(**kwargs):
    before = snapshot()
    history = Source.history.count()
    with pytest.raises(IngestError) as error:
        ingest_source(**kwargs)
    assert snapshot() == before
    assert Source.history.count() == history
    return str(error.value)


def test_a_duplicate_text_slug_or_url_is_refused_naming_the_existing_source(seed):
    seed_source = Source.objects.get(slug="sutskever-leike-exodus-blog")
    body = seed_source.body.replace("\n\n", "\n").encode()  # same text once normalised
    message = refuse(data=body, filename="copy.txt", given={"title": "Copy"})
    assert (
        message
        == "This text is already in the archive as the source 'sutskever-leike-exodus-blog'."
    )

    given = {"title": "New", "slug": "sutskever-leike-exodus-blog"}
    message = refuse(data=b"New text", filename="a.txt", given=given)
    assert message == (
        "The slug 'sutskever-leike-exodus-blog' is taken by an existing source; give another slug."
    )
    ingest_source(data=b"One text", filename="a.txt", given={"title": "Same headline"})
    message = refuse(data=b"Another text", filename="b.txt", given={"title": "Same headline"})
    assert message.startswith("The slug 'same-headline' is taken")

    Source.objects.filter(pk=seed_source.pk).update(url="https://example.org/exodus")
    message = refuse(
        data=b"New text",
        filename="a.txt",
        given={"title": "N", "url": "https://example.org/exodus/"},
    )
    assert message == (
        "The URL https://example.org/exodus is already that of the source "
        "'sutskever-leike-exodus-blog'."
    )


def test_a_value_the_model_refuses_is_reported_by_field(seed):
    message = refuse(data=b"Text", filename="a.txt", given={"title": "T" * 301, "slug": "t"})
    assert message.startswith("The source is not valid: title: Ensure this value has at most 300")
    message = refuse(data=b"Text", filename="a.txt", given={"title": "T", "url": "not a url"})
    assert "url: Enter a valid URL." in message
