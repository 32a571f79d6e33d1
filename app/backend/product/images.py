"""Product pictures drawn on the server as SVG, so the catalog works with no network at all.

Each picture is derived only from the product's name and category, so it is stable across
runs of seed_demo_catalog and machines (and cacheable by browsers and the CDN).
"""

import hashlib
import textwrap
from xml.sax.saxutils import escape

# (background, accent) per category; unknown categories pick one by hash.
PALETTES = [
    ("#1f4e79", "#9cc3e6"),
    ("#7a3b1f", "#f4b183"),
    ("#375623", "#a9d18e"),
    ("#5b2c6f", "#d2b4de"),
    ("#7f6000", "#ffd966"),
    ("#1e5f5b", "#8fd1cb"),
    ("#7b1f3a", "#f1a7bd"),
    ("#3a3a3a", "#c9c9c9"),
]


def _pick(value: str, count: int) -> int:
    return int.from_bytes(hashlib.sha256(value.encode()).digest()[:4], "big") % count


def product_svg(*, name: str, category: str) -> str:
    background, accent = PALETTES[_pick(category, len(PALETTES))]
    seed = _pick(name, 1_000_000)
    # A few soft circles whose positions follow from the name: distinct pictures per product.
    circles = "".join(
        f'<circle cx="{(seed >> (i * 3)) % 400 + 50}" cy="{(seed >> (i * 2)) % 160 + 40}" '
        f'r="{40 + (seed >> i) % 60}" fill="{accent}" fill-opacity="0.{3 + i}"/>'
        for i in range(3)
    )
    lines = textwrap.wrap(name, width=22)[:3]
    text = "".join(
        f'<text x="250" y="{300 + index * 40}" text-anchor="middle">{escape(line)}</text>'
        for index, line in enumerate(lines)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="500" height="500" viewBox="0 0 500 500" '
        f'role="img" aria-label="{escape(name, {chr(34): "&quot;"})}">'
        f'<rect width="500" height="500" fill="{background}"/>{circles}'
        f'<g font-family="Helvetica, Arial, sans-serif" font-size="32" font-weight="600" fill="#ffffff">{text}</g>'
        f'<text x="250" y="470" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="18" fill="{accent}">{escape(category)}</text></svg>'
    )
