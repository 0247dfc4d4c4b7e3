"""Loading fixtures in seconds: what `manage.py loaddata` (the override in
archive/management/commands/loaddata.py) adds to Django's loader.

Django's deserializer makes one query for every natural key it meets (the row's own, each
foreign key, each many-to-many entry), saves each row with its own INSERT, and `set()` costs a
few more queries per row and relation; the anchor check added one per annotation. That was
some 14,000 small queries for the seed collection. A load here instead

- resolves natural keys from one table per model, read with a single query the first time the
  model is met and kept up to date with every row the load saves (`NaturalKeys`);
- inserts the new rows of a model together, a few hundred per statement, sending `pre_save`
  and `post_save` as `save_base(raw=True)` does (`NewRow`, `FixtureLoad.insert_new_rows`);
- writes the many-to-many links of a whole fixture together, a few queries per relation, and
  still sends `m2m_changed` as `set()` would (`Links`);
- checks the anchors of a whole fixture once its rows are saved, reading each source's text
  once, instead of one query per annotation in `pre_save` (`check_anchors`).

Everything still happens inside loaddata's one transaction: any failure loads nothing. What is
not covered here (formats other than JSON, models without an entry in NATURAL_KEYS, keys
written in an unusual form, rows given with a primary key) goes through Django's own code.
"""

import functools
import time
from collections import defaultdict

from django.apps import apps
from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.serializers import base
from django.core.serializers.json import Deserializer as JSONDeserializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models.fields import AutoFieldMixin
from django.db.models.signals import m2m_changed, post_save, pre_save

from archive.models.annotations import Anchored
from archive.receivers import CHECKED_WITH_FIXTURE, anchor_mismatch, missing_source
from sources.models import Source

#: Each model's natural key as columns, in the order of `natural_key()`. A foreign key stands
#: for the natural key of the row it points to (an alias is its owner's slug and its name).
#: tests/archive/test_fixture_loading.py checks these against `natural_key()` on the seed.
NATURAL_KEYS = {
    "sources.source": ("slug",),
    "archive.person": ("slug",),
    "archive.organization": ("slug",),
    "archive.event": ("slug",),
    "archive.quote": ("slug",),
    "archive.annotation": ("key",),
    "archive.dismissedmention": ("key",),
    "archive.role": ("key",),
    "archive.participation": ("key",),
    "archive.personalias": ("person", "name"),
    "archive.organizationalias": ("organization", "name"),
    "contenttypes.contenttype": ("app_label", "model"),
    "auth.permission": ("codename", "content_type"),
    "auth.group": ("name",),
    "auth.user": ("username",),
}

#: "This table cannot tell": the caller asks the database the way Django does.
UNKNOWN = object()

#: Rows per query when reading or writing many at once.
BATCH = 500

#: Engines whose `=` compares a natural key as Python's `==` does (no case-insensitive
#: collation): the key tables give the same answers as the database there.
EXACT_ENGINES = {"sqlite", "postgresql"}


def batched(items, size: int = BATCH):
    items = list(items)
    return (items[start : start + size] for start in range(0, len(items), size))


def plain_table(model) -> bool:
    """A model whose new rows can be inserted as `save_base(raw=True)` inserts them, many at
    a time: one table (no parents, not a proxy), no `_order`, a database-made primary key."""
    meta = model._meta
    return (
        not meta.parents
        and not meta.proxy
        and not meta.order_with_respect_to
        and isinstance(meta.pk, AutoFieldMixin)
    )


@functools.cache
def key_columns(model) -> tuple:
    """(lookup path, field) for each component of the model's natural key, foreign keys
    expanded into the natural key of their target."""
    columns = []
    for name in NATURAL_KEYS[model._meta.label_lower]:
        field = model._meta.get_field(name)
        if field.many_to_one:
            columns += [(f"{name}__{path}", f) for path, f in key_columns(field.related_model)]
        else:
            columns.append((name, field))
    return tuple(columns)


def canonical(model, values) -> tuple | None:
    """A natural key as the database compares it (a UUID in any spelling is one key), or None
    if it cannot be put so (wrong length, a null, a value the field refuses)."""
    columns = key_columns(model)
    if not isinstance(values, list | tuple) or len(values) != len(columns) or None in values:
        return None
    try:
        return tuple(
            str(field.to_python(value)) for (_, field), value in zip(columns, values, strict=True)
        )
    except (ValidationError, TypeError, ValueError):
        return None  # Django's own lookup will say what is wrong with it


class NaturalKeys:
    """Natural key → primary key, per model, for the length of one load.

    A model's table is read whole the first time the load meets the model, and every row the
    load saves is written into it, so a key missing from the table is missing from the
    database too: new rows and forward references cost no query.
    """

    def __init__(self, using: str):
        self.using = using
        self.pks: dict[type, dict[tuple, object]] = {}
        self.keys: dict[type, dict[object, tuple]] = {}

    @staticmethod
    def covers(model) -> bool:
        return model._meta.label_lower in NATURAL_KEYS

    def table(self, model) -> dict[tuple, object]:
        if model not in self.pks:
            paths = [path for path, _ in key_columns(model)]
            rows = model._default_manager.using(self.using).values_list(*paths, "pk")
            self.pks[model] = {}
            self.keys[model] = {}
            for *values, pk in rows:
                key = canonical(model, values)
                if key is not None:
                    self.pks[model][key] = pk
                    self.keys[model][pk] = key
        return self.pks[model]

    def row_key(self, model, fields: dict) -> tuple | None:
        """The natural key of a fixture row, from its fields as written (a foreign key by
        natural key or by primary key), or None if it cannot be told without Django."""
        values = []
        for name in NATURAL_KEYS[model._meta.label_lower]:
            if name not in fields:
                return None  # Django fills in the default, then looks the row up
            field, value = model._meta.get_field(name), fields[name]
            if not field.many_to_one:
                values.append(value)
                continue
            target = field.related_model
            if isinstance(value, list | tuple):
                key = canonical(target, value)
            else:
                self.table(target)
                key = self.keys[target].get(value)
            if key is None:
                return None
            values += key
        return canonical(model, values)

    def remember(self, model, key: tuple, pk) -> None:
        """The load saved the row `pk` with natural key `key` (perhaps a new key for it)."""
        table = self.table(model)
        old = self.keys[model].get(pk)
        if old is not None and old != key:
            table.pop(old, None)
        table[key] = pk
        self.keys[model][pk] = key


class Deserializer(JSONDeserializer):
    """Django's JSON deserializer, with natural keys looked up in the load's tables."""

    def __init__(self, stream, *, load: "FixtureLoad", **options):
        super().__init__(stream, **options)
        self.load = load

    def _handle_object(self, row):
        try:
            model = apps.get_model(row["model"])
        except (LookupError, TypeError, KeyError):
            model = None
        if (
            model is None
            or "pk" in row
            or not NaturalKeys.covers(model)
            or not plain_table(model)
            or not isinstance(row.get("fields"), dict)
        ):
            yield from super()._handle_object(row)
            return
        key = self.load.keys.row_key(model, row["fields"])
        if key is None:
            yield from super()._handle_object(row)
            return
        pk = self.load.pk(model, key)
        if pk is not None:
            (deserialized,) = super()._handle_object({**row, "pk": pk})
            deserialized.natural_key = key
            yield deserialized
            return
        # A new row. Django would look it up by natural key all the same: a placeholder
        # primary key spares that query, and is cleared before the row is saved.
        try:
            (deserialized,) = super()._handle_object({**row, "pk": 0})
        except base.DeserializationError:
            yield from super()._handle_object(row)  # so that the message is Django's own
            return
        deserialized.object.pk = None
        yield NewRow(deserialized, key, self.load)

    def _handle_fk_field_node(self, field, field_value):
        target = field.remote_field.model
        if (
            isinstance(field_value, list | tuple)
            and field.remote_field.field_name == target._meta.pk.name
            and not target._meta.pk.remote_field
        ):
            pk = self.load.find(target, field_value)
            if pk is None and self.handle_forward_references:
                return base.DEFER_FIELD
            if pk is not None and pk is not UNKNOWN:
                return pk
        return super()._handle_fk_field_node(field, field_value)

    def _handle_m2m_field_node(self, field, field_value):
        target = field.remote_field.model
        if isinstance(field_value, list) and all(
            isinstance(value, list | tuple) for value in field_value
        ):
            pks = [self.load.find(target, value) for value in field_value]
            if UNKNOWN not in pks:
                if None not in pks:
                    return pks
                if self.handle_forward_references:
                    return base.DEFER_FIELD
        return super()._handle_m2m_field_node(field, field_value)


class NewRow(base.DeserializedObject):
    """A row whose natural key is in no table: its INSERT waits to go with the next new rows
    of its model (FixtureLoad.insert_new_rows)."""

    def __init__(self, deserialized, natural_key: tuple, load: "FixtureLoad"):
        super().__init__(deserialized.object, deserialized.m2m_data, deserialized.deferred_fields)
        self.natural_key = natural_key
        self.load = load

    def save(self, save_m2m=True, using=None, **kwargs):
        if self.object.pk is None and not self.m2m_data and not self.deferred_fields:
            self.load.queue_insert(self)
        else:  # links Django must set itself, or a second save: the plain way
            self.load.insert_new_rows()
            super().save(save_m2m=save_m2m, using=using, **kwargs)


class Links:
    """The many-to-many links of the rows a fixture saves, written together: a few queries per
    relation instead of a few per row, with the `m2m_changed` signals `set()` would send."""

    def __init__(self, using: str):
        self.using = using
        self.pending: dict = defaultdict(list)  # field -> [(instance, target pks, new?)]

    @staticmethod
    def take(deserialized) -> dict:
        """Take from a deserialized row the links `DeserializedObject.save` would set."""
        data = deserialized.m2m_data or {}
        taken = {}
        for name in list(data):
            field = deserialized.object._meta.get_field(name)
            if field.remote_field.through._meta.auto_created:
                taken[field] = data.pop(name)
        return taken

    def add(self, instance, links: dict, new: bool) -> None:
        for field, pks in links.items():
            self.pending[field].append((instance, set(pks), new))

    def write(self) -> None:
        for field, rows in self.pending.items():
            # By primary key, known now that every row is inserted; the last row saved wins.
            self._write(field, list({row[0].pk: row for row in rows}.values()))
        self.pending.clear()

    def _write(self, field, rows) -> None:
        through = field.remote_field.through
        manager = through._default_manager.using(self.using)
        source = through._meta.get_field(field.m2m_field_name()).attname
        target = through._meta.get_field(field.m2m_reverse_field_name()).attname
        current = defaultdict(set)  # a row the load has just created has no links yet
        for chunk in batched(instance.pk for instance, _, new in rows if not new):
            links = manager.filter(**{f"{source}__in": chunk}).values_list(source, target)
            for owner, linked in links:
                current[owner].add(linked)
        removals = [(i, current[i.pk] - pks) for i, pks, _ in rows if current[i.pk] - pks]
        additions = [(i, pks - current[i.pk]) for i, pks, _ in rows if pks - current[i.pk]]

        def send(action, changes):
            for instance, pk_set in changes:
                m2m_changed.send(
                    sender=through,
                    action=action,
                    instance=instance,
                    reverse=False,
                    model=field.related_model,
                    pk_set=pk_set,
                    using=self.using,
                )

        send("pre_remove", removals)
        for instance, pk_set in removals:
            manager.filter(**{source: instance.pk, f"{target}__in": pk_set}).delete()
        send("post_remove", removals)
        send("pre_add", additions)
        manager.bulk_create(
            [
                through(**{source: instance.pk, target: pk})
                for instance, pk_set in additions
                for pk in pk_set
            ],
            batch_size=BATCH,
        )
        send("post_add", additions)


def check_anchors(anchored: list[Anchored], using: str) -> None:
    """Raise AnchorError for the first passage, in fixture order, that does not match the
    text of its source; each source's text is read once."""
    texts = {}
    for chunk in batched(sorted({item.source_id for item in anchored})):
        rows = Source.objects.using(using).filter(pk__in=chunk).values_list("pk", "slug", "body")
        texts.update({pk: (slug, body) for pk, slug, body in rows})
    for item in anchored:
        if item.source_id not in texts:
            raise missing_source(item)
        if item.is_orphaned:
            continue  # its text is gone; it keeps its old selectors for the editor to see
        error = anchor_mismatch(item, *texts[item.source_id])
        if error:
            raise error


class FixtureLoad:
    """The state of one `loaddata` run, across all its fixtures."""

    def __init__(self, using: str):
        self.using = using
        self.keys = NaturalKeys(using)
        self.links = Links(using)
        self.new_rows: list[NewRow] = []  # saved, waiting for their INSERT
        self.waiting: set = set()  # (model, natural key) of those
        self.anchored: list[Anchored] = []
        self.seen: set = set()
        self.deferred: list = []  # rows with references to resolve at the end
        self.through_models: set = set()

    def deserialize(self, format: str, stream, **options):
        options.update(using=self.using, handle_forward_references=True)
        if format == "json" and connections[self.using].vendor in EXACT_ENGINES:
            return Deserializer(stream, load=self, **options)
        return serializers.deserialize(format, stream, **options)

    def find(self, model, natural_key):
        """The primary key of the row with this natural key (as a fixture writes it), None if
        there is no such row, or UNKNOWN."""
        key = canonical(model, natural_key) if NaturalKeys.covers(model) else None
        return UNKNOWN if key is None else self.pk(model, key)

    def pk(self, model, key: tuple):
        if (model, key) in self.waiting:
            self.insert_new_rows()
        return self.keys.table(model).get(key)

    def save(self, deserialized, save) -> bool:
        """Save one deserialized row with `save` (Django's `save_obj`), as this load does."""
        instance = deserialized.object
        model = type(instance)
        key = self._natural_key(deserialized)
        for field, value in (deserialized.deferred_fields or {}).items():
            if field.many_to_one and not field.null:  # cannot wait for the end of the load
                raise CommandError(self._missing(deserialized, field, value, early=True))
        if key is not None:
            if (model, key) in self.seen:
                raise CommandError(
                    f"{model._meta.label} {key!r} appears twice in the fixtures "
                    "(a duplicate slug or key); nothing was loaded."
                )
            self.seen.add((model, key))
        # A fixture is an import, not an edit: no history rows for it (raw saves already skip
        # them; this covers the M2M sets). The first real edit records the prior state.
        instance.skip_history_when_saving = True
        if isinstance(instance, Anchored):
            setattr(instance, CHECKED_WITH_FIXTURE, True)  # by finish_fixture(), below
        links = self.links.take(deserialized)
        if not isinstance(deserialized, NewRow):
            self.insert_new_rows()  # each save sees the database as the rows before it left it
        new = instance.pk is None
        saved = save(deserialized)
        if saved:
            if key is not None and NaturalKeys.covers(model) and instance.pk is not None:
                self.keys.remember(model, key, instance.pk)
            if links:
                self.links.add(instance, links, new)
                self.through_models.update(f.remote_field.through for f in links)
            if isinstance(instance, Anchored):
                self.anchored.append(instance)
        if deserialized.deferred_fields:
            self.deferred.append(deserialized)
        return saved

    def _natural_key(self, deserialized) -> tuple | None:
        key = getattr(deserialized, "natural_key", None)
        if key is not None:
            return key
        instance = deserialized.object
        if not hasattr(instance, "natural_key"):
            return None
        try:
            key = tuple(instance.natural_key())
        except ObjectDoesNotExist:  # e.g. an alias whose owner is a forward reference
            return None
        if NaturalKeys.covers(type(instance)):
            return canonical(type(instance), key)
        return key

    def queue_insert(self, row: NewRow) -> None:
        """What `save_base(raw=True)` does before its INSERT; the INSERT comes later."""
        model = type(row.object)
        if self.new_rows and type(self.new_rows[0].object) is not model:
            self.insert_new_rows()
        pre_save.send(
            sender=model, instance=row.object, raw=True, using=self.using, update_fields=None
        )
        self.new_rows.append(row)
        self.waiting.add((model, row.natural_key))
        if len(self.new_rows) >= BATCH:
            self.insert_new_rows()

    def insert_new_rows(self) -> None:
        """INSERT the waiting rows as `save_base(raw=True)` would (values as they are, primary
        keys from the database, then `post_save`), a batch per statement."""
        if not self.new_rows:
            return
        rows, self.new_rows = self.new_rows, []
        self.waiting.clear()
        model = type(rows[0].object)
        meta = model._meta
        fields = [f for f in meta.local_concrete_fields if not f.generated]
        fields = [f for f in fields if f is not meta.auto_field]  # as _save_table does
        returning = meta.db_returning_fields
        manager = model._base_manager.using(self.using)
        connection = connections[self.using]
        size = BATCH if connection.features.can_return_rows_from_bulk_insert else 1
        size = max(1, min(size, connection.ops.bulk_batch_size(fields, rows)))
        for batch in batched(rows, size):
            objects = [row.object for row in batch]
            try:
                with transaction.atomic(using=self.using):  # a savepoint: see below
                    results = manager._insert(
                        objects, fields=fields, returning_fields=returning, raw=True
                    )
            except DatabaseError:
                self._name_refused_row(manager, batch, fields, returning)
                raise
            for obj, values in zip(objects, results, strict=True):
                for value, field in zip(values, returning, strict=True):
                    setattr(obj, field.attname, value)
        for row in rows:
            row.object._state.db = self.using
            row.object._state.adding = False
            self.keys.remember(model, row.natural_key, row.object.pk)
            post_save.send(
                sender=model,
                instance=row.object,
                created=True,
                update_fields=None,
                raw=True,
                using=self.using,
            )

    def _name_refused_row(self, manager, batch, fields, returning) -> None:
        """The database refused a batch: insert it again row by row, to say which row."""
        for row in batch:
            try:
                with transaction.atomic(using=self.using):
                    manager._insert(
                        [row.object], fields=fields, returning_fields=returning, raw=True
                    )
            except DatabaseError as error:
                label = row.object._meta.label
                error.args = (f"Could not load {label} {', '.join(row.natural_key)}: {error}",)
                raise

    def finish_fixture(self) -> None:
        """Once a fixture's rows are saved: insert the last ones, write their links, check
        their anchors."""
        self.insert_new_rows()
        self.links.write()
        anchored, self.anchored = self.anchored, []
        check_anchors(anchored, self.using)

    def explain_missing(self) -> str:
        """Name the first reference to an object neither in the fixtures nor the database
        (or say nothing, if the database can no longer be asked)."""
        try:
            for deserialized in self.deferred:
                for field, value in deserialized.deferred_fields.items():
                    model = field.remote_field.model
                    manager = model._default_manager.db_manager(self.using)
                    for key in value if field.many_to_many else [value]:
                        try:
                            manager.get_by_natural_key(*key)
                        except model.DoesNotExist:
                            return self._missing(deserialized, field, key)
        except DatabaseError:  # PostgreSQL after a failed statement: the transaction is over
            pass
        return ""

    @staticmethod
    def _missing(deserialized, field, value, *, early: bool = False) -> str:
        instance = deserialized.object
        key = getattr(deserialized, "natural_key", None)
        if key is None:
            try:
                key = (str(instance),)
            except ObjectDoesNotExist:  # a __str__ that shows the missing row
                key = ()
        where = "in the fixtures before this row" if early else "in the fixtures"
        return (
            f"{instance._meta.label} {', '.join(key)}: field '{field.name}' refers to "
            f"{field.remote_field.model._meta.label} {value!r}, which is neither {where} nor in "
            "the database; nothing was loaded."
        )


# --- Measuring -------------------------------------------------------------------------------

#: What a load writes, children first: emptied (and restored) around each measured load.
_LOADED_TABLES = [
    "archive.Annotation",
    "archive.DismissedMention",
    "archive.Participation",
    "archive.Role",
    "archive.Quote",
    "archive.PersonAlias",
    "archive.OrganizationAlias",
    "archive.Event",
    "archive.Person",
    "archive.Organization",
    "sources.Source",
    "archive.SearchEntry",
]


def measure_loaddata(
    fixture: str = "openai-2023", repeat: int = 5, *, using: str = DEFAULT_DB_ALIAS
) -> list[float]:
    """Seconds taken by each of `repeat` runs of `loaddata fixture` into an empty collection.

    Each run empties the collection's tables, loads, and is rolled back, so the database is
    left as it was (for the benchmark: `docs/performance.md`, "Loading a collection").
    """
    connection = connections[using]
    times = []
    for _ in range(repeat):
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                for label in _LOADED_TABLES:
                    model = apps.get_model(label)
                    tables = [f.remote_field.through for f in model._meta.local_many_to_many]
                    for table in [*tables, model]:
                        name = connection.ops.quote_name(table._meta.db_table)
                        cursor.execute(f"DELETE FROM {name}")  # noqa: S608 — a table name
            start = time.perf_counter()
            call_command("loaddata", fixture, verbosity=0, database=using)
            times.append(time.perf_counter() - start)
            transaction.set_rollback(True, using=using)
    return times
