"""A Web Annotation from elsewhere read into the archive's terms, and its links resolved.

Reading is tolerant of what real exports do (compacted or expanded keys, a selector or a list
of them, HTML bodies, Hypothesis' own JSON) and strict about what the archive stores: types
are checked, sizes are bounded, HTML is reduced to text, and anything not understood is either
refused with one sentence saying why or set aside with a remark.
"""

import hashlib
import json
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.urls import Resolver404, get_script_prefix, resolve
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from archive.models import Event, Motivation, Organization, Person, Quote
from archive.webannotation import vocabulary
from sources.models import Source

#: Limits on what one file may hold: generous for real annotations, fatal for a runaway one.
MAX_EXACT = 20_000
MAX_NOTE = 20_000
MAX_ANNOTATIONS = 10_000
MAX_IRI = 2_000
#: Purposes of a TextualBody whose text is the annotation's note.
NOTE_PURPOSES = frozenset({"commenting", "describing", "questioning"})
#: The route names of a source's pages: its reader and its annotation container.
SOURCE_ROUTES = frozenset({"source-detail", "annotation-source-container"})
ENTITY_MODELS = {"person": Person, "organization": Organization, "event": Event, "quote": Quote}
LINK_FIELDS = {"person": "persons", "organization": "organizations", "event": "events"}
HYPOTHESIS_IRI = "https://hypothes.is/a/{}"


class InvalidAnnotation(ValueError):
    """An annotation (or a file of them) the archive cannot take; the message says why."""

    def __init__(self, message: str, index: int | None = None):
        super().__init__(message)
        self.index = index  # position in the file (from 0), when one entry of several
        self.id = ""  # the annotation's id, when it has a readable one


@dataclass
class Incoming:
    """One annotation from elsewhere, in the archive's terms; nothing is looked up yet."""

    id: str
    motivation: str
    target_source: str
    exact: str
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None
    note: str = ""
    correction: str = ""
    stance: str = ""
    entity_iris: list[str] = field(default_factory=list)
    created: datetime | None = None
    modified: datetime | None = None
    #: What was read but set aside (a tag, a second target), in sentences for the report.
    remarks: list[str] = field(default_factory=list)
    #: "sha256:…" of the annotation's canonical JSON: its identity when it has no id.
    digest: str = ""


def read_annotations(data) -> list[Incoming | InvalidAnnotation]:
    """Every annotation of a parsed JSON document, in order; a bad one is its InvalidAnnotation.

    Takes one annotation, a list of them, an AnnotationCollection with its pages embedded, an
    AnnotationPage, a JSON-LD @graph, or a Hypothesis search result ({"rows": […]}). Pages are
    never fetched. Raises InvalidAnnotation if the document as a whole is none of these.
    """
    entries = []
    for index, item in enumerate(_items(data)):
        try:
            entries.append(read_annotation(item))
        except InvalidAnnotation as error:
            error.index = index
            if isinstance(item, dict) and isinstance(item.get("id", item.get("@id")), str):
                error.id = item.get("id", item.get("@id"))[:MAX_IRI]
            entries.append(error)
    return entries


def _items(data) -> list:
    if isinstance(data, list):
        items = data
    elif not isinstance(data, dict):
        raise InvalidAnnotation(
            f"the file holds a JSON {_json_type(data)}, not annotations (an object or a list)"
        )
    elif _types(data) & {"AnnotationCollection", "OrderedCollection", "Collection"}:
        items = _collection_items(data)
    elif _types(data) & {"AnnotationPage", "OrderedCollectionPage", "CollectionPage"}:
        items = _page_items(data)
    elif isinstance(data.get("@graph"), list):
        items = data["@graph"]
    elif isinstance(data.get("rows"), list) and "target" not in data:
        items = data["rows"]  # Hypothesis' search API
    else:
        items = [data]
    if len(items) > MAX_ANNOTATIONS:
        raise InvalidAnnotation(
            f"the file holds {len(items):,} annotations; at most {MAX_ANNOTATIONS:,} are "
            "imported at once (split it)"
        )
    return items


def _collection_items(collection: dict) -> list:
    first = collection.get("first")
    if first is None:
        if collection.get("total") in (0, None):
            return []
        raise InvalidAnnotation("the AnnotationCollection has no first page")
    if not isinstance(first, dict):
        raise InvalidAnnotation(
            f"the AnnotationCollection's first page is not in the file ({_iri_text(first)}); "
            "fetch the pages and import them"
        )
    return _page_items(first)


def _page_items(page: dict) -> list:
    items = []
    while page is not None:
        page_items = page.get("items", page.get("orderedItems", []))
        if not isinstance(page_items, list):
            raise InvalidAnnotation("an AnnotationPage's items must be a list")
        items.extend(page_items)
        if len(items) > MAX_ANNOTATIONS:
            break  # _items says so
        following = page.get("next")
        if following is not None and not isinstance(following, dict):
            raise InvalidAnnotation(
                f"the collection goes on in a page that is not in the file "
                f"({_iri_text(following)}); fetch every page and import them"
            )
        page = following
    return items


def read_annotation(data) -> Incoming:
    """One Web Annotation (or one Hypothesis API annotation) in the archive's terms."""
    if isinstance(data, str):
        # A container asked for its IRIs only (PreferContainedIRIs) lists no annotations.
        raise InvalidAnnotation(f"the file has only its IRI, not the annotation: {data[:200]}")
    if not isinstance(data, dict):
        raise InvalidAnnotation(f"an annotation must be a JSON object, not a {_json_type(data)}")
    types = _types(data)
    hypothesis = not types and "uri" in data and "target" in data
    if types and "Annotation" not in types:
        raise InvalidAnnotation(f"its type is {_listed(sorted(types))}, not Annotation")
    remarks: list[str] = []
    annotation_id = _string(data, "id", "@id")
    if hypothesis and annotation_id and ":" not in annotation_id:
        # The IRI Hypothesis gives the same annotation in its W3C export: one origin for both.
        annotation_id = HYPOTHESIS_IRI.format(annotation_id)
    target, selectors = _target(data.get("target"), remarks)
    bodies = _bodies(data, hypothesis)
    texts = _texts(bodies, remarks)
    incoming = Incoming(
        id=annotation_id,
        motivation=_motivation(data.get("motivation"), bodies, remarks),
        target_source=target,
        exact=selectors["exact"],
        prefix=selectors["prefix"],
        suffix=selectors["suffix"],
        start=selectors["start"],
        end=selectors["end"],
        note=texts["note"],
        correction=texts["correction"],
        stance=texts["stance"],
        entity_iris=_entity_iris(bodies, remarks),
        created=_moment(data, "created", remarks),
        modified=_moment(data, "modified" if not hypothesis else "updated", remarks),
        remarks=remarks,
        digest=digest(data),
    )
    if hypothesis and isinstance(data.get("tags"), list) and data["tags"]:
        remarks.append(f"set aside its tags: {_listed(data['tags'][:20])}")
    return incoming


def digest(data) -> str:
    """A stable name for an annotation's content: the SHA-256 of its canonical JSON."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


# Terms ---------------------------------------------------------------------------------


def _local(term: str) -> str:
    """`oa:commenting`, `http://www.w3.org/ns/oa#commenting` and `commenting` are one term."""
    return re.split(r"[#/:]", term)[-1]


def _terms(value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [_local(v) for v in values if isinstance(v, str)]


def _types(data: dict) -> set[str]:
    return set(_terms(data.get("type", data.get("@type", []))))


def _json_type(value) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean"}.get(
        type(value), "number" if isinstance(value, int | float) else "null"
    )


def _listed(values) -> str:
    return ", ".join(repr(v) for v in values)


def _iri_text(value) -> str:
    return str(value)[:200]


def _string(data: dict, *keys: str, limit: int = MAX_IRI) -> str:
    for key in keys:
        # A null is an absent value: some exporters write every key, null where they have none.
        if data.get(key) is not None:
            value = data[key]
            if not isinstance(value, str):
                raise InvalidAnnotation(f"its {key} must be a string, not a {_json_type(value)}")
            if len(value) > limit:
                raise InvalidAnnotation(
                    f"its {key} is {len(value):,} characters long (at most {limit:,})"
                )
            return value
    return ""


# Target and selectors --------------------------------------------------------------------


def _target(target, remarks: list[str]) -> tuple[str, dict]:
    """The target's source IRI and its TextQuoteSelector (with positions if stated)."""
    if target is None:
        raise InvalidAnnotation("it has no target")
    if isinstance(target, str):
        raise InvalidAnnotation(
            "its target is a whole resource, not a passage: it has no TextQuoteSelector"
        )
    targets = target if isinstance(target, list) else [target]
    for index, candidate in enumerate(targets):
        if not isinstance(candidate, dict):
            continue
        selectors = _selectors(candidate.get("selector"))
        if selectors is None:
            continue
        if len(targets) > 1:
            remarks.append(
                f"it has {len(targets)} targets: took target {index + 1}, the first with a "
                "TextQuoteSelector"
            )
        if selectors.pop("refined_position"):
            remarks.append("set aside a TextPositionSelector inside a refinement")
        return _string(candidate, "source"), selectors
    if len(targets) > 1:
        raise InvalidAnnotation("none of its targets has a TextQuoteSelector")
    raise InvalidAnnotation("its target has no TextQuoteSelector")


def _flatten(selector, refined: bool = False, depth: int = 0):
    """Every selector in a selector, a list, a Choice or a refinedBy chain, with whether it
    refines another (positions in a refinement count from the refined part, not the text)."""
    if depth > 20:
        raise InvalidAnnotation("its selectors are nested too deeply")
    if isinstance(selector, list):
        for item in selector:
            yield from _flatten(item, refined, depth + 1)
    elif isinstance(selector, dict):
        if "Choice" in _types(selector):
            yield from _flatten(selector.get("items", []), refined, depth + 1)
            return
        yield selector, refined
        if "refinedBy" in selector:
            yield from _flatten(selector["refinedBy"], True, depth + 1)


def _selectors(selector) -> dict | None:
    quote = position = None
    refined_position = False
    for item, refined in _flatten(selector):
        types = _types(item)
        if "TextQuoteSelector" in types and quote is None:
            quote = item
        elif "TextPositionSelector" in types and position is None:
            if refined:
                refined_position = True
            else:
                position = item
    if quote is None:
        return None
    exact = _string(quote, "exact", limit=MAX_EXACT)
    if not exact.strip():
        raise InvalidAnnotation("its TextQuoteSelector's exact text is empty")
    found = {
        "exact": exact,
        "prefix": _string(quote, "prefix", limit=MAX_EXACT),
        "suffix": _string(quote, "suffix", limit=MAX_EXACT),
        "start": None,
        "end": None,
        "refined_position": refined_position,
    }
    if position is not None:
        found["start"], found["end"] = _offset(position, "start"), _offset(position, "end")
        if found["end"] <= found["start"]:
            raise InvalidAnnotation(
                f"its TextPositionSelector ends ({found['end']}) before it starts "
                f"({found['start']})"
            )
    return found


def _offset(selector: dict, key: str) -> int:
    value = selector.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidAnnotation(
            f"its TextPositionSelector's {key} must be a whole number ≥ 0, not {value!r}"[:200]
        )
    return value


# Bodies ----------------------------------------------------------------------------------


def _bodies(data: dict, hypothesis: bool) -> list:
    bodies = data.get("body", [])
    bodies = list(bodies) if isinstance(bodies, list) else [bodies]
    if "bodyValue" in data:
        bodies.insert(
            0, {"type": "TextualBody", "value": _string(data, "bodyValue", limit=MAX_NOTE)}
        )
    if hypothesis and data.get("text"):
        bodies.insert(0, {"type": "TextualBody", "value": _string(data, "text", limit=MAX_NOTE)})
    chosen = []
    for body in bodies:
        # A Choice offers alternatives (translations, formats): the first is the default.
        while isinstance(body, dict) and "Choice" in _types(body) and body.get("items"):
            items = body["items"]
            body = items[0] if isinstance(items, list) else items
        chosen.append(body)
    return chosen


def _is_textual(body) -> bool:
    return isinstance(body, dict) and ("TextualBody" in _types(body) or "value" in body)


def _texts(bodies: list, remarks: list[str]) -> dict[str, str]:
    notes, corrections, stances = [], [], []
    for body in bodies:
        if not _is_textual(body):
            continue
        value = _string(body, "value", limit=MAX_NOTE)
        if _string(body, "format").split(";")[0].strip().lower() in (
            "text/html",
            "application/xhtml+xml",
        ):
            value = html_to_text(value)
        value = value.strip()
        purposes = _terms(body.get("purpose", []))
        if not value:
            continue
        if not purposes or set(purposes) & NOTE_PURPOSES:
            notes.append(value)
        elif vocabulary.CORRECTION_PURPOSE in purposes:
            corrections.append(value)
        elif vocabulary.STANCE_PURPOSE in purposes and value in vocabulary.STANCES:
            stances.append(value)
        else:
            remarks.append(f"set aside a {_listed(purposes)} body: {value[:80]!r}")
    if len(stances) > 1:
        remarks.append(f"it states {len(stances)} stances: took {stances[0]!r}")
    texts = {
        "note": "\n\n".join(notes),
        "correction": "\n\n".join(corrections),
        "stance": stances[0] if stances else "",
    }
    for name in ("note", "correction"):
        if len(texts[name]) > MAX_NOTE:
            raise InvalidAnnotation(
                f"its {name} is {len(texts[name]):,} characters long (at most {MAX_NOTE:,})"
            )
    return texts


def _entity_iris(bodies: list, remarks: list[str]) -> list[str]:
    iris = []
    for body in bodies:
        if _is_textual(body):
            continue
        if isinstance(body, str):
            iri = body
        elif isinstance(body, dict) and ("source" in body or "id" in body or "@id" in body):
            iri = _string(body, "source") or _string(body, "id", "@id")
        else:
            remarks.append(f"set aside a body the archive has no use for: {str(body)[:80]}")
            continue
        if len(iri) > MAX_IRI:
            raise InvalidAnnotation(f"a body's IRI is {len(iri):,} characters long")
        if iri and iri not in iris:
            iris.append(iri)
    return iris


def _motivation(value, bodies: list, remarks: list[str]) -> str:
    if value is None:
        # No motivation stated: the bodies' purposes say what the annotation does.
        purposes = [
            purpose
            for body in bodies
            if isinstance(body, dict)
            for purpose in _terms(body.get("purpose", []))
            if purpose in vocabulary.FROM_W3C
        ]
        telling = [p for p in purposes if p != "commenting"]
        return vocabulary.FROM_W3C[telling[0]] if telling else Motivation.COMMENTING
    if not isinstance(value, str | list) or not _terms(value):
        raise InvalidAnnotation(f"its motivation must be a string or a list of strings: {value!r}")
    stated = _terms(value)
    known = [term for term in stated if term in vocabulary.FROM_W3C]
    if not known:
        accepted = ", ".join(sorted(vocabulary.FROM_W3C))
        raise InvalidAnnotation(
            f"its motivation {_listed(stated)} is not one the archive records (it takes {accepted})"
        )
    if len(stated) > 1:
        remarks.append(f"it states motivations {_listed(stated)}: took {known[0]!r}")
    return vocabulary.FROM_W3C[known[0]]


def _moment(data: dict, key: str, remarks: list[str]) -> datetime | None:
    value = data.get(key)
    if value is None:
        return None
    moment = None
    if isinstance(value, str):
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
    if moment is None:
        remarks.append(f"set aside its {key}, which is not a date and time: {str(value)[:40]!r}")
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


class _TextOfHtml(HTMLParser):
    """The text of an HTML fragment: paragraphs and line breaks kept, links as Markdown."""

    BLOCKS = frozenset(
        [
            "p",
            "div",
            "blockquote",
            "pre",
            "ul",
            "ol",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "table",
            "tr",
            "section",
            "article",
        ]
    )
    SKIPPED = frozenset({"script", "style", "template"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.links: list[tuple[int, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a":
            self.links.append((len(self.parts), dict(attrs).get("href") or ""))

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self.links:
            at, href = self.links.pop()
            text = "".join(self.parts[at:]).strip()
            if text and href.startswith(("http://", "https://")) and text != href:
                text = re.sub(r"([\[\]])", r"\\\1", text)
                self.parts[at:] = [f"[{text}]({href.replace(')', '%29').replace(' ', '%20')})"]

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Plain text (Markdown-safe) of an HTML body: the tags are dropped, never trusted."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Links to the archive --------------------------------------------------------------------


@dataclass
class Links:
    persons: list[Person] = field(default_factory=list)
    organizations: list[Organization] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    quote: Quote | None = None
    #: IRIs that name nothing in this archive (reported, not fatal), and why, by IRI.
    unknown: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)

    def slugs(self) -> dict[str, list[str]]:
        found = {
            "persons": [p.slug for p in self.persons],
            "organizations": [o.slug for o in self.organizations],
            "events": [e.slug for e in self.events],
            "quote": [self.quote.slug] if self.quote else [],
        }
        return {kind: slugs for kind, slugs in found.items() if slugs}


def route(iri: str) -> tuple[str, dict] | None:
    """The URL name and arguments of the archive page an IRI's path names, on any host (so an
    export from another instance of the archive maps onto this one); None if it names none."""
    path = urlsplit(iri).path
    if not path.startswith("/"):
        return None
    prefix = get_script_prefix()
    if path.startswith(prefix):
        path = "/" + path[len(prefix) :]
    for candidate in (path, path + "/") if not path.endswith("/") else (path,):
        try:
            match = resolve(candidate)
        except Resolver404:
            continue
        return match.url_name, match.kwargs
    return None


def our_annotation_key(iri: str) -> uuid.UUID | None:
    """The key in an annotation IRI of the archive's form (/annotations/<uuid>/), if it is one."""
    found = route(iri) if iri else None
    if found and found[0] == "annotation-item":
        return found[1]["key"]
    return None


class LinkResolver:
    """Resolves the entity IRIs of many annotations with one query per kind of entity."""

    def __init__(self, iris):
        self.routes: dict[str, tuple[str, str] | None] = {}
        wanted = defaultdict(set)
        for iri in iris:
            if iri in self.routes:
                continue
            found = route(iri)
            kind = found and vocabulary.ENTITY_ROUTES.get(found[0])
            self.routes[iri] = (kind, found[1]["slug"]) if kind else None
            if kind:
                wanted[kind].add(found[1]["slug"])
        self.found = {
            kind: ENTITY_MODELS[kind].objects.in_bulk(slugs, field_name="slug")
            for kind, slugs in wanted.items()
        }

    def links(self, iris: list[str]) -> Links:
        links = Links()
        for iri in iris:
            found = self.routes.get(iri) or self._route_late(iri)
            if found is None:
                links.unknown.append(iri)
                links.reasons[iri] = "not the address of a person, organisation, event or quote"
                continue
            kind, slug = found
            entity = self.found.get(kind, {}).get(slug)
            if entity is None:
                links.unknown.append(iri)
                links.reasons[iri] = f"no {kind} {slug!r} in the archive"
            elif kind == "quote":
                if links.quote is None or links.quote == entity:
                    links.quote = entity
                else:
                    links.unknown.append(iri)
                    links.reasons[iri] = (
                        f"a second quote ({slug}): a passage renders one quote, "
                        f"kept {links.quote.slug}"
                    )
            else:
                chosen = getattr(links, LINK_FIELDS[kind])
                if entity not in chosen:
                    chosen.append(entity)
        return links

    def _route_late(self, iri: str):
        if iri not in self.routes:
            # An IRI not given up front: resolve it on its own (one more query, not wrong).
            late = LinkResolver([iri])
            self.routes.update(late.routes)
            for kind, found in late.found.items():
                self.found.setdefault(kind, {}).update(found)
        return self.routes[iri]


def resolve_links(iris: list[str]) -> Links:
    """The archive's entities named by a list of IRIs (slugs looked up in bulk)."""
    return LinkResolver(iris).links(iris)


def resolve_source(iri: str) -> Source | None:
    """The source of the archive an IRI names: its reader or annotation container (on any
    host), or the address it was published at."""
    if not iri:
        return None
    found = route(iri)
    if found and found[0] in SOURCE_ROUTES:
        return Source.objects.filter(slug=found[1]["slug"]).first()
    return Source.objects.filter(url=iri.split("#")[0]).exclude(url="").first()
