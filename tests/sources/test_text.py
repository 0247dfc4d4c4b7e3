"""Text normalisation: the one canonical form every offset refers to."""

from hypothesis import given
from hypothesis import strategies as st

from sources.text import is_normalised, normalise, paragraphs


def test_lines_become_paragraphs_separated_by_one_blank_line():
    assert normalise("One\nTwo  \n\n\n\nThree\r\nFour\r") == "One\n\nTwo\n\nThree\n\nFour"


def test_composes_to_nfc():
    assert normalise("Cafe\u0301") == "Café"


def test_keeps_errors_and_spacing_inside_lines():
    text = "OpenAIs  headquarters ,Could 18"
    assert normalise(text) == text


def test_strips_leading_and_trailing_blank_space():
    assert normalise("\n\n date 2023-11-21 \n\nText\n") == "date 2023-11-21\n\nText"


@given(st.text())
def test_normalise_is_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once
    assert is_normalised(once)


def test_paragraph_offsets_point_into_the_text():
    body = normalise("Alpha\nBeta gamma\n\nDelta")
    for offset, para in paragraphs(body):
        assert body[offset : offset + len(para)] == para
