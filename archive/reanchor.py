"""Re-anchoring a source's passages after its text is edited: nothing lost or moved silently."""

from collections import Counter
from dataclasses import dataclass, field

from django.db import connections, router, transaction

from archive.models import AnchorStatus, Annotation, DismissedMention
from sources.anchoring import anchor_span, best_occurrence
from sources.history import record_changes, record_prior_states
from sources.models import Source
from sources.reanchoring import Outcome, Reanchorer, Result, Target

REASON = "Re-anchored after an edit of the source's text"
#: What re-anchoring changes in an annotation, and in a dismissal.
ANCHOR_FIELDS = ["start", "end", "exact", "prefix", "suffix", "anchor_status", "version"]
DISMISSAL_FIELDS = ["start", "end", "prefix", "suffix"]
STATUS = {
    Outcome.UNCHANGED: AnchorStatus.ANCHORED,
    Outcome.MOVED: AnchorStatus.MOVED,
    Outcome.FUZZY: AnchorStatus.FUZZY,
    Outcome.ORPHANED: AnchorStatus.ORPHANED,
}


@dataclass
class ReanchorReport:
    counts: Counter = field(default_factory=Counter)  # Outcome -> number of annotations
    needing_review: list[Annotation] = field(default_factory=list)
    dismissals_dropped: int = 0

    @property
    def summary(self) -> str:
        parts = [f"{self.counts[o]} {o.value}" for o in Outcome if self.counts[o]]
        return ", ".join(parts) or "no annotations"


def reanchor_source(source: Source, old_body: str) -> ReanchorReport:
    """Move every annotation and dismissal of `source` from `old_body` to its current body.

    Runs inside the transaction of the source's save. Annotations that can no longer be
    placed exactly are flagged (fuzzy) or kept with their old text (orphaned), never deleted.
    """
    report = ReanchorReport()
    reanchorer = Reanchorer(old_body, source.body)
    changed = []
    for annotation in Annotation.objects.filter(source=source):
        if annotation.anchor_status == AnchorStatus.ORPHANED:
            result = _find_orphan(source.body, annotation)
        else:
            result = reanchorer.reanchor(_target(annotation))
        report.counts[result.outcome] += 1
        status = STATUS[result.outcome]
        if annotation.anchor_status == AnchorStatus.ORPHANED and status != AnchorStatus.ORPHANED:
            status = AnchorStatus.FUZZY  # back in the text: an editor should look
        elif annotation.anchor_status in AnchorStatus.needing_review() and status in (
            AnchorStatus.ANCHORED,
            AnchorStatus.MOVED,
        ):
            status = annotation.anchor_status  # a flag stays until an editor confirms
        if result.outcome != Outcome.ORPHANED:
            anchor = (result.start, result.end, result.exact, result.prefix, result.suffix)
        else:
            anchor = _anchor(annotation)  # kept as it was, for the editor to see
        if anchor == _anchor(annotation) and status == annotation.anchor_status:
            continue
        annotation.start, annotation.end, annotation.exact = anchor[:3]
        annotation.prefix, annotation.suffix = anchor[3:]
        annotation.anchor_status = status
        annotation.version += 1
        changed.append(annotation)
        if status in AnchorStatus.needing_review():
            report.needing_review.append(annotation)
    if changed:
        _save_with_history(changed)
    report.dismissals_dropped = _reanchor_dismissals(source, reanchorer)
    return report


def _save_with_history(changed: list[Annotation]) -> None:
    """Write the changed annotations and their history rows, in a fixed number of queries.

    simple-history's bulk_update_with_history did this through Django's bulk_update, whose
    CASE WHEN expressions (one per row and field) took seconds to build for 1,000 rows.
    """
    with transaction.atomic(using=router.db_for_write(Annotation), savepoint=False):
        record_prior_states(Annotation, [a.pk for a in changed])
        _update_rows(Annotation, changed, ANCHOR_FIELDS)
        record_changes(Annotation, changed, REASON)


def _update_rows(model, objs: list, field_names: list[str]) -> None:
    """Save `field_names` of `objs` by primary key, in one query whatever their number."""
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = [model._meta.pk, *(model._meta.get_field(name) for name in field_names)]
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields]
        for obj in objs
    ]
    table, key = quote(model._meta.db_table), quote(fields[0].column)
    names = [quote(field.column) for field in fields[1:]]
    # Only names go into the text, from the model and quoted; every value is a parameter.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A column of values per parameter: one statement, parsed and planned once.
            arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
            sets = ", ".join(f"{name} = v.{name}" for name in names)
            values = f"unnest({arrays}) AS v({key}, {', '.join(names)})"
            sql = f"UPDATE {table} SET {sets} FROM {values} WHERE {table}.{key} = v.{key}"  # noqa: S608
            cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])
        else:  # SQLite runs one prepared statement for every row, in-process
            sets = ", ".join(f"{name} = %s" for name in names)
            sql = f"UPDATE {table} SET {sets} WHERE {key} = %s"  # noqa: S608
            cursor.executemany(sql, [[*rest, pk] for pk, *rest in rows])


def _target(item) -> Target:
    return Target(item.start, item.end, item.exact, item.prefix, item.suffix)


def _anchor(item) -> tuple:
    return (item.start, item.end, item.exact, item.prefix, item.suffix)


def _find_orphan(body: str, annotation: Annotation) -> Result:
    """An orphan's offsets refer to a text long gone: look for its words, best context first."""
    start = best_occurrence(
        body, annotation.exact, annotation.prefix, annotation.suffix, near=annotation.start
    )
    if start is None:
        return Result(Outcome.ORPHANED, None, None, None, "", "", 0.0)
    anchor = anchor_span(body, start, start + len(annotation.exact))
    return Result(
        Outcome.MOVED, anchor.start, anchor.end, anchor.exact, anchor.prefix, anchor.suffix, 1.0
    )


def _reanchor_dismissals(source: Source, reanchorer: Reanchorer) -> int:
    """Dismissals follow exact moves; where the words changed, the name is suggested again."""
    moved, dropped = [], []
    for dismissal in DismissedMention.objects.filter(source=source):
        result = reanchorer.reanchor(_target(dismissal))
        if result.outcome in (Outcome.UNCHANGED, Outcome.MOVED):
            dismissal.start, dismissal.end = result.start, result.end
            dismissal.prefix, dismissal.suffix = result.prefix, result.suffix
            moved.append(dismissal)
        else:
            dropped.append(dismissal.pk)
    _update_rows(DismissedMention, moved, DISMISSAL_FIELDS)
    DismissedMention.objects.filter(pk__in=dropped).delete()
    return len(dropped)
