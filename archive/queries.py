"""Query pieces shared by the public pages, the JSON API and the exports, so that all three
count and order alike."""

from django.db.models import Case, F, Func, IntegerField, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from archive.models import Annotation
from sources.dates import Precision


class CountAll(Func):
    function = "COUNT"
    output_field = IntegerField()


class CountDistinct(Func):
    function = "COUNT"
    template = "%(function)s(DISTINCT %(expressions)s)"
    output_field = IntegerField()


def count_of(queryset: QuerySet, expression=None, distinct: bool = False):
    """COUNT over `queryset` as a correlated subquery: one value per row, no extra query,
    and no multiplication of rows when a page shows several counts."""
    counter = CountDistinct if distinct else CountAll
    rows = queryset.order_by().annotate(n=counter(expression or F("pk"))).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def published_annotations(**links):
    return Annotation.objects.published().filter(**links)


#: At the same moment, the coarser date first: a year or month starts before the days in it.
PRECISION_RANK = Case(
    When(precision=Precision.YEAR, then=Value(0)),
    When(precision=Precision.MONTH, then=Value(1)),
    When(precision=Precision.DAY, then=Value(2)),
    When(precision=Precision.HOUR, then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)

#: The timeline's order: true time, then the coarser date first, then by title.
TIME_ORDER = ("occurred_at", PRECISION_RANK, "title", "pk")
