"""The article reader: one published source, its highlighted passages and their notes."""

from functools import partial

from django.shortcuts import get_object_or_404, render

from archive.caching import cache_public_page
from archive.reader import render_reading
from archive.stored_readings import reading_html
from sources.models import Source


@cache_public_page(query=())  # the reader reads no parameter
def source_detail(request, slug):
    # The stored reading comes with the source: a current one costs no further query.
    published = Source.objects.published().select_related("stored_reading")
    source = get_object_or_404(published, slug=slug)
    page_url = request.build_absolute_uri(source.get_absolute_url())
    html = reading_html(
        source,
        base_url=request.build_absolute_uri("/"),
        render=partial(render_reading, source, page_url),
    )
    return render(request, "sources/source_detail.html", {"source": source, "reading_html": html})
