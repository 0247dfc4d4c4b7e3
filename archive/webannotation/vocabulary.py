"""The W3C Web Annotation terms the archive uses, and how its own terms map onto them.

Every motivation of the archive is a W3C motivation, so the mapping is one to one both ways:
a correction is "editing" (a request to change the target), the rest keep their names.
"""

from archive.models import Motivation, Stance

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
LDP_CONTEXT = "http://www.w3.org/ns/ldp.jsonld"
PROFILE = CONTEXT
#: The protocol's media type: JSON-LD with the Web Annotation profile.
MEDIA_TYPE = f'application/ld+json; profile="{PROFILE}"'

LDP_CONTAINER = "http://www.w3.org/ns/ldp#BasicContainer"
LDP_RESOURCE = "http://www.w3.org/ns/ldp#Resource"
CONSTRAINED_BY = "http://www.w3.org/TR/annotation-protocol/"
PREFER_MINIMAL = "http://www.w3.org/ns/ldp#PreferMinimalContainer"
PREFER_IRIS = "http://www.w3.org/ns/oa#PreferContainedIRIs"
PREFER_DESCRIPTIONS = "http://www.w3.org/ns/oa#PreferContainedDescriptions"

#: archive motivation -> W3C motivation
TO_W3C = {
    Motivation.IDENTIFYING: "identifying",
    Motivation.DESCRIBING: "describing",
    Motivation.LINKING: "linking",
    Motivation.CORRECTING: "editing",
    Motivation.QUESTIONING: "questioning",
    Motivation.COMMENTING: "commenting",
}
#: W3C motivation -> archive motivation (the W3C terms the archive has no use for are refused)
FROM_W3C = {w3c: ours for ours, w3c in TO_W3C.items()}

#: Purposes of the bodies the archive writes.
NOTE_PURPOSE = {
    Motivation.QUESTIONING: "questioning",
    Motivation.DESCRIBING: "describing",
}  # any other motivation's note is "commenting"
CORRECTION_PURPOSE = "editing"
#: A stance is a TextualBody with this purpose whose value is one of Stance's values.
STANCE_PURPOSE = "classifying"
STANCES = frozenset(Stance.values)
#: Purpose of an entity body: people and organisations are identified; events and quotes linked.
ENTITY_PURPOSE = {"person": "identifying", "organization": "identifying"}
LINK_PURPOSE = "linking"

#: URL name of each entity's public page -> the entity kind (used both ways).
ENTITY_ROUTES = {
    "person-detail": "person",
    "organization-detail": "organization",
    "event-detail": "event",
    "quote-detail": "quote",
}


def note_purpose(motivation: str) -> str:
    return NOTE_PURPOSE.get(motivation, "commenting")
