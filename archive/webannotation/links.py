"""IRIs from elsewhere mapped onto the archive: entity pages, sources, annotation ids.

Matching is by URL path on any host, so an export from another instance of the archive maps
onto this one; slugs are looked up in bulk, one query per kind of entity.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.urls import Resolver404, get_script_prefix, resolve

from archive.models import Event, Organization, Person, Quote
from archive.webannotation import vocabulary
from sources.models import Source

#: The route names of a source's pages: its reader and its annotation container.
SOURCE_ROUTES = frozenset({"source-detail", "annotation-source-container"})
ENTITY_MODELS = {"person": Person, "organization": Organization, "event": Event, "quote": Quote}
LINK_FIELDS = {"person": "persons", "organization": "organizations", "event": "events"}


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
