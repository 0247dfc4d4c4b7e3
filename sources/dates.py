"""Dates known only to a year, a month or a day: parsing, display and database rules."""

import datetime

from django.db import models


class Precision(models.TextChoices):
    YEAR = "year", "Year"
    MONTH = "month", "Month"
    DAY = "day", "Day"
    HOUR = "hour", "Hour"
    MINUTE = "minute", "Minute"


#: Precisions that a plain date (no time of day) can have.
DATE_PRECISIONS = [Precision.YEAR, Precision.MONTH, Precision.DAY]


def parse_partial_date(value: str) -> tuple[datetime.date, str]:
    """'2023' → (2023-01-01, year); '2023-11' → (2023-11-01, month); '2023-11-17' → day."""
    parts = value.strip().split("-")
    try:
        numbers = [int(part) for part in parts]
        if len(numbers) == 1:
            return datetime.date(numbers[0], 1, 1), Precision.YEAR
        if len(numbers) == 2:
            return datetime.date(numbers[0], numbers[1], 1), Precision.MONTH
        if len(numbers) == 3:
            return datetime.date(*numbers), Precision.DAY
    except ValueError:
        pass
    raise ValueError(f"{value!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")


def format_partial_date(value: datetime.date | None, precision: str) -> str:
    """A date as precisely as it is known: '2023', 'November 2023', '17 November 2023'."""
    if value is None:
        return ""
    if precision == Precision.YEAR:
        return str(value.year)
    if precision == Precision.MONTH:
        return f"{value:%B} {value.year}"
    return f"{value.day} {value:%B} {value.year}"


def partial_date_constraint(field: str, name: str) -> models.CheckConstraint:
    """A date and its precision are set together, and a date's precision is at most a day."""
    return models.CheckConstraint(
        condition=(
            models.Q(**{f"{field}__isnull": True, f"{field}_precision": ""})
            | models.Q(**{f"{field}__isnull": False, f"{field}_precision__in": DATE_PRECISIONS})
        ),
        name=name,
    )
