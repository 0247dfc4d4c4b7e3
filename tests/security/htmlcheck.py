"""What 'no executable markup' means for a page: a strict reading of its parsed HTML.

The site's own markup is known: scripts load from /static/ (no inline code), data travels in
<script type="application/json"> blocks, links and forms stay on this site, and nothing is
framed, embedded or styled inline. Anything else on a page is a finding.
"""

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

#: Elements that run code, load other documents, or rewrite how the page resolves links.
FORBIDDEN_TAGS = frozenset(
    {
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "base",
        "svg",
        "math",
        "style",
        "template",
        "portal",
        "noembed",
        "xmp",
        "plaintext",
        "textarea",
        "video",
        "audio",
    }
)
#: Attributes whose value is a URL the browser may follow or load.
URL_ATTRS = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "data", "ping"}
)
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:", "livescript:", "mhtml:")
JSON_TYPES = frozenset({"application/json", "application/ld+json"})
# CSS that runs code or loads things (old IE's expression(), behaviours, imports, urls).
_DANGEROUS_CSS = re.compile(r"expression|behavior|@import|url\s*\(|javascript:", re.IGNORECASE)
# How a browser reads a URL's scheme (WHATWG URL): leading and trailing control characters
# and spaces are dropped, tabs and newlines anywhere are removed, case does not matter.
_EDGES = "".join(chr(code) for code in range(0x21))
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


def scheme_of(url: str) -> str:
    compact = _TAB_OR_NEWLINE.sub("", url.strip(_EDGES)).lower()
    match = re.match(r"([a-z][a-z0-9+.-]*):", compact)
    return match.group(0) if match else ""


@dataclass
class Page:
    findings: list[str] = field(default_factory=list)
    text: str = ""  # the visible text, entities decoded once (as a browser shows it)
    json_blocks: list = field(default_factory=list)  # parsed <script type=application/json>
    tags: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self, allowed_static: tuple[str, ...], forbidden: frozenset[str], strict_style):
        super().__init__(convert_charrefs=True)
        self.strict_style = strict_style
        self.allowed_static = allowed_static
        self.forbidden = forbidden
        self.page = Page()
        self._texts: list[str] = []
        self._script: dict | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)
        if tag == "script":
            self.handle_endtag("script")

    def _local(self, url: str) -> bool:
        return url.startswith(self.allowed_static)

    def _check(self, tag, attrs):
        found = self.page.findings.append
        self.page.tags.append(tag)
        values = dict(attrs)
        if tag in self.forbidden:
            found(f"<{tag}> element")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                found(f"event handler {name}= on <{tag}>")
            if name in URL_ATTRS and scheme_of(value) in DANGEROUS_SCHEMES:
                found(f"{scheme_of(value)} URL in {name}= of <{tag}>")
            if name == "srcdoc":
                found(f"srcdoc= on <{tag}>")
            if name == "style" and (self.strict_style or _DANGEROUS_CSS.search(value)):
                found(f"inline style={value!r} on <{tag}>")
        if tag == "script":
            kind = (values.get("type") or "").lower()
            src = values.get("src")
            if src is not None and not self._local(src):
                found(f"<script src={src!r}> from outside the site's static files")
            elif src is None and kind not in JSON_TYPES:
                found(f"inline <script type={kind!r}>")
            self._script = values
            self._script_text = []
        if tag == "meta":
            if "http-equiv" in values:
                found(f"<meta http-equiv={values['http-equiv']!r}>")
            if set(values) - {"charset", "name", "content"}:
                found(f"<meta> with {sorted(values)}")
        if tag == "link" and not self._local(values.get("href") or ""):
            found(f"<link href={values.get('href')!r}> from outside the site's static files")
        if tag == "img" and not self._local(values.get("src") or ""):
            found(f"<img src={values.get('src')!r}> from outside the site's static files")
        if tag == "form":
            action = values.get("action") or ""
            if action and not (action.startswith("/") and not action.startswith("//")):
                found(f"<form action={action!r}> leaving the site")
        if tag in {"a", "area"}:
            href = values.get("href") or ""
            if scheme_of(href) not in ("", "http:", "https:", "mailto:"):
                found(f"<{tag} href={href!r}> with scheme {scheme_of(href)!r}")

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            content = "".join(self._script_text)
            kind = (self._script.get("type") or "").lower()
            if self._script.get("src") is not None and content.strip():
                self.page.findings.append("code inside a <script src=…>")
            if kind in JSON_TYPES:
                try:
                    self.page.json_blocks.append(json.loads(content))
                except ValueError:
                    self.page.findings.append(
                        f"a JSON <script> block that is not JSON (broken out of?): {content[:80]!r}"
                    )
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script_text.append(data)
        else:
            self._texts.append(data)

    def handle_comment(self, data):
        # The site writes no comments: one in a page means a payload opened it.
        self.page.findings.append(f"an HTML comment: {data[:60]!r}")

    def handle_pi(self, data):
        self.page.findings.append(f"a processing instruction: {data[:60]!r}")

    def unknown_decl(self, data):
        self.page.findings.append(f"an unknown declaration: {data[:60]!r}")


#: The admin's own markup adds its icons (inline <svg> sprites), form fields, the JavaScript
#: catalogue view and a harmless inline style (simple-history's paginator); handlers,
#: dangerous URLs and CSS that runs or loads anything stay forbidden there too.
ADMIN_ALLOWED_TAGS = frozenset({"svg", "textarea"})
ADMIN_SCRIPTS = "/admin/jsi18n/"


def read_page(html: str, *, admin: bool = False, static_url: str = "/static/") -> Page:
    """Parse a page (or a fragment) and list every finding; `admin` for the admin's pages."""
    local = (static_url, ADMIN_SCRIPTS) if admin else (static_url,)
    forbidden = FORBIDDEN_TAGS - ADMIN_ALLOWED_TAGS if admin else FORBIDDEN_TAGS
    reader = _Reader(local, forbidden, strict_style=not admin)
    reader.feed(html)
    reader.close()
    page = reader.page
    page.text = "".join(reader._texts)
    return page


def strings_in(document) -> list[str]:
    """Every string value (and key) of a parsed JSON document."""
    if isinstance(document, str):
        return [document]
    if isinstance(document, dict):
        return [s for k, v in document.items() for s in (k, *strings_in(v))]
    if isinstance(document, list):
        return [s for item in document for s in strings_in(item)]
    return []
