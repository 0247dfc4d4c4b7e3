"""Importing annotations made elsewhere: anchored by their quotes, reported one by one.

Annotations exported from another tool (or another instance of the archive) are placed in a
source by their TextQuoteSelector, never by their offsets alone; each is anchored, moved,
fuzzy (saved, flagged for review) or kept out with the reason. Where each came from is
recorded, so importing the same file again adds nothing.
"""

from collections import Counter
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from archive.models import AnchorStatus, Annotation
from archive.webannotation.incoming import Incoming, InvalidAnnotation
from archive.webannotation.links import LinkResolver, our_annotation_key, resolve_source
from sources.locating import How, Located, Locator, NotAnchorable
from sources.models import Source
from sources.publishing import Status

#: What the history of an imported annotation says about its first version.
CHANGE_REASON = "Imported from a Web Annotation file"
#: Longer ids are recorded by their hash; the origin field holds 500 characters.
MAX_ORIGIN = 500


class Outcome(StrEnum):
    """What became of one annotation of the file."""

    ANCHORED = "anchored"  # at its stated offsets (or found by its quote, none stated)
    MOVED = "moved"  # its quote, at other offsets than it stated
    FUZZY = "fuzzy"  # a passage like its quote: saved, flagged for an editor
    ALREADY = "already imported"  # an earlier import (or the archive itself) has it
    REFUSED = "refused"  # it targets another source of this archive
    NOT_ANCHORABLE = "not anchorable"  # no passage of the text is the one quoted
    INVALID = "invalid"  # unreadable, or breaks a rule of the archive

    @property
    def imported(self) -> bool:
        return self in IMPORTED

    @property
    def kept_out(self) -> bool:
        return self in KEPT_OUT


#: In the order the summary names them.
IMPORTED = (Outcome.ANCHORED, Outcome.MOVED, Outcome.FUZZY)
KEPT_OUT = (Outcome.REFUSED, Outcome.NOT_ANCHORABLE, Outcome.INVALID)
OUTCOME_OF = {How.EXACT: Outcome.ANCHORED, How.MOVED: Outcome.MOVED, How.FUZZY: Outcome.FUZZY}
# A moved passage is its exact words, so nothing is left to check: it is simply anchored. (The
# MOVED anchor status means moved by an edit of our text, which an import is not.)
ANCHOR_STATUS = {
    How.EXACT: AnchorStatus.ANCHORED,
    How.MOVED: AnchorStatus.ANCHORED,
    How.FUZZY: AnchorStatus.FUZZY,
}


@dataclass
class ItemReport:
    """One annotation of the file: what became of it, and where it is now."""

    number: int  # its place in the file, from 1
    outcome: Outcome
    reason: str = ""  # why it was kept out or skipped
    id: str = ""  # its id as given
    origin: str = ""
    key: str = ""  # the archive's annotation (new, or the one that already has it)
    start: int | None = None  # in the archive's text
    end: int | None = None
    exact: str = ""  # the archive's text at start–end
    given_start: int | None = None
    given_end: int | None = None
    given_exact: str = ""
    similarity: float | None = None
    status: str = ""  # draft or published
    links: dict[str, list[str]] = field(default_factory=dict)  # kind -> slugs
    unknown: dict[str, str] = field(default_factory=dict)  # IRI -> why it links nothing
    remarks: list[str] = field(default_factory=list)


@dataclass
class Report:
    source: str
    dry_run: bool = False
    items: list[ItemReport] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(item.outcome for item in self.items)

    @property
    def imported(self) -> list[ItemReport]:
        return [item for item in self.items if item.outcome.imported]

    @property
    def kept_out(self) -> list[ItemReport]:
        return [item for item in self.items if item.outcome.kept_out]

    @property
    def needing_review(self) -> list[ItemReport]:
        return [item for item in self.items if item.outcome == Outcome.FUZZY]

    @property
    def summary(self) -> str:
        counts = self.counts
        imported = sum(counts[o] for o in IMPORTED)
        kinds = ", ".join(f"{counts[o]} {o.value}" for o in IMPORTED if counts[o])
        parts = [
            f"{imported} annotation(s) {'would be ' if self.dry_run else ''}imported into "
            f"{self.source}" + (f" ({kinds})" if kinds else "")
        ]
        if counts[Outcome.FUZZY]:
            parts.append(f"{counts[Outcome.FUZZY]} to review (fuzzy)")
        if counts[Outcome.ALREADY]:
            parts.append(f"{counts[Outcome.ALREADY]} already imported")
        kept_out = ", ".join(f"{counts[o]} {o.value}" for o in KEPT_OUT if counts[o])
        if kept_out:
            parts.append(f"kept out: {kept_out}")
        return "; ".join(parts) + (" (dry run: nothing saved)" if self.dry_run else "") + "."

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "counts": {outcome.value: self.counts[outcome] for outcome in Outcome},
            "items": [asdict(item) for item in self.items],
        }


def origin_of(item: Incoming) -> str:
    """Where an annotation came from: its id, or (with none, or one too long) its content."""
    if item.id and len(item.id) <= MAX_ORIGIN:
        return item.id
    return item.digest


def import_annotations(
    *,
    source: Source,
    items: list[Incoming | InvalidAnnotation],
    user=None,
    publish: bool = False,
    dry_run: bool = False,
) -> Report:
    """Import annotations (as read by incoming.read_annotations) into `source`, in one
    transaction: every anchorable one or, if anything unexpected fails, none.

    New annotations are drafts unless `publish`; fuzzy ones stay drafts either way, flagged
    for review. `user` becomes their author. A dry run does everything, reports, and rolls back.
    """
    report = Report(source=source.slug, dry_run=dry_run)
    readable = [item for item in items if isinstance(item, Incoming)]
    with transaction.atomic():
        importer = _Importer(source, readable, user=user, publish=publish)
        for number, item in enumerate(items, 1):
            report.items.append(importer.import_one(number, item))
        importer.keep_creation_times()
        if dry_run:
            transaction.set_rollback(True)
    return report


class _Importer:
    """The lookups an import needs, made once for the whole file, and the import of one item."""

    def __init__(self, source: Source, items: list[Incoming], *, user, publish: bool):
        self.source, self.user, self.publish = source, user, publish
        self.locator = Locator(source.body)
        self.links = LinkResolver(iri for item in items for iri in item.entity_iris)
        self.sources: dict[str, Source | None] = {}
        self.origins = dict(
            Annotation.objects.filter(
                source=source, origin__in={origin_of(item) for item in items}
            ).values_list("origin", "key")
        )
        ours = {item.id: our_annotation_key(item.id) for item in items if item.id}
        self.our_keys = {iri: key for iri, key in ours.items() if key is not None}
        self.existing = dict(
            Annotation.objects.filter(key__in=set(self.our_keys.values())).values_list(
                "key", "source__slug"
            )
        )
        self.seen: dict[str, tuple[int, str]] = {}  # origin -> (number, key) of its first item
        self.created: list[Annotation] = []

    def import_one(self, number: int, item: Incoming | InvalidAnnotation) -> ItemReport:
        if isinstance(item, InvalidAnnotation):
            return ItemReport(number, Outcome.INVALID, reason=str(item), id=item.id)
        origin = origin_of(item)
        report = ItemReport(
            number,
            Outcome.INVALID,
            id=item.id,
            origin=origin,
            given_start=item.start,
            given_end=item.end,
            given_exact=item.exact,
            remarks=list(item.remarks),
        )
        skipped, key = self._skipped(number, item, origin)
        if skipped:
            report.outcome, report.reason, report.key = Outcome.ALREADY, skipped, key
            return report
        refused = self._refused(item)
        if refused:
            report.outcome, report.reason = Outcome.REFUSED, refused
            return report
        try:
            located = self.locator.locate(
                item.exact, item.prefix, item.suffix, item.start, item.end
            )
        except NotAnchorable as error:
            report.outcome, report.reason = Outcome.NOT_ANCHORABLE, str(error)
            return report
        links = self.links.links(item.entity_iris)
        report.links, report.unknown = links.slugs(), {i: links.reasons[i] for i in links.unknown}
        annotation = self._annotation(item, located, origin, links)
        try:
            annotation.full_clean(exclude=["source", "quote", "author"])
        except ValidationError as error:
            report.reason = _sentences(error)
            return report
        annotation._change_reason = CHANGE_REASON
        annotation.save()
        for name, entities in (
            ("persons", links.persons),
            ("organizations", links.organizations),
            ("events", links.events),
        ):
            if entities:
                getattr(annotation, name).set(entities)
        if item.created:
            annotation.created_at = item.created
            self.created.append(annotation)
        self.seen[origin] = (number, str(annotation.key))
        report.outcome = OUTCOME_OF[located.how]
        report.key, report.status = str(annotation.key), annotation.status
        report.start, report.end, report.exact = annotation.start, annotation.end, annotation.exact
        report.similarity = located.similarity if located.how == How.FUZZY else None
        return report

    def keep_creation_times(self) -> None:
        """An annotation made elsewhere keeps the time it was made (one query for all)."""
        if self.created:
            Annotation.objects.bulk_update(self.created, ["created_at"])

    def _skipped(self, number: int, item: Incoming, origin: str) -> tuple[str, str]:
        """Why the item is already in the archive, and as which annotation; ("", "") if not."""
        if origin in self.seen:
            first, key = self.seen[origin]
            return f"the same annotation as #{first} of this file", key
        key = self.our_keys.get(item.id)
        if key is not None and key in self.existing:
            return f"the archive's own annotation {key} (on {self.existing[key]})", str(key)
        if origin in self.origins:
            return f"as {self.origins[origin]}", str(self.origins[origin])
        return "", ""

    def _refused(self, item: Incoming) -> str:
        iri = item.target_source
        if iri not in self.sources:
            self.sources[iri] = resolve_source(iri)
        named = self.sources[iri]
        # A target that is not a source of this archive (the article's page on another site,
        # another tool's copy) is no objection: the quote decides where the passage is.
        if named is not None and named.pk != self.source.pk:
            return f"targets {named.slug}, not {self.source.slug}"
        return ""

    def _annotation(self, item: Incoming, located: Located, origin: str, links) -> Annotation:
        fuzzy = located.how == How.FUZZY
        annotation = Annotation(
            source=self.source,
            start=located.start,
            end=located.end,
            # Our words, never theirs: the anchor's invariant is body[start:end] == exact.
            exact=self.source.body[located.start : located.end],
            motivation=item.motivation,
            note=item.note,
            correction=item.correction,
            stance=item.stance,
            quote=links.quote,
            author=self.user,
            status=Status.PUBLISHED if self.publish and not fuzzy else Status.DRAFT,
            anchor_status=ANCHOR_STATUS[located.how],
            origin=origin,
        )
        key = self.our_keys.get(item.id)
        if key is not None:
            # An annotation of another instance of the archive keeps its identity here.
            annotation.key = key
        annotation.fill_context(self.source.body)
        return annotation


def _sentences(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts = []
    for name, messages in error.message_dict.items():
        text = " ".join(messages)
        parts.append(text if name == NON_FIELD_ERRORS else f"{name}: {text}")
    return "; ".join(parts)
