"""Formal letters (告知书): golden text per letter x language, and their PDFs read back.

The text snapshots live in tests/data/letters/<kind>.<locale>.txt. After a wording or
translation change, regenerate them and review the diff:

    ENQUIRY_REGENERATE_LETTERS=1 .venv/bin/pytest -n 0 tests/app/test_letter_texts.py
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pypdf
import pytest
from flask import Flask
from flask_babel import force_locale

from enquiry import create_app
from enquiry.mail.letters import wording
from enquiry.mail.letters.compose import Letter, LetterFacts, compose
from enquiry.mail.letters.linebreak import NO_START
from enquiry.mail.letters.pdf import render_pdf
from enquiry.mail.letters.settings import (
    DEMO_SEAL,
    LetterFontError,
    LetterSettings,
    letter_settings_from_config,
)
from tests.conftest import require

DATA = Path(__file__).resolve().parents[1] / "data" / "letters"
REGENERATE = bool(os.environ.get("ENQUIRY_REGENERATE_LETTERS"))
LOCALES = ("zh_Hans", "ug", "en")
AUTHORITY = "新疆维吾尔自治区人民政府"
OFFICE = "乌鲁木齐市人民政府办公厅电子政务办公室"
REFERENCE = "WLMQ-2026-000042"

# One letter per kind: the procedural steps, then one outcome of every art. 36 category.
LETTERS = {
    "acknowledgement": {"due_on": date(2026, 4, 1)},
    "correction": {"due_on": date(2026, 3, 20), "note": "请注明所需信息的文号或形成时间。"},
    "extension": {"due_on": date(2026, 4, 29), "days": 20, "note": "需要调取多个部门的档案。"},
    "consultation": {},
    "disclosed": {"outcome": "disclosed"},
    "partial": {"outcome": "partial"},
    "refused": {"outcome": "refused.third_party"},
    "unavailable": {"outcome": "unavailable.not_held"},
    "not_processed": {"outcome": "not_processed.repeated"},
    "other": {"outcome": "other.no_correction"},
}
ADVERSE = {"partial", "refused", "unavailable", "not_processed", "other"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": "test-secret-key-not-for-production",
            "INSTANCE_PATH": str(instance),
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


def facts(kind: str, **overrides: object) -> LetterFacts:
    fields: dict[str, object] = {
        "kind": kind,
        "reference": REFERENCE,
        "citizen_name": "买买提·艾力",
        "received_on": date(2026, 3, 2),
        "request": "2025年城市道路维修工程的合同和验收报告",
        "issued_on": date(2026, 3, 10),
        **LETTERS[kind],
        **overrides,
    }
    return LetterFacts(**fields)  # type: ignore[arg-type]


def pdf_text(data: bytes) -> str:
    """The PDF's text, without white space (extraction spaces out CJK characters)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return squeeze("".join(page.extract_text() for page in reader.pages))


def squeeze(text: str) -> str:
    return re.sub(r"[\s\x00]+", "", text)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", list(LETTERS))
def test_letter_text_matches_its_snapshot(settings: LetterSettings, kind: str, locale: str) -> None:
    letter = compose(facts(kind), settings, locale)
    path = DATA / f"{kind}.{locale}.txt"
    if REGENERATE:
        path.write_text(letter.text, encoding="utf-8")
    assert path.exists(), f"missing snapshot {path.name}: run with ENQUIRY_REGENERATE_LETTERS=1"
    assert letter.text == path.read_text(encoding="utf-8")


def remedies(locale: str) -> str:
    with force_locale(locale):
        return str(wording.REMEDIES % {"authority": AUTHORITY})


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", list(LETTERS))
def test_pdf_carries_the_letter_and_remedies_only_when_adverse(
    settings: LetterSettings, kind: str, locale: str
) -> None:
    letter = compose(facts(kind), settings, locale)
    data = render_pdf(letter)
    text = pdf_text(data)
    assert data.startswith(b"%PDF-")
    assert len(data) < 150_000  # fonts are subset, not embedded whole
    for phrase in (OFFICE, REFERENCE, letter.title, "买买提·艾力", *letter.paragraphs[1:2]):
        assert carries(text, phrase, rtl=letter.is_rtl), phrase
    assert letter.is_adverse is (kind in ADVERSE)
    notice = remedies(locale)
    if kind in ADVERSE:
        assert carries(text, notice, rtl=letter.is_rtl)
        assert notice in letter.text
    else:
        assert squeeze(AUTHORITY) not in text
        assert AUTHORITY not in letter.text


def carries(text: str, phrase: str, *, rtl: bool) -> bool:
    """Whether the PDF text holds the phrase; in right-to-left text word by word, since a line
    that mixes directions comes out of the PDF in visual order."""
    if not rtl:
        return squeeze(phrase) in text
    # Quotation marks are mirrored in visual order («» comes out as »«): words are what count.
    words = [word.strip(".,:;،؛") for word in re.sub(r"[«»《》()]", " ", phrase).split()]
    # A date such as 2-مارت mixes directions within the word: its parts are checked elsewhere.
    return all(word in text for word in words if word and not re.search(r"\d", word))


def test_uyghur_is_shaped_right_to_left_with_embedded_subset_fonts(
    settings: LetterSettings,
) -> None:
    name = "ئابدۇرېھىم ئەھمەت"
    request = "شەھەرلىك يول رېمونت قىلىش قۇرۇلۇشىنىڭ توختامى"
    letter = compose(facts("refused", citizen_name=name, request=request), settings, "ug")
    assert letter.is_rtl
    data = render_pdf(letter)
    text = pdf_text(data)
    # Shaped glyphs map back to the letters in logical order: the words read back intact.
    assert squeeze(name) in text
    assert squeeze(request) in text
    reader = pypdf.PdfReader(io.BytesIO(data))
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("UKIJ" in font for font in fonts)
    assert all(re.match(r"^/[A-Z]{6}\+", font) for font in fonts), fonts  # subset tags
    assert b"/FontFile2" in data or b"/FontFile3" in data


def test_a_missing_font_is_a_clear_error(settings: LetterSettings, tmp_path: Path) -> None:
    broken = LetterSettings(**{**settings.__dict__, "cjk_font": tmp_path / "none.ttc"})
    letter: Letter = compose(facts("disclosed"), broken, "zh_Hans")
    with pytest.raises(LetterFontError, match="fonts-ukij-uyghur or fonts-noto-cjk"):
        render_pdf(letter)


def test_the_same_letter_gives_the_same_pdf(settings: LetterSettings) -> None:
    letter = compose(facts("refused"), settings, "en")
    assert render_pdf(letter) == render_pdf(letter)


def test_closing_punctuation_never_starts_a_line_in_the_pdf(settings: LetterSettings) -> None:
    sentence = "根据《中华人民共和国政府信息公开条例》第三十六条，经审查，本机关决定：予以公开。"
    paragraphs = tuple("一" * shift + sentence * 3 for shift in range(12))
    letter = dataclasses.replace(
        compose(facts("disclosed"), settings, "zh_Hans"), paragraphs=paragraphs
    )
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(letter)))
    lines = [
        line.replace(" ", "")
        for page in reader.pages
        for line in page.extract_text().split("\n")
        if line.strip()
    ]
    assert sum(sentence[:8] in line for line in lines) >= 12  # the paragraphs are there
    starts = [line for line in lines if line[0] in NO_START]
    assert starts == []
