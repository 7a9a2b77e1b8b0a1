"""Uploaded files: the type comes from the bytes, the name is made safe to show."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from enquiry.rules.uploads import (
    FILENAME_MAX,
    UploadError,
    check_upload,
    detect_type,
    safe_filename,
)


def png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0\0\0"))
    )


def office(inner: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(inner, "<document/>")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00;"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # the container of .doc, .xls, .msi
WORD_97 = OLE + b"\xec\xa5\xc1\x00" + b"\x00" * 64  # the Word binary stream's signature


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(png(), "image/png", id="png"),
        pytest.param(JPEG, "image/jpeg", id="jpeg"),
        pytest.param(GIF, "image/gif", id="gif"),
        pytest.param(PDF, "application/pdf", id="pdf"),
        pytest.param(
            office("word/document.xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            id="docx",
        ),
        pytest.param(
            office("xl/workbook.xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            id="xlsx",
        ),
        pytest.param(WORD_97, "application/msword", id="doc"),
        pytest.param("关于报告的补充说明\n".encode(), "text/plain", id="utf-8-text"),
        pytest.param("关于报告的补充说明\n".encode("gb18030"), "text/plain", id="gb18030-text"),
        pytest.param("ئۇيغۇرچە خەت\n".encode(), "text/plain", id="uyghur-text"),
        pytest.param(b"MZ\x90\x01\x03\x01" + b"\xff" * 60, None, id="windows-executable"),
        pytest.param(b"\x7fELF\x02\x01\x01" + b"\x00" * 57, None, id="linux-executable"),
        pytest.param(office("payload.bin"), None, id="plain-zip"),
        pytest.param(OLE + b"\x00" * 64, None, id="other-ole-file"),
        pytest.param(b"Rar!\x1a\x07\x00" + b"\x00" * 20, None, id="rar"),
        pytest.param(b"text with a \x00 byte", None, id="binary-with-nul"),
        pytest.param(b"\xff\xfe\xfd\x80\x81", None, id="neither-utf8-nor-gb18030"),
        pytest.param(b"", None, id="empty"),
    ],
)
def test_detect_type_judges_by_content(data: bytes, expected: str | None) -> None:
    assert detect_type(data) == expected


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("照片.png", "image/png", "照片.png"),
        ("../../etc/passwd", "text/plain", "passwd.txt"),
        ("C:\\Users\\me\\Desktop\\扫描件.jpg", "image/jpeg", "扫描件.jpg"),
        ("/tmp/a/b.pdf", "application/pdf", "b.pdf"),
        ("a\x00b\r\nc\x1b[0m.pdf", "application/pdf", "abc[0m.pdf"),
        ("invoice\u202egnp.exe", "image/png", "invoicegnp.png"),  # RIGHT-TO-LEFT OVERRIDE
        ("\u2067报告\u2069\u200f\u200e.pdf", "application/pdf", "报告.pdf"),  # isolates, marks
        ("\u061cئىلتىماس\ufeff.pdf", "application/pdf", "ئىلتىماس.pdf"),  # ARABIC LETTER MARK
        ("line\u2028break.txt", "text/plain", "linebreak.txt"),
        ("scan.pdf", "image/png", "scan.png"),  # the extension follows the content
        ("report.tar.gz", "application/pdf", "report.tar.pdf"),
        ("readme", "text/plain", "readme.txt"),
        ("／ｅｔｃ／ｓｃａｎ．ＰＮＧ", "image/png", "scan.png"),  # full-width, NFKC
        (".htaccess", "text/plain", "htaccess.txt"),
        ("...", "image/png", "attachment.png"),
        ("", "application/pdf", "attachment.pdf"),
        ("\u202e", "application/pdf", "attachment.pdf"),
    ],
)
def test_safe_filename(name: str, content_type: str, expected: str) -> None:
    assert safe_filename(name, content_type) == expected


def test_safe_filename_shortens_long_names_and_keeps_the_extension() -> None:
    name = safe_filename("很" * 500 + ".pdf", "application/pdf")
    assert len(name) <= FILENAME_MAX
    assert name.endswith("很.pdf")


def test_check_upload_accepts_a_file_up_to_the_limit() -> None:
    data = png()
    upload = check_upload("photo.jpg", data, max_bytes=len(data))
    assert (upload.filename, upload.content_type, upload.data) == ("photo.png", "image/png", data)


def test_check_upload_refuses_a_file_over_the_limit() -> None:
    with pytest.raises(UploadError, match="too_large"):
        check_upload("photo.png", png(), max_bytes=len(png()) - 1)


def test_check_upload_refuses_a_type_not_allowed() -> None:
    with pytest.raises(UploadError, match="type_not_allowed"):
        check_upload("report.pdf", b"MZ\x90\x01" + b"\xff" * 60, max_bytes=1024)
