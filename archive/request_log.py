"""One log line per request, with a request id, and the client's address behind a proxy.

The middleware comes first in settings.MIDDLEWARE, so the line covers everything the
archive does for a request, redirects and static files included. It logs the method, the
path without its query string, the status, the duration and the request id: never a query
string (the admin's login carries `next=`, search carries what readers look for), a
header, a cookie or a form field.
"""

import ipaddress
import logging
import re
import time
import uuid

from django.conf import settings

from archive.logs import current_request_id

logger = logging.getLogger("archive.request")

REQUEST_ID_HEADER = "X-Request-ID"
# An id a proxy assigned (nginx's $request_id, a load balancer's trace id) is kept when it
# is short and plain; anything else is replaced, so a client cannot write into the log.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


def request_id_for(request) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT = n > 0 the n-th
    address from the right of X-Forwarded-For (each proxy appends the address it was
    called from, so the entries further left are whatever the client sent).

    Also django-axes' AXES_CLIENT_IP_CALLABLE: login failures are counted per address.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class RequestLogMiddleware:
    """Assigns `request.request_id` (echoed in the X-Request-ID response header) and logs
    one line per request on the `archive.request` logger."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request.request_id = request_id_for(request)
        token = current_request_id.set(request.request_id)
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request.request_id
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "client_ip": client_ip(request),
                    "request_id": request.request_id,
                },
            )
            return response
        finally:
            current_request_id.reset(token)
