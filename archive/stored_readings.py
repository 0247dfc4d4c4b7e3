"""The reader page's article, rendered once per version of what it shows and stored.

Rendering the longest seed article (757 passages, their notes, what it mentions and how other
sources tell the same events) takes most of a second; serving a stored rendering is one
query. Unlike the page cache (archive/caching.py), which forgets every page at any change,
a stored reading is forgotten only when something it shows changes, it is shared by every
worker through the database, kept across restarts, and served to editors too.

What a reading shows, and so what forgets it (`affected_sources`):

- its source's text and metadata;
- its source's annotations, their links, and the people, organisations, events and quotes
  they link to;
- the passages of *other* sources that tell the same events (with those sources' titles):
  so a change to an annotation, or to a source, also forgets the readings of every source
  telling one of its events.

Race-free by the order of things: a reader reads the row (or creates it, with a new stamp)
*before* it reads the content, and stores its HTML only where the row still has that stamp.
A change forgets a reading by deleting its row when the change's transaction commits; a
reader who read the content before that commit finds the row gone, or re-made with another
stamp, and its HTML is not stored. Within a transaction whose changes are not committed yet
(a test renders pages inside one), readings it changed are rendered and never stored.
"""

import hashlib
import logging
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from django.apps import apps as global_apps
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connections, router, transaction
from django.db.models.signals import m2m_changed, post_migrate, post_save, pre_delete
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from archive import notes, reader, rendering
from archive.caching import code_digest
from archive.models import Annotation, Event, Organization, Person, Quote, StoredReading
from sources import text
from sources.models import Source

logger = logging.getLogger(__name__)

#: Forget every stored reading (a fixture load, a migration, a flush).
ALL = "all"

#: The code and templates a reading is rendered with: a deployment that changes one of them
#: must not serve readings made by the old one.
RENDERER_MODULES = (reader, rendering, notes, text, sys.modules[__name__])
RENDERER_TEMPLATES = ("sources/includes/reading.html", "sources/includes/passage_note.html")

_renderer_digest: str | None = None


def renderer_digest() -> str:
    global _renderer_digest
    if _renderer_digest is None:
        digest = hashlib.sha256(code_digest(*RENDERER_MODULES))
        for name in RENDERER_TEMPLATES:
            digest.update(Path(get_template(name).origin.name).read_bytes())
        _renderer_digest = digest.hexdigest()[:32]
    return _renderer_digest


def enabled() -> bool:
    return settings.ARCHIVE_STORED_READINGS


# Serving --------------------------------------------------------------------------------


def stored_reading(source: Source) -> StoredReading | None:
    """The row fetched with the source (`select_related("stored_reading")`), if any."""
    try:
        return source.stored_reading
    except StoredReading.DoesNotExist:
        return None


def reading_html(source: Source, base_url: str, render: Callable[[], str]) -> SafeString:
    """The stored reading of `source` if it is current, else `render()`, stored for next time.

    `source` should come with its row (`Source.objects.select_related("stored_reading")`):
    then a current reading costs no query at all.
    """
    if not enabled():
        return mark_safe(render())  # noqa: S308 -- a rendered template, escaped by Django
    row = stored_reading(source)
    using = router.db_for_write(StoredReading)
    if _pending_for(connections[using], source.pk):
        # Changed by this very transaction, not committed yet: only it sees that content.
        return mark_safe(render())  # noqa: S308 -- as above
    renderer = renderer_digest()
    if row is not None and _current(row, base_url, renderer):
        return mark_safe(row.html)  # noqa: S308 -- stored from a rendered template
    stamp = row.stamp if row is not None else _claim_stamp(source, using)
    html = render()  # the content is read only now, after the stamp
    if stamp is not None:
        _store(source.pk, stamp, html, base_url, renderer, using)
    return mark_safe(html)  # noqa: S308 -- as above


def _current(row: StoredReading, base_url: str, renderer: str) -> bool:
    return row.made_under == row.stamp and row.base_url == base_url and row.renderer == renderer


def _claim_stamp(source: Source, using: str) -> str | None:
    """A row for the source with a new stamp, made before the content is read."""
    try:
        with transaction.atomic(using=using):
            return StoredReading.objects.using(using).create(source_id=source.pk).stamp
    except IntegrityError:  # another reader made it first: use its stamp
        stamp = StoredReading.objects.using(using).filter(source_id=source.pk)
        return stamp.values_list("stamp", flat=True).first()
    except DatabaseError:  # a busy SQLite, say: serve the page, store it another time
        logger.warning("could not claim a stored reading", exc_info=True)
        return None


def _store(source_pk: int, stamp: str, html: str, base_url: str, renderer: str, using: str):
    try:
        with transaction.atomic(using=using):
            StoredReading.objects.using(using).filter(source_id=source_pk, stamp=stamp).update(
                html=html, made_under=stamp, base_url=base_url, renderer=renderer
            )
    except DatabaseError:
        logger.warning("could not store a reading", exc_info=True)


# Forgetting -----------------------------------------------------------------------------


class _Forget:
    """Readings to delete when the transaction commits. Kept in Django's on-commit list, so
    it is dropped exactly when the savepoint or transaction it was made in rolls back; later
    changes of the same transaction add to the latest one, which can only forget more."""

    def __init__(self, using: str):
        self.using = using
        self.sources: set[int] = set()
        self.everything = False
        self.done = False

    def covers(self, source_pk: int) -> bool:
        return self.everything or source_pk in self.sources

    def __call__(self):
        self.done = True
        rows = StoredReading.objects.using(self.using)
        if not self.everything:
            rows = rows.filter(source_id__in=self.sources)
        rows.delete()


def _pending(connection) -> "list[_Forget]":
    return [
        func
        for _savepoints, func, _robust in connection.run_on_commit
        if isinstance(func, _Forget) and not func.done
    ]


def _pending_for(connection, source_pk: int) -> bool:
    return connection.in_atomic_block and any(f.covers(source_pk) for f in _pending(connection))


def forget(sources: "Iterable[int] | str", using: str | None = None) -> None:
    """Forget the stored readings of these sources (or ALL) once the change commits."""
    using = using or router.db_for_write(StoredReading)
    connection = connections[using]
    if not connection.in_atomic_block:
        forgetting = _Forget(using)
        _add(forgetting, sources)
        forgetting()
        return
    pending = _pending(connection)
    if pending:
        forgetting = pending[-1]
    else:
        forgetting = _Forget(using)
        transaction.on_commit(forgetting, using=using)
    _add(forgetting, sources)


def _add(forgetting: _Forget, sources: "Iterable[int] | str") -> None:
    if sources == ALL:
        forgetting.everything = True
    elif not forgetting.everything:
        forgetting.sources.update(pk for pk in sources if pk is not None)


# What a change affects ----------------------------------------------------------------

_EventLink = Annotation.events.through


def sources_telling(event_ids, using: str) -> set[int]:
    """Sources with a passage linked to one of these events (their notes list each other)."""
    return set(
        _EventLink.objects.using(using)
        .filter(event_id__in=event_ids)
        .values_list("annotation__source_id", flat=True)
        .distinct()
    )


def affected_sources(instance, using: str) -> set[int]:
    """The sources whose reading shows `instance` (as it is stored now)."""
    if isinstance(instance, Source):
        events = _EventLink.objects.using(using).filter(annotation__source_id=instance.pk)
        return {instance.pk} | sources_telling(events.values("event_id"), using)
    if isinstance(instance, Annotation):
        events = _EventLink.objects.using(using).filter(annotation_id=instance.pk)
        return {instance.source_id} | sources_telling(events.values("event_id"), using)
    if isinstance(instance, Event):
        return sources_telling([instance.pk], using)
    if isinstance(instance, Person | Organization):
        linked = Annotation.objects.using(using).filter(**{_LINKS[type(instance)]: instance.pk})
        return set(linked.values_list("source_id", flat=True).distinct())
    if isinstance(instance, Quote):
        rows = Annotation.objects.using(using).filter(quote_id=instance.pk)
        return set(rows.values_list("source_id", flat=True).distinct())
    return set()


SHOWN = (Source, Annotation, Event, Person, Organization, Quote)
#: An annotation's link to each kind of entity.
_LINKS = {Person: "persons", Organization: "organizations", Event: "events"}


def shown_saved(sender, instance, raw: bool = False, using=None, **kwargs):
    using = using or router.db_for_write(sender)
    if raw:  # a fixture: its links are written later, in bulk, without signals
        forget(ALL, using)
        return
    forget(affected_sources(instance, using), using)


def shown_deleted(sender, instance, using=None, **kwargs):
    # Before the delete, while the links that say who shows it still exist.
    using = using or router.db_for_write(sender)
    forget(affected_sources(instance, using), using)


def links_changed(sender, instance, action: str, reverse: bool, model, pk_set, using, **kwargs):
    """An annotation's people, organisations or events, from either side. A clear is seen
    before it happens (pre_clear), while the links it removes can still be read."""
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    if hasattr(instance, "skip_history_when_saving"):  # a fixture being loaded: all anyway
        forget(ALL, using)
        return
    if not reverse:  # instance is an annotation; pk_set are entities
        affected = {instance.source_id}
        if model is Event:
            events = pk_set if pk_set is not None else instance.events.values("pk")
            affected |= sources_telling(events, using)
    else:  # instance is the entity; pk_set are annotations
        annotations = Annotation.objects.using(using)
        if pk_set is not None:
            annotations = annotations.filter(pk__in=pk_set)
        else:
            annotations = annotations.filter(**{_LINKS[type(instance)]: instance.pk})
        affected = set(annotations.values_list("source_id", flat=True))
        if isinstance(instance, Event):
            affected |= sources_telling([instance.pk], using)
    forget(affected, using)


def everything_changed(sender, apps=global_apps, using=None, **kwargs):
    """`migrate` (a deployment) and `flush`."""
    try:
        apps.get_model("archive", "StoredReading")
    except LookupError:  # migrated back to before the table existed
        return
    forget(ALL, using)


def connect() -> None:
    for model in SHOWN:
        name = model.__name__
        post_save.connect(shown_saved, sender=model, dispatch_uid=f"readings-save-{name}")
        pre_delete.connect(shown_deleted, sender=model, dispatch_uid=f"readings-delete-{name}")
    for field in ("persons", "organizations", "events"):
        m2m_changed.connect(
            links_changed,
            sender=getattr(Annotation, field).through,
            dispatch_uid=f"readings-links-{field}",
        )
    post_migrate.connect(
        everything_changed,
        sender=global_apps.get_app_config("archive"),
        dispatch_uid="readings-migrate",
    )
