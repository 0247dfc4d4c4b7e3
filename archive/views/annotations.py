"""The Web Annotation Protocol: /annotations/ (all published annotations) and one container per
source. Serialisation lives in archive/webannotation; these views speak HTTP."""

from django.http import HttpResponse


def container(request):
    return HttpResponse(status=501)


def source_container(request, slug):
    return HttpResponse(status=501)


def item(request, key):
    return HttpResponse(status=501)
