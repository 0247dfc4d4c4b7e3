"""An entity's published mentions a page at a time, grouped by source, for the person and
organisation pages: two queries, and a page of bounded size, whatever the number of
mentions, of sources or the page number.

Above its passages a page names the sources: all of them when there are few, otherwise the
`MOST_MENTIONING` with the most passages; each links to the page where its passages begin.
"""

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db import connection

from archive.models import Annotation
from sources.models import Source

MENTIONS_PER_PAGE = 100
#: How many sources are named when there are more: a person in 5,000 articles would
#: otherwise get a megabyte of links before the first passage.
MOST_MENTIONING = 10

#: Reading order: sources by date and title, passages in text order; the primary keys make
#: the order total, so no passage appears on two pages or on none.
SOURCE_ORDER = ("source__published_on", "source__title", "source_id")
MENTION_ORDER = (*SOURCE_ORDER, "start", "pk")
#: The fields of a passage and of its source that a page shows (see _passages).
PASSAGE_FIELDS = (
    *("key", "exact", "prefix", "suffix", "stance", "source"),
    *("source__slug", "source__title"),
)


@dataclass
class SourceEntry:
    """One source the entity is mentioned in, its number of passages and where they are:
    `before` passages come first, in the sources before it in reading order."""

    pk: int
    slug: str
    title: str
    count: int
    before: int

    @property
    def page_number(self) -> int:
        return self.before // MENTIONS_PER_PAGE + 1

    @property
    def last_page_number(self) -> int:
        return (self.before + self.count - 1) // MENTIONS_PER_PAGE + 1

    @property
    def href(self) -> str:
        """Its first passage. Made here, not with {% querystring %}: `page` is the only
        parameter these pages read."""
        return f"?page={self.page_number}#ms-{self.slug}"


@dataclass
class Tally:
    """What one pass over an entity's passages gives a page: the totals, the sources to
    name (those with the most passages, and those the page's passages come from) and the
    page's passages, by primary key in reading order."""

    passages: int = 0
    sources: int = 0
    entries: list[SourceEntry] = field(default_factory=list)
    page_keys: list[int] = field(default_factory=list)


@dataclass
class MentionGroup:
    """The passages of one source on this page: all of them, or a run `first`–`last` of
    `total` when the source's passages span a page break."""

    source: Source
    passages: list[Annotation]
    first: int
    total: int

    @property
    def last(self) -> int:
        return self.first + len(self.passages) - 1

    @property
    def partial(self) -> bool:
        return len(self.passages) < self.total


@dataclass
class MentionPage:
    page: Page
    groups: list[MentionGroup]
    #: Every source in reading order, or the MOST_MENTIONING ones, most passages first.
    sources: list[SourceEntry]
    source_count: int

    @property
    def some_sources(self) -> bool:
        """Whether `sources` is a selection rather than every source."""
        return len(self.sources) < self.source_count


def mention_page(link: str, entity, page_number) -> MentionPage:
    """Page `page_number` (1 for anything not a number, the last one past the end, as on the
    indexes) of the published passages whose `link` (persons, organizations) is `entity`."""
    mentions = Annotation.objects.published().filter(**{link: entity})
    number = _as_number(page_number)
    tally = _tally(mentions, number)
    paginator = Paginator(mentions.order_by(*MENTION_ORDER), MENTIONS_PER_PAGE)
    paginator.count = tally.passages  # counted by the tally: no COUNT query of its own
    if not 1 <= number <= paginator.num_pages:
        # A stale or made-up link (rare): one more query, for the last page.
        number = paginator.num_pages
        tally = _tally(mentions, number)

    passages = _passages(tally.page_keys)
    return MentionPage(
        page=Page(passages, number, paginator),
        groups=_groups(passages, tally.entries, (number - 1) * MENTIONS_PER_PAGE),
        sources=_most_mentioning(tally),
        source_count=tally.sources,
    )


def _as_number(page_number) -> int:
    try:
        return int(page_number)
    except (TypeError, ValueError):
        return 1


#: One pass over the entity's passages (`linked`, made by the ORM; the database keeps it,
#: as it is read twice) counts the passages of each source. A running sum in reading order
#: (SOURCE_ORDER, written out) places every source. Only what the page shows comes back:
#: the sources to name (kind "source": the most mentioning ones and those the page reaches
#: into, with the totals) and the page's passages (kind "passage", `before_it` is their
#: position). Sources are grouped by id alone and their titles read only for the rows
#: returned, so the sorts carry integers, not titles.
TALLY_SQL = """
WITH linked (id, source_id, start) AS ({linked}),
per_source AS (
    SELECT source_id, COUNT(*) AS passages FROM linked GROUP BY source_id
),
placed AS (
    SELECT p.source_id, p.passages,
        SUM(p.passages) OVER (
            ORDER BY s.published_on, s.title, s.id ROWS UNBOUNDED PRECEDING
        ) - p.passages AS before_it
    FROM per_source p JOIN {source_table} s ON s.id = p.source_id
),
bounds AS (
    SELECT CAST(%s AS INTEGER) AS bottom, CAST(%s AS INTEGER) AS top,
        (SELECT SUM(passages) FROM per_source) AS all_passages,
        (SELECT COUNT(*) FROM per_source) AS all_sources
),
most AS (
    SELECT source_id FROM placed ORDER BY passages DESC, before_it LIMIT %s
),
named AS (
    SELECT placed.*, (before_it < top AND before_it + passages > bottom) AS on_page
    FROM placed, bounds
    WHERE (before_it < top AND before_it + passages > bottom)
        OR source_id IN (SELECT source_id FROM most)
),
numbered AS (
    SELECT l.id,
        n.before_it + ROW_NUMBER() OVER (PARTITION BY l.source_id ORDER BY l.start, l.id) - 1
            AS position
    FROM linked l JOIN named n ON n.source_id = l.source_id
    WHERE n.on_page
)
SELECT 'source', s.id, s.slug, s.title, n.passages, n.before_it, b.all_passages, b.all_sources
FROM named n JOIN {source_table} s ON s.id = n.source_id, bounds b
UNION ALL
SELECT 'passage', id, NULL, NULL, NULL, position, NULL, NULL
FROM numbered, bounds
WHERE position >= bottom AND position < top
"""


def _tally(mentions, number: int) -> Tally:
    """TALLY_SQL for page `number` of `mentions`, read into a Tally."""
    linked, params = mentions.values("id", "source_id", "start").order_by().query.sql_with_params()
    sql = TALLY_SQL.format(
        linked=linked, source_table=connection.ops.quote_name(Source._meta.db_table)
    )
    bottom = (number - 1) * MENTIONS_PER_PAGE
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, bottom, bottom + MENTIONS_PER_PAGE, MOST_MENTIONING))
        rows = cursor.fetchall()

    tally, positions = Tally(), {}
    # int(): PostgreSQL's SUM of counts is a numeric.
    for kind, pk, slug, title, count, before, passages, sources in rows:
        if kind == "passage":
            positions[pk] = int(before)
            continue
        tally.entries.append(SourceEntry(pk, slug, title, int(count), int(before)))
        tally.passages, tally.sources = int(passages), int(sources)
    tally.entries.sort(key=lambda entry: entry.before)
    tally.page_keys = sorted(positions, key=positions.__getitem__)
    return tally


def _passages(keys: list[int]) -> list[Annotation]:
    """The page's passages, read by primary key; still only published ones, should one be
    withdrawn between the two queries."""
    if not keys:
        return []
    found = (
        Annotation.objects.published()
        .select_related("source")
        # What templates/archive/includes/mentions.html shows, and no more: whole rows took
        # twice as long to read. A field shown there must be added here, or each passage
        # costs a query (the query budgets of the tests fail).
        .only(*PASSAGE_FIELDS)
        .order_by()
        .in_bulk(keys)
    )
    return [found[pk] for pk in keys if pk in found]


def _groups(passages, entries: list[SourceEntry], bottom: int) -> list[MentionGroup]:
    by_source = {entry.pk: entry for entry in entries}
    groups: list[MentionGroup] = []
    for position, annotation in enumerate(passages, start=bottom):
        if not groups or groups[-1].source.pk != annotation.source_id:
            entry = by_source[annotation.source_id]
            groups.append(
                MentionGroup(
                    source=annotation.source,
                    passages=[],
                    first=position - entry.before + 1,
                    total=entry.count,
                )
            )
        groups[-1].passages.append(annotation)
    return groups


def _most_mentioning(tally: Tally) -> list[SourceEntry]:
    """Every source, in reading order, when there are few; else the most mentioning, most
    first (ties in reading order, as the tally picked them)."""
    if tally.sources <= MOST_MENTIONING:
        return tally.entries
    by_count = sorted(tally.entries, key=lambda entry: (-entry.count, entry.before))
    return by_count[:MOST_MENTIONING]
