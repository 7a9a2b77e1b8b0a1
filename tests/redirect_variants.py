"""`next` values that must never leave the site: the class of open-redirect tricks, generated.

Each entry is a value a browser (or a proxy that decodes once more) could read as another
host or a script: control characters around the slashes, raw and percent-encoded (once and
twice), extra and backward slashes, schemes, absolute URLs, and Unicode look-alikes of the
slash and the dot. Used by tests/unit/test_redirects.py and tests/hostile/test_redirects.py.
"""

from __future__ import annotations

HOST = "evil.example"
# Characters browsers drop or read as separators: C0 controls, DEL, space, NBSP, line and
# paragraph separators, zero-width and bidirectional marks.
INVISIBLE = "\t\n\r\x0b\x0c\x1b\x7f \xa0\u2028\u2029\u200b\u202e\ufeff"
SLASHES = ["//", "///", "////", "/\\", "\\/", "\\\\", "/\\/", "\\//"]
LOOKALIKE_SLASHES = ["\uff0f", "\u2215", "\u2044", "\u29f8", "\uff3c", "\ufe68"]
SCHEMES = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "javascript://%0aalert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    f"http://{HOST}",
    f"https://{HOST}/",
    f"HTTPS://{HOST}",
    f"https:{HOST}",
    f"https:/{HOST}",
    f"https:\\\\{HOST}",
    f"//{HOST}@enquiry.test",
    f"/\\{HOST}@enquiry.test",
    f"ftp://{HOST}",
    HOST,
    f"{HOST}/path",
    f"@{HOST}",
]


def percent(text: str) -> str:
    """Percent-encode every byte of text (UTF-8)."""
    return "".join(f"%{byte:02X}" for byte in text.encode())


def twice(text: str) -> str:
    """Percent-encode every byte, then encode the percent signs again."""
    return percent(text).replace("%", "%25")


def hostile_next_values() -> list[str]:
    """Return every variant, deduplicated, in a stable order."""
    values: list[str] = []
    for char in INVISIBLE:
        for encoded in (char, percent(char), twice(char), percent(char).lower()):
            values += [
                f"/{encoded}/{HOST}",
                f"{encoded}//{HOST}",
                f"/{encoded}{HOST}",
                f"/{encoded}/{encoded}/{HOST}",
            ]
    for slashes in SLASHES:
        values += [f"{slashes}{HOST}", f"{slashes}{HOST}/x?y=1"]
        values += [f"/{percent(slashes[1:])}{HOST}", f"/{twice(slashes[1:])}{HOST}"]
        values += [percent(slashes) + HOST, twice(slashes) + HOST]
    for slash in LOOKALIKE_SLASHES:
        values += [f"/{slash}{HOST}", f"{slash}{slash}{HOST}", f"/{percent(slash)}{HOST}"]
        values += [f"/{twice(slash)}{HOST}"]
    values += ["//evil\u3002example", "//evil\uff0eexample", f"//evil{percent('。')}example"]
    values += [f"/\u3002/{HOST}", f"\u3002\u3002/{HOST}", f"/%2F%2E%2E%2F{HOST}%2F"]
    values += SCHEMES + [f" {scheme}" for scheme in SCHEMES] + ["", " ", "/" * 300]
    return list(dict.fromkeys(values))


# Paths on the site that must still pass unchanged.
SAFE_NEXT_VALUES = [
    "/",
    "/staff/inbox",
    "/staff/account",
    "/staff?status=received&kind=question",
    "/staff/search?q=%E4%BD%8F%E6%88%BF&after=12",
    "/track/WLMQ-2026-000001",
    "/report/2013#s2",
    "/staff/tickets/7?tab=history",
]
