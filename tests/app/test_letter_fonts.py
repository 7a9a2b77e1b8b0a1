"""The letter fonts are parsed once per process and copied per PDF: same bytes, thread-safe.

`enquiry.mail.letters.fonts` replaces fpdf2's `add_font` (which parses the fonts for every
letter). A letter must come out byte for byte as fpdf2's own route makes it, the first one
(which parses the fonts) as well as the next ones (which reuse them), also when threads of a
worker render letters at the same time.
"""

from __future__ import annotations

import io
import itertools
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pypdf
import pytest
from flask import Flask

from enquiry import create_app
from enquiry.mail.letters import fonts, pdf
from enquiry.mail.letters.compose import Letter, compose
from enquiry.mail.letters.pdf import render_pdf
from enquiry.mail.letters.settings import DEMO_SEAL, LetterSettings, letter_settings_from_config
from tests.app.test_letter_texts import AUTHORITY, OFFICE, REFERENCE, facts, pdf_text, squeeze
from tests.conftest import require

THREADS = 6
COMBINATIONS = list(
    itertools.product(("acknowledgement", "refused", "extension"), ("zh_Hans", "ug"))
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": "test-secret-key-not-for-production",
            "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
        }
    )
    with app.app_context():
        yield app


@pytest.fixture(scope="module")
def settings(app: Flask) -> LetterSettings:
    base = letter_settings_from_config(app.config)
    require(base.cjk_font is not None and base.cjk_font.is_file(), "no CJK font (fonts-noto-cjk)")
    return LetterSettings(
        office_name=OFFICE,
        office_address="乌鲁木齐市新华南路1号",
        letterhead="电话 0991-0000000",
        seal_path=DEMO_SEAL,
        review_authority=AUTHORITY,
        cjk_font=base.cjk_font,
        uyghur_font=base.uyghur_font,
    )


@contextmanager
def fpdf_parsing_every_time() -> Iterator[None]:
    """The letter module with fpdf2's own add_font, as before the cache."""

    class Uncached:
        @staticmethod
        def add_font(document: Any, family: str, path: Path) -> None:
            document.add_font(family, fname=str(path))

    pdf.fonts = Uncached  # type: ignore[assignment]
    try:
        yield
    finally:
        pdf.fonts = fonts


def letters(app: Flask, settings: LetterSettings) -> list[Letter]:
    return [compose(facts(kind), settings, locale) for kind, locale in COMBINATIONS]


def reads_back(letter: Letter, data: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 1
    text = pdf_text(data)
    assert squeeze(OFFICE) in text
    assert REFERENCE in text
    if not letter.is_rtl:
        assert squeeze(letter.title) in text
        assert squeeze(letter.paragraphs[1]) in text


def test_the_first_and_the_next_letters_equal_fpdf2s_own(
    app: Flask, settings: LetterSettings
) -> None:
    with fpdf_parsing_every_time():
        expected = [render_pdf(letter) for letter in letters(app, settings)]
    fonts._parsed.clear()
    first, second = letters(app, settings)[:2]
    parsed = render_pdf(first)  # parses the fonts
    assert len(fonts._parsed) == 2
    reused = render_pdf(second)  # copies them
    reads_back(first, parsed)
    reads_back(second, reused)
    assert [parsed, reused] == expected[:2]
    # Writing a PDF changes nothing that the next one reads: the same letter, the same bytes.
    assert [render_pdf(letter) for letter in letters(app, settings)] == expected
    assert len(fonts._parsed) == 2


def test_concurrent_letters_in_threads_are_correct(app: Flask, settings: LetterSettings) -> None:
    batch = letters(app, settings)
    sequential = [render_pdf(letter) for letter in batch]
    fonts._parsed.clear()  # the threads race to parse the fonts, then to copy them
    parses: list[Path] = []
    parse = fonts._parse

    def counted(path: Path) -> Any:
        parses.append(path)
        return parse(path)

    barrier = threading.Barrier(THREADS, timeout=60)

    def render(index: int) -> tuple[Letter, list[bytes]]:
        letter = batch[index % len(COMBINATIONS)]
        with app.app_context():
            barrier.wait()
            return letter, [render_pdf(letter) for _ in range(2)]

    fonts._parse = counted  # type: ignore[assignment]
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(render, range(THREADS)))
    finally:
        fonts._parse = parse  # type: ignore[assignment]
    assert len(parses) == 2  # each font once, however many threads asked for it
    for index, (letter, outputs) in enumerate(results):
        for data in outputs:
            assert data == sequential[index % len(COMBINATIONS)]
            reads_back(letter, data)


def snapshot(parsed: Any) -> dict[str, Any]:
    ttfont = parsed.font.ttfont
    glyphs = ttfont.tables["glyf"].glyphs
    return {
        "glyphs": {name: (id(glyph), dict(vars(glyph))) for name, glyph in glyphs.items()},
        "tables": {tag: dict(vars(table)) for tag, table in ttfont.tables.items()},
        "cmap": [dict(vars(subtable)) for subtable in ttfont.tables["cmap"].tables],
        "order": list(ttfont.getGlyphOrder()),
        "cw": dict(parsed.font.cw),
    }


def test_writing_a_pdf_leaves_the_parsed_fonts_as_they_were(
    app: Flask, settings: LetterSettings
) -> None:
    render_pdf(letters(app, settings)[0])
    before = {key: snapshot(parsed) for key, parsed in fonts._parsed.items()}
    for letter in letters(app, settings):
        render_pdf(letter)
    assert {key: snapshot(parsed) for key, parsed in fonts._parsed.items()} == before


def test_a_changed_font_file_is_parsed_again(settings: LetterSettings, tmp_path: Path) -> None:
    assert settings.uyghur_font is not None
    copy = tmp_path / "UKIJTuz.ttf"
    copy.write_bytes(settings.uyghur_font.read_bytes())
    first = fonts._get(copy)
    assert fonts._get(copy) is first
    copy.write_bytes(settings.uyghur_font.read_bytes() + b"\0" * 4)  # another size
    assert fonts._get(copy) is not first


NOTO = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def test_a_cff_font_is_left_to_fpdf2(app: Flask, settings: LetterSettings) -> None:
    require(NOTO.is_file(), "no Noto CJK (fonts-noto-cjk)")
    noto = LetterSettings(**{**settings.__dict__, "cjk_font": NOTO})
    letter = compose(facts("refused"), noto, "zh_Hans")
    with fpdf_parsing_every_time():
        expected = render_pdf(letter)
    assert render_pdf(letter) == expected
    assert fonts._get(NOTO).font is None  # CFF outlines: parsed by fpdf2 for each letter
    reads_back(letter, expected)


def test_another_fpdf2_font_object_is_left_to_fpdf2(
    app: Flask, settings: LetterSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fpdf.fonts import TTFFont

    assert set(TTFFont.__slots__) == fonts.SHARED | fonts.OWN  # fpdf2 upgraded: review fonts.py
    letter = compose(facts("acknowledgement"), settings, "en")
    expected = render_pdf(letter)
    fonts._parsed.clear()
    monkeypatch.setattr(fonts, "SHARED", fonts.SHARED - {"cmap"})
    assert render_pdf(letter) == expected
    assert all(parsed.font is None for parsed in fonts._parsed.values())
    fonts._parsed.clear()
