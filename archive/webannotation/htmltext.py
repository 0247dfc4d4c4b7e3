"""The text of an HTML body from elsewhere: tags dropped (never trusted), paragraphs kept,
links written as Markdown so the note renders them again through the archive's sanitiser."""

import re
from html.parser import HTMLParser


class _TextOfHtml(HTMLParser):
    """The text of an HTML fragment: paragraphs and line breaks kept, links as Markdown."""

    BLOCKS = frozenset(
        [
            "p",
            "div",
            "blockquote",
            "pre",
            "ul",
            "ol",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "table",
            "tr",
            "section",
            "article",
        ]
    )
    SKIPPED = frozenset({"script", "style", "template"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.links: list[tuple[int, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a":
            self.links.append((len(self.parts), dict(attrs).get("href") or ""))

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self.links:
            at, href = self.links.pop()
            text = "".join(self.parts[at:]).strip()
            if text and href.startswith(("http://", "https://")) and text != href:
                text = re.sub(r"([\[\]])", r"\\\1", text)
                self.parts[at:] = [f"[{text}]({href.replace(')', '%29').replace(' ', '%20')})"]

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Plain text (Markdown-safe) of an HTML body: the tags are dropped, never trusted."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
