"""How a rendering's wording differs from a quote's canonical text, word by word, as safe HTML."""

import re
from difflib import SequenceMatcher

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

TOKEN = re.compile(r"\w+|[^\w\s]+|\s+")


def _words(text: str) -> list[str]:
    return TOKEN.findall(text)


def wording_diff(canonical: str, rendering: str) -> SafeString:
    """The rendering, with words it adds in <ins> and words of the canonical text it drops in
    <del>; comparison ignores case so 'Yes' and 'yes' count as the same word."""
    old, new = _words(canonical), _words(rendering)
    matcher = SequenceMatcher(
        None, [w.lower() for w in old], [w.lower() for w in new], autojunk=False
    )
    out = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape("".join(new[b1:b2])))
            continue
        removed, added = "".join(old[a1:a2]), "".join(new[b1:b2])
        if removed.strip():
            out.append(f"<del>{escape(removed)}</del>")
        if added.strip():
            out.append(f"<ins>{escape(added)}</ins>")
        elif added:
            out.append(escape(added))
    return mark_safe("".join(out))  # noqa: S308 (every piece of text escaped above)


def similarity(canonical: str, rendering: str) -> float:
    old, new = _words(canonical.lower()), _words(rendering.lower())
    return SequenceMatcher(None, old, new, autojunk=False).ratio()
