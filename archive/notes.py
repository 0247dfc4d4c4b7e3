"""Editors' Markdown notes as safe HTML: Markdown renders, nh3 (ammonia) keeps only safe tags."""

import threading

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "hr",
    "h3",
    "h4",
    "del",
    "sup",
    "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}


_local = threading.local()


def _markdown() -> markdown.Markdown:
    """One parser per thread, reset between notes: building one per note cost more than the
    conversion (an article has hundreds of notes). Parsers keep state, so not shared."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = markdown.Markdown(extensions=["sane_lists"], output_format="html")
    return parser.reset()


def render_note(text: str) -> SafeString:
    """Markdown → HTML with no scripts, styles, event handlers or unsafe links."""
    if not text.strip():
        return mark_safe("")
    html = _markdown().convert(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
    return mark_safe(clean)  # noqa: S308 (sanitised by nh3 just above)
