"""A liveness probe: proves the process answers, touching neither the database nor templates.

Load balancers poll it, and the benchmark uses it as the cheapest page the same server can
serve, so every other page's throughput is read as a fraction of it.
"""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@require_safe
@never_cache
def healthz(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


# Included by archive/urls.py as one line, so the probe lives with its route.
urlpatterns = [path("", healthz, name="healthz")]
