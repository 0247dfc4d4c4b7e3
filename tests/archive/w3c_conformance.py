"""Checks a document against the W3C Web Annotation test suite's MUST assertions.

The assertion files are draft-04 JSON Schemas that refer to the shared definitions by bare
file name; they are put in a local registry, so nothing is fetched. jsonschema checks the
`uri` and `date-time` formats only with extra packages, so `format_problems` checks those.
"""

import json
import re
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from jsonschema import Draft4Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "w3c-annotation"
ANNOTATION_MUSTS = "annotations/annotationMusts.test"
COLLECTION_MUSTS = "collections/collectionMusts.test"
PAGE_MUSTS = "collections/pages/pageMusts.test"
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@cache
def registry() -> Registry:
    resources = []
    for path in sorted((SCHEMAS / "definitions").glob("*.json")):
        schema = json.loads(path.read_text())
        resources.append((schema["id"], DRAFT4.create_resource(schema)))
    return Registry().with_resources(resources)


@cache
def assertions(test_file: str) -> list[tuple[str, Draft4Validator, str]]:
    test = json.loads((SCHEMAS / test_file).read_text())
    found = []
    for name in test["assertions"]:
        schema = json.loads((SCHEMAS / name).read_text())
        assert schema["expectedResult"] == "valid", name
        found.append((name, Draft4Validator(schema, registry=registry()), schema["errorMessage"]))
    return found


def failures(document: dict, test_file: str) -> list[str]:
    """The MUST assertions of `test_file` that `document` fails, with the suite's message."""
    return [
        f"{name}: {message}"
        for name, validator, message in assertions(test_file)
        if not validator.is_valid(document)
    ]


#: Keys whose values the W3C assertions constrain by type only (and, for some, non-emptiness).
FREE_VALUES = {
    "id", "source", "homepage", "canonical", "created", "modified",
    "exact", "prefix", "suffix", "value", "label", "name", "start", "end",
}  # fmt: skip


def shape(document):
    """The document with free values reduced to their type and emptiness: two annotations of
    one shape pass or fail the assertions alike, so checking each shape once is enough."""
    if isinstance(document, dict):
        return {
            key: placeholder(value) if key in FREE_VALUES else shape(value)
            for key, value in document.items()
        }
    if isinstance(document, list):
        return [shape(value) for value in document]
    return document


def placeholder(value):
    if isinstance(value, str):
        return "http://example.org/x" if value else ""
    if isinstance(value, bool) or not isinstance(value, int):
        return shape(value)
    return min(value, 1)


def format_problems(document, path="$") -> list[str]:
    """Ids that are not absolute IRIs and date-times without a time zone, anywhere inside."""
    problems = []
    if isinstance(document, dict):
        for key, value in document.items():
            here = f"{path}.{key}"
            linked = key in ("id", "source", "first", "last", "next", "prev", "partOf", "homepage")
            if linked and isinstance(value, str) and not urlsplit(value).scheme:
                problems.append(f"{here} is not an absolute IRI: {value!r}")
            if key in ("created", "modified", "generated") and not DATE_TIME.match(str(value)):
                problems.append(f"{here} is not an xsd:dateTime with a zone: {value!r}")
            problems += format_problems(value, here)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            problems += format_problems(value, f"{path}[{index}]")
    return problems
