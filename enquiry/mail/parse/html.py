"""HTML mail bodies: readable text with inscriptis, sanitised markup with nh3 for display."""

from __future__ import annotations

import logging
import re
from html import unescape

import nh3

logger = logging.getLogger(__name__)

# fmt: off
ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code", "col",
        "colgroup", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6",
        "hr", "i", "img", "ins", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike",
        "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    }
)
# fmt: on
ALLOWED_ATTRIBUTES = {
    "*": {"dir", "lang", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "cid"})
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BLANK_LINES_RE = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Drop image sources other than cid: (no remote images, no tracking pixels)."""
    if tag == "img" and attribute == "src" and not value.strip().lower().startswith("cid:"):
        return None
    return value


def sanitise(html: str) -> str:
    """Return HTML safe to show staff: no scripts, styles, event handlers or remote images."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_keep_attribute,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def to_text(html: str) -> str:
    """Render HTML as readable plain text."""
    if not html.strip():
        return ""
    # Imported here: inscriptis brings lxml (about 5 MB), which web workers seldom need.
    from inscriptis import get_text

    try:
        text = get_text(html)
    except Exception:  # lxml rejects some documents; the sanitised markup is still shown
        logger.debug("inscriptis could not render HTML", exc_info=True)
        text = unescape(nh3.clean(html, tags=set()))
    lines = [line.rstrip() for line in text.replace("\u00a0", " ").splitlines()]
    return _BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip("\n")


def meta_charset(data: bytes) -> str | None:
    """Return the charset a <meta> tag declares near the start of an HTML document."""
    match = _META_CHARSET_RE.search(data[:4096])
    return match.group(1).decode("ascii") if match else None
