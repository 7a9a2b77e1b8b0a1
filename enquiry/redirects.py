"""Where a `next` value may send the browser: a path on this site, nowhere else.

Every view that redirects to a URL it was given (a query parameter, a hidden form field)
passes it through `safe_next` and falls back to a page of its own. Browsers are generous when
they read a Location header: they drop tabs and line breaks, read a backslash as a slash and
fold look-alike characters, and a proxy may decode percent-escapes once more. So the path is
checked as sent and again after each round of percent-decoding: every form of it must start
with exactly one slash and be plain printable ASCII without a backslash. (No page of ours has
any other path; the query string, which is never decoded into the path, may hold anything
printable.)
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

NEXT_MAX = 2048
DECODE_ROUNDS = 3
# Printable ASCII, no space: what a path and query look like once a browser has encoded them.
PLAIN_URL = re.compile(r"[\x21-\x7e]+")


def safe_next(target: str | None) -> str | None:
    """Return target when it is a path on this site, else None (no open redirects)."""
    if not target or len(target) > NEXT_MAX or not PLAIN_URL.fullmatch(target):
        return None
    layer = re.split(r"[?#]", target, maxsplit=1)[0]
    for _ in range(DECODE_ROUNDS):
        if not is_local_path(layer):
            return None
        decoded = unquote(layer)
        if decoded == layer:
            return target
        layer = decoded
    return None  # still percent-encoded after several rounds: no page of ours looks like that


def is_local_path(path: str) -> bool:
    """True when path starts with exactly one slash and is printable ASCII, no backslash."""
    if not PLAIN_URL.fullmatch(path) or "\\" in path:
        return False
    if not path.startswith("/") or path.startswith("//"):
        return False
    parts = urlsplit(path)
    return not parts.scheme and not parts.netloc
