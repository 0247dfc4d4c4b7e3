"""Finding the names of people and organisations in a text, from the alias table.

Pure functions on strings: an alias matches on word boundaries, case-sensitively unless it
says otherwise, and where several aliases overlap the longest wins ("Greg Altman" is one
mention, not "Greg" plus "Altman").
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

PERSON = "person"
ORGANIZATION = "organization"


@dataclass(frozen=True)
class Form:
    """One alias of one entity."""

    text: str
    entity_type: str  # PERSON or ORGANIZATION
    entity: str  # the entity's slug
    kind: str = "name"
    case_sensitive: bool = True


@dataclass(frozen=True)
class Occurrence:
    start: int
    end: int
    exact: str
    forms: tuple[Form, ...]  # every alias with this surface form (more than one: ambiguous)

    @property
    def entities(self) -> set[tuple[str, str]]:
        return {(form.entity_type, form.entity) for form in self.forms}


def _key(text: str, case_sensitive: bool) -> str:
    return text if case_sensitive else text.casefold()


class MentionFinder:
    """Compiled once per alias table, then run over any number of texts."""

    def __init__(self, forms: Iterable[Form]):
        self.by_key: dict[str, list[Form]] = defaultdict(list)
        patterns = {}
        for form in forms:
            if not form.text.strip():
                continue
            self.by_key[_key(form.text, form.case_sensitive)].append(form)
            escaped = re.escape(form.text)
            pattern = escaped if form.case_sensitive else f"(?i:{escaped})"
            patterns[pattern] = len(form.text)
        # Python's alternation takes the first alternative that matches, so longest first.
        ordered = sorted(patterns, key=lambda p: (-patterns[p], p))
        self.regex = re.compile(r"(?<!\w)(?:" + "|".join(ordered) + r")(?!\w)") if ordered else None

    def find(self, body: str) -> list[Occurrence]:
        if self.regex is None:
            return []
        found = []
        for match in self.regex.finditer(body):
            exact = match.group()
            forms = [form for form in self.by_key.get(exact, []) if form.case_sensitive]
            forms += [
                form for form in self.by_key.get(exact.casefold(), []) if not form.case_sensitive
            ]
            if forms:
                found.append(Occurrence(match.start(), match.end(), exact, tuple(forms)))
        return found


def find_mentions(body: str, forms: Iterable[Form]) -> list[Occurrence]:
    return MentionFinder(forms).find(body)
