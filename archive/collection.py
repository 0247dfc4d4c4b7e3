"""Compile an editorial catalogue (TOML files beside the texts) into a loaddata fixture.

Editors name passages by their words; this module finds the offsets, turns every alias
occurrence into a mention, and emits Django's JSON serialisation with natural keys only,
so the fixture loads into any database, beside any other collection. The format is
documented in docs/collections.md.
"""

import datetime
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from archive.mentions import ORGANIZATION, PERSON, Form, MentionFinder
from archive.models.annotations import Motivation, Stance
from archive.models.events import Certainty, local_moment
from archive.models.names import AliasKind
from archive.models.quotes import Medium
from sources.anchoring import Anchor, AnchorError, find_passage
from sources.dates import parse_partial_date
from sources.models import Basis, SourceKind
from sources.publishing import Status
from sources.text import normalise

#: Namespace for the stable keys of compiled rows: the same catalogue gives the same keys.
KEY_NAMESPACE = uuid.UUID("6f1c7f0e-2a41-4c1e-9a57-0d3b8c1e5a10")
CATALOGUE_FILES = (
    "sources",
    "people",
    "organizations",
    "events",
    "quotes",
    "annotations",
    "dismissals",
)


class CatalogueError(ValueError):
    """The catalogue is inconsistent; the message lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"{len(problems)} problem(s) in the catalogue:\n- " + "\n- ".join(problems)
        )


@dataclass
class PendingAnnotation:
    source: str
    anchor: Anchor
    motivation: str
    role: str  # what made it: distinguishes rows that share a span
    persons: set[str] = field(default_factory=set)
    organizations: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    quote: str | None = None
    stance: str = ""
    notes: list[str] = field(default_factory=list)
    correction: str = ""


class Compiler:
    def __init__(self, folder: Path, timestamp: str):
        self.folder = folder
        self.timestamp = timestamp
        self.problems: list[str] = []
        self.data = {name: self._read(name) for name in CATALOGUE_FILES}
        self.bodies: dict[str, str] = {}
        self.people = {p["slug"]: p for p in self.data["people"].get("person", [])}
        self.organizations = {
            o["slug"]: o for o in self.data["organizations"].get("organization", [])
        }
        self.events = {e["slug"]: e for e in self.data["events"].get("event", [])}
        self.quotes = {q["slug"]: q for q in self.data["quotes"].get("quote", [])}
        self.annotations: dict[tuple, PendingAnnotation] = {}

    # -- reading --------------------------------------------------------------------------
    def _read(self, name: str) -> dict:
        path = self.folder / f"{name}.toml"
        if not path.exists():
            return {}
        try:
            return tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            self.problems.append(f"{path.name}: not valid TOML: {error}")
            return {}

    def _check_choice(self, where: str, name: str, value: str, choices, blank=False):
        if (blank and value == "") or value in choices:
            return value
        self.problems.append(f"{where}: {name} {value!r} is not one of {sorted(choices)}")
        return value

    def _check_ref(self, where: str, kind: str, slug: str | None) -> str | None:
        table = {
            "person": self.people,
            "organization": self.organizations,
            "event": self.events,
            "quote": self.quotes,
            "source": self.bodies,
        }[kind]
        if slug and slug not in table:
            self.problems.append(f"{where}: unknown {kind} {slug!r}")
            return None
        return slug

    def _date(self, where: str, value: str) -> tuple[str | None, str]:
        if not value:
            return None, ""
        try:
            date, precision = parse_partial_date(value)
        except ValueError as error:
            self.problems.append(f"{where}: {error}")
            return None, ""
        return date.isoformat(), str(precision)

    def _passage(self, where: str, record: dict) -> tuple[str, Anchor] | None:
        source = record.get("source", "")
        if source not in self.bodies:
            self.problems.append(f"{where}: unknown source {source!r}")
            return None
        try:
            return source, find_passage(
                self.bodies[source], record.get("exact", ""), record.get("near", "")
            )
        except AnchorError as error:
            self.problems.append(f"{where} in {source}: {error}")
            return None

    def _key(self, *parts) -> str:
        return str(uuid.uuid5(KEY_NAMESPACE, "|".join(str(p) for p in parts)))

    def _annotation(
        self, source: str, anchor: Anchor, motivation: str, role: str, stance: str = ""
    ):
        index = (source, anchor.start, anchor.end, motivation, role, stance)
        if index not in self.annotations:
            self.annotations[index] = PendingAnnotation(
                source, anchor, motivation, role, stance=stance
            )
        return self.annotations[index]

    # -- compiling ------------------------------------------------------------------------
    def compile(self) -> list[dict]:
        rows = self.sources()
        rows += self.entities("person", "archive.person", self.people)
        rows += self.entities("organization", "archive.organization", self.organizations)
        rows += self.aliases()
        rows += self.roles()
        rows += self.event_rows()
        rows += self.quote_rows()
        self.renderings()
        self.editorial_annotations()
        dismissals = self.dismissal_rows()
        self.mentions(dismissals)
        rows += self.annotation_rows()
        rows += [row for row, _ in dismissals]
        if self.problems:
            raise CatalogueError(self.problems)
        return rows

    def _row(self, model: str, fields: dict, timestamps: bool = True) -> dict:
        if timestamps:
            fields = {**fields, "created_at": self.timestamp, "updated_at": self.timestamp}
        return {"model": model, "fields": fields}

    def sources(self) -> list[dict]:
        rows = []
        for i, record in enumerate(self.data["sources"].get("source", [])):
            where = f"sources.toml source {record.get('slug', i)!r}"
            path = self.folder / record.get("file", "")
            try:
                body = normalise(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as error:
                self.problems.append(f"{where}: cannot read {path}: {error}")
                continue
            self.bodies[record["slug"]] = body
            published, precision = self._date(where, record.get("published", ""))
            for basis in ("title_basis", "outlet_basis", "authors_basis", "published_basis"):
                self._check_choice(where, basis, record.get(basis, "unknown"), Basis.values)
            self._check_choice(where, "kind", record.get("kind", ""), SourceKind.values)
            rows.append(
                self._row(
                    "sources.source",
                    {
                        "slug": record["slug"],
                        "title": record["title"],
                        "title_basis": record.get("title_basis", Basis.STATED),
                        "outlet": record.get("outlet", ""),
                        "outlet_basis": record.get("outlet_basis", Basis.UNKNOWN),
                        "authors": record.get("authors", ""),
                        "authors_basis": record.get("authors_basis", Basis.UNKNOWN),
                        "published_on": published,
                        "published_on_precision": precision,
                        "published_basis": record.get("published_basis", Basis.UNKNOWN),
                        "attribution_notes": record.get("attribution_notes", "").strip(),
                        "url": record.get("url", ""),
                        "kind": record["kind"],
                        "language": record.get("language", "en"),
                        "original_language": record.get("original_language", ""),
                        "translation_notes": record.get("translation_notes", "").strip(),
                        "quality_notes": record.get("quality_notes", "").strip(),
                        "body": body,
                        "status": Status.PUBLISHED,
                    },
                )
            )
        return rows

    def entities(self, kind: str, model: str, table: dict) -> list[dict]:
        rows = []
        for slug, record in table.items():
            fields = {
                "slug": slug,
                "name": record["name"],
                "description": record.get("description", "").strip(),
                "wikidata": record.get("wikidata", ""),
                "status": Status.PUBLISHED,
            }
            if kind == "organization":
                parent = self._check_ref(
                    f"organization {slug!r}", "organization", record.get("parent")
                )
                fields["parent"] = [parent] if parent else None
            rows.append(self._row(model, fields))
        return rows

    def aliases(self) -> list[dict]:
        rows = []
        for kind, table in (("person", self.people), ("organization", self.organizations)):
            for slug, record in table.items():
                names = set()
                for alias in record.get("aliases", []):
                    where = f"{kind} {slug!r} alias {alias.get('name')!r}"
                    if alias["name"] in names:
                        self.problems.append(f"{where}: listed twice")
                        continue
                    names.add(alias["name"])
                    self._check_choice(where, "kind", alias.get("kind", "short"), AliasKind.values)
                    rows.append(
                        self._row(
                            f"archive.{kind}alias",
                            {
                                kind: [slug],
                                "name": alias["name"],
                                "kind": alias.get("kind", "short"),
                                "case_sensitive": alias.get("case_sensitive", True),
                                "note": alias.get("note", ""),
                            },
                            timestamps=False,
                        )
                    )
        return rows

    def roles(self) -> list[dict]:
        rows = []
        for slug, record in self.people.items():
            for i, role in enumerate(record.get("role", [])):
                where = f"person {slug!r} role {role.get('title')!r}"
                organization = self._check_ref(where, "organization", role.get("organization"))
                start, start_precision = self._date(where, role.get("start", ""))
                end, end_precision = self._date(where, role.get("end", ""))
                if start and end and end < start:
                    self.problems.append(f"{where}: ends before it starts")
                rows.append(
                    self._row(
                        "archive.role",
                        {
                            "key": self._key(
                                "role", slug, i, role.get("organization"), role.get("title")
                            ),
                            "person": [slug],
                            "organization": [organization],
                            "title": role["title"],
                            "start": start,
                            "start_precision": start_precision,
                            "end": end,
                            "end_precision": end_precision,
                            "note": role.get("note", ""),
                        },
                        timestamps=False,
                    )
                )
        return rows

    def _moment(self, where: str, value: str, timezone: str) -> tuple[str | None, str]:
        if not value:
            return None, ""
        try:
            moment, precision = local_moment(value, timezone)
        except (ValueError, KeyError) as error:
            self.problems.append(f"{where}: {error}")
            return None, ""
        return moment.isoformat().replace("+00:00", "Z"), str(precision)

    def event_rows(self) -> list[dict]:
        rows = []
        for slug, record in self.events.items():
            where = f"event {slug!r}"
            timezone = record.get("timezone", "America/Los_Angeles")
            occurred, precision = self._moment(where, record.get("when", ""), timezone)
            if occurred is None:
                self.problems.append(f"{where}: `when` is required")
            ends, ends_precision = self._moment(where, record.get("ends", ""), timezone)
            if occurred and ends and ends < occurred:
                self.problems.append(f"{where}: ends before it starts")
            parent = self._check_ref(where, "event", record.get("parent"))
            self._check_choice(
                where, "certainty", record.get("certainty", "confirmed"), Certainty.values
            )
            rows.append(
                self._row(
                    "archive.event",
                    {
                        "slug": slug,
                        "title": record["title"],
                        "summary": record.get("summary", "").strip(),
                        "parent": [parent] if parent else None,
                        "occurred_at": occurred,
                        "precision": precision,
                        "approximate": bool(record.get("approximate", False)),
                        "timezone": timezone,
                        "ends_at": ends,
                        "ends_precision": ends_precision,
                        "when_as_stated": record.get("when_as_stated", ""),
                        "certainty": record.get("certainty", Certainty.CONFIRMED),
                        "status": Status.PUBLISHED,
                    },
                )
            )
            for i, participant in enumerate(record.get("participants", [])):
                person = self._check_ref(where, "person", participant.get("person"))
                organization = self._check_ref(
                    where, "organization", participant.get("organization")
                )
                if bool(person) == bool(organization):
                    self.problems.append(
                        f"{where}: participant {i} needs one person or organization"
                    )
                rows.append(
                    self._row(
                        "archive.participation",
                        {
                            "key": self._key("participation", slug, i, person, organization),
                            "event": [slug],
                            "person": [person] if person else None,
                            "organization": [organization] if organization else None,
                            "part": participant.get("part", ""),
                        },
                        timestamps=False,
                    )
                )
            for i, account in enumerate(record.get("account", [])):
                found = self._passage(f"{where} account {i}", account)
                if not found:
                    continue
                stance = self._check_choice(
                    where, "stance", account.get("stance", "reports"), Stance.values
                )
                pending = self._annotation(*found, Motivation.DESCRIBING, "account", stance)
                pending.events.add(slug)
                if account.get("note", "").strip():
                    pending.notes.append(account["note"].strip())
        return rows

    def quote_rows(self) -> list[dict]:
        rows = []
        for slug, record in self.quotes.items():
            where = f"quote {slug!r}"
            speaker = self._check_ref(where, "person", record.get("speaker"))
            speaker_org = self._check_ref(where, "organization", record.get("speaker_organization"))
            description = record.get("speaker_description", "")
            if speaker and speaker_org:
                self.problems.append(f"{where}: give a speaker or a speaker_organization, not both")
            if not (speaker or speaker_org or description):
                self.problems.append(
                    f"{where}: needs a speaker, speaker_organization or speaker_description"
                )
            said_on, precision = self._date(where, record.get("said_on", ""))
            self._check_choice(where, "medium", record.get("medium", "other"), Medium.values)
            event = self._check_ref(where, "event", record.get("event"))
            rows.append(
                self._row(
                    "archive.quote",
                    {
                        "slug": slug,
                        "text": record["text"].strip(),
                        "text_note": record.get("text_note", "").strip(),
                        "speaker": [speaker] if speaker else None,
                        "speaker_organization": [speaker_org] if speaker_org else None,
                        "speaker_description": description,
                        "medium": record.get("medium", Medium.OTHER),
                        "said_on": said_on,
                        "said_on_precision": precision,
                        "context": record.get("context", ""),
                        "event": [event] if event else None,
                        "language": record.get("language", "en"),
                        "status": Status.PUBLISHED,
                    },
                )
            )
        return rows

    def renderings(self) -> None:
        for slug, record in self.quotes.items():
            for i, rendering in enumerate(record.get("rendering", [])):
                found = self._passage(f"quote {slug!r} rendering {i}", rendering)
                if not found:
                    continue
                pending = self._annotation(*found, Motivation.LINKING, f"quote:{slug}")
                pending.quote = slug
                if rendering.get("note", "").strip():
                    pending.notes.append(rendering["note"].strip())

    def editorial_annotations(self) -> None:
        for i, record in enumerate(self.data["annotations"].get("annotation", [])):
            where = f"annotations.toml annotation {i} ({record.get('exact', '')[:40]!r})"
            found = self._passage(where, record)
            if not found:
                continue
            motivation = self._check_choice(
                where, "motivation", record.get("motivation", ""), Motivation.values
            )
            if record.get("correction") and motivation != Motivation.CORRECTING:
                self.problems.append(f"{where}: a correction needs motivation 'correcting'")
            pending = self._annotation(*found, motivation, f"editorial:{i}")
            pending.correction = record.get("correction", "").strip()
            if record.get("note", "").strip():
                pending.notes.append(record["note"].strip())
            for kind, target in (
                ("person", pending.persons),
                ("organization", pending.organizations),
                ("event", pending.events),
            ):
                for slug in record.get(f"{kind}s" if kind != "person" else "persons", []):
                    if self._check_ref(where, kind, slug):
                        target.add(slug)

    def dismissal_rows(self) -> list[tuple[dict, tuple]]:
        result = []
        for i, record in enumerate(self.data["dismissals"].get("dismiss", [])):
            where = f"dismissals.toml dismiss {i} ({record.get('exact', '')!r})"
            found = self._passage(where, record)
            person = self._check_ref(where, "person", record.get("person"))
            organization = self._check_ref(where, "organization", record.get("organization"))
            if not found or bool(person) == bool(organization):
                if found:
                    self.problems.append(f"{where}: name one person or one organization")
                continue
            source, anchor = found
            row = self._row(
                "archive.dismissedmention",
                {
                    "key": self._key(
                        "dismissal", source, anchor.start, anchor.end, person, organization
                    ),
                    "source": [source],
                    "start": anchor.start,
                    "end": anchor.end,
                    "exact": anchor.exact,
                    "prefix": anchor.prefix,
                    "suffix": anchor.suffix,
                    "person": [person] if person else None,
                    "organization": [organization] if organization else None,
                    "reason": record.get("reason", ""),
                },
            )
            entity = (PERSON, person) if person else (ORGANIZATION, organization)
            result.append((row, (source, anchor.start, anchor.end, entity)))
        return result

    def mentions(self, dismissals) -> None:
        """Every alias occurrence not dismissed becomes a mention; wrong forms get a correction."""
        forms = []
        for entity_type, table in ((PERSON, self.people), (ORGANIZATION, self.organizations)):
            for slug, record in table.items():
                for alias in record.get("aliases", []):
                    forms.append(
                        Form(
                            alias["name"],
                            entity_type,
                            slug,
                            alias.get("kind", "short"),
                            alias.get("case_sensitive", True),
                        )
                    )
        notes = {
            (entity_type, slug, alias["name"]): alias.get("note", "")
            for entity_type, table in ((PERSON, self.people), (ORGANIZATION, self.organizations))
            for slug, record in table.items()
            for alias in record.get("aliases", [])
        }
        dismissed = {(s, start, end, entity) for _, (s, start, end, entity) in dismissals}
        finder = MentionFinder(forms)
        for source, body in self.bodies.items():
            for occurrence in finder.find(body):
                forms_left = [
                    form
                    for form in occurrence.forms
                    if (source, occurrence.start, occurrence.end, (form.entity_type, form.entity))
                    not in dismissed
                ]
                if not forms_left:
                    continue
                if len({(f.entity_type, f.entity) for f in forms_left}) > 1:
                    self.problems.append(
                        f"{source} {occurrence.start}: {occurrence.exact!r} could be "
                        f"{sorted(f.entity for f in forms_left)}; dismiss the wrong ones"
                    )
                    continue
                form = forms_left[0]
                anchor = Anchor(
                    occurrence.start,
                    occurrence.end,
                    occurrence.exact,
                    body[max(0, occurrence.start - 32) : occurrence.start],
                    body[occurrence.end : occurrence.end + 32],
                )
                wrong = form.kind in AliasKind.wrong()
                motivation = Motivation.CORRECTING if wrong else Motivation.IDENTIFYING
                pending = self._annotation(source, anchor, motivation, "mention")
                (pending.persons if form.entity_type == PERSON else pending.organizations).add(
                    form.entity
                )
                if wrong:
                    table = self.people if form.entity_type == PERSON else self.organizations
                    pending.correction = table[form.entity]["name"]
                    note = notes.get((form.entity_type, form.entity, form.text))
                    if note and note not in pending.notes:
                        pending.notes.append(note)

    def annotation_rows(self) -> list[dict]:
        rows = []
        ordered = sorted(
            self.annotations.values(),
            key=lambda a: (a.source, a.anchor.start, -a.anchor.end, a.role, a.stance),
        )
        for pending in ordered:
            anchor = pending.anchor
            rows.append(
                self._row(
                    "archive.annotation",
                    {
                        "key": self._key(
                            "annotation",
                            pending.source,
                            anchor.start,
                            anchor.end,
                            pending.motivation,
                            pending.role,
                            pending.stance,
                        ),
                        "source": [pending.source],
                        "start": anchor.start,
                        "end": anchor.end,
                        "exact": anchor.exact,
                        "prefix": anchor.prefix,
                        "suffix": anchor.suffix,
                        "motivation": pending.motivation,
                        "note": "\n\n".join(pending.notes),
                        "correction": pending.correction,
                        "persons": [[slug] for slug in sorted(pending.persons)],
                        "organizations": [[slug] for slug in sorted(pending.organizations)],
                        "events": [[slug] for slug in sorted(pending.events)],
                        "quote": [pending.quote] if pending.quote else None,
                        "stance": pending.stance,
                        "status": Status.PUBLISHED,
                        "author": None,
                    },
                )
            )
        return rows


def compile_collection(folder: Path, timestamp: datetime.datetime | None = None) -> list[dict]:
    """The fixture rows for the catalogue in `folder`; CatalogueError lists every problem."""
    moment = (timestamp or datetime.datetime(2026, 11, 22, tzinfo=datetime.UTC)).isoformat()
    return Compiler(Path(folder), moment.replace("+00:00", "Z")).compile()
