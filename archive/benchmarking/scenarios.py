"""The benchmark's scenarios (issue 6): what is measured, and the target each is held to.

Pages are requested by their public URLs and data is loaded by the public commands, so the
numbers hold whatever the views, the caching or the loader look like inside.
"""

import re
import time
from collections import Counter
from urllib.parse import quote_plus

from django.core.management import call_command
from django.db.models.functions import Length

from archive.benchmarking.measure import PageClient, Result, time_call, time_page
from archive.benchmarking.synthetic import Collection
from archive.fixture_loading import measure_loaddata
from archive.models import AnchorStatus, Annotation
from archive.search import search
from archive.stored_readings import forget
from sources.models import Source

SEED = "openai-2023"
LOADDATA_RUNS = 5
MS = 0.001
#: Pages without a target that take longer than this are timed once.
OTHER_PAGE_BUDGET = 2.0


# --- Loading the seed collection ------------------------------------------------------------


def load_seed() -> tuple[Result, str]:
    """Time `loaddata openai-2023` into the empty database (archive.fixture_loading rolls
    each timed run back), then load it for good. Returns the result and the longest seed
    article's slug."""
    result = Result("`loaddata openai-2023` into an empty database", target="≤ 3 s", limit=3.0)
    result.seconds = measure_loaddata(SEED, repeat=LOADDATA_RUNS)
    result.note = f"{LOADDATA_RUNS} runs in-process (`measure_loaddata`), search index included"
    result.call = lambda: measure_loaddata(SEED, repeat=1)
    call_command("loaddata", SEED, verbosity=0)
    longest = Source.objects.order_by(Length("body").desc()).values_list("slug", flat=True)[0]
    return result, longest


# --- Pages ------------------------------------------------------------------------------------


def pages(
    client: PageClient, collection: Collection, seed_slug: str, *, repeat: int, warmup: int
) -> list[Result]:
    sizes = collection.sizes
    reader = f"/sources/{seed_slug}/"
    dense = f"/sources/{collection.dense}/"
    sparse = f"/sources/{collection.sparse}/"
    person = f"/people/{collection.star}/"

    def page(url: str, scenario: str, target: str = "", limit: float | None = None):
        result = time_page(client, url, repeat=repeat, warmup=warmup)
        result.scenario, result.target, result.limit = scenario, target, limit
        return result

    def first_view(url: str, scenario: str):
        """The view that renders the reading and stores it: the first after a change."""
        slug = url.strip("/").split("/")[-1]
        pk = Source.objects.filter(slug=slug).values_list("pk", flat=True).get()

        def call():
            forget([pk])  # as a change that committed would
            return client.get(url)

        result = time_call(call, repeat=repeat, warmup=warmup)
        result.scenario = scenario
        result.note = "the reading rendered and stored (archive/stored_readings.py)"
        return result

    results = [
        page(reader, f"Reader, longest seed article (`{reader}`)", "median ≤ 20 ms", 20 * MS),
        page(
            dense,
            f"Reader, {sizes.dense_annotations} annotations",
            "median ≤ 60 ms, queries as with 10",
            60 * MS,
        ),
        page(sparse, f"Reader, same text with {sizes.sparse_annotations} annotations"),
        first_view(reader, "Reader, longest seed article, first view after a change"),
        first_view(
            dense, f"Reader, {sizes.dense_annotations} annotations, first view after a change"
        ),
        first_view(
            sparse, f"Reader, {sizes.sparse_annotations} annotations, first view after a change"
        ),
        page(
            person,
            f"Person page, {sizes.star_mentions:,} mentions, page 1",
            "median ≤ 100 ms",
            100 * MS,
        ),
        page(f"{person}?page=2", "Person page, page 2"),
    ]
    dense_result, sparse_result = results[1], results[2]
    dense_first, sparse_first = results[4], results[5]
    dense_result.met = (dense_result.queries, dense_first.queries) == (
        sparse_result.queries,
        sparse_first.queries,
    )
    dense_result.note += (
        f"; {dense_result.queries} queries vs {sparse_result.queries} with "
        f"{sizes.sparse_annotations} annotations; on a first view {dense_first.queries} vs "
        f"{sparse_first.queries}"
    )
    return results


def other_pages(client: PageClient, collection: Collection, *, repeat: int) -> list[Result]:
    """Pages without a target in the issue, timed to see how they grow with the collection."""
    urls = {
        "Home": "/",
        "Sources index": "/sources/",
        "People index": "/people/",
        "Timeline": "/events/",
        "Quotes index": "/quotes/",
        "Person page, the next most mentioned": f"/people/{collection.person}/",
        "Event page, the most told event": f"/events/{collection.event}/",
        "Quote page": "/quotes/quote-1/",
    }
    results = []
    for scenario, url in urls.items():
        result = time_page(client, url, repeat=repeat, warmup=1, budget=OTHER_PAGE_BUDGET)
        result.scenario = f"{scenario} (`{url}`)"
        results.append(result)
    return results


# --- Search -------------------------------------------------------------------------------


def searches(client: PageClient, queries: list[str], *, repeat: int, warmup: int):
    """Every query through `/search/?q=` and through `archive.search.search()`; returns the
    two pooled Results and one row per query."""
    page = Result("Search page `/search/?q=`, 20 typical queries", target="median ≤ 50 ms")
    direct = Result("`archive.search.search()`, the same queries")
    page.limit = 50 * MS
    rows, slowest = [], None
    for text in queries:
        url = f"/search/?q={quote_plus(text)}"
        by_page = time_page(client, url, repeat=repeat, warmup=warmup)
        by_call = time_call(lambda text=text: search(text), repeat=repeat, warmup=warmup)
        for pooled, one in ((page, by_page), (direct, by_call)):
            pooled.seconds += one.seconds
            pooled.queries = max(pooled.queries or 0, one.queries or 0)
            pooled.peak_bytes = max(pooled.peak_bytes or 0, one.peak_bytes or 0)
        if slowest is None or by_page.median > slowest.median:
            slowest = by_page
        rows.append(
            {
                "query": text,
                "hits": len(search(text)),
                "page_median_ms": round(by_page.median * 1000, 2),
                "page_p95_ms": round(by_page.p95 * 1000, 2),
                "search_median_ms": round(by_call.median * 1000, 2),
                "queries": by_page.queries,
            }
        )
    worst = max(rows, key=lambda row: row["page_median_ms"])
    page.note = f"slowest: {worst['query']} ({worst['page_median_ms']} ms median)"
    page.call = slowest.call  # what to profile if the target is missed
    return page, direct, rows


# --- Re-anchoring ----------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z]{4,}")


def edited(body: str, round_number: int) -> str:
    """An editor's edit: a sentence inserted near the start, a word changed in the middle."""
    after_first_sentence = body.find(". ") + 2
    sentence = f"An editor added this sentence in revision {round_number}. "
    body = body[:after_first_sentence] + sentence + body[after_first_sentence:]
    word = _WORD.search(body, len(body) // 2)
    return body[: word.start()] + word.group().upper() + body[word.end() :]


def _edit(slug: str, round_number: int) -> float:
    """Edit the text and save it; returns the seconds the save took."""
    source = Source.objects.get(slug=slug)
    source.body = edited(source.body, round_number)
    began = time.perf_counter()
    source.save()
    return time.perf_counter() - began


def reanchoring(slug: str, *, repeat: int) -> Result:
    """Time Source.save() of an edited text: it re-anchors every annotation in its transaction."""
    count = Annotation.objects.filter(source__slug=slug).count()
    result = Result(
        f"Re-anchoring {count:,} annotations after a text edit (`Source.save()`)",
        target="≤ 1 s",
        limit=1.0,
    )
    for round_number in range(1, repeat + 1):
        result.seconds.append(_edit(slug, round_number))
    result.call = lambda: _edit(slug, repeat + 1)
    body = Source.objects.get(slug=slug).body
    statuses = Counter(
        Annotation.objects.filter(source__slug=slug).values_list("anchor_status", flat=True)
    )
    broken = [
        a.pk
        for a in Annotation.objects.filter(source__slug=slug).exclude(
            anchor_status=AnchorStatus.ORPHANED
        )
        if body[a.start : a.end] != a.exact
    ]
    result.met = not broken and not statuses[AnchorStatus.ORPHANED]
    result.note = (
        f"{repeat} edits; after them: "
        + ", ".join(f"{statuses[s]} {s}" for s in AnchorStatus.values)
        + f"; {len(broken)} anchors not matching the text"
    )
    return result
