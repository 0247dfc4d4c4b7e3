"""The article reader: one published source, its highlighted passages and their notes."""

from django.shortcuts import get_object_or_404, render

from archive.reader import citation, read
from sources.models import Source


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
