"""An entity's published mentions a page at a time, grouped by source, for the person and
organisation pages: two queries whatever the number of mentions or the page number."""

from dataclasses import dataclass

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count

from archive.models import Annotation
from sources.models import Source

MENTIONS_PER_PAGE = 100

#: Reading order: sources by date and title, passages in text order; the primary keys make
#: the order total, so no passage appears on two pages or on none.
SOURCE_ORDER = ("source__published_on", "source__title", "source_id")
MENTION_ORDER = (*SOURCE_ORDER, "start", "pk")


@dataclass
class SourceEntry:
    """One source the entity is mentioned in, and the page where its passages begin."""

    slug: str
    title: str
    count: int
    page_number: int


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
    sources: list[SourceEntry]


def mention_page(link: str, entity, page_number) -> MentionPage:
    """Page `page_number` (1 for anything not a number, the last one past the end, as on the
    indexes) of the published passages whose `link` (persons, organizations) is `entity`."""
    mentions = Annotation.objects.published().filter(**{link: entity})
    per_source = list(
        mentions.values("source_id", "source__slug", "source__title")
        .annotate(count=Count("pk"))
        .order_by(*SOURCE_ORDER)
    )
    paginator = Paginator(mentions, MENTIONS_PER_PAGE)
    # The per-source counts add up to the total: no COUNT query of its own.
    paginator.count = sum(row["count"] for row in per_source)
    try:
        number = paginator.validate_number(page_number)
    except PageNotAnInteger:
        number = 1
    except EmptyPage:
        number = paginator.num_pages

    starts, sources, offset = {}, [], 0
    for row in per_source:
        starts[row["source_id"]] = offset
        sources.append(
            SourceEntry(
                slug=row["source__slug"],
                title=row["source__title"],
                count=row["count"],
                page_number=offset // MENTIONS_PER_PAGE + 1,
            )
        )
        offset += row["count"]
    totals = {row["source_id"]: row["count"] for row in per_source}

    # Only the sources this page reaches into are read and sorted, from the first of them:
    # an OFFSET over every mention sorted would grow with the page number.
    bottom = (number - 1) * MENTIONS_PER_PAGE
    top = bottom + MENTIONS_PER_PAGE
    reached = [pk for pk, start in starts.items() if start < top and start + totals[pk] > bottom]
    skip = bottom - starts[reached[0]] if reached else 0
    passages = list(
        mentions.filter(source_id__in=reached)
        .select_related("source")
        .defer("source__body")
        .order_by(*MENTION_ORDER)[skip : skip + MENTIONS_PER_PAGE]
    )
    page = Page(passages, number, paginator)

    groups: list[MentionGroup] = []
    for position, annotation in enumerate(passages, start=bottom):
        source_id = annotation.source_id
        if not groups or groups[-1].source.pk != source_id:
            groups.append(
                MentionGroup(
                    source=annotation.source,
                    passages=[],
                    # .get: a passage published between the two queries has no count yet
                    first=position - starts.get(source_id, position) + 1,
                    total=totals.get(source_id, 0),
                )
            )
        groups[-1].passages.append(annotation)
    return MentionPage(page=page, groups=groups, sources=sources)
