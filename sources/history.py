"""Change history (django-simple-history): keeping the state before the first recorded edit.

Rows that arrive by loaddata have no history (an import is not an edit). So that the first
edit of such a row can still be reverted, its state just before that edit is stored first.

Rows saved in bulk without signals (re-anchoring) get their history from `record_changes`.
Both write their rows with one statement, so the number of queries does not grow with them.
"""

from django.conf import settings
from django.db import connections, models, router
from django.utils import timezone
from simple_history.utils import get_change_reason_from_object

#: The reason recorded on those first entries.
PRIOR_STATE = "State before the first recorded edit (imported by loaddata)"


def is_tracked(model) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def record_prior_states(model, pks) -> int:
    """Store the current state of those rows of `model` that have no history yet."""
    if not is_tracked(model):
        return 0
    history = getattr(model, model._meta.simple_history_manager_attribute)
    pk_name = model._meta.pk.attname
    pks = set(pks) - set(history.filter(**{f"{pk_name}__in": pks}).values_list(pk_name, flat=True))
    if not pks:
        return 0
    current = list(model._base_manager.filter(pk__in=pks))
    rows = _history_rows(model, current, "+", PRIOR_STATE)
    if not rows:  # history is switched off
        return 0
    _insert_rows(history.model, rows)
    # Their ids, for the links below (one INSERT per row returns none).
    records = history.filter(**{f"{pk_name}__in": pks}, history_change_reason=PRIOR_STATE)
    _record_links(history.model, pks, dict(records.values_list(pk_name, "history_id")))
    return len(current)


def record_changes(model, objs, reason: str) -> None:
    """Store a "changed" history row for each of `objs`, saved without signals, with `reason`,
    and its links as they are: a revert to a record without them would unlink everything."""
    rows = _history_rows(model, objs, "~", reason)
    if not rows:  # history is switched off
        return
    history = getattr(model, model._meta.simple_history_manager_attribute)
    _insert_rows(history.model, rows)
    pk_name = model._meta.pk.attname
    pks = [obj.pk for obj in objs]
    latest = (
        history.filter(**{f"{pk_name}__in": pks})
        .order_by()
        .values(pk_name)
        .annotate(record=models.Max("history_id"))
        .values_list(pk_name, "record")
    )
    _record_links(history.model, pks, dict(latest))


def _record_links(history_model, pks, record_ids: dict) -> None:
    """Copy the current m2m links of rows `pks` onto their history records `record_ids`
    (row pk -> history id), one INSERT per link table."""
    for field in getattr(history_model, "_history_m2m_fields", []):
        through = field.remote_field.through
        owner = field.m2m_field_name()
        m2m_history = getattr(history_model, field.name).model
        # By attname: the ids as read, not a query per row for the linked objects.
        names = [f.attname for f in through._meta.fields]
        links = [
            m2m_history(
                history_id=record_ids[getattr(row, f"{owner}_id")],
                **{name: getattr(row, name) for name in names},
            )
            for row in through.objects.filter(**{f"{owner}_id__in": pks})
        ]
        _insert_rows(m2m_history, links)


def _history_model(model):
    return getattr(model, model._meta.simple_history_manager_attribute).model


def _history_rows(model, objs, history_type: str, reason: str) -> list[models.Model]:
    """History rows for `objs`, as simple-history's bulk_history_create builds them: the user
    is the object's `_history_user`, else the request's; each row has its own date."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return []
    history = _history_model(model)
    rows = []
    for instance in objs:
        row = history(
            history_date=getattr(instance, "_history_date", timezone.now()),
            history_user=getattr(
                instance, "_history_user", history.get_default_history_user(instance)
            ),
            history_change_reason=get_change_reason_from_object(instance) or reason,
            history_type=history_type,
            **{field.attname: getattr(instance, field.attname) for field in history.tracked_fields},
        )
        if hasattr(history, "history_relation"):
            row.history_relation_id = instance.pk
        rows.append(row)
    return rows


def _insert_rows(model, objs) -> None:
    """INSERT `objs` (without primary keys) in one query, whatever their number: bulk_create
    sends one INSERT per 999 values on SQLite (40 history rows)."""
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = [
        field
        for field in model._meta.concrete_fields
        if field is not model._meta.auto_field and not field.generated
    ]
    rows = [
        [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
        for obj in objs
    ]
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    # Only names go into the text, from the model and quoted; every value is a parameter.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A column of values per parameter: one statement, parsed and planned once.
            arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
            sql = f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays})"  # noqa: S608
            cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])
        else:  # SQLite runs one prepared statement for every row, in-process
            placeholders = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
            cursor.executemany(sql, rows)


def record_prior_state(instance: models.Model) -> None:
    if instance.pk is not None:
        record_prior_states(type(instance), [instance.pk])
