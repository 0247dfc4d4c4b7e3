"""The editorial entities and the annotations that tie them to passages of sources."""

from archive.models.annotations import (
    AnchorStatus,
    Annotation,
    AnnotationQuerySet,
    DismissedMention,
    Motivation,
    Stance,
)
from archive.models.events import Certainty, Event, Participation
from archive.models.generation import ContentGeneration
from archive.models.names import (
    AliasKind,
    Organization,
    OrganizationAlias,
    Person,
    PersonAlias,
    Role,
)
from archive.models.quotes import Medium, Quote
from archive.models.readings import StoredReading
from archive.models.search import SearchEntry, SearchKind

__all__ = [
    "AliasKind",
    "AnchorStatus",
    "Annotation",
    "AnnotationQuerySet",
    "Certainty",
    "ContentGeneration",
    "DismissedMention",
    "Event",
    "Medium",
    "Motivation",
    "Organization",
    "OrganizationAlias",
    "Participation",
    "Person",
    "PersonAlias",
    "Quote",
    "Role",
    "SearchEntry",
    "SearchKind",
    "Stance",
    "StoredReading",
]
