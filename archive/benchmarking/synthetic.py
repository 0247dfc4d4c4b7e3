"""A synthetic collection for the benchmark: deterministic, published, every passage anchored.

`generate()` fills an empty database with people (with aliases), organisations, events,
quotes and articles of generated prose, and annotates real occurrences of names, sentences
and quotations. It writes with `bulk_create`, which skips signals on purpose: no history
rows, no per-row anchor check and no per-row search indexing (the index is rebuilt once at
the end), so the full default collection builds in minutes. Anchors are computed here with
`anchor_span`, and `check()` verifies the invariant afterwards.
"""

import datetime
import io
import random
import re
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.utils.text import slugify

from archive.benchmarking.prose import Cast, Span, Text, Writer, split
from archive.caching import bump_generation
from archive.models import (
    AliasKind,
    Annotation,
    Certainty,
    Event,
    Motivation,
    Organization,
    OrganizationAlias,
    Participation,
    Person,
    PersonAlias,
    Quote,
    Role,
    Stance,
)
from archive.models.quotes import Medium
from archive.stored_readings import ALL
from archive.stored_readings import forget as forget_readings
from sources.anchoring import anchor_span
from sources.dates import Precision
from sources.models import Source, SourceKind
from sources.publishing import Status
from sources.text import is_normalised

FIRST_NAMES = split(
    "Amara Bruno Chiara Dmitri Elena Farid Greta Hiroshi Ines Jonas Kwame Leila Marek Nadia "
    "Oskar Priya Quentin Rosa Samir Tamsin Umar Vera Wendell Ximena Yusuf Zofia Anders "
    "Beatriz Cormac Dalia Emeka Freya Gideon Hana Idris Johanna Kenji Lucia Mateo Noor "
    "Orla Pavel Rania Stellan Tovah Ulla Viktor Wanjiru Xavier Yara Zubin Agnes Bastian "
    "Clio Desmond Esme Felix Gwen"
)
LAST_NAMES = split(
    "Okafor Lindqvist Moreau Petrov Castillo Haddad Brennan Takahashi Varga Nakamura "
    "Mensah Rahimi Kowalski Duarte Albrecht Iyer Fontaine Quispe Sorensen Adeyemi "
    "Halvorsen Ibarra Kaur Laurent Mbeki Novak Ortega Pereira Rossi Schmidt Tanaka Urquhart "
    "Vasquez Whitlock Yilmaz Zanetti Abbott Bjork Carvalho Delacroix Eriksen Farouk "
    "Gallagher Horvath Ivanova Jansen Kimura Lombardi Markovic Nilsson Oyelaran Pham "
    "Quigley Reyes Sato Thorne Ueda Valdez Weiss Xu"
)
ORG_STEMS = split(
    "Meridian Northwind Halcyon Ashgrove Bellwether Cobalt Driftwood Evergreen Foxglove "
    "Granite Harbor Ironbridge Juniper Keystone Lanternfish Marigold Nimbus Obsidian "
    "Pinecrest Quarry Redwood Saltmarsh Tidewater Umber Vantage Willowmere Yarrow Zephyr "
    "Amberline Bluestone"
)
ORG_KINDS = split("Labs Capital Systems Foundation Partners Institute Group Ventures Media Council")
OUTLETS = (
    "The Ledger",
    "Morning Wire",
    "Harbor Times",
    "The Standard Report",
    "Capital Review",
    "Signal Weekly",
    "The Northern Post",
    "Techwatch",
    "Daily Meridian",
    "The Observer Desk",
)
EVENT_NOUNS = split(
    "vote resignation hearing announcement launch settlement audit merger walkout "
    "appointment dismissal reinstatement review inquiry summit"
)
TIMEZONES = ("America/Los_Angeles", "America/New_York", "Europe/London", "Asia/Shanghai", "UTC")

#: The person every article may name, for the "person page with 10,000 mentions" scenario.
STAR = 0
#: Shares of an article's annotations by motivation; identifying mentions take the rest.
MIX = (
    (Motivation.LINKING, 0.10),
    (Motivation.DESCRIBING, 0.20),
    (Motivation.COMMENTING, 0.08),
    (Motivation.CORRECTING, 0.04),
    (Motivation.QUESTIONING, 0.03),
)
ARTICLES_PER_BATCH = 100
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Sizes:
    """How big a collection to build; the defaults are issue 6's."""

    articles: int = 5000
    words: int = 1000
    annotations_per_article: int = 50
    people: int = 500
    events: int = 2000
    quotes: int = 10000
    star_mentions: int = 10000
    dense_annotations: int = 1000
    sparse_annotations: int = 10

    @classmethod
    def scaled(cls, scale: float, **overrides) -> "Sizes":
        """The default collection times `scale` (article length and density stay the same)."""
        sizes = cls(
            articles=max(3, round(cls.articles * scale)),
            people=max(10, round(cls.people * scale)),
            events=max(10, round(cls.events * scale)),
            quotes=max(10, round(cls.quotes * scale)),
            star_mentions=max(1, round(cls.star_mentions * scale)),
        )
        return replace(sizes, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def organizations(self) -> int:
        return max(3, self.people // 5)

    @property
    def special_words(self) -> int:
        """The dense and sparse articles are longer, as heavily annotated articles are."""
        return 5 * self.words

    def check(self) -> None:
        room = self.articles * (self.annotations_per_article // 2)
        if self.star_mentions > room:
            raise ValueError(
                f"{self.star_mentions} mentions of one person do not fit in {self.articles} "
                f"articles of {self.annotations_per_article} annotations (at most {room})"
            )
        if self.people > len(FIRST_NAMES) * len(LAST_NAMES) or self.people < 3:
            raise ValueError(f"between 3 and {len(FIRST_NAMES) * len(LAST_NAMES)} people")


@dataclass
class Collection:
    """What was built, and what the benchmark needs to find in it."""

    sizes: Sizes
    star: str  # slug of the person with `star_mentions` mentions
    dense: str  # slug of the article with `dense_annotations` annotations
    sparse: str  # slug of the article of the same text with `sparse_annotations`
    queries: list[str]
    person: str = ""  # slug of the most-mentioned person after the star
    event: str = ""  # slug of the event with the most accounts
    counts: Counter = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class _Ids:
    """Primary keys of what is built, by index in the Cast."""

    people: list[int]
    organizations: list[int]
    events: list[int]
    quotes: list[int]


@dataclass(frozen=True)
class _Spec:
    span: tuple[int, int]
    motivation: str
    persons: tuple[int, ...] = ()
    organizations: tuple[int, ...] = ()
    events: tuple[int, ...] = ()
    quote: int | None = None
    stance: str = ""
    note: str = ""
    correction: str = ""


def generate(sizes: Sizes, *, seed: int = 2023, analyze: bool = True, log=print) -> Collection:
    """Build the collection into the (empty) default database; returns what was built.

    With `analyze`, the planner's statistics are brought up to date at the end, as
    PostgreSQL's autovacuum does a minute after a bulk load (SQLite never does it by itself).
    """
    sizes.check()
    rng = random.Random(seed)  # noqa: S311 (made-up articles, not secrets)
    began = time.perf_counter()
    collection = Collection(sizes, "", "", "", [])
    with _fast_writes():
        cast, names = _cast(rng, sizes)
        writer = Writer(rng, cast)
        with transaction.atomic():
            ids = _entities(rng, sizes, cast, names, writer, collection.counts)
        collection.seconds["entities"] = time.perf_counter() - began
        _articles(rng, sizes, writer, ids, collection.counts, log)
        collection.dense, collection.sparse = _special(rng, sizes, writer, ids, collection.counts)
        collection.seconds["articles"] = time.perf_counter() - began
    collection.star = Person.objects.get(pk=ids.people[STAR]).slug
    collection.person = Person.objects.get(pk=ids.people[1]).slug
    told = Event.objects.filter(pk__in=ids.events).annotate(accounts=Count("annotations"))
    collection.event = told.order_by("-accounts", "pk").values_list("slug", flat=True)[0]
    began_index = time.perf_counter()
    call_command("rebuild_search_index", verbosity=0, stdout=io.StringIO())
    collection.seconds["search index"] = time.perf_counter() - began_index
    if analyze:
        began_analyze = time.perf_counter()
        with connection.cursor() as cursor:
            # On PostgreSQL, VACUUM as well: it is what autovacuum leaves in production (the
            # GIN index's pending list merged, the visibility map set for index-only scans).
            in_transaction = connection.in_atomic_block
            vacuum = connection.vendor == "postgresql" and not in_transaction
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
        collection.seconds["analyze"] = time.perf_counter() - began_analyze
    # bulk_create sends no signals: say that public content changed, as docs/caching.md asks.
    bump_generation()
    forget_readings(ALL)
    collection.seconds["total"] = time.perf_counter() - began
    collection.queries = typical_queries(cast, names)
    return collection


@contextmanager
def _fast_writes():
    """Skip waiting for the disk while generating: a crash only loses a scratch database.

    Not inside a caller's transaction (a test's): SQLite cannot change it there.
    """
    if connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous")
            previous = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous=OFF")
        elif connection.vendor == "postgresql":
            cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"PRAGMA synchronous={int(previous)}")
            elif connection.vendor == "postgresql":
                cursor.execute("RESET synchronous_commit")


# --- People, organisations, events, quotes ------------------------------------------------


@dataclass(frozen=True)
class _Names:
    """Every name form made, including those the prose never uses (misspellings)."""

    people: list[tuple[str, str, str]]  # (first, last, misspelling or "")
    organizations: list[str]


def _cast(rng: random.Random, sizes: Sizes) -> tuple[Cast, _Names]:
    pairs = [(first, last) for last in LAST_NAMES for first in FIRST_NAMES]
    people = []
    for first, last in rng.sample(pairs, sizes.people):
        wrong = ""
        if rng.random() < 0.1:  # an alias like "Brad Leitege": a common misspelling
            i = rng.randrange(1, len(last) - 1)
            swapped = f"{last[:i]}{last[i + 1]}{last[i]}{last[i + 2 :]}"
            wrong = f"{first} {swapped}" if swapped != last else ""
        people.append((first, last, wrong))
    stems = [f"{stem} {kind}" for kind in ORG_KINDS for stem in ORG_STEMS]
    organizations = sorted(rng.sample(stems, min(sizes.organizations, len(stems))))
    names = _Names(people, organizations)
    forms = [
        (f"{first} {last}", last, first) if i % 3 == 0 else (f"{first} {last}", last)
        for i, (first, last, _) in enumerate(people)
    ]
    org_forms = [(name, "".join(word[0] for word in name.split())) for name in organizations]
    # Quotes are said by anyone but the star, so the star is named only where counted.
    speakers = [rng.randrange(1, sizes.people) for _ in range(sizes.quotes)]
    cast = Cast(forms, org_forms, [])
    writer = Writer(rng, cast)
    cast.quotes.extend((speaker, writer.utterance()) for speaker in speakers)
    return cast, names


def _key(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _day(rng: random.Random) -> datetime.date:
    return datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(4018))


def _entities(rng, sizes: Sizes, cast: Cast, names: _Names, writer: Writer, counts) -> _Ids:
    published = Status.PUBLISHED
    people = Person.objects.bulk_create(
        [
            Person(
                slug=slugify(f"{first} {last}"),
                name=f"{first} {last}",
                description=f"{writer.words('{A} {R}').capitalize()} at "
                f"{rng.choice(names.organizations)}.",
                status=published,
            )
            for first, last, _ in names.people
        ]
    )
    aliases = []
    for person, (first, last, wrong), forms in zip(people, names.people, cast.people, strict=True):
        aliases.append(PersonAlias(person=person, name=forms[0], kind=AliasKind.NAME))
        aliases.append(PersonAlias(person=person, name=last, kind=AliasKind.SHORT))
        if len(forms) > 2:
            aliases.append(PersonAlias(person=person, name=first, kind=AliasKind.NICKNAME))
        if wrong:
            aliases.append(PersonAlias(person=person, name=wrong, kind=AliasKind.MISSPELLING))
    PersonAlias.objects.bulk_create(aliases, batch_size=1000)
    organizations = Organization.objects.bulk_create(
        [
            Organization(slug=slugify(name), name=name, description="", status=published)
            for name in names.organizations
        ]
    )
    OrganizationAlias.objects.bulk_create(
        [
            OrganizationAlias(organization=org, name=name, kind=kind)
            for org, forms in zip(organizations, cast.organizations, strict=True)
            for name, kind in zip(forms, (AliasKind.NAME, AliasKind.ABBREVIATION), strict=True)
        ]
    )
    Role.objects.bulk_create(
        [
            Role(
                key=_key(rng),
                person=person,
                organization=rng.choice(organizations),
                title=writer.words("{A} {R}").capitalize(),
                start=datetime.date(rng.randrange(2005, 2024), 1, 1),
                start_precision=Precision.YEAR,
            )
            for person in people
        ],
        batch_size=1000,
    )
    events = _events(rng, sizes, writer, people, organizations, names)
    quotes = Quote.objects.bulk_create(
        [
            Quote(
                slug=f"quote-{number}",
                text=words,
                speaker=people[speaker],
                medium=rng.choice(Medium.values),
                said_on=_day(rng),
                said_on_precision=Precision.DAY,
                context=writer.words("At the {A} {N} {T}"),
                event=rng.choice(events),
                status=published,
            )
            for number, (speaker, words) in enumerate(cast.quotes, start=1)
        ],
        batch_size=1000,
    )
    counts.update(
        people=len(people),
        person_aliases=len(aliases),
        organizations=len(organizations),
        events=len(events),
        quotes=len(quotes),
    )
    return _Ids(
        [p.pk for p in people],
        [o.pk for o in organizations],
        [e.pk for e in events],
        [q.pk for q in quotes],
    )


def _events(rng, sizes: Sizes, writer: Writer, people, organizations, names) -> list[Event]:
    """Stories first (the home page lists them), then events, half of them in a story."""

    def event(number: int, parent=None) -> Event:
        organization = rng.choice(names.organizations)
        title = f"{organization} {rng.choice(EVENT_NOUNS)} over the {writer.words('{A} {N}')}"
        moment = datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
            minutes=rng.randrange(11 * 365 * 24 * 60)
        )
        return Event(
            slug=f"{slugify(title)}-{number}",
            title=title,
            summary=writer.words("The {N} {V} the {A} {N} {T}. The {N} {V} {D}."),
            parent=parent,
            occurred_at=moment,
            precision=rng.choice((Precision.DAY, Precision.HOUR, Precision.MINUTE)),
            timezone=rng.choice(TIMEZONES),
            certainty=rng.choices(Certainty.values, weights=(70, 20, 7, 3))[0],
            status=Status.PUBLISHED,
        )

    stories = Event.objects.bulk_create([event(n) for n in range(1, sizes.events // 50 + 2)])
    rest = [
        event(n, rng.choice(stories) if rng.random() < 0.5 else None)
        for n in range(len(stories) + 1, sizes.events + 1)
    ]
    events = stories + Event.objects.bulk_create(rest, batch_size=1000)
    participations = []
    for item in events:
        for _ in range(rng.randint(1, 3)):
            person = rng.choice(people) if rng.random() < 0.7 else None
            participations.append(
                Participation(
                    key=_key(rng),
                    event=item,
                    person=person,
                    organization=None if person else rng.choice(organizations),
                    part=writer.words("{V} the {N}"),
                )
            )
    Participation.objects.bulk_create(participations, batch_size=1000)
    return events


# --- Articles and their annotations -------------------------------------------------------


def _articles(rng, sizes: Sizes, writer: Writer, ids: _Ids, counts, log) -> None:
    share, extra = divmod(sizes.star_mentions, sizes.articles)
    for first in range(0, sizes.articles, ARTICLES_PER_BATCH):
        batch = []
        for number in range(first, min(first + ARTICLES_PER_BATCH, sizes.articles)):
            quotes = tuple(((2 * number + i) % sizes.quotes, rng.random() < 0.2) for i in range(2))
            mentions = share + (number < extra)
            text = writer.article(sizes.words, star=STAR, star_mentions=mentions, quotes=quotes)
            events = _nearby_events(number, sizes)
            specs = _choose(rng, writer, text, sizes.annotations_per_article, events)
            batch.append((_source(rng, writer, text, number), text, specs))
        with transaction.atomic():
            _save(rng, batch, ids, counts)
        if log and (first // ARTICLES_PER_BATCH) % 10 == 9:
            log(f"  {first + len(batch)} of {sizes.articles} articles")


def _nearby_events(number: int, sizes: Sizes) -> list[int]:
    """An article tells a dozen neighbouring events: stories cluster, as news does."""
    centre = number * sizes.events // sizes.articles
    return list(dict.fromkeys((centre + offset) % sizes.events for offset in range(12)))


def _special(rng, sizes: Sizes, writer: Writer, ids: _Ids, counts) -> tuple[str, str]:
    """One text twice: with `dense_annotations` annotations, and with `sparse_annotations`."""
    text = writer.article(sizes.special_words, star=STAR, quotes=((0, False), (1, True)))
    events = _nearby_events(0, sizes)
    batch = []
    for label, count in (("dense", sizes.dense_annotations), ("sparse", sizes.sparse_annotations)):
        source = _source(rng, writer, text, 0)
        source.slug = f"{label}-article-{count}-annotations"
        source.title = f"{source.title} ({label}ly annotated)"
        batch.append((source, text, _choose(rng, writer, text, count, events)))
    with transaction.atomic():
        _save(rng, batch, ids, counts)
    return batch[0][0].slug, batch[1][0].slug


def _source(rng, writer: Writer, text: Text, number: int) -> Source:
    subject = next((span.ref for span in text.spans if span.kind == "person"), STAR)
    title = writer.title(subject)
    return Source(
        slug=f"{slugify(title)[:90]}-{number + 1}",
        title=title,
        outlet=rng.choice(OUTLETS),
        outlet_basis="stated",
        authors=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        authors_basis="stated",
        published_on=_day(rng),
        published_on_precision=Precision.DAY,
        published_basis="stated",
        kind=rng.choices(SourceKind.values, weights=(60, 15, 8, 7, 6, 2, 2))[0],
        body=text.body,
        status=Status.PUBLISHED,
    )


def _choose(rng, writer: Writer, text: Text, count: int, events: list[int]) -> list[_Spec]:
    """`count` annotations on real occurrences: every star mention, then the MIX."""
    by_kind: dict[str, list[Span]] = {}
    for span in text.spans:
        by_kind.setdefault(span.kind, []).append(span)
    specs, used = [], set()

    def take(span: tuple[int, int], motivation: str, **links) -> None:
        used.add(span)
        specs.append(_Spec(span, motivation, **links))

    for span in by_kind.get("person", []):
        if span.ref == STAR:
            take((span.start, span.end), Motivation.IDENTIFYING, persons=(span.ref,))
    if len(specs) > count:
        raise ValueError(f"{len(specs)} mentions of the star, but {count} annotations wanted")
    wanted = [(motivation, round(share * (count - len(specs)))) for motivation, share in MIX]
    for motivation, number in wanted:
        pool = by_kind.get({"linking": "quote", "describing": "sentence"}.get(motivation, ""), [])
        for span in rng.sample(pool, min(number, len(pool))):
            if len(specs) < count and (span.start, span.end) not in used:
                take((span.start, span.end), motivation, **_links(rng, writer, span, events))
    names = [
        s
        for s in by_kind.get("person", []) + by_kind.get("organization", [])
        if not (s.kind == "person" and s.ref == STAR)
    ]
    rng.shuffle(names)
    reserved = sum(number for motivation, number in wanted if motivation in _PHRASED)
    for span in names:
        if len(specs) >= count - reserved:
            break
        if (span.start, span.end) not in used:
            key = "persons" if span.kind == "person" else "organizations"
            take((span.start, span.end), Motivation.IDENTIFYING, **{key: (span.ref,)})
    # Remarks on short phrases fill what is left (and all of it when names run out).
    words = [(m.start(), m.end()) for m in _WORD.finditer(text.body)]
    cycle = [m for m, n in wanted if m in _PHRASED for _ in range(n)] or [Motivation.COMMENTING]
    while len(specs) < count:
        first = rng.randrange(len(words))
        last = min(first + rng.randint(1, 6), len(words)) - 1
        span = (words[first][0], words[last][1])
        if span not in used:
            motivation = cycle[len(specs) % len(cycle)]
            take(span, motivation, **_remark(writer, motivation))
    return specs


_PHRASED = (Motivation.COMMENTING, Motivation.CORRECTING, Motivation.QUESTIONING)


def _links(rng, writer: Writer, span: Span, events: list[int]) -> dict:
    if span.kind == "quote":
        return {"quote": span.ref}
    chosen = tuple(rng.sample(events, 2 if rng.random() < 0.2 else 1))
    stance = rng.choices(list(Stance.values), weights=(85, 7, 3, 5))[0]
    return {"events": chosen, "stance": stance}


def _remark(writer: Writer, motivation: str) -> dict:
    if motivation == Motivation.CORRECTING:
        return {"correction": writer.words("the {A} {N}")}
    if motivation == Motivation.QUESTIONING:
        return {"note": writer.words("Was it the *{A} {N}*? No other source says so.")}
    return {"note": writer.words("Other reports put the {N} {P} the {A} {N}; see the **{N}**.")}


def _save(rng, batch, ids: _Ids, counts) -> None:
    """Write a batch of (source, text, specs): sources, annotations, then their links."""
    Source.objects.bulk_create([source for source, _, _ in batch])
    annotations, links = [], []
    for source, text, specs in batch:
        body = text.body
        if not is_normalised(body):
            raise AssertionError(f"generated text of {source.slug} is not normalised")
        for spec in specs:
            anchor = anchor_span(body, *spec.span)
            annotations.append(
                Annotation(
                    key=_key(rng),
                    source=source,
                    start=anchor.start,
                    end=anchor.end,
                    exact=anchor.exact,
                    prefix=anchor.prefix,
                    suffix=anchor.suffix,
                    motivation=spec.motivation,
                    note=spec.note,
                    correction=spec.correction,
                    quote_id=None if spec.quote is None else ids.quotes[spec.quote],
                    stance=spec.stance,
                    status=Status.PUBLISHED,
                )
            )
            links.append(spec)
    Annotation.objects.bulk_create(annotations, batch_size=1000)
    persons, organizations, events = [], [], []
    for annotation, spec in zip(annotations, links, strict=True):
        pk = annotation.pk
        persons += [_Through.person(pk, ids.people[i]) for i in spec.persons]
        organizations += [
            _Through.organization(pk, ids.organizations[i]) for i in spec.organizations
        ]
        events += [_Through.event(pk, ids.events[i]) for i in spec.events]
    for rows in (persons, organizations, events):
        if rows:
            type(rows[0]).objects.bulk_create(rows, batch_size=2000)
    counts.update(
        sources=len(batch),
        annotations=len(annotations),
        person_links=len(persons),
        organization_links=len(organizations),
        event_links=len(events),
    )
    counts.update(f"annotations:{spec.motivation}" for spec in links)


class _Through:
    """Rows of the annotations' M2M tables, made directly for bulk_create."""

    @staticmethod
    def person(annotation: int, person: int):
        return Annotation.persons.through(annotation_id=annotation, person_id=person)

    @staticmethod
    def organization(annotation: int, organization: int):
        return Annotation.organizations.through(
            annotation_id=annotation, organization_id=organization
        )

    @staticmethod
    def event(annotation: int, event: int):
        return Annotation.events.through(annotation_id=annotation, event_id=event)


# --- What to look for --------------------------------------------------------------------


def typical_queries(cast: Cast, names: _Names) -> list[str]:
    """Twenty searches a reader might type, drawn from the collection itself."""
    star_first, star_last, _ = names.people[STAR]
    other_first, other_last, _ = names.people[1]
    misspelt = next((wrong for _, _, wrong in names.people if wrong), "Amara Okafro")
    quote_words = cast.quotes[0][1].rstrip(".").split()
    return [
        f"{star_first} {star_last}",  # a name
        star_last,  # a surname alone
        f"{other_first} {other_last}",  # another person
        names.organizations[0],  # an organisation
        cast.organizations[1][1],  # an abbreviation
        f'"{" ".join(quote_words[:4])}"',  # a quoted phrase from a quote
        '"the interim board"',  # a quoted phrase from the prose
        "board",  # a common word
        "investors",  # a fairly common word
        "palimpsest",  # a rare word
        "subpoena tribunal",  # two rare words
        "board charter vote",  # several words
        f"{star_last} resignation",  # a name and a word
        f"{star_last} {names.organizations[0].split()[0]}",  # a name and an organisation
        "interim chief executive",  # a phrase, unquoted
        misspelt,  # a misspelling recorded as an alias
        "goverment",  # a misspelling nobody recorded
        f"{star_first.lower()} {star_last.lower()}",  # a name in lower case
        "hearing over the funding",  # a question-like phrase
        "quietly postponed the settlement",  # words of a sentence
    ]


# --- Checking what was built --------------------------------------------------------------


def check(collection: Collection) -> list[str]:
    """Problems with the built collection (empty when every invariant holds)."""
    problems = []
    sizes = collection.sizes
    bodies = dict(Source.objects.values_list("pk", "body"))
    for pk, source_id, start, end, exact in Annotation.objects.values_list(
        "pk", "source_id", "start", "end", "exact"
    ).iterator(chunk_size=5000):
        if bodies[source_id][start:end] != exact:
            problems.append(f"annotation {pk}: body[{start}:{end}] != exact")
    star_mentions = Annotation.objects.published().filter(persons__slug=collection.star).count()
    expected = {
        "mentions of the star": (star_mentions, sizes.star_mentions),
        "dense article": (
            Annotation.objects.filter(source__slug=collection.dense).count(),
            sizes.dense_annotations,
        ),
        "sparse article": (
            Annotation.objects.filter(source__slug=collection.sparse).count(),
            sizes.sparse_annotations,
        ),
        "synthetic people": (collection.counts["people"], sizes.people),
        "synthetic events": (collection.counts["events"], sizes.events),
        "synthetic quotes": (collection.counts["quotes"], sizes.quotes),
        "synthetic articles": (collection.counts["sources"], sizes.articles + 2),
        "annotations": (
            collection.counts["annotations"],
            sizes.articles * sizes.annotations_per_article
            + sizes.dense_annotations
            + sizes.sparse_annotations,
        ),
    }
    for what, (found, wanted) in expected.items():
        if found != wanted:
            problems.append(f"{what}: {found}, expected {wanted}")
    return problems
