"""Normalisation of an article's text: the one canonical form every offset refers to."""

import unicodedata


def normalise(text: str) -> str:
    """Return `text` as the archive stores it.

    Unicode NFC, ``\\n`` line endings, no trailing spaces, every non-blank line a paragraph,
    paragraphs separated by exactly one blank line. Nothing inside a line changes: errors and
    odd spacing stay as published.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = (line.rstrip() for line in text.split("\n"))
    return "\n\n".join(line for line in lines if line.strip()).strip()


def excerpt(text: str, length: int) -> str:
    """`text` cut to at most `length` characters, an ellipsis showing where."""
    return text if len(text) <= length else text[: length - 1] + "…"


def is_normalised(text: str) -> bool:
    return normalise(text) == text


def paragraphs(text: str) -> list[tuple[int, str]]:
    """Split a normalised body into (offset, paragraph) pairs."""
    result = []
    offset = 0
    for para in text.split("\n\n"):
        result.append((offset, para))
        offset += len(para) + 2
    return result
