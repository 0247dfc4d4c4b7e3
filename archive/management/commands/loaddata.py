"""loaddata with clear errors: a bad fixture names the object and the problem, and loads nothing.

Django's loaddata already runs in one transaction; this adds two checks (an object listed
twice under the same natural key; references to objects that do not exist, named) and turns
every failure into a one-paragraph CommandError instead of a traceback.
"""

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.base import CommandError
from django.core.management.commands import loaddata
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError


class Command(loaddata.Command):
    def loaddata(self, fixture_labels):
        self.seen_keys = {}
        self.deferred = []
        try:
            super().loaddata(fixture_labels)
        except ObjectDoesNotExist as error:
            raise CommandError(
                self.explain_missing() or f"Problem installing fixtures: {error}"
            ) from error
        except (DatabaseError, DeserializationError, ValidationError, ValueError) as error:
            message = (
                "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            )
            raise CommandError(message) from error
        if self.loaded_object_count:
            # Raw saves skip the search receivers; one rebuild is far cheaper than one per row.
            from archive.search import rebuild_index

            rebuild_index()

    def save_obj(self, obj):
        instance = obj.object
        # A fixture is an import, not an edit: no history rows for it (raw saves already skip
        # them; this covers the M2M sets). The first real edit records the prior state.
        instance.skip_history_when_saving = True
        if hasattr(instance, "natural_key"):
            try:
                key = (instance._meta.label, tuple(instance.natural_key()))
            except ObjectDoesNotExist:
                key = None
            if key in self.seen_keys:
                raise CommandError(
                    f"{instance._meta.label} {key[1]!r} appears twice in the fixtures "
                    "(a duplicate slug or key); nothing was loaded."
                )
            if key:
                self.seen_keys[key] = True
        saved = super().save_obj(obj)
        if obj.deferred_fields:
            self.deferred.append(obj)
        return saved

    def explain_missing(self) -> str:
        """Name the first reference to an object that is neither in the fixture nor the database."""
        for obj in self.deferred:
            for field, value in obj.deferred_fields.items():
                model = field.remote_field.model
                keys = value if field.many_to_many else [value]
                for key in keys:
                    try:
                        model._default_manager.db_manager(self.using).get_by_natural_key(*key)
                    except model.DoesNotExist:
                        return (
                            f"{obj.object._meta.label} {obj.object}: "
                            f"field '{field.name}' refers to "
                            f"{model._meta.label} {key!r}, which is neither in the fixtures nor in "
                            "the database; nothing was loaded."
                        )
        return ""
