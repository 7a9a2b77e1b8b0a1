"""What the browser tests do to pages: accessibility checks with axe-core, screenshots, forms."""

from __future__ import annotations

import json
import os
import re
import struct
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import FilePayload, Page

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
AXE_SOURCE = HERE / "vendor" / "axe.min.js"
DOCS_SCREENSHOTS = HERE.parents[1] / "docs" / "screenshots"
STAFF_PASSWORD = "a long staff password for the browser"
SHORT_NAMES = {"zh_Hans": "zh", "en": "en", "ug": "ug"}  # in file names, as docs/ has them
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
# Rules switched off, each with the reason. Keep this empty unless a rule is wrong for us.
AXE_DISABLED_RULES: dict[str, str] = {}
_AXE_CACHE: list[str] = []


def axe_source() -> str:
    if not _AXE_CACHE:
        _AXE_CACHE.append(AXE_SOURCE.read_text(encoding="utf-8"))
    return _AXE_CACHE[0]


def check_accessibility(page: Page, name: str) -> list[dict[str, Any]]:
    """Run axe-core in the page; fail on serious or critical violations; return all of them.

    axe is handed to the page as a function body through the DevTools protocol, which the
    page's Content-Security-Policy (script-src 'self') does not govern: nothing is loaded
    from outside, and the policy stays on for everything the page itself runs.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate("() => {\n" + axe_source() + "\n}")
    options = {
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in AXE_DISABLED_RULES},
    }
    violations: list[dict[str, Any]] = page.evaluate(
        "async options => (await axe.run(document, options)).violations", options
    )
    summary = [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:10],
            "html": [node["html"][:300] for node in violation["nodes"]][:3],
        }
        for violation in violations
    ]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(
        json.dumps({"url": page.url, "violations": summary}, ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    blocking = [item for item in summary if item["impact"] in BLOCKING_IMPACTS]
    assert blocking == [], f"axe on {name} ({page.url}):\n" + json.dumps(
        blocking, ensure_ascii=False, indent=2
    )
    return summary


def screenshot(page: Page, name: str, *, docs: bool = False) -> Path:
    """Save a full-page screenshot as a test artifact.

    With ENQUIRY_REFRESH_SCREENSHOTS=1 the README's pictures in docs/screenshots/ are refreshed
    too; a plain test run leaves the tracked files alone.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    if docs and os.environ.get("ENQUIRY_REFRESH_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (DOCS_SCREENSHOTS / f"{name}.png").write_bytes(path.read_bytes())
    return path


def inspect(page: Page, name: str, *, docs: bool = False) -> None:
    """The check every key page gets: axe-core, then a screenshot."""
    check_accessibility(page, name)
    screenshot(page, name, docs=docs)


def staff_sign_in(page: Page, email: str, *, check_as: str | None = None) -> None:
    """Sign in through the staff login form (checking it with axe as `check_as`, if given)."""
    page.goto("/staff/login")
    if check_as:
        inspect(page, check_as)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("form[action$='/staff/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/staff(/inbox)?(\?.*)?$"))


def png(width: int = 24, height: int = 16) -> bytes:
    """A small, valid PNG (a red-to-blue gradient), made here so no binary lives in the tree."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((255 - x * 10, 40, x * 10)) for x in range(width))
        for _ in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def png_file(name: str) -> FilePayload:
    """A small PNG picked in a file input, under the given name."""
    return {"name": name, "mimeType": "image/png", "buffer": png()}
