"""Ingest: one plain-text, Markdown or HTML file becomes a new draft Source, or a clear refusal."""

import codecs
import datetime
import re
import shlex
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePath

import frontmatter
import markdown
import trafilatura
import yaml
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.text import slugify
from frontmatter.default_handlers import YAMLHandler

from sources.dates import parse_partial_date
from sources.models import Basis, Source, SourceKind
from sources.publishing import Status
from sources.text import normalise

#: Far above any article (the longest seed text is about 60 kB), low enough to stop a wrong file.
MAX_BYTES = 5 * 1024 * 1024

FORMATS = {".txt": "text", ".md": "markdown", ".markdown": "markdown"}
FORMATS |= {".html": "html", ".htm": "html"}

#: Metadata that options and front matter may give (front matter also takes the aliases).
KEYS = (
    "title",
    "slug",
    "outlet",
    "authors",
    "date",
    "url",
    "kind",
    "language",
    "original_language",
    "translation_notes",
    "quality_notes",
    "attribution_notes",
)
ALIASES = {"author": "authors", "published": "date", "published_on": "date"}
#: Metadata with a basis, and the Source field that holds it.
BASIS_FIELDS = {
    "title": "title_basis",
    "outlet": "outlet_basis",
    "authors": "authors_basis",
    "date": "published_basis",
}

# Where a value came from, strongest first: the caller overrides the file's front matter,
# which overrides what was read from the document itself.
GIVEN, FRONT_MATTER, DOCUMENT = "given", "front matter", "document"


class IngestError(ValueError):
    """The file cannot become a source; the message says why in one sentence."""


# Reading the bytes ----------------------------------------------------------------------------


def file_format(name: str) -> str:
    suffix = PurePath(name).suffix.lower()
    if suffix not in FORMATS:
        raise IngestError(
            f"{name}: unsupported file type {suffix or '(no extension)'!r}; "
            "use .txt, .md/.markdown or .html/.htm."
        )
    return FORMATS[suffix]


#: Unicode's control characters (category Cc) other than tab and line ends: never article text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def decode(data: bytes, name: str) -> str:
    """The file's text, or an IngestError if it is empty, too large, binary or not UTF-8."""
    if len(data) > MAX_BYTES:
        raise IngestError(
            f"{name} is larger than {MAX_BYTES // 2**20} MB, too large for one article; "
            "check that it is the right file."
        )
    if not data.strip():
        raise IngestError(f"{name} is empty.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise IngestError(
            f"{name} is UTF-16, not UTF-8; convert it first: {_iconv(name, 'UTF-16')}"
        )
    if b"\x00" in data:
        raise IngestError(f"{name} is a binary file, not text.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise IngestError(
            f"{name} is not UTF-8 (byte 0x{data[error.start]:02X} at offset {error.start}, "
            f"line {line}); if it is Latin-1, convert it first: {_iconv(name, 'LATIN1')}"
        ) from None
    if not text.strip():
        raise IngestError(f"{name} is empty.")
    controls = len(_CONTROL.findall(text))
    if controls > len(text) / 20:
        raise IngestError(f"{name} is a binary file, not text.")
    if controls:
        first = _CONTROL.search(text).start()
        raise IngestError(
            f"{name} contains the control character U+{ord(text[first]):04X} at character "
            f"{first} (line {text.count(chr(10), 0, first) + 1}); remove it and try again."
        )
    return text


def _iconv(name: str, encoding: str) -> str:
    converted = str(PurePath(name).with_stem(PurePath(name).stem + ".utf8"))
    return f"iconv -f {encoding} -t UTF-8 {shlex.quote(name)} > {shlex.quote(converted)}"


# From each format to plain text and the metadata it states -------------------------------------


def split_front_matter(text: str, name: str) -> tuple[dict, str]:
    """A leading YAML `---` block as metadata keyed by KEYS (and `*_basis`), and the rest."""
    handler = YAMLHandler()
    if not handler.detect(text):
        return {}, text
    try:
        raw, content = frontmatter.parse(text, handler=handler)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        problem = getattr(error, "problem", None) or "unreadable"
        raise IngestError(
            f"The front matter of {name} is not valid YAML: {problem}{where}."
        ) from None
    metadata = {}
    for key, value in raw.items():
        key = str(key)
        key = ALIASES.get(key, "date_basis" if key == "published_basis" else key)
        if key not in KEYS and key.removesuffix("_basis") not in BASIS_FIELDS:
            known = ", ".join(KEYS)
            raise IngestError(
                f"The front matter of {name} has an unknown key {key!r}; use {known}."
            )
        metadata[key] = _as_text(key, value, name)
        if key.endswith("_basis") and metadata[key] not in Basis.values:
            raise IngestError(
                f"The front matter of {name} gives {key} {metadata[key]!r}; "
                f"use one of {', '.join(Basis.values)}."
            )
    return metadata, content


def _as_text(key: str, value, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and key == "authors":
        return ", ".join(str(item) for item in value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, str | int | float | datetime.date) and not isinstance(value, bool):
        return str(value).strip()
    raise IngestError(f"The front matter of {name} gives {key!r} as {value!r}; write it as text.")


#: Elements whose start and end break a paragraph in Markdown's HTML.
_BLOCKS = {
    *("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd"),
    *("blockquote", "pre", "hr", "br", "table", "tr", "th", "td", "figure", "figcaption"),
}


class _PlainText(HTMLParser):
    """Text of rendered Markdown: link text kept, URLs and images dropped, one paragraph per
    block, soft line breaks inside a paragraph joined as Markdown readers see them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.preformatted = 0
        self.first_block = ""
        self.headline: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "template"}:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.first_block = self.first_block or tag
            self.parts.append("\n\n")
        self.preformatted += tag == "pre"

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"}:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
            if tag == "h1" and self.first_block == "h1":
                self.first_block = "done"  # only a leading top heading is the headline
        self.preformatted -= tag == "pre"

    def handle_data(self, data):
        if self.skipping:
            return
        if not self.preformatted:
            data = re.sub(r"[ \t]*\n[ \t]*", " ", data)
        self.parts.append(data)
        if self.first_block == "h1":
            self.headline.append(data)


def markdown_to_text(text: str) -> tuple[str, str]:
    """(plain text, the leading top-level heading or "") of a Markdown document."""
    parser = _PlainText()
    parser.feed(markdown.markdown(text))
    parser.close()
    # Markdown ignores indentation outside code; the body must not keep it either.
    lines = "".join(parser.parts).split("\n")
    return "\n".join(line.strip() for line in lines), "".join(parser.headline).strip()


def html_to_text(html: str) -> tuple[str, dict]:
    """The article text of a saved web page (paragraphs kept) and the metadata it states."""
    document = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        # Dates from the page's own markup only, not guessed from any date in its text.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if document is None:
        return "", {}
    metadata = {
        "title": document.title,
        "outlet": document.sitename,
        "authors": (document.author or "").replace("; ", ", "),
        "date": document.date,
        "url": document.url,
    }
    return document.text or "", {key: value.strip() for key, value in metadata.items() if value}


@dataclass(frozen=True)
class Extracted:
    format: str
    body: str  # normalised
    front_matter: dict
    stated: dict  # metadata the document itself states


def extract(data: bytes, name: str) -> Extracted:
    """The normalised text and metadata of a file, or an IngestError saying what is wrong."""
    kind = file_format(name)
    text = decode(data, name)
    front, stated = {}, {}
    if kind == "html":
        text, stated = html_to_text(text)
    else:
        front, text = split_front_matter(text, name)
    if kind == "markdown":
        text, headline = markdown_to_text(text)
        stated = {"title": headline} if headline else {}
    body = normalise(text)
    if not body:
        where = "article text in the page" if kind == "html" else "text after its front matter"
        raise IngestError(f"{name} has no {where}.")
    return Extracted(kind, body, front, stated)


# Metadata: precedence, basis, validation ------------------------------------------------------


def source_fields(
    extracted: Extracted, name: str, given: dict, stated: tuple = (), given_in: str = "options"
) -> dict:
    """The new Source's field values: given options over front matter over the document.

    Basis: what the document states (an HTML page's metadata, a Markdown headline) is
    stated; so is a title that is the text's first paragraph, and whatever the caller lists
    in `stated` or the front matter marks with `<key>_basis`. Anything else given by an
    editor is an attribution, and attribution_notes says where it came from.
    """
    layers = [
        (GIVEN, {key: str(value).strip() for key, value in given.items() if value}),
        (FRONT_MATTER, extracted.front_matter),
        (DOCUMENT, extracted.stated),
    ]
    chosen = {}
    for key in KEYS:
        chosen[key] = next(((v[key], o) for o, v in layers if v.get(key)), ("", None))
    if not chosen["title"][0]:
        raise IngestError(
            f"{name} has no title: give one as an option or as `title:` in its front matter."
        )
    unknown_stated = set(stated) - set(BASIS_FIELDS)
    if unknown_stated:
        raise IngestError(f"Only {', '.join(BASIS_FIELDS)} can be marked as stated in the text.")

    fields = {"body": extracted.body, "status": Status.DRAFT}
    attributed: dict[str, list[str]] = {}
    for key, (value, origin) in chosen.items():
        if key in BASIS_FIELDS:
            basis = _basis(key, value, origin, extracted, stated)
            fields[BASIS_FIELDS[key]] = basis
            if basis == Basis.ATTRIBUTED:
                where = (
                    given_in if origin == GIVEN else f"the front matter of {PurePath(name).name}"
                )
                attributed.setdefault(where, []).append(key)
        if value:
            fields[key] = value

    fields["slug"] = fields.get("slug") or _slug_from(fields["title"])
    if "date" in fields:
        fields["published_on"], fields["published_on_precision"] = _date(fields.pop("date"))
    if fields.get("kind", SourceKind.NEWS_REPORT) not in SourceKind.values:
        raise IngestError(
            f"Unknown kind {fields['kind']!r}; use one of {', '.join(SourceKind.values)}."
        )
    if attributed:
        note = "; ".join(f"{', '.join(keys)} from {where}" for where, keys in attributed.items())
        note = f"Attributed at ingest, evidence still to be recorded: {note}."
        fields["attribution_notes"] = "\n\n".join(
            part for part in (fields.get("attribution_notes"), note) if part
        )
    return fields


def _basis(key: str, value: str, origin, extracted: Extracted, stated) -> str:
    if not value:
        return Basis.UNKNOWN
    if key in stated:
        return Basis.STATED
    declared = extracted.front_matter.get(f"{key}_basis")
    if origin == FRONT_MATTER and declared:
        return declared
    if origin == DOCUMENT:
        return Basis.STATED
    first_paragraph = extracted.body.split("\n\n", 1)[0]
    if key == "title" and first_paragraph.casefold() == value.casefold():
        return Basis.STATED  # the headline is in the text, as in the seed's compilations
    return Basis.ATTRIBUTED


def _slug_from(title: str) -> str:
    slug = slugify(title)[:120].strip("-")
    if not slug:
        raise IngestError(f"No slug can be made from the title {title!r}; give one.")
    return slug


def _date(value: str) -> tuple[datetime.date, str]:
    try:
        return parse_partial_date(value)
    except ValueError:
        raise IngestError(f"Bad date {value!r}: use YYYY, YYYY-MM or YYYY-MM-DD.") from None


# Duplicates and the write ---------------------------------------------------------------------


def check_not_duplicate(fields: dict) -> None:
    """Refuse a text, slug or URL that an existing source already has, naming that source."""
    same_text = Source.objects.filter(body=fields["body"]).values_list("slug", flat=True)
    if other := same_text.first():
        raise IngestError(f"This text is already in the archive as the source {other!r}.")
    if Source.objects.filter(slug=fields["slug"]).exists():
        raise IngestError(
            f"The slug {fields['slug']!r} is taken by an existing source; give another slug."
        )
    if url := fields.get("url", "").rstrip("/"):
        same_url = Source.objects.filter(Q(url=url) | Q(url=url + "/"))
        if other := same_url.values_list("slug", flat=True).first():
            raise IngestError(f"The URL {url} is already that of the source {other!r}.")


def ingest_source(
    *,
    data: bytes,
    filename: str,
    given: dict | None = None,
    stated: tuple = (),
    given_in: str = "options",
    user=None,
) -> Source:
    """Create a draft Source from a file's bytes, in one transaction, or raise IngestError.

    `given` holds the caller's metadata (KEYS), which overrides the file's; `stated` lists
    the keys of BASIS_FIELDS whose values are stated in the text; `given_in` names where
    the caller's metadata came from, for attribution_notes.
    """
    extracted = extract(data, filename)
    fields = source_fields(extracted, filename, given or {}, stated, given_in)
    try:
        with transaction.atomic():
            check_not_duplicate(fields)
            source = Source(**fields)
            try:
                source.full_clean()
            except ValidationError as error:
                raise IngestError(_describe(error)) from None
            source._history_user = user
            source._change_reason = f"Ingested from {PurePath(filename).name}"
            source.save()
    except IntegrityError:
        # Someone added the same slug between the check and the insert.
        raise IngestError(f"The slug {fields['slug']!r} was taken meanwhile; try again.") from None
    return source


def _describe(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts = [f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()]
    return "The source is not valid: " + "; ".join(parts)
