"""Change history (django-simple-history): keeping the state before the first recorded edit.

Rows that arrive by loaddata have no history (an import is not an edit). So that the first
edit of such a row can still be reverted, its state just before that edit is stored first.
"""

from django.db import models

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
    records = history.bulk_history_create(current, default_change_reason=PRIOR_STATE)
    if not records or records[0].pk is None:  # a backend that returns no primary keys
        records = list(history.filter(**{f"{pk_name}__in": pks}, history_change_reason=PRIOR_STATE))
    by_pk = {getattr(record, pk_name): record for record in records}
    for field in getattr(history.model, "_history_m2m_fields", []):
        through = field.remote_field.through
        owner = field.m2m_field_name()
        m2m_history = getattr(history.model, field.name).model
        names = [f.name for f in through._meta.fields]
        rows = through.objects.filter(**{f"{owner}_id__in": pks})
        m2m_history.objects.bulk_create(
            [
                m2m_history(
                    history=by_pk[getattr(row, f"{owner}_id")],
                    **{name: getattr(row, name) for name in names},
                )
                for row in rows
            ]
        )
    return len(current)


def record_prior_state(instance: models.Model) -> None:
    if instance.pk is not None:
        record_prior_states(type(instance), [instance.pk])
