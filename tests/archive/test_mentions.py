"""Finding names from the alias table: word boundaries, case, longest match first."""

from archive.mentions import ORGANIZATION, PERSON, Form, find_mentions

FORMS = [
    Form("Sam Altman", PERSON, "sam-altman"),
    Form("Altman", PERSON, "sam-altman"),
    Form("Greg Altman", PERSON, "sam-altman", kind="error"),
    Form("Greg", PERSON, "greg-brockman"),
    Form("OpenAI", ORGANIZATION, "openai"),
    Form("OpenAI board", ORGANIZATION, "openai-board"),
    Form("Meta", ORGANIZATION, "meta"),
    Form("x.ai", ORGANIZATION, "xai", case_sensitive=False),
]


def found(text, forms=FORMS):
    return [(o.exact, sorted(slug for _, slug in o.entities)) for o in find_mentions(text, forms)]


def test_longest_alias_wins_where_aliases_overlap():
    assert found("Greg Altman met Greg.") == [
        ("Greg Altman", ["sam-altman"]),
        ("Greg", ["greg-brockman"]),
    ]
    assert found("The OpenAI board fired him") == [("OpenAI board", ["openai-board"])]


def test_matches_whole_words_only_and_keeps_possessives():
    assert found("Altman’s OpenAIs Metaverse") == [("Altman", ["sam-altman"])]


def test_case_sensitive_unless_the_alias_says_otherwise():
    assert found("meta-analysis by X.AI") == [("X.AI", ["xai"])]


def test_offsets_are_code_points():
    text = "🚀 Sam Altman"
    (occurrence,) = find_mentions(text, FORMS)
    assert text[occurrence.start : occurrence.end] == "Sam Altman"


def test_a_surface_form_shared_by_two_entities_lists_both():
    forms = [*FORMS, Form("Sam", PERSON, "sam-altman"), Form("Sam", PERSON, "sam-bankman-fried")]
    assert found("Sam said", forms) == [("Sam", ["sam-altman", "sam-bankman-fried"])]


def test_no_aliases_find_nothing():
    assert find_mentions("Anything", []) == []
