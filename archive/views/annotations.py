"""The Web Annotation Protocol: /annotations/ holds every annotation the visitor may see, and
/annotations/sources/<slug>/ those of one source. Editors (staff, logged in) also see drafts
and may create, replace and delete; everyone else reads published annotations only.

Serialisation is archive/webannotation/jsonld.py, HTTP rules protocol.py, writes writing.py.
"""

from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.vary import vary_on_headers

from archive.models import AnchorStatus, Annotation
from archive.webannotation import jsonld, protocol, writing
from archive.webannotation.protocol import ProtocolError
from sources.models import Source
from sources.versioning import EditConflict


def is_editor(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm("archive.view_annotation")


def visible_annotations(user):
    """Published for the public; drafts too for editors. Orphans never: their text is gone."""
    if is_editor(user):
        return Annotation.objects.exclude(anchor_status=AnchorStatus.ORPHANED)
    return Annotation.objects.published()


def visible_sources(user):
    return Source.objects.all() if is_editor(user) else Source.objects.published()


def protocol_view(methods: list[str]):
    """Method dispatch, the Allow header, OPTIONS, and protocol errors as JSON."""

    def decorate(view):
        @vary_on_headers("Accept", "Prefer", "Cookie")
        def wrapped(request, *args, **kwargs):
            allow = ", ".join(methods)
            try:
                if request.method not in methods:
                    raise ProtocolError(405, f"Allowed here: {allow}.", Allow=allow)
                if request.method == "OPTIONS":
                    response = HttpResponse(status=200)
                else:
                    response = view(request, *args, **kwargs)
            except Http404 as error:
                response = protocol.error_response(ProtocolError(404, str(error) or "Not found."))
            except ProtocolError as error:
                response = protocol.error_response(error)
            response["Allow"] = allow
            if is_editor(request.user):
                get_token(request)  # an editor's client reads the csrftoken cookie to write
            return response

        wrapped.__name__ = view.__name__
        return wrapped

    return decorate


def _serve_container(request, container: jsonld.Container, source: Source | None):
    if request.method == "POST":
        data = protocol.read_body(request)
        created = writing.create(request, data, source)
        return _serve_annotation(request, created, status=201)
    media_type = protocol.negotiate(request)
    base = jsonld.base_url(request)
    total = container.annotations.count()
    headers = {"Link": protocol.CONTAINER_LINKS, "Accept_Post": protocol.w3c.MEDIA_TYPE}
    if "page" in request.GET:
        number = _page_number(request.GET["page"], container.last_page(total), total)
        iris = request.GET.get("iris") == "1"
        document = jsonld.page_jsonld(base, container, number, total, iris=iris, context=True)
        return protocol.respond(request, document, media_type, **headers)
    embed, iris = protocol.container_preference(request)
    document = jsonld.collection_jsonld(base, container, total, embed=embed, iris=iris)
    return protocol.respond(
        request, document, media_type, Preference_Applied="return=representation", **headers
    )


def _page_number(raw: str, last: int, total: int) -> int:
    if not raw.isdigit():
        raise ProtocolError(400, f"page must be a whole number from 0 (got {raw!r}).")
    number = int(raw)
    if number > last or total == 0:
        raise ProtocolError(404, f"There is no page {number}: pages run from 0 to {last}.")
    return number


def _serve_annotation(request, annotation: Annotation, status=200):
    document = jsonld.annotation_jsonld(jsonld.base_url(request), annotation)
    media_type = protocol.negotiate(request) if status == 200 else protocol.w3c.MEDIA_TYPE
    headers = {"Link": protocol.ITEM_LINKS}
    if status == 201:
        headers["Location"] = document["id"]
    return protocol.respond(request, document, media_type, status=status, **headers)


def _ordered(annotations):
    return annotations.order_by("source_id", "start", "-end", "pk")


@protocol_view(protocol.CONTAINER_METHODS)
def container(request):
    every = jsonld.Container(
        iri=jsonld.base_url(request) + reverse("annotation-container"),
        label="Annotations of the editorial archive",
        annotations=_ordered(visible_annotations(request.user)),
        public=not is_editor(request.user),
    )
    return _serve_container(request, every, None)


@protocol_view(protocol.CONTAINER_METHODS)
def source_container(request, slug):
    source = get_object_or_404(visible_sources(request.user), slug=slug)
    one = jsonld.Container(
        iri=jsonld.base_url(request)
        + reverse("annotation-source-container", kwargs={"slug": slug}),
        label=f"Annotations of “{source.title}”",
        annotations=_ordered(visible_annotations(request.user).filter(source=source)),
        public=not is_editor(request.user),
    )
    return _serve_container(request, one, source)


def _current(request, key) -> Annotation:
    public = not is_editor(request.user)
    found = jsonld.with_links(visible_annotations(request.user), public=public)
    found = found.filter(key=key).first()
    if found is None:
        raise Http404("No such annotation.")
    return found


@protocol_view(protocol.ITEM_METHODS)
def item(request, key):
    annotation = _current(request, key)
    if request.method in ("GET", "HEAD"):
        return _serve_annotation(request, annotation)

    # Writes name the representation they change: compare with the current one's ETag.
    current = protocol.etag_for(jsonld.annotation_jsonld(jsonld.base_url(request), annotation))
    if request.method == "PUT":
        data = protocol.read_body(request)
        protocol.check_if_match(request, current)
        iri = jsonld.annotation_iri(jsonld.base_url(request), annotation)
        try:
            saved = writing.replace(request, annotation, data, iri)
        except EditConflict as error:
            raise ProtocolError(412, "The annotation changed while you were saving it.") from error
        return _serve_annotation(request, jsonld.with_links(Annotation.objects).get(pk=saved.pk))
    protocol.check_if_match(request, current)
    try:
        writing.delete(request, annotation)
    except EditConflict as error:
        raise ProtocolError(412, "The annotation changed while you were deleting it.") from error
    return HttpResponse(status=204)


def csrf_failure(request, reason=""):
    """JSON for the protocol's clients, Django's page for everyone else."""
    if request.path.startswith(("/annotations/", "/api/")):
        return protocol.error_response(
            ProtocolError(
                403,
                f"CSRF check failed ({reason}). Send the csrftoken cookie's value in an "
                "X-CSRFToken header, from a session logged in as an editor.",
            )
        )
    return django_csrf_failure(request, reason)
