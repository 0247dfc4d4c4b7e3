"""loaddata with clear errors, in seconds: a bad fixture names the object and the problem, and
loads nothing.

Django's loaddata already runs in one transaction; this adds two checks (an object listed
twice under the same natural key; references to objects that do not exist, named), turns
every failure into a one-paragraph CommandError instead of a traceback, and rebuilds the
search index once at the end. The speed (natural keys resolved from one table per model, links
written together, anchors checked per source) is in archive/fixture_loading.py.
"""

import os
import warnings

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.base import CommandError
from django.core.management.commands import loaddata
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError

from archive.fixture_loading import FixtureLoad
from archive.planner import refresh_statistics


class Command(loaddata.Command):
    def loaddata(self, fixture_labels):
        self.load = FixtureLoad(self.using)
        try:
            super().loaddata(fixture_labels)
        except (ObjectDoesNotExist, DeserializationError) as error:
            # A reference left for the end of the load (Django's "forward reference") that
            # never came: name the row, the field and the key.
            raise CommandError(self.load.explain_missing() or str(error)) from error
        except (DatabaseError, ValidationError, ValueError) as error:
            message = (
                "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            )
            raise CommandError(message) from error
        if self.loaded_object_count:
            # Raw saves skip the search receivers; one rebuild is far cheaper than one per row.
            from archive.search import rebuild_index

            rebuild_index()
            refresh_statistics(self.using)  # a bulk load changes what the best plans are

    def save_obj(self, obj):
        saved = self.load.save(obj, super().save_obj)
        # Django checks the foreign keys of the tables it loaded (SQLite defers them while
        # loading): the link tables written by the load are checked with them.
        self.models |= self.load.through_models
        return saved

    def load_label(self, fixture_label):
        """Django's load_label, reading through FixtureLoad and finishing each fixture."""
        for fixture_file, fixture_dir, fixture_name in self.find_fixtures(fixture_label):
            _, ser_fmt, cmp_fmt = self.parse_name(os.path.basename(fixture_file))
            open_method, mode = self.compression_formats[cmp_fmt]
            self.fixture_count += 1
            if self.verbosity >= 2:
                self.stdout.write(
                    f"Installing {ser_fmt} fixture '{fixture_name}' from {fixture_dir}."
                )
            found = loaded = 0
            fixture = open_method(fixture_file, mode)
            try:
                objects = self.load.deserialize(ser_fmt, fixture, ignorenonexistent=self.ignore)
                for obj in objects:
                    found += 1
                    loaded += self.save_obj(obj)
                self.load.finish_fixture()
            except Exception as error:
                if not isinstance(error, CommandError):
                    error.args = (f"Problem installing fixture '{fixture_file}': {error}",)
                raise
            finally:
                fixture.close()
            self.loaded_object_count += loaded
            self.fixture_object_count += found
            if found == 0:
                warnings.warn(
                    f"No fixture data found for '{fixture_name}'. (File format may be invalid.)",
                    RuntimeWarning,
                    stacklevel=2,
                )
