"""Security beyond Django's own: the Content-Security-Policy, a Permissions-Policy, and the
answer to a locked-out login.

The policy itself is settings.CONTENT_SECURITY_POLICY (django-csp): the same strict policy
on every page, public or not, with no 'unsafe-inline' and no 'unsafe-eval'. The admin
gets one narrow addition, below.
"""

import base64
import hashlib

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse


def csp_hash(source: str) -> str:
    """The CSP source expression that allows exactly this inline text."""
    digest = hashlib.sha256(source.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


#: django-simple-history's history page (admin only) writes one inline style attribute,
#: `<p class="paginator" style="border-top: 0">`. The admin may apply exactly that
#: declaration; every other inline style stays blocked there, and everything on public pages.
ADMIN_STYLE_ATTRIBUTES = [csp_hash("border-top: 0")]


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's one addition and a Permissions-Policy."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(reverse("admin:index")):
            parts.update = {
                **(parts.update or {}),
                "style-src-attr": ["'unsafe-hashes'", *ADMIN_STYLE_ATTRIBUTES],
            }
        return parts

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a login from a locked-out username and address (429)."""
    cooloff = settings.AXES_COOLOFF_TIME
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed logins",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": max(1, round(cooloff.total_seconds() / 60)),
    }
    response = TemplateResponse(request, "axes/lockout.html", context, status=429)
    response["Retry-After"] = str(int(cooloff.total_seconds()))
    return response.render()
