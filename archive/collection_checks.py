"""Health of a collection: broken anchors, names not yet linked, entities never mentioned."""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from archive.mentions import MentionFinder, Occurrence
from archive.models import Annotation, DismissedMention, Organization, Person
from archive.suggestions import alias_forms, unresolved_mentions
from sources.models import Source


@dataclass
class SourceReport:
    source: Source
    mismatched: list[tuple[object, str]] = field(default_factory=list)  # (annotation, problem)
    unresolved: list[Occurrence] = field(default_factory=list)


@dataclass
class CollectionReport:
    sources: list[SourceReport]
    unmentioned_people: list[Person]
    unmentioned_organizations: list[Organization]

    @property
    def mismatch_count(self) -> int:
        return sum(len(report.mismatched) for report in self.sources)

    @property
    def unresolved_count(self) -> int:
        return sum(len(report.unresolved) for report in self.sources)

    @property
    def is_clean(self) -> bool:
        return not (
            self.mismatch_count
            or self.unresolved_count
            or self.unmentioned_people
            or self.unmentioned_organizations
        )


def check_collection(sources=None) -> CollectionReport:
    sources = list(sources if sources is not None else Source.objects.all())
    finder = MentionFinder(alias_forms())
    reports = []
    for source in sources:
        report = SourceReport(source)
        anchored = [
            *Annotation.objects.filter(source=source),
            *DismissedMention.objects.filter(source=source),
        ]
        for item in anchored:
            problem = item.anchor_problem(source.body)
            if problem:
                report.mismatched.append((item, problem))
        report.unresolved = unresolved_mentions(source, finder)
        reports.append(report)
    # Mentioned anywhere in the archive, whichever sources were checked.
    mentioned = Annotation.objects.all()
    return CollectionReport(
        sources=reports,
        unmentioned_people=list(
            Person.objects.exclude(Exists(mentioned.filter(persons=OuterRef("pk"))))
        ),
        unmentioned_organizations=list(
            Organization.objects.exclude(Exists(mentioned.filter(organizations=OuterRef("pk"))))
        ),
    )
