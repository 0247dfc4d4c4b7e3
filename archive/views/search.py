"""The public search page: the query, ranked hits with their snippets, and help when none."""

from django.shortcuts import render

from archive.caching import cache_public_page
from archive.search import MAX_QUERY_CHARS, clean_query, search


@cache_public_page(query=("q",))
def search_page(request):
    query, truncated = clean_query(request.GET.get("q", ""))
    hits = search(query) if query else []
    return render(
        request,
        "archive/search_results.html",
        {
            "query": query,
            "hits": hits,
            "truncated": truncated,
            "max_chars": MAX_QUERY_CHARS,
        },
    )
