"""The HTTP side of the Web Annotation Protocol: content negotiation, preferences, headers.

https://www.w3.org/TR/annotation-protocol/ — containers and annotations answer GET, HEAD and
OPTIONS with an ETag, Link and Allow header; representations are JSON-LD with the anno.jsonld
profile; conditional writes use If-Match.
"""

import json

from django.http import HttpResponse, JsonResponse

from archive.webannotation import vocabulary as w3c
from archive.webannotation.jsonld import etag_of

#: What the archive can serve, best first. All carry the same JSON-LD document.
OFFERED = [w3c.MEDIA_TYPE, "application/ld+json", "application/json"]
CONTAINER_METHODS = ["GET", "HEAD", "OPTIONS", "POST"]
ITEM_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]
#: Request bodies larger than this are refused before they are parsed.
MAX_BODY = 1_000_000


class ProtocolError(Exception):
    """A request the protocol refuses: status and one sentence for the client."""

    def __init__(self, status: int, message: str, **headers):
        super().__init__(message)
        self.status = status
        self.headers = headers


def error_response(error: ProtocolError) -> JsonResponse:
    response = JsonResponse({"error": str(error), "status": error.status}, status=error.status)
    for name, value in error.headers.items():
        response[name.replace("_", "-")] = value
    return response


def negotiate(request) -> str:
    """The media type to answer with, or 406 when the client accepts neither."""
    if not request.headers.get("Accept"):
        return w3c.MEDIA_TYPE
    preferred = request.get_preferred_type(OFFERED)
    if preferred is None and "application/ld+json" in request.headers["Accept"]:
        return w3c.MEDIA_TYPE  # another JSON-LD profile (ldp, say): anno.jsonld is what we have
    if preferred is None:
        raise ProtocolError(
            406,
            f"This resource is available as {w3c.MEDIA_TYPE} (or application/json) only.",
        )
    return "application/json" if preferred == "application/json" else w3c.MEDIA_TYPE


def container_preference(request) -> tuple[str | None, bool]:
    """(embed, iris) from the Prefer header: minimal container, contained IRIs or (default)
    contained descriptions. `iris=1` in the query asks for IRIs too."""
    prefer = request.headers.get("Prefer", "")
    iris = request.GET.get("iris") == "1"
    if "return=representation" in prefer:
        if w3c.PREFER_MINIMAL in prefer:
            return None, iris
        if w3c.PREFER_IRIS in prefer:
            return "first", True
        if w3c.PREFER_DESCRIPTIONS in prefer:
            return "first", False
    return "first", iris


def read_body(request) -> dict:
    """The JSON-LD document of a POST or PUT: 413, 415 or 400 with a reason when unusable."""
    if len(request.body) > MAX_BODY:
        raise ProtocolError(413, f"The annotation is larger than {MAX_BODY:,} bytes.")
    if request.content_type not in ("application/ld+json", "application/json"):
        raise ProtocolError(
            415,
            f"Send the annotation as {w3c.MEDIA_TYPE}.",
            Accept_Post=w3c.MEDIA_TYPE,
        )
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProtocolError(400, f"The body is not valid JSON: {error}.") from error
    if not isinstance(data, dict):
        raise ProtocolError(400, "Send one annotation as a JSON object.")
    return data


def encode(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


def etag_for(document: dict) -> str:
    return etag_of(encode(document))


def respond(request, document: dict, media_type: str, *, status=200, **headers) -> HttpResponse:
    """The document with its ETag; 304 when the client already holds it; no body for HEAD."""
    content = encode(document)
    etag = etag_of(content)
    if status == 200 and etag in if_none_match(request):
        response = HttpResponse(status=304)
    elif request.method == "HEAD":
        response = HttpResponse(status=status, content_type=media_type)
        response["Content-Length"] = str(len(content))
    else:
        response = HttpResponse(content, status=status, content_type=media_type)
    response["ETag"] = etag
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def if_none_match(request) -> set[str]:
    return {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}


def check_if_match(request, current_etag: str) -> None:
    """Writes must name the version they change: 428 without If-Match, 412 if it is stale."""
    given = request.headers.get("If-Match")
    if not given:
        raise ProtocolError(
            428,
            "Send If-Match with the ETag of the annotation you are changing (GET it first).",
        )
    tags = {tag.strip() for tag in given.split(",")}
    if "*" not in tags and current_etag not in tags:
        raise ProtocolError(
            412,
            "The annotation has changed since you read it: GET it again, then retry.",
            ETag=current_etag,
        )


def link_header(*pairs: tuple[str, str]) -> str:
    return ", ".join(f'<{target}>; rel="{rel}"' for target, rel in pairs)


CONTAINER_LINKS = link_header(
    (w3c.LDP_CONTAINER, "type"),
    (w3c.CONSTRAINED_BY, "http://www.w3.org/ns/ldp#constrainedBy"),
)
ITEM_LINKS = link_header((w3c.LDP_RESOURCE, "type"))
