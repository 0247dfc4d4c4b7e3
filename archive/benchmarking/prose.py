"""Deterministic news-like prose from a word list, recording where every name, sentence and
quotation lies, so the benchmark's annotations anchor on real occurrences.

Pure Python, no database: a seeded `random.Random` in, text and spans out. The text is
already in the archive's normal form (paragraphs separated by one blank line).
"""

import random
import re
from dataclasses import dataclass, field
from itertools import accumulate


def split(words: str) -> tuple[str, ...]:
    return tuple(words.split())


# Word lists, most frequent first: picks follow a Zipf-like curve, so a few words are in
# most paragraphs and the tail words in few, as in real text.
NOUNS = split(
    "board company team report statement meeting investors employees letter decision "
    "charter mission research product agreement office review policy model deal council "
    "committee budget plan strategy system release interview memo vote proposal market "
    "industry regulator government court hearing partnership chairman founder chief "
    "director executive staff lawyer adviser analyst spokesperson source document email "
    "message account filing complaint lawsuit settlement inquiry audit dispute warning "
    "promise question answer figure estimate timeline deadline week month quarter year "
    "weekend night morning afternoon evening headquarters campus laboratory platform "
    "network service contract licence patent stake valuation funding round shares loan "
    "debt revenue profit loss salary bonus package offer bid merger takeover split "
    "transition successor rival competitor partner ally critic supporter reporter editor"
)
VERBS = split(
    "announced confirmed denied criticised approved rejected delayed published reviewed "
    "questioned defended signed left joined led described disclosed proposed warned "
    "welcomed challenged accepted postponed cancelled revised leaked examined outlined "
    "praised dismissed appointed removed reinstated blocked backed funded acquired sold "
    "launched paused resumed settled contested doubted supported opposed repeated recalled"
)
BASE_VERBS = split(
    "approve reject delay publish review sign leave join lead describe disclose propose "
    "accept postpone cancel revise examine outline appoint remove reinstate block back "
    "fund acquire sell launch pause resume settle contest support oppose"
)
ADJECTIVES = split(
    "new former interim internal public early late final senior independent previous "
    "current official private formal informal brief lengthy detailed revised original "
    "unusual rare sudden quiet heated tense cautious bold careful open closed urgent "
    "major minor key central regional global national local legal financial technical "
    "ethical commercial strategic political"
)
ADVERBS = split(
    "quietly publicly later briefly again openly privately repeatedly reportedly "
    "initially eventually formally abruptly"
)
ROLES = split(
    "chief director founder adviser analyst chairman lawyer researcher engineer "
    "spokesperson investor treasurer"
)
PREPOSITIONS = split("about after before during over against with without under for despite")
TIMES = (
    "on Monday",
    "on Tuesday",
    "on Wednesday",
    "on Thursday",
    "on Friday",
    "over the weekend",
    "last week",
    "earlier this year",
    "late on Friday",
    "in March",
    "in November",
    "the next morning",
)
#: Words a few sentences in the whole collection use: what a "rare word" search finds.
RARE_WORDS = split(
    "palimpsest quorum escrow sinecure ombudsman filibuster codicil proxy cartel tribunal "
    "subpoena affidavit moratorium embargo dividend caveat arbitration referendum"
)
RARE_WORD_RATE = 0.002  # per sentence

# Sentence shapes. {S} and {S2} are people, {O} an organisation; the rest are words.
PATTERNS = (
    "{S} {V} the {A} {N} {P} the {N}.",
    "{S} {V} that the {N} would {B} the {A} {N} {T}.",
    "According to {S}, the {N} {V} the {N} {T}.",
    "The {A} {N} {V} {D} after {S} {V} the {N}.",
    "{S}, the {A} {R} of {O}, {V} the {N} {P} {S2}.",
    "{T}, {S} {V} the {N} of {O} {P} the {A} {N}.",
    "{S} {V} the {N} and {V} the {A} {N} {D}.",
    "Neither {S} nor {S2} {V} the {N} {P} the {N}.",
    "The {N} at {O} {V} the {A} {N}, and {S} {V} it {D}.",
)
_SLOT = re.compile(r"(\{\w+\})")
_SHAPES = tuple(tuple(piece for piece in _SLOT.split(p) if piece) for p in PATTERNS)


def _zipf(words, exponent: float = 0.9):
    return words, list(accumulate(1 / (rank + 1) ** exponent for rank in range(len(words))))


_LISTS = {
    "{N}": _zipf(NOUNS),
    "{V}": _zipf(VERBS),
    "{B}": _zipf(BASE_VERBS),
    "{A}": _zipf(ADJECTIVES),
    "{R}": _zipf(ROLES),
    "{D}": _zipf(ADVERBS),
    "{P}": _zipf(PREPOSITIONS),
    "{T}": _zipf(TIMES, 0.3),
}


@dataclass(frozen=True)
class Span:
    """Where something the annotations may point at lies in the text: [start, end)."""

    start: int
    end: int
    kind: str  # "person", "organization", "sentence" or "quote"
    ref: int = -1  # the person's, organisation's or quote's index in the Cast


@dataclass(frozen=True)
class Cast:
    """What the prose may name: forms of each name (full name first), and quotations."""

    people: list[tuple[str, ...]]
    organizations: list[tuple[str, ...]]
    quotes: list[tuple[int, str]]  # (speaker's index in people, the words)


@dataclass
class Text:
    """Text under construction, with the spans of what it names."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    spans: list[Span] = field(default_factory=list)

    def add(self, piece: str, kind: str = "", ref: int = -1) -> None:
        if kind:
            self.spans.append(Span(self.length, self.length + len(piece), kind, ref))
        self.parts.append(piece)
        self.length += len(piece)

    @property
    def body(self) -> str:
        return "".join(self.parts)


class Writer:
    """Writes titles, sentences and articles about a cast, deterministically from `rng`."""

    def __init__(self, rng: random.Random, cast: Cast):
        self.rng = rng
        self.cast = cast
        self._people = _zipf(range(len(cast.people)), 0.6)
        self._organizations = _zipf(range(len(cast.organizations)), 0.6)

    def word(self, slot: str) -> str:
        words, weights = _LISTS[slot]
        return self.rng.choices(words, cum_weights=weights)[0]

    def words(self, shape: str) -> str:
        """A phrase from slot names, e.g. '{A} {N}' → 'interim board'."""
        return "".join(self.word(p) if p in _LISTS else p for p in _SLOT.split(shape) if p)

    def pick_person(self, exclude: int = -1) -> int:
        while True:
            people, weights = self._people
            index = self.rng.choices(people, cum_weights=weights)[0]
            if index != exclude or len(self.cast.people) == 1:
                return index

    def pick_organization(self) -> int:
        organizations, weights = self._organizations
        return self.rng.choices(organizations, cum_weights=weights)[0]

    def _name(self, index: int, seen: set[int]) -> str:
        """A person's full name at first mention in an article, then often a shorter form."""
        forms = self.cast.people[index]
        if index not in seen:
            seen.add(index)
            return forms[0]
        return self.rng.choice(forms)

    def sentence(self, text: Text, people: list[int], seen: set[int], subject: int = -1) -> int:
        """Write one sentence; returns how many words it has."""
        rng = self.rng
        begin = text.length
        named = [subject if subject >= 0 else rng.choice(people), rng.choice(people)]
        first = True
        for piece in rng.choice(_SHAPES):
            if piece in ("{S}", "{S2}"):
                index = named[piece == "{S2}"]
                text.add(self._name(index, seen), "person", index)
            elif piece == "{O}":
                index = self.pick_organization()
                text.add(rng.choice(self.cast.organizations[index]), "organization", index)
            elif piece in _LISTS:
                word = self.word(piece)
                if piece == "{N}" and rng.random() < RARE_WORD_RATE:
                    word = rng.choice(RARE_WORDS)
                text.add(word[0].upper() + word[1:] if first else word)
            else:
                text.add(piece)
            first = False
        text.spans.append(Span(begin, text.length, "sentence"))
        return _words_since(text, begin)

    def quotation(self, text: Text, quote: int, seen: set[int], reworded: bool) -> int:
        """'Name said, “…”': the words inside the marks are the quote's rendering."""
        speaker, words = self.cast.quotes[quote]
        if reworded:  # the same utterance in other words, as translations render it
            pieces = words.split(" ")
            pieces[len(pieces) // 2] = self.word("{A}")
            words = " ".join(pieces)
        begin = text.length
        text.add(self._name(speaker, seen), "person", speaker)
        text.add(f" {self.rng.choice(('said', 'wrote', 'told colleagues'))}, “")
        text.add(words, "quote", quote)
        text.add("”")
        text.spans.append(Span(begin, text.length, "sentence"))
        return _words_since(text, begin)

    def utterance(self) -> str:
        """The words of a quote: a sentence without names."""
        shape = self.rng.choice(
            (
                "The {N} {V} the {A} {N} {P} the {N}.",
                "We {V} the {N} {T}, and we will {B} the {A} {N}.",
                "I {V} the {A} {N} {D}.",
                "Nobody {V} the {N} {P} the {A} {N}.",
            )
        )
        return self.words(shape)

    def title(self, index: int) -> str:
        forms = self.cast.people[index]
        return f"{forms[0]} {self.word('{V}')} the {self.words('{A} {N}')} {self.word('{T}')}"

    def article(
        self,
        words: int,
        *,
        star: int = -1,
        star_mentions: int = 0,
        quotes: tuple[tuple[int, bool], ...] = (),
    ) -> Text:
        """About `words` words in paragraphs of 60–120, naming a small cast of people.

        The star (if any) is the subject of exactly `star_mentions` sentences and named
        nowhere else; each (quote, reworded) pair is rendered once.
        """
        rng = self.rng
        cast = {self.pick_person(exclude=star) for _ in range(8)}
        people = sorted(cast)
        sentences = max(words // 16, star_mentions + len(quotes) + 1)
        chosen = rng.sample(range(sentences), star_mentions + len(quotes))
        star_at = set(chosen[:star_mentions])
        quote_at = dict(zip(chosen[star_mentions:], quotes, strict=True))
        text, seen, written, number = Text(), set(), 0, 0
        while written < words or number < sentences:
            if text.length:
                text.add("\n\n")
            paragraph_words, target = 0, rng.randint(60, 120)
            while paragraph_words < target and (written < words or number < sentences):
                if paragraph_words:
                    text.add(" ")
                if number in quote_at:
                    quote, reworded = quote_at[number]
                    count = self.quotation(text, quote, seen, reworded)
                else:
                    subject = star if number in star_at else -1
                    count = self.sentence(text, people, seen, subject)
                paragraph_words += count
                written += count
                number += 1
        return text


def _words_since(text: Text, begin: int) -> int:
    """Words written since offset `begin` (parts are short: walk back from the end)."""
    total, position = 0, text.length
    for part in reversed(text.parts):
        if position <= begin:
            break
        total += part.count(" ")
        position -= len(part)
    return total + 1
