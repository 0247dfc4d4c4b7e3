"""The database's rows by natural keys, in an order that does not depend on primary keys: what
an export, a restore or a reload must reproduce exactly."""

import json

from django.apps import apps
from django.core import serializers

from archive.exporting import COLLECTION_MODELS


def canonical(rows: list[dict]) -> list[dict]:
    """Rows in an order that does not depend on primary keys; M2M lists sorted too."""
    for row in rows:
        for name, value in row["fields"].items():
            if isinstance(value, list) and value and isinstance(value[0], list):
                row["fields"][name] = sorted(value)
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))


def database_rows(labels=COLLECTION_MODELS) -> list[dict]:
    """Every row of those models (the collection's), serialised by natural keys without the
    export code, in `canonical` order."""
    rows = []
    for label in labels:
        rows += json.loads(
            serializers.serialize(
                "json",
                apps.get_model(label).objects.all(),
                use_natural_foreign_keys=True,
                use_natural_primary_keys=True,
            )
        )
    return canonical(rows)
