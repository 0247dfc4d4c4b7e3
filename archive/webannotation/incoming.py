"""A Web Annotation from elsewhere read into the archive's terms (links.py resolves its IRIs).

Reading is tolerant of what real exports do (compacted or expanded keys, a selector or a list
of them, HTML bodies, Hypothesis' own JSON) and strict about what the archive stores: types
are checked, sizes are bounded, HTML is reduced to text, and anything not understood is either
refused with one sentence saying why or set aside with a remark.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from archive.models import Motivation
from archive.webannotation import vocabulary
from archive.webannotation.htmltext import html_to_text

#: Limits on what one file may hold: generous for real annotations, fatal for a runaway one.
MAX_EXACT = 20_000
MAX_NOTE = 20_000
MAX_ANNOTATIONS = 10_000
MAX_IRI = 2_000
#: Purposes of a TextualBody whose text is the annotation's note.
NOTE_PURPOSES = frozenset({"commenting", "describing", "questioning"})
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
