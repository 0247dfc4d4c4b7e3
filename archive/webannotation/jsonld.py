"""The archive's annotations as W3C Web Annotation JSON-LD: one annotation, a page, a collection.

Every function takes the `base` URL (scheme and host, no trailing slash) so that ids are
absolute IRIs whether a request or a management command asks. Annotations must come with
their links fetched (`with_links()`), or each one costs queries.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse

from archive.models import Annotation, Event, Organization, Person, Quote
from archive.webannotation import vocabulary as w3c

ARCHIVE_NAME = "Editorial archive"


def base_url(request=None) -> str:
    """Scheme and host of the archive: the request's own, else settings.SITE_URL."""
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return settings.SITE_URL


def with_links(annotations, *, public: bool = False):
    """What `annotation_jsonld` reads, fetched in a constant number of queries. For the
    `public`, links to unpublished people, organisations, events and quotes are left out."""
    if not public:
        return annotations.select_related("source", "quote", "author").prefetch_related(
            "persons", "organizations", "events"
        )
    return annotations.select_related("source", "author").prefetch_related(
        Prefetch("persons", Person.objects.published()),
        Prefetch("organizations", Organization.objects.published()),
        Prefetch("events", Event.objects.published()),
        Prefetch("quote", Quote.objects.published()),  # None when the quote is a draft
    )


def annotation_iri(base: str, annotation: Annotation) -> str:
    return base + reverse("annotation-item", kwargs={"key": annotation.key})


def timestamp(moment: datetime) -> str:
    """xsd:dateTime in UTC with an explicit zone, as the model requires."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def creator(base: str, annotation: Annotation) -> dict:
    """Who wrote it: an editor by their full name (never a login name), else the archive."""
    author = annotation.author
    if author is not None and author.get_full_name():
        return {"type": "Person", "name": author.get_full_name()}
    return {"type": "Organization", "name": ARCHIVE_NAME, "homepage": base + "/"}


def entity_body(base: str, entity, purpose: str, label: str) -> dict:
    return {
        "type": "SpecificResource",
        "source": base + entity.get_absolute_url(),
        "purpose": purpose,
        "label": label,
    }


def bodies(base: str, annotation: Annotation) -> list[dict]:
    """The note, the correction, the stance, then each linked entity."""
    found = []
    if annotation.note:
        found.append(
            {
                "type": "TextualBody",
                "value": annotation.note,
                "format": "text/markdown",
                "purpose": w3c.note_purpose(annotation.motivation),
            }
        )
    if annotation.correction:
        found.append(
            {
                "type": "TextualBody",
                "value": annotation.correction,
                "format": "text/plain",
                "purpose": w3c.CORRECTION_PURPOSE,
            }
        )
    if annotation.stance:
        found.append(
            {"type": "TextualBody", "value": annotation.stance, "purpose": w3c.STANCE_PURPOSE}
        )
    for person in annotation.persons.all():
        found.append(entity_body(base, person, w3c.ENTITY_PURPOSE["person"], person.name))
    for organization in annotation.organizations.all():
        found.append(
            entity_body(base, organization, w3c.ENTITY_PURPOSE["organization"], organization.name)
        )
    for event in annotation.events.all():
        found.append(entity_body(base, event, w3c.LINK_PURPOSE, event.title))
    if annotation.quote is not None:
        found.append(entity_body(base, annotation.quote, w3c.LINK_PURPOSE, annotation.quote.text))
    return found


def target(base: str, annotation: Annotation) -> dict:
    """The passage: the article's page, and both selectors (positions in code points of the
    article's canonical text, which the API serves as `body`)."""
    return {
        "source": base + annotation.source.get_absolute_url(),
        "selector": [
            {
                "type": "TextQuoteSelector",
                "exact": annotation.exact,
                "prefix": annotation.prefix,
                "suffix": annotation.suffix,
            },
            {"type": "TextPositionSelector", "start": annotation.start, "end": annotation.end},
        ],
    }


def annotation_jsonld(base: str, annotation: Annotation, *, context: bool = True) -> dict:
    """One annotation; `context=False` inside a page, whose own @context covers it."""
    data = {"@context": w3c.CONTEXT} if context else {}
    data.update(
        {
            "id": annotation_iri(base, annotation),
            "type": "Annotation",
            "motivation": w3c.TO_W3C[annotation.motivation],
            "created": timestamp(annotation.created_at),
            "modified": timestamp(annotation.updated_at),
            "creator": creator(base, annotation),
            "canonical": f"urn:uuid:{annotation.key}",
        }
    )
    found = bodies(base, annotation)
    if found:
        data["body"] = found
    data["target"] = target(base, annotation)
    return data


@dataclass(frozen=True)
class Container:
    """An annotation collection: its IRI, its label, and the annotations in it (ordered)."""

    iri: str
    label: str
    annotations: object  # a queryset of Annotation
    page_size: int = 100
    public: bool = False  # served to the public: links to drafts left out (see with_links)

    def page_iri(self, number: int, iris: bool) -> str:
        return f"{self.iri}?{'iris=1&' if iris else ''}page={number}"

    def last_page(self, total: int) -> int:
        return max(0, (total - 1) // self.page_size)


def page_jsonld(
    base: str, container: Container, number: int, total: int, *, iris: bool, context: bool
) -> dict:
    """Page `number` (from 0) of the container: the annotations, or only their IRIs."""
    start = number * container.page_size
    rows = container.annotations[start : start + container.page_size]
    if iris:
        items = [annotation_iri(base, a) for a in rows]
    else:
        items = [
            annotation_jsonld(base, a, context=False)
            for a in with_links(rows, public=container.public)
        ]
    data = {"@context": w3c.CONTEXT} if context else {}
    data.update(
        {
            "id": container.page_iri(number, iris),
            "type": "AnnotationPage",
            "partOf": {"id": container.iri, "label": container.label, "total": total},
            "startIndex": start,
            "items": items,
        }
    )
    if number > 0:
        data["prev"] = container.page_iri(number - 1, iris)
    if number < container.last_page(total):
        data["next"] = container.page_iri(number + 1, iris)
    return data


def collection_jsonld(
    base: str, container: Container, total: int, *, embed: str | None, iris: bool
) -> dict:
    """The collection; `embed` is None (minimal: first/last as IRIs) or "first" (first page
    embedded, with IRIs only when `iris`)."""
    data = {
        "@context": [w3c.CONTEXT, w3c.LDP_CONTEXT],
        "id": container.iri,
        "type": ["BasicContainer", "AnnotationCollection"],
        "label": container.label,
        "total": total,
    }
    if total:
        if embed:
            data["first"] = page_jsonld(base, container, 0, total, iris=iris, context=False)
        else:
            data["first"] = container.page_iri(0, iris)
        data["last"] = container.page_iri(container.last_page(total), iris)
    return data


def etag_of(content: bytes) -> str:
    """A strong validator: the hash of the exact representation."""
    return '"' + hashlib.sha256(content).hexdigest()[:40] + '"'
