"""Caching of public pages and article bodies, keyed by the content generation.

The rule is coarse on purpose: any change to anything the public could see replaces the
generation token (archive/receivers.py) when its transaction commits, and every key includes
the token, so every page cached before the change becomes unreachable at once, in every
process. The token lives in the database, the one thing all workers share, so the rule holds
with per-process local-memory caches as well as with Redis. See docs/caching.md.
"""

import gzip
import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from functools import partial, wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import connections, router, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, get_conditional_response
from django.utils.safestring import SafeString

from archive import rendering
from archive.models import ContentGeneration
from archive.models.generation import new_token
from archive.rendering import Highlight, render_paragraphs
from sources import text

logger = logging.getLogger(__name__)

#: Says whether a response came from the cache: "hit", "miss", or "bypass" (not cacheable).
STATUS_HEADER = "X-Archive-Cache"


def _cached(key: str):
    """The stored value, or None. A cache that fails (Redis down) costs speed, not pages."""
    try:
        return caches["default"].get(key)
    except Exception:
        logger.warning("cache read failed; serving uncached", exc_info=True)
        return None


def _keep(key: str, value) -> None:
    try:
        caches["default"].set(key, value, settings.ARCHIVE_CACHE_TIMEOUT)
    except Exception:
        logger.warning("cache write failed", exc_info=True)


# The generation -------------------------------------------------------------------------


def current_generation() -> str:
    """The token public pages are cached under: one primary-key lookup.

    Written as SQL, because every public request makes it, and building and compiling the
    queryset each time cost more than the query itself (most of a cached page's time).
    """
    using = router.db_for_read(ContentGeneration)
    connection = connections[using]
    quote = connection.ops.quote_name
    sql = "SELECT {} FROM {} WHERE {} = %s".format(  # noqa: S608 -- names only, quoted
        quote("token"), quote(ContentGeneration._meta.db_table), quote("id")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [ContentGeneration.ROW])
        row = cursor.fetchone()
    if row is None:  # a flushed database: start a new generation rather than reuse one
        token = ContentGeneration.objects.using(using).get_or_create(pk=ContentGeneration.ROW)
        row = (token[0].token,)
    pending = _pending(connection)
    if pending is None:
        return row[0]
    # This transaction's own changes, not committed yet (a test renders pages inside one):
    # only this connection sees them, so only it may use pages made from them.
    pending.read = True
    return f"{row[0]}~{pending.nonce}"


def bump_generation(using: str | None = None, model=ContentGeneration) -> None:
    """Replace the token once the change's transaction commits (at once outside one).

    After the commit, not within the transaction: an UPDATE there would hold the row's lock
    until the commit, and two editors' transactions, each holding a row the other needs,
    would deadlock on it. A reader between the commit and the new token can only store the
    new content under the old token, which is harmless. Once per transaction is enough: a
    loaddata of thousands of rows writes one token, not thousands. (`model` is the migration
    state's model when called after `migrate`.)
    """
    using = using or router.db_for_write(model)
    connection = connections[using]
    if not connection.in_atomic_block:
        _write_token(using, model)
        return
    pending = _pending(connection)
    if pending is None or pending.read:
        transaction.on_commit(_Bump(using, model), using=using)


def _write_token(using: str, model) -> None:
    rows = model._default_manager.using(using)
    if not rows.filter(pk=ContentGeneration.ROW).update(token=new_token()):
        rows.update_or_create(pk=ContentGeneration.ROW, defaults={"token": new_token()})


class _Bump:
    """A new token to write when the transaction commits. Django keeps it in the
    transaction's on-commit list and drops it exactly when it rolls back the savepoint or
    the transaction it was made in, that is, exactly when the change is rolled back too."""

    def __init__(self, using: str, model):
        self.using, self.model = using, model
        self.nonce = new_token()
        self.read = False  # a page was made under it: the next change needs a new one
        self.done = False

    def __call__(self):
        self.done = True
        _write_token(self.using, self.model)


def _pending(connection) -> "_Bump | None":
    """The latest new token of this connection's transaction still to be written."""
    latest = None
    # Django's own record of the transaction's callbacks: (savepoint ids, callable, robust).
    for _savepoints, func, _robust in connection.run_on_commit:
        if isinstance(func, _Bump) and not func.done:
            latest = func
    return latest


# Whole pages ----------------------------------------------------------------------------


#: What is stored for a page: (content, the same gzipped, Content-Type, digest of content).
#: A plain tuple, because a cached page's time is mostly spent unpickling it.
StoredPage = tuple[bytes, bytes, str, str]

_ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def page_key(request: HttpRequest, generation: str) -> str:
    # The absolute URL: pages write absolute links (citations) with the request's host.
    url = request.build_absolute_uri()
    return f"page:{generation}:{hashlib.sha256(url.encode()).hexdigest()}"


def cacheable_request(request: HttpRequest) -> bool:
    """Anonymous reads only: a request with a session cookie (an editor, say) is never served
    from the cache and never fills it."""
    return request.method in ("GET", "HEAD") and settings.SESSION_COOKIE_NAME not in request.COOKIES


def storable(request: HttpRequest, response: HttpResponse) -> bool:
    """A plain 200 meant for everyone. A view that touched the session or the CSRF token, or
    made a CSP nonce, would have its response carry something of this request's own."""
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Vary")
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
        and not (session is not None and session.accessed)
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and getattr(request, "_csp_nonce", None) is None  # django-csp's per-request nonce
    )


def _store(key: str, response: HttpResponse) -> StoredPage:
    content = response.content
    # Compressed once here rather than on every request: an annotated article is large.
    # No secret is ever in a stored page (no CSRF token, no session), so no BREACH either.
    compressed = gzip.compress(content, compresslevel=6, mtime=0)
    digest = hashlib.sha256(content).hexdigest()[:32]
    page = (content, compressed, response["Content-Type"], digest)
    _keep(key, page)
    return page


def _respond(request: HttpRequest, page: StoredPage, status: str) -> HttpResponse:
    content, compressed, content_type, digest = page
    if _ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response = HttpResponse(compressed, content_type=content_type)
        response["Content-Encoding"] = "gzip"
        etag = f'"{digest}-gzip"'  # each encoding is a representation with its own tag
    else:
        response = HttpResponse(content, content_type=content_type)
        etag = f'"{digest}"'
    response["Vary"] = "Accept-Encoding"
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    response[STATUS_HEADER] = status
    if "HTTP_IF_NONE_MATCH" in request.META:
        return get_conditional_response(request, etag=etag, response=response)
    return response


def cache_public_page(view: Callable | None = None, *, query: Iterable[str] | None = None):
    """Serve a public view's anonymous responses from the cache, under the current generation.

    `query` names the query parameters the page reads (None: any, for the filtered indexes).
    A request with others is served uncached rather than stored under a key of its own, so
    links with tracking parameters, or made up to fill memory, add no copies of a large page.

    Browsers and proxies get `Cache-Control: no-cache` with a content ETag: they may keep a
    copy but must ask every time, and get a 304 while the page is unchanged. A max-age would
    let them show a page older than the last publication. Clients that accept gzip get the
    copy compressed when it was stored.
    """
    if view is None:
        return partial(cache_public_page, query=query)
    known = None if query is None else frozenset(query)

    @wraps(view)
    def cached_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.ARCHIVE_PAGE_CACHE:
            return view(request, *args, **kwargs)
        if not cacheable_request(request) or (
            known is not None and not known.issuperset(request.GET)
        ):
            return _bypass(view(request, *args, **kwargs))
        key = page_key(request, current_generation())
        page = _cached(key)
        if page is not None:
            return _respond(request, page, "hit")
        response = view(request, *args, **kwargs)
        if not storable(request, response):
            return _bypass(response)
        return _respond(request, _store(key, response), "miss")

    return cached_view


def _bypass(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response[STATUS_HEADER] = "bypass"
    return response


# Article bodies -------------------------------------------------------------------------


def rendered_paragraphs(body: str, highlights: Iterable[Highlight]) -> list[SafeString]:
    """`render_paragraphs`, stored under a digest of its inputs.

    The renderer is a pure function of the text and its highlights, so the digest is the whole
    key: a new version of the text, or any change to its published passages, links or
    classes, makes a new key, and nothing else needs invalidating. Unchanged articles keep
    their rendering across generations. The digest covers the renderer's own code too, so a
    deployment that changes it never reads an older rendering from a shared cache.
    """
    highlights = list(highlights)
    if not settings.ARCHIVE_PAGE_CACHE:
        return render_paragraphs(body, highlights)
    digest = hashlib.sha256(_RENDERER_DIGEST)
    digest.update(body.encode())
    digest.update(repr(highlights).encode())  # Highlight is a frozen dataclass: a stable repr
    key = f"body:{digest.hexdigest()}"
    paragraphs = _cached(key)
    if paragraphs is None:
        paragraphs = render_paragraphs(body, highlights)
        _keep(key, paragraphs)
    return paragraphs


def code_digest(*modules) -> bytes:
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(module.__file__).read_bytes())
    return digest.digest()


#: The renderer's code as deployed, computed once: part of every stored body's key.
_RENDERER_DIGEST = code_digest(rendering, text)
