"""Hostile attachments on the public forms: each is refused with a clear 4xx and no ticket, or
kept only under a safe name and type, byte for byte, never unpacked and never written to disk.

Which of the two is fixed for every input here: the tests of inputs that must be kept assert
that they were (a refusal of one of them fails), and those of inputs that must be refused
assert the refusal, so neither branch goes untested."""

from __future__ import annotations

import io
import re
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from enquiry.extensions import db
from enquiry.models import Attachment, Blob, Ticket
from tests.hostile.site import CLEAR_ERROR, Site
from tests.hostile.targets import ASK_VALID

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
HTML = b"<!doctype html><html><body><script>alert('enquiry-xss')</script></body></html>"
UNSAFE_NAME = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff/\\]"
)
LIMIT = 64 * 1024


def zip_bomb(inflated: int = 64 * 2**20) -> bytes:
    """A small .docx-looking zip whose document inflates to `inflated` bytes of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", b"\0" * inflated)
    return buffer.getvalue()


@pytest.fixture
def small_limit(site: Site) -> Iterator[None]:
    """Attachments above 64 KiB are too large (so the test need not send megabytes)."""
    before = site.app.config["MAX_ATTACHMENT_BYTES"]
    site.app.config["MAX_ATTACHMENT_BYTES"] = LIMIT
    yield
    site.app.config["MAX_ATTACHMENT_BYTES"] = before


def ask(site: Site, files: list[tuple[bytes, str]]) -> tuple[Any, int]:
    """Send the enquiry form with files; return the response and the number of new tickets."""
    client = site.client(None, fresh=True)
    data: dict[str, Any] = dict(ASK_VALID)
    data["csrf_token"] = site.csrf(client)
    data["form_token"] = site.form_token()
    data["attachments"] = [(io.BytesIO(content), name) for content, name in files]
    before = count(site, Ticket)
    response = client.post("/ask", data=data, content_type="multipart/form-data")
    return response, count(site, Ticket) - before


def count(site: Site, model: Any) -> int:
    with site.app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def newest_attachment(site: Site) -> tuple[Attachment, bytes]:
    with site.app.app_context():
        row = db.session.execute(
            sa.select(Attachment, Blob.data)
            .join(Blob, Attachment.blob_sha256 == Blob.sha256)
            .order_by(Attachment.id.desc())
            .limit(1)
        ).one()
        db.session.expunge(row[0])
        return row[0], row[1]


def assert_refused(response: Any, new_tickets: int, status: int) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:2000]
    assert CLEAR_ERROR.search(body), "the refusal carries no clear message"
    assert new_tickets == 0, "a refused form left a ticket behind"


@pytest.mark.parametrize(
    ("content", "name", "status"),
    [
        (b"x" * (LIMIT + 1), "big.txt", 413),
        (EXE, "report.pdf", 400),
        (EXE, "setup.exe", 400),
        (b"", "empty.pdf", 400),
        (b"\x00\x01\x02\x03\xfe\xff" * 20, "data.docx", 400),
    ],
    ids=["over-size", "exe-as-pdf", "exe", "empty", "binary-as-docx"],
)
def test_bad_file_is_refused(
    site: Site, small_limit: None, content: bytes, name: str, status: int
) -> None:
    response, new_tickets = ask(site, [(content, name)])
    assert_refused(response, new_tickets, status)


def test_too_many_files_are_refused(site: Site) -> None:
    limit = int(site.app.config["MAX_ATTACHMENTS"])
    response, new_tickets = ask(site, [(PDF, f"{n}.pdf") for n in range(limit + 1)])
    assert_refused(response, new_tickets, 413)


def test_one_bad_file_among_good_ones_stores_nothing(site: Site) -> None:
    before = count(site, Attachment)
    response, new_tickets = ask(site, [(PDF, "a.pdf"), (EXE, "b.pdf")])
    assert_refused(response, new_tickets, 400)
    assert count(site, Attachment) == before


def assert_kept(response: Any, new_tickets: int) -> None:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith("/ask/submitted")
    assert new_tickets == 1


def test_html_renamed_png_is_kept_only_as_plain_text(site: Site) -> None:
    """Text is an allowed type: the page is kept as .txt and served as an inert download."""
    response, new_tickets = ask(site, [(HTML, "photo.png")])
    assert_kept(response, new_tickets)
    attachment, data = newest_attachment(site)
    assert data == HTML
    assert attachment.content_type == "text/plain"
    assert attachment.filename.endswith(".txt")
    download = site.client("admin").get(f"/staff/attachments/{attachment.id}")
    assert download.status_code == 200
    assert download.headers["Content-Type"].startswith("text/plain")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in download.headers["Content-Security-Policy"]


def test_zip_bomb_is_never_unpacked(site: Site) -> None:
    """docx is allowed, so a zip that inflates to 64 MiB is kept as sent, never opened."""
    bomb = zip_bomb()
    assert len(bomb) < 200 * 1024
    tracemalloc.start()
    started = time.monotonic()
    try:
        response, new_tickets = ask(site, [(bomb, "年报意见.docx")])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 30
    assert peak < 32 * 2**20, f"{peak} bytes allocated: the archive was inflated"
    assert_kept(response, new_tickets)
    attachment, data = newest_attachment(site)
    assert data == bomb
    assert attachment.filename.endswith(".docx")


HOSTILE_NAMES = [
    "../../hostile-escape.pdf",
    "..\\..\\hostile-escape.pdf",
    "a\\b.pdf",
    "/etc/passwd.pdf",
    "nul\x00byte.pdf",
    "bell\x07\x1b[31m.pdf",
    "\u202efdp.exe",
    "invoice\u202egnp.pdf",
    "零\u200b宽.pdf",
    "长" * 600 + ".pdf",
    "x" * 5000 + ".pdf",
    "<script>alert('enquiry-xss')</script>.pdf",
    "CON.pdf",
    ".pdf",
    "   .pdf",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_file_name_is_made_safe(site: Site, tmp_path: Path, name: str) -> None:
    root = Path(__file__).resolve().parents[2]
    response, new_tickets = ask(site, [(PDF, name)])
    body = response.get_data(as_text=True)
    assert response.status_code < 500, body[:2000]
    assert "<script>alert(" not in body
    assert not (root / "hostile-escape.pdf").exists()
    assert not (root.parent / "hostile-escape.pdf").exists()
    assert not (site.tmp.parent / "hostile-escape.pdf").exists()
    assert_kept(response, new_tickets)
    attachment, data = newest_attachment(site)
    assert data == PDF
    assert attachment.filename.endswith(".pdf")
    assert not UNSAFE_NAME.search(attachment.filename), repr(attachment.filename)
    assert ".." not in attachment.filename.removesuffix(".pdf")
    assert 0 < len(attachment.filename) <= 120


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_file_name_on_a_forbidden_file_is_refused(site: Site, name: str) -> None:
    """An executable is refused whatever it is called; the name changes nothing."""
    before = count(site, Attachment), count(site, Blob)
    response, new_tickets = ask(site, [(EXE, name)])
    assert_refused(response, new_tickets, 400)
    assert "<script>alert(" not in response.get_data(as_text=True)
    assert (count(site, Attachment), count(site, Blob)) == before
