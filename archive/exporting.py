"""Export the collection: which rows (the whole archive or a source set, with drafts or not),
written as a natural-key fixture, the quotes as CSV and the timeline as JSON.

A selection is self-contained: every row in it refers only to rows also in it, so loaddata
restores it into an empty database. The rules are spelled out in docs/exporting.md.
"""

import csv
import datetime
import json
import os
import tempfile
import zoneinfo
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import serializers
from django.db import connection, transaction
from django.db.models import F, Model, Prefetch, Q, QuerySet

from archive.models import (
    Annotation,
    DismissedMention,
    Event,
    Organization,
    OrganizationAlias,
    Participation,
    Person,
    PersonAlias,
    Quote,
    Role,
)
from archive.queries import TIME_ORDER
from sources.dates import Precision
from sources.models import Source

#: What a collection is, in loading order; change history and search index are not part of it.
COLLECTION_MODELS = [
    "sources.source",
    "archive.person",
    "archive.organization",
    "archive.personalias",
    "archive.organizationalias",
    "archive.role",
    "archive.event",
    "archive.participation",
    "archive.quote",
    "archive.annotation",
    "archive.dismissedmention",
]

#: Rows fetched per query while streaming a fixture (each chunk prefetches its M2M links).
CHUNK = 500


class ExportError(ValueError):
    """The export cannot be made as asked (an unknown slug, a draft in a public dump)."""


# Choosing the rows -----------------------------------------------------------------------


class Selection:
    """The rows to export: one queryset per model, in loading order."""

    def __init__(self, rows: dict[type[Model], QuerySet]):
        self.rows = rows
        self._ids: dict[type[Model], set] = {}

    def __getitem__(self, model: type[Model]) -> QuerySet:
        return self.rows[model]

    def ids(self, model: type[Model]) -> set:
        """Primary keys of the selected rows of `model` (none if the model is not exported)."""
        if model not in self._ids:
            rows = self.rows.get(model)
            self._ids[model] = (
                set(rows.order_by().values_list("pk", flat=True)) if rows is not None else set()
            )
        return self._ids[model]

    def related(self, model: type[Model]) -> QuerySet:
        """What a many-to-many field may point at: selected rows, or (permissions) all."""
        if model in self.rows:
            rows = self.rows[model]
            # Links in dumpdata's order (by name), ties by slug: the same after a reload.
            return rows.order_by(*model._meta.ordering, "slug") if _has_slug(model) else rows
        if model is Permission:
            return Permission.objects.select_related("content_type")
        return model._default_manager.all()


def _has_slug(model) -> bool:
    return any(field.name == "slug" for field in model._meta.fields)


def _allowed(model: type[Model], published_only: bool) -> QuerySet:
    return model.objects.published() if published_only else model.objects.all()


def _collection(
    *, sources, annotations, dismissals, quotes, persons, organizations, events
) -> dict[type[Model], QuerySet]:
    """Complete the core sets with what hangs off them: aliases of the selected people and
    organisations; roles and participations only when both of their ends are selected."""
    return {
        Source: sources,
        Person: persons,
        Organization: organizations,
        PersonAlias: PersonAlias.objects.filter(person__in=persons),
        OrganizationAlias: OrganizationAlias.objects.filter(organization__in=organizations),
        Role: Role.objects.filter(person__in=persons, organization__in=organizations),
        Event: events,
        Participation: Participation.objects.filter(event__in=events).filter(
            Q(person__in=persons) | Q(organization__in=organizations)
        ),
        Quote: quotes,
        Annotation: annotations,
        DismissedMention: dismissals,
    }


def _attributable(quotes: QuerySet, persons: QuerySet, organizations: QuerySet) -> QuerySet:
    """Quotes whose named speaker is exported too. A quote cannot lose its speaker (the
    attribution is the record), so one said by a draft stays out of a public dump."""
    return quotes.filter(Q(speaker__isnull=True) | Q(speaker__in=persons)).filter(
        Q(speaker_organization__isnull=True) | Q(speaker_organization__in=organizations)
    )


def _with_users(rows: dict, users: QuerySet, groups: QuerySet) -> dict:
    # Accounts first: annotations name their author by username.
    return {Group: groups, get_user_model(): users, **rows}


def select_all(*, published_only: bool = False, with_users: bool = False) -> Selection:
    """The whole archive, or everything the public may see."""
    persons = _allowed(Person, published_only)
    organizations = _allowed(Organization, published_only)
    rows = _collection(
        sources=_allowed(Source, published_only),
        annotations=_allowed(Annotation, published_only),
        # Dismissals are the workbench's memory, not something the public sees.
        dismissals=DismissedMention.objects.none()
        if published_only
        else DismissedMention.objects.all(),
        quotes=_attributable(_allowed(Quote, published_only), persons, organizations),
        persons=persons,
        organizations=organizations,
        events=_allowed(Event, published_only),
    )
    if with_users:
        rows = _with_users(rows, get_user_model().objects.all(), Group.objects.all())
    return Selection(rows)


def select_sources(
    slugs: list[str], *, published_only: bool = False, with_users: bool = False
) -> Selection:
    """A source set and the closure of what it refers to (the rule is in docs/exporting.md)."""
    found = dict(Source.objects.filter(slug__in=slugs).values_list("slug", "status"))
    unknown = [slug for slug in dict.fromkeys(slugs) if slug not in found]
    if unknown:
        raise ExportError(f"No source with the slug {', '.join(map(repr, unknown))}.")
    sources = _allowed(Source, published_only).filter(slug__in=slugs)
    if published_only:
        drafts = sorted(set(found) - set(sources.values_list("slug", flat=True)))
        if drafts:
            raise ExportError(
                f"Not published, so not in a public export: {', '.join(map(repr, drafts))}."
            )
    annotations = _allowed(Annotation, published_only).filter(source__in=sources)
    dismissals = (
        DismissedMention.objects.none()
        if published_only
        else DismissedMention.objects.filter(source__in=sources)
    )
    quotes = _attributable(
        _allowed(Quote, published_only).filter(pk__in=annotations.values("quote")),
        _allowed(Person, published_only),
        _allowed(Organization, published_only),
    )
    persons = _allowed(Person, published_only).filter(
        Q(pk__in=annotations.values("persons"))
        | Q(pk__in=quotes.values("speaker"))
        | Q(pk__in=dismissals.values("person"))
    )
    organizations = _with_ancestors(
        _allowed(Organization, published_only).filter(
            Q(pk__in=annotations.values("organizations"))
            | Q(pk__in=quotes.values("speaker_organization"))
            | Q(pk__in=dismissals.values("organization"))
        ),
        _allowed(Organization, published_only),
    )
    events = _with_ancestors(
        _allowed(Event, published_only).filter(
            Q(pk__in=annotations.values("events")) | Q(pk__in=quotes.values("event"))
        ),
        _allowed(Event, published_only),
    )
    rows = _collection(
        sources=sources,
        annotations=annotations,
        dismissals=dismissals,
        quotes=quotes,
        persons=Person.objects.filter(pk__in=set(persons.values_list("pk", flat=True))),
        organizations=organizations,
        events=events,
    )
    if with_users:
        users = get_user_model().objects.filter(pk__in=annotations.values("author"))
        rows = _with_users(rows, users, Group.objects.filter(pk__in=users.values("groups")))
    return Selection(rows)


def _with_ancestors(rows: QuerySet, allowed: QuerySet) -> QuerySet:
    """`rows` and their parents, grandparents…; the chain stops at a parent not allowed."""
    ids = set(rows.values_list("pk", flat=True))
    frontier = ids
    while frontier:
        frontier = set(allowed.filter(children__in=frontier).values_list("pk", flat=True)) - ids
        ids |= frontier
    return rows.model.objects.filter(pk__in=ids)


def select(
    sources: list[str] | None = None, *, published_only: bool = False, with_users: bool = False
) -> Selection:
    if sources:
        return select_sources(sources, published_only=published_only, with_users=with_users)
    return select_all(published_only=published_only, with_users=with_users)


@contextmanager
def consistent_reads():
    """Read every output from one state of the database, while editors keep saving.

    SQLite reads one snapshot inside a transaction anyway; PostgreSQL needs REPEATABLE READ,
    which can only be asked for as a transaction's first statement (so not inside tests'
    transactions, where it does not matter).
    """
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


# The fixture ------------------------------------------------------------------------------


def fixture_objects(selection: Selection, counts: Counter):
    """The selected rows, ready for Django's serialiser, counted by model as they pass.

    References outside the selection are emptied: a many-to-many link to an unexported row
    (a draft person in a public dump) is dropped, and so is an optional foreign key (a
    draft parent event, or an annotation's author when accounts are not exported).
    """
    for model, rows in selection.rows.items():
        foreign_keys = [field for field in model._meta.concrete_fields if field.many_to_one]
        rows = rows.order_by("pk").select_related(*(field.name for field in foreign_keys))
        bodies = [f"{field.name}__body" for field in foreign_keys if field.related_model is Source]
        if bodies:
            rows = rows.defer(*bodies)  # a natural key needs the slug, not the article
        rows = rows.prefetch_related(
            *(
                Prefetch(field.name, selection.related(field.related_model))
                for field in model._meta.many_to_many
            )
        )
        for obj in rows.iterator(chunk_size=CHUNK):
            for field in foreign_keys:
                target = getattr(obj, field.attname)
                if target is not None and target not in selection.ids(field.related_model):
                    if not field.null:
                        raise ExportError(f"{model._meta.label} {obj}: {field.name} not exported.")
                    setattr(obj, field.name, None)
            counts[model] += 1
            yield obj


def write_fixture(selection: Selection, stream: TextIO) -> Counter:
    counts: Counter = Counter()
    serializers.serialize(
        "json",
        fixture_objects(selection, counts),
        indent=1,
        use_natural_foreign_keys=True,
        use_natural_primary_keys=True,
        stream=stream,
    )
    return counts


def describe_counts(counts: Counter, models) -> str:
    """'5 sources, 38 people, …' in loading order."""
    return ", ".join(counted(counts[model], model) for model in models)


def counted(count: int, model: type[Model]) -> str:
    meta = model._meta
    return f"{count} {meta.verbose_name if count == 1 else meta.verbose_name_plural}"


# Quotes as CSV ----------------------------------------------------------------------------

QUOTE_COLUMNS = [
    "slug",
    "text",
    "speaker",
    "speaker_url",
    "speaker_description",
    "medium",
    "said_on",
    "said_on_precision",
    "context",
    "event",
    "renderings",
    "sources",
    "url",
]

#: A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """Text a spreadsheet shows as text: a leading apostrophe disarms a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def absolute_url(path: str) -> str:
    return settings.SITE_URL + path


def partial_date_iso(value: datetime.date | None, precision: str) -> str:
    """'2023', '2023-11' or '2023-11-17': as much of the date as is known."""
    if value is None:
        return ""
    return value.isoformat()[: {Precision.YEAR: 4, Precision.MONTH: 7}.get(precision, 10)]


def _accounts(selection: Selection) -> QuerySet:
    return (
        selection[Annotation]
        .select_related("source")
        .defer("source__body")
        .order_by("source__published_on", "source__title", "start", "pk")
    )


def exported_quotes(selection: Selection) -> QuerySet:
    return (
        selection[Quote]
        .select_related("speaker", "speaker_organization", "event")
        .prefetch_related(Prefetch("renderings", _accounts(selection), to_attr="exported"))
        # The public quote index's order.
        .order_by(F("said_on").asc(nulls_last=True), "slug", "pk")
    )


def quote_row(quote: Quote, selection: Selection) -> list:
    speaker = quote.speaker or quote.speaker_organization
    event = quote.event if quote.event_id in selection.ids(Event) else None
    return [
        quote.slug,
        quote.text,
        speaker.name if speaker else "",
        absolute_url(speaker.get_absolute_url()) if speaker else "",
        quote.speaker_description,
        quote.medium,
        partial_date_iso(quote.said_on, quote.said_on_precision),
        quote.said_on_precision,
        quote.context,
        event.slug if event else "",
        len(quote.exported),
        ";".join(dict.fromkeys(rendering.source.slug for rendering in quote.exported)),
        absolute_url(quote.get_absolute_url()),
    ]


def write_quotes_csv(selection: Selection, stream: TextIO) -> int:
    """One row per quote; `stream` must be opened with newline="" (the csv module's rule)."""
    writer = csv.writer(stream)
    writer.writerow(QUOTE_COLUMNS)
    count = 0
    for quote in exported_quotes(selection):
        writer.writerow([spreadsheet_safe(cell) for cell in quote_row(quote, selection)])
        count += 1
    return count


# The timeline as JSON ---------------------------------------------------------------------


def utc_iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def local_iso(moment: datetime.datetime, precision: str, timezone: str) -> str:
    """The local date and time as precisely as known, in the form `local_moment` reads back:
    '2023', '2023-11', '2023-11-17', '2023-11-17T12' or '2023-11-17T12:30'."""
    local = moment.astimezone(zoneinfo.ZoneInfo(timezone))
    return local.isoformat()[
        : {
            Precision.YEAR: 4,
            Precision.MONTH: 7,
            Precision.DAY: 10,
            Precision.HOUR: 13,
        }.get(precision, 16)
    ]


def _moment(moment: datetime.datetime, precision: str, timezone: str) -> dict:
    return {
        "moment": utc_iso(moment),
        "precision": precision,
        "local": local_iso(moment, precision, timezone),
        "utc_offset": moment.astimezone(zoneinfo.ZoneInfo(timezone)).isoformat()[-6:],
    }


def timeline_events(selection: Selection) -> QuerySet:
    """The selected events in true order, as the public timeline orders them."""
    participations = (
        selection[Participation].select_related("person", "organization").order_by("pk")
    )
    return (
        selection[Event]
        .select_related("parent")
        .prefetch_related(
            Prefetch("participations", participations, to_attr="exported_participations"),
            Prefetch("annotations", _accounts(selection), to_attr="accounts"),
        )
        .order_by(*TIME_ORDER)
    )


def event_entry(event: Event, selection: Selection) -> dict:
    return {
        "slug": event.slug,
        "title": event.title,
        "url": absolute_url(event.get_absolute_url()),
        **_moment(event.occurred_at, event.precision, event.timezone),
        "timezone": event.timezone,
        "approximate": event.approximate,
        "when": event.when_display,
        "when_as_stated": event.when_as_stated,
        "ends": _moment(event.ends_at, event.ends_precision, event.timezone)
        if event.ends_at
        else None,
        "certainty": event.certainty,
        "part_of": event.parent.slug if event.parent_id in selection.ids(Event) else None,
        "summary": event.summary,
        "participants": [
            {
                "kind": "person" if participation.person_id else "organization",
                "slug": participation.participant.slug,
                "name": participation.participant.name,
                "role": participation.part,
                "url": absolute_url(participation.participant.get_absolute_url()),
            }
            for participation in event.exported_participations
        ],
        "accounts": [
            {
                "source": account.source.slug,
                "title": account.source.title,
                "source_url": absolute_url(account.source.get_absolute_url()),
                "url": absolute_url(account.get_absolute_url()),
                "stance": account.stance,
                "passage": account.exact,
            }
            for account in event.accounts
        ],
    }


def write_timeline_json(selection: Selection, stream: TextIO) -> int:
    events = [event_entry(event, selection) for event in timeline_events(selection)]
    json.dump({"site": settings.SITE_URL, "events": events}, stream, ensure_ascii=False, indent=1)
    stream.write("\n")
    return len(events)


# Writing files ----------------------------------------------------------------------------


class StagedFiles:
    """Files written beside their targets and moved into place together at the end, so a
    failure leaves every target as it was: no half-written or half-updated export."""

    def __init__(self, stdout: TextIO):
        self.stdout = stdout
        self.staged: list[tuple[str, Path]] = []
        self.handles: list[TextIO] = []

    def open(self, path: str, newline: str | None = None) -> TextIO:
        if path == "-":
            return self.stdout
        target = Path(path)
        if not target.parent.is_dir():
            raise ExportError(f"Cannot write {path}: no directory {target.parent}.")
        descriptor, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
        self.staged.append((temporary, target))
        handle = os.fdopen(descriptor, "w", encoding="utf-8", newline=newline)
        self.handles.append(handle)
        return handle

    def __enter__(self):
        return self

    def __exit__(self, error_type, error, traceback):
        for handle in self.handles:
            handle.close()
        if error_type is None:
            umask = os.umask(0)
            os.umask(umask)
            for temporary, target in self.staged:
                # mkstemp makes the file private; an export gets the usual permissions.
                os.chmod(temporary, 0o666 & ~umask)
                os.replace(temporary, target)
        else:
            for temporary, _target in self.staged:
                Path(temporary).unlink(missing_ok=True)
        return False
