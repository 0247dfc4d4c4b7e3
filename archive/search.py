"""Full-text search: one `search()` over PostgreSQL full-text search or SQLite FTS5, and its index.

The index (`SearchEntry`) holds one row per searchable unit of *published* content: each
paragraph of a source, each annotation's note and correction, each quote (with every
published wording of it), each person, organisation and event. The receivers at the end keep
it in step with every save and delete; `loaddata` skips them (raw saves) and calls
`rebuild_index()` once. Only the two `_match_*` functions know which engine is in use: both
return the same rows, with the matched terms between START and STOP, and everything after
that (exact-name ranking, links to the exact passage, escaped snippets) is shared.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.db import connection
from django.db.models import Prefetch
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Imported first so that, on a text edit, re-anchoring runs before re-indexing (body_changed).
from archive import receivers  # noqa: F401
from archive.models import (
    Annotation,
    Event,
    Organization,
    OrganizationAlias,
    Person,
    PersonAlias,
    Quote,
    SearchEntry,
    SearchKind,
)
from sources.models import Source, body_changed
from sources.text import excerpt, paragraphs

MAX_QUERY_CHARS = 200
#: More terms than this add nothing a reader can judge and only cost the engine time.
MAX_TERMS = 12
SNIPPET_CHARS = 240
# Private-use characters: the engines wrap matches in them, and only after the text has been
# escaped do they become <mark>, so no stored or typed text is ever emitted as markup.
START, STOP = "\ue000", "\ue001"

QUOTED = re.compile(r'"([^"]*)"|([^\W_]+)')
WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Hit:
    kind: str
    title: str
    url: str
    snippet_html: SafeString
    rank: float

    @property
    def kind_label(self) -> str:
        return SearchKind(self.kind).label


# --- The query ----------------------------------------------------------------------------


def clean_query(text: str) -> tuple[str, bool]:
    """The query as searched, and whether it was cut to MAX_QUERY_CHARS."""
    text = unicodedata.normalize("NFC", text or "").strip()
    return text[:MAX_QUERY_CHARS], len(text) > MAX_QUERY_CHARS


def parse_query(text: str) -> list[tuple[str, ...]]:
    """Words and "quoted phrases", nothing else: every operator of both engines is dropped.

    Each term is later quoted for the engine, so `AND`, `NEAR(`, `*`, `-` or `or` are only
    ever words to look for, never syntax; terms are implicitly ANDed on both engines.
    """
    terms = []
    for phrase, word in QUOTED.findall(clean_query(text)[0]):
        words = tuple(WORD.findall(phrase)) if phrase else (word,)
        if words and words not in terms:
            terms.append(words)
    return terms[:MAX_TERMS]


def _quoted(terms: list[tuple[str, ...]]) -> str:
    return " ".join('"' + " ".join(words) + '"' for words in terms)


def _folded(text: str) -> str:
    return " ".join(WORD.findall(text.casefold()))


# --- The engines: the only place that differs by database --------------------------------

FIELDS = ("id", "kind", "object_id", "source_pk", "paragraph", "start", "title", "names", "url")


SQLITE_MATCH = """
    SELECT e.id, e.kind, e.object_id, e.source_pk, e.paragraph, e.start, e.title, e.names, e.url,
           highlight(archive_searchentry_fts, 0, %s, %s),
           highlight(archive_searchentry_fts, 1, %s, %s),
           -bm25(archive_searchentry_fts, 5.0, 1.0) AS score
    FROM archive_searchentry_fts
    JOIN archive_searchentry e ON e.id = archive_searchentry_fts.rowid
    WHERE archive_searchentry_fts MATCH %s
    ORDER BY score DESC, e.id
    LIMIT %s
"""


def _match_sqlite(terms, limit: int) -> list[dict]:
    # bm25() is lower for better matches; names weigh five times the body, as 'A' vs 'B' do
    # on PostgreSQL. highlight() gives the whole column, so the snippet is cut in Python.
    with connection.cursor() as cursor:
        cursor.execute(SQLITE_MATCH, [START, STOP, START, STOP, _quoted(terms), limit])
        names = [*FIELDS, "names_marked", "body_marked", "score"]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# `document` is the stored vector of migration 0007 (names weighted 'A', body 'B'): the GIN
# index serves the match, and ts_rank reads the vector instead of running to_tsvector again
# on every match (for a common word, most of the index). Every match is still ranked, as
# before, but in a subquery that carries no text; ts_headline runs on the best `limit` alone.
POSTGRESQL_MATCH = """
    SELECT e.id, e.kind, e.object_id, e.source_pk, e.paragraph, e.start, e.title, e.names, e.url,
           ts_headline('simple', e.names, websearch_to_tsquery('simple', %(terms)s), %(marks)s),
           ts_headline('simple', e.body, websearch_to_tsquery('simple', %(terms)s), %(marks)s),
           best.score
    FROM (
        SELECT id, ts_rank(document, websearch_to_tsquery('simple', %(terms)s)) AS score
        FROM archive_searchentry
        WHERE document @@ websearch_to_tsquery('simple', %(terms)s)
        ORDER BY score DESC, id
        LIMIT %(limit)s
    ) AS best
    JOIN archive_searchentry e ON e.id = best.id
    ORDER BY best.score DESC, e.id
"""
# Every occurrence marked: the snippet is cut in Python, and linking needs the offsets.
HEADLINE_OPTIONS = f"StartSel='{START}', StopSel='{STOP}', HighlightAll=true"


def _match_postgresql(terms, limit: int) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(
            POSTGRESQL_MATCH,
            {"terms": _quoted(terms), "marks": HEADLINE_OPTIONS, "limit": limit},
        )
        names = [*FIELDS, "names_marked", "body_marked", "score"]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _match(terms, limit: int) -> list[dict]:
    if connection.vendor == "postgresql":
        return _match_postgresql(terms, limit)
    return _match_sqlite(terms, limit)


# --- Hits: the same on both engines --------------------------------------------------------


def search(query: str, *, limit: int = 50) -> list[Hit]:
    """Published content matching every term of `query`, best first.

    An exact name (a person's or organisation's name or alias, an event's or source's title)
    comes before everything else; then the engine's rank. At most two queries.
    """
    terms = parse_query(query)
    if not terms or limit <= 0:
        return []
    rows = _match(terms, limit)
    wanted = _folded(" ".join(" ".join(words) for words in terms))
    for row in rows:
        row["text"], row["spans"] = _unmark(row["body_marked"] or "")
        row["names_text"], row["names_spans"] = _unmark(row["names_marked"] or "")
        row["exact"] = any(_folded(name) == wanted for name in row["names"].split("\n"))
    _link_passages(rows)
    rows.sort(key=lambda row: (not row["exact"], -row["score"], row["id"]))
    return [
        Hit(
            kind=row["kind"],
            title=row["title"],
            url=row["url"],
            snippet_html=_snippet(row),
            rank=float(row["score"]),
        )
        for row in rows
    ]


def _unmark(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """The text without markers, and the (start, end) of each marked term in it."""
    plain, spans, position, opened = [], [], 0, None
    for piece in re.split(f"([{START}{STOP}])", marked):
        if piece == START:
            opened = position
        elif piece == STOP:
            if opened is not None and position > opened:
                spans.append((opened, position))
            opened = None
        else:
            plain.append(piece)
            position += len(piece)
    return "".join(plain), spans


def _link_passages(rows: list[dict]) -> None:
    """Point a paragraph hit at the annotated passage its first match lies in, if any.

    One query for all hits; the link falls back to the paragraph (#p-N) when no published
    annotation covers the match.
    """
    found = [
        row
        for row in rows
        if row["kind"] == SearchKind.SOURCE and row["spans"] and row["start"] is not None
    ]
    if not found:
        return
    matches = [_first_match(row) for row in found]
    passages = list(
        Annotation.objects.published()
        .filter(pk__in=_covering_one_of(matches))
        .order_by()
        .values_list("key", "source_id", "start", "end")
    )
    for row, (source_pk, start, end) in zip(found, matches, strict=True):
        around = [
            (stop - begin, key)
            for key, source_id, begin, stop in passages
            if source_id == source_pk and begin <= start and stop >= end
        ]
        if around:
            row["url"] = f"{row['url'].split('#')[0]}#a-{min(around)[1]}"


def _first_match(row: dict) -> tuple[int, int, int]:
    """(source, start, end) of the first marked term of a paragraph hit, in the source's body."""
    start, end = (row["start"] + offset for offset in row["spans"][0])
    return row["source_pk"], start, end


def _covering_one_of(matches: list[tuple[int, int, int]]) -> RawSQL:
    """The annotations that cover one of the (source, start, end) matches, published or not.

    A join with one VALUES list rather than an OR of one Q per hit: building and compiling
    50 of those three-lookup Qs took Django several times longer than the query itself. A
    join, not EXISTS, so that both planners start from the matches and the source index.
    Both engines name the columns of VALUES column1, column2, column3.
    """
    values = ", ".join(["(%s, %s, %s)"] * len(matches))
    table = connection.ops.quote_name(Annotation._meta.db_table)
    covers = 'a.source_id = found.column1 AND a.start <= found.column2 AND a."end" >= found.column3'
    sql = f"SELECT a.id FROM (VALUES {values}) AS found JOIN {table} AS a ON {covers}"  # noqa: S608 (placeholders only)
    params = [value for match in matches for value in match]
    return RawSQL(sql, params)  # noqa: S611 (values are params)


def _snippet(row: dict) -> SafeString:
    if row["spans"] or not row["names_spans"]:
        return render_snippet(row["text"] or row["names_text"], row["spans"])
    return render_snippet(row["names_text"], row["names_spans"])


def render_snippet(
    text: str, spans: list[tuple[int, int]], width: int = SNIPPET_CHARS
) -> SafeString:
    """About `width` characters of `text` around its first match, escaped, matches in <mark>."""
    low = max(0, spans[0][0] - width // 4) if spans else 0
    high = min(len(text), low + width)
    if low > 0:
        space = text.find(" ", low, spans[0][0])
        low = space + 1 if space != -1 else low
    if high < len(text):
        space = text.rfind(" ", low, high)
        if space > low and (not spans or space >= spans[0][1]):
            high = space
    pieces, cursor = ["…" if low > 0 else ""], low
    for start, end in spans:
        start, end = max(start, low), min(end, high)
        if start >= end or start < cursor:
            continue
        pieces += [escape(text[cursor:start]), "<mark>", escape(text[start:end]), "</mark>"]
        cursor = end
    pieces += [escape(text[cursor:high]), "…" if high < len(text) else ""]
    # Entities and events keep one name or field a line; show them as one line.
    return mark_safe("".join(pieces).replace("\n", " · "))  # noqa: S308 (every piece escaped)


# --- The index: what each published record contributes ------------------------------------


def _source_entries(sources) -> list[SearchEntry]:
    entries = []
    for source in sources:
        url = source.get_absolute_url()
        heading = "\n".join(filter(None, [source.title, source.authors, source.outlet]))
        for number, (offset, text) in enumerate(paragraphs(source.body), start=1):
            entries.append(
                SearchEntry(
                    kind=SearchKind.SOURCE,
                    object_id=source.pk,
                    source_pk=source.pk,
                    paragraph=number,
                    start=offset,
                    title=f"{source.title}, paragraph {number}",
                    # The title, once per article: a title search finds the article's opening.
                    names=heading if number == 1 else "",
                    body=text,
                    url=f"{url}#p-{number}",
                )
            )
    return entries


def _passage_entries(annotations) -> list[SearchEntry]:
    entries = []
    for annotation in annotations:
        exact = excerpt(annotation.exact, 60)
        body = annotation.note
        if annotation.correction:
            body = f"{body}\nCorrection: {annotation.correction}".strip()
        entries.append(
            SearchEntry(
                kind=SearchKind.PASSAGE,
                object_id=annotation.pk,
                source_pk=annotation.source_id,
                annotation_key=annotation.key,
                title=f"Note on “{exact}” in {annotation.source.title}",
                body=body,
                url=f"{annotation.source.get_absolute_url()}#a-{annotation.key}",
            )
        )
    return entries


def _quote_entries(quotes) -> list[SearchEntry]:
    entries = []
    for quote in quotes:
        # A draft speaker stays unnamed, as on the public pages.
        speaker = next(
            (
                str(entity)
                for entity in (quote.speaker, quote.speaker_organization)
                if entity is not None and entity.is_published
            ),
            "",
        )
        wordings = dict.fromkeys([quote.text, *(r.exact for r in quote.renderings.all())])
        text = quote.text if len(quote.text) <= 80 else quote.text[:79] + "…"
        entries.append(
            SearchEntry(
                kind=SearchKind.QUOTE,
                object_id=quote.pk,
                title=f"{speaker or quote.speaker_description or 'Unattributed'}: “{text}”",
                names=speaker,
                body="\n".join([*wordings, quote.context]).strip(),
                url=quote.get_absolute_url(),
            )
        )
    return entries


def _named_entries(kind, entities) -> list[SearchEntry]:
    return [
        SearchEntry(
            kind=kind,
            object_id=entity.pk,
            title=entity.name,
            names="\n".join(dict.fromkeys([entity.name, *(a.name for a in entity.aliases.all())])),
            body=entity.description,
            url=entity.get_absolute_url(),
        )
        for entity in entities
    ]


def _event_entries(events) -> list[SearchEntry]:
    return [
        SearchEntry(
            kind=SearchKind.EVENT,
            object_id=event.pk,
            title=event.title,
            names=event.title,
            body="\n".join(filter(None, [event.summary, event.when_as_stated])),
            url=event.get_absolute_url(),
        )
        for event in events
    ]


def _build(kind: str, **filters) -> list[SearchEntry]:
    """The entries of the published records of one kind that match `filters`."""
    if kind == SearchKind.SOURCE:
        return _source_entries(Source.objects.published().filter(**filters))
    if kind == SearchKind.PASSAGE:
        annotations = (
            Annotation.objects.published()
            .exclude(note="", correction="")
            .filter(**filters)
            .select_related("source")
            .only("key", "exact", "note", "correction", "source__slug", "source__title")
        )
        return _passage_entries(annotations)
    if kind == SearchKind.QUOTE:
        quotes = (
            Quote.objects.published()
            .filter(**filters)
            .select_related("speaker", "speaker_organization")
            .prefetch_related(
                Prefetch(
                    "renderings",
                    Annotation.objects.published().only("quote_id", "exact").order_by("pk"),
                )
            )
        )
        return _quote_entries(quotes)
    if kind in (SearchKind.PERSON, SearchKind.ORGANIZATION):
        model = Person if kind == SearchKind.PERSON else Organization
        return _named_entries(
            kind, model.objects.published().filter(**filters).prefetch_related("aliases")
        )
    return _event_entries(Event.objects.published().filter(**filters))


def rebuild_index() -> int:
    """Recompute the whole index; returns the number of entries."""
    SearchEntry.objects.all().delete()
    entries = [entry for kind in SearchKind.values for entry in _build(kind)]
    SearchEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)


def _refresh(kind: str, pks) -> None:
    pks = [pk for pk in set(pks) if pk is not None]
    if pks:
        SearchEntry.objects.filter(kind=kind, object_id__in=pks).delete()
        SearchEntry.objects.bulk_create(_build(kind, pk__in=pks))


def _refresh_source(pk: int) -> None:
    SearchEntry.objects.filter(source_pk=pk).delete()
    SearchEntry.objects.bulk_create(
        [*_build(SearchKind.SOURCE, pk=pk), *_build(SearchKind.PASSAGE, source_id=pk)]
    )
    # A quote's entry lists its published wordings, which come and go with their source.
    quotes = Annotation.objects.filter(source_id=pk, quote__isnull=False).values_list("quote_id")
    _refresh(SearchKind.QUOTE, [pk for (pk,) in quotes])


def reindex(obj) -> None:
    """Recompute the entries that depend on `obj` (for a source: its paragraphs and notes)."""
    if isinstance(obj, Source):
        _refresh_source(obj.pk)
    elif isinstance(obj, Annotation):
        _refresh(SearchKind.PASSAGE, [obj.pk])
        _refresh(SearchKind.QUOTE, [obj.quote_id, getattr(obj, "_search_old_quote_id", None)])
    elif isinstance(obj, Quote):
        _refresh(SearchKind.QUOTE, [obj.pk])
    elif isinstance(obj, (Person, Organization)):
        kind = SearchKind.PERSON if isinstance(obj, Person) else SearchKind.ORGANIZATION
        _refresh(kind, [obj.pk])
        # Quotes carry their speaker's name, shown only while the speaker is published.
        _refresh(SearchKind.QUOTE, obj.quotes.values_list("pk", flat=True))
    elif isinstance(obj, PersonAlias):
        _refresh(SearchKind.PERSON, [obj.person_id])
    elif isinstance(obj, OrganizationAlias):
        _refresh(SearchKind.ORGANIZATION, [obj.organization_id])
    elif isinstance(obj, Event):
        _refresh(SearchKind.EVENT, [obj.pk])


def _forget(obj) -> None:
    if isinstance(obj, Source):
        SearchEntry.objects.filter(source_pk=obj.pk).delete()
    elif isinstance(obj, (PersonAlias, OrganizationAlias, Annotation)):
        reindex(obj)  # the owner or the quote stays; the alias or the wording is gone
    else:
        kind = {
            Quote: SearchKind.QUOTE,
            Person: SearchKind.PERSON,
            Organization: SearchKind.ORGANIZATION,
            Event: SearchKind.EVENT,
        }[type(obj)]
        SearchEntry.objects.filter(kind=kind, object_id=obj.pk).delete()


# --- Keeping the index in step (connected by ArchiveConfig.ready) --------------------------

INDEXED = (Source, Annotation, Quote, Person, Organization, Event, PersonAlias, OrganizationAlias)


def remember_old_quote(sender, instance, raw=False, **kwargs):
    """An annotation moved to another quote must leave the old quote's wordings too."""
    if not raw and instance.pk is not None and not instance._state.adding:
        instance._search_old_quote_id = (
            Annotation.objects.filter(pk=instance.pk).values_list("quote_id", flat=True).first()
        )


def reindex_saved(sender, instance, raw=False, **kwargs):
    # Raw saves are fixtures: `loaddata` rebuilds the whole index once at the end instead.
    if not raw:
        reindex(instance)


def reindex_deleted(sender, instance, **kwargs):
    _forget(instance)


def reindex_reanchored(sender, source, **kwargs):
    """After a text edit, re-anchoring may have orphaned passages (hidden from the public)."""
    reindex(source)


pre_save.connect(remember_old_quote, sender=Annotation, dispatch_uid="search-old-quote")
for _model in INDEXED:
    post_save.connect(reindex_saved, sender=_model, dispatch_uid=f"search-save-{_model.__name__}")
    post_delete.connect(
        reindex_deleted, sender=_model, dispatch_uid=f"search-delete-{_model.__name__}"
    )
body_changed.connect(reindex_reanchored, sender=Source, dispatch_uid="search-body")
