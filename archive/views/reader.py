"""The article reader: one published source, its highlighted passages and their notes."""

from django.shortcuts import get_object_or_404, render

from archive.caching import cache_public_page
from archive.reader import citation, read
from sources.models import Source


@cache_public_page(query=())  # the reader reads no parameter
def source_detail(request, slug):
    source = get_object_or_404(Source.objects.published(), slug=slug)
    reading = read(source)
    page_url = request.build_absolute_uri(source.get_absolute_url())
    for _, _, notes in reading.paragraphs:
        for note in notes:
            key = note.annotation.key
            note.citation = citation(source, f"{page_url}#a-{key}", note.annotation.exact)
    return render(
        request,
        "sources/source_detail.html",
        {"reading": reading, "source": source, "citation": citation(source, page_url)},
    )
