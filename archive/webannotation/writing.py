"""Creating and replacing annotations from Web Annotation JSON-LD sent by an editor's client.

The document is read (incoming.py), its passage located in the source's text, its bodies
resolved to the archive's entities; then the workbench's own save applies the admin's rules
(the anchor must match the text, a correction needs "correcting", only publishers publish).
Anything the archive cannot honour exactly is refused with a reason; nothing is guessed.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from archive.models import Annotation
from archive.webannotation.incoming import Incoming, InvalidAnnotation, read_annotation
from archive.webannotation.links import resolve_links, resolve_source
from archive.webannotation.protocol import ProtocolError
from archive.workbench import BadRequest, guard_published, save_annotation
from sources.anchoring import describe_mismatch
from sources.locating import How, NotAnchorable, locate
from sources.models import Source
from sources.versioning import EditConflict


def read(data: dict) -> Incoming:
    try:
        return read_annotation(data)
    except InvalidAnnotation as error:
        raise ProtocolError(400, str(error)) from error


def target_source(incoming: Incoming, container_source: Source | None) -> Source:
    """The source the annotation targets; it must be this archive's, and the container's."""
    named = resolve_source(incoming.target_source) if incoming.target_source else None
    if container_source is not None:
        if incoming.target_source and named != container_source:
            raise ProtocolError(
                400,
                f"This container holds annotations of {container_source.get_absolute_url()}; "
                f"the target's source is {incoming.target_source}.",
            )
        return container_source
    if named is None:
        raise ProtocolError(
            400,
            "The target's source must be the URL of one of this archive's sources "
            f"(got {incoming.target_source or 'none'}).",
        )
    return named


def passage(incoming: Incoming, source: Source) -> tuple[int, int, str]:
    """Where the passage is: exactly at the given positions, or (with no positions) the one
    place the quote and its context name. Never a fuzzy guess: a client must be exact."""
    if incoming.start is not None and incoming.end is not None:
        problem = describe_mismatch(source.body, incoming.start, incoming.end, incoming.exact)
        if problem:
            raise ProtocolError(400, f"The selectors do not match the text: {problem}.")
        return incoming.start, incoming.end, incoming.exact
    try:
        found = locate(source.body, incoming.exact, incoming.prefix, incoming.suffix)
    except NotAnchorable as error:
        raise ProtocolError(400, f"The passage cannot be anchored: {error}") from error
    if found.how == How.FUZZY:
        raise ProtocolError(
            400,
            "The quoted text does not occur in the source exactly "
            f"(the nearest passage is {found.similarity:.0%} similar); send the exact text.",
        )
    return found.start, found.end, source.body[found.start : found.end]


def form_data(incoming: Incoming, source: Source) -> dict:
    start, end, exact = passage(incoming, source)
    links = resolve_links(incoming.entity_iris)
    if links.unknown:
        raise ProtocolError(
            400, "These bodies name nothing in this archive: " + ", ".join(links.unknown) + "."
        )
    return {
        "start": start,
        "end": end,
        "exact": exact,
        "motivation": incoming.motivation,
        "note": incoming.note,
        "correction": incoming.correction,
        "stance": incoming.stance,
        "persons": [p.pk for p in links.persons],
        "organizations": [o.pk for o in links.organizations],
        "events": [e.pk for e in links.events],
        "quote": links.quote.pk if links.quote else None,
    }


def apply(request, source: Source, annotation: Annotation, incoming: Incoming) -> Annotation:
    """Save through the workbench's rules; their refusals become protocol errors."""
    try:
        return save_annotation(request, source, annotation, form_data(incoming, source))
    except BadRequest as error:
        details = "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.errors.items()
        )
        raise ProtocolError(400, f"{error} {details}".strip()) from error


def require(request, permission: str) -> None:
    user = request.user
    if not (user.is_authenticated and user.is_staff):
        # 403, not 401: the archive authenticates by session, which has no WWW-Authenticate.
        raise ProtocolError(403, "Log in as an editor to change annotations.")
    if not user.has_perm(permission):
        raise ProtocolError(403, f"You need the permission {permission}.")


def create(request, data: dict, container_source: Source | None) -> Annotation:
    require(request, "archive.add_annotation")
    incoming = read(data)
    source = target_source(incoming, container_source)
    return apply(request, source, Annotation(source=source, author=request.user), incoming)


def replace(request, annotation: Annotation, data: dict, iri: str) -> Annotation:
    require(request, "archive.change_annotation")
    incoming = read(data)
    if incoming.id and incoming.id != iri:
        raise ProtocolError(400, f"The annotation's id must be {iri} (got {incoming.id}).")
    try:
        guard_published(request, annotation)
    except PermissionDenied as error:
        raise ProtocolError(403, str(error)) from error
    source = target_source(incoming, annotation.source)
    return apply(request, source, annotation, incoming)


def delete(request, annotation: Annotation) -> None:
    require(request, "archive.delete_annotation")
    try:
        guard_published(request, annotation)
    except PermissionDenied as error:
        raise ProtocolError(403, str(error)) from error
    with transaction.atomic():
        locked = Annotation.objects.select_for_update().get(pk=annotation.pk)
        if locked.version != annotation.version:
            raise EditConflict(annotation)
        locked.delete()
