"""Render a letter as a PDF: letterhead, seal, text shaped by HarfBuzz, fonts embedded (subset).

fpdf2 shapes Arabic-script Uyghur right-to-left with joined letters when text shaping is on
(uharfbuzz), and embeds only the glyphs used, so a letter stays small even with a CJK font.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from enquiry.mail.letters import fonts
from enquiry.mail.letters.compose import Letter
from enquiry.mail.letters.linebreak import break_lines, has_cjk

if TYPE_CHECKING:  # fpdf (and fontTools) load in about a second: only when a letter is made
    from fpdf import FPDF

logger = logging.getLogger(__name__)
# fontTools logs each step of every font subset at INFO: some 140 lines per letter in the
# worker's log, which runs at INFO. Its warnings still show.
logging.getLogger("fontTools").setLevel(logging.WARNING)

CJK, UYGHUR = "letter-cjk", "letter-uyghur"
SEAL_MM = 38
KINSOKU_SLACK_MM = 0.2  # so that fpdf2 never re-breaks a line we measured as fitting
# Fixed metadata: the same letter always gives the same bytes, so its SHA-256 means something.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _document(letter: Letter, cjk: Path, uyghur: Path) -> FPDF:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_creation_date(EPOCH)
    pdf.set_producer("Enquiry")
    pdf.set_title(letter.title)
    pdf.set_lang("ug" if letter.is_rtl else ("en" if letter.locale == "en" else "zh-CN"))
    fonts.add_font(pdf, CJK, cjk)  # parsed once per process, copied for this document
    fonts.add_font(pdf, UYGHUR, uyghur)
    return pdf


def _font(pdf: FPDF, letter: Letter, size: float) -> None:
    """The letter's own script first, the other as fallback (a Chinese name in Uyghur text)."""
    main, fallback = (UYGHUR, CJK) if letter.is_rtl else (CJK, UYGHUR)
    pdf.set_font(main, size=size)
    pdf.set_fallback_fonts([fallback], exact_match=False)
    if letter.is_rtl:
        pdf.set_text_shaping(True, direction="rtl", script="arab", language="uig")
    else:
        pdf.set_text_shaping(True, direction="ltr")


def _lines(pdf: FPDF, text: str, height: float, align: str, *, rtl: bool = False) -> None:
    if not rtl and has_cjk(text):  # our own breaks: closing punctuation never starts a line
        width = pdf.epw - 2 * pdf.c_margin - KINSOKU_SLACK_MM
        text = "\n".join(break_lines(text, width, pdf.get_string_width))
        align = "L" if align == "J" else align  # no spaces to stretch in Chinese text
    pdf.multi_cell(0, height, text, align=align, new_x="LMARGIN", new_y="NEXT")


def _letterhead(pdf: FPDF, letter: Letter) -> None:
    _font(pdf, letter, 17)
    _lines(pdf, letter.office_name, 10, "C", rtl=letter.is_rtl)
    _font(pdf, letter, 9)
    for line in letter.letterhead:
        _lines(pdf, line, 5, "C", rtl=letter.is_rtl)
    y = pdf.get_y() + 2
    pdf.set_draw_color(180, 35, 42)
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_y(y + 6)
    _font(pdf, letter, 15)
    _lines(pdf, letter.title, 9, "C", rtl=letter.is_rtl)
    pdf.ln(4)


def _body(pdf: FPDF, letter: Letter) -> None:
    start = "R" if letter.is_rtl else "L"
    _font(pdf, letter, 11)
    for line in letter.fact_lines:
        _lines(pdf, line, 6.5, start, rtl=letter.is_rtl)
    for paragraph in letter.paragraphs:
        pdf.ln(3)
        _lines(pdf, paragraph, 6.5, "R" if letter.is_rtl else "J", rtl=letter.is_rtl)


def _closing(pdf: FPDF, letter: Letter) -> None:
    pdf.ln(10)
    if pdf.get_y() + SEAL_MM > pdf.h - pdf.b_margin:
        pdf.add_page()
    top = pdf.get_y()
    end = "L" if letter.is_rtl else "R"
    _font(pdf, letter, 11)
    for line in letter.closing:
        _lines(pdf, line, 7, end, rtl=letter.is_rtl)
    seal = letter.settings.seal_path
    if seal is not None and seal.is_file():
        x = pdf.l_margin + 8 if letter.is_rtl else pdf.w - pdf.r_margin - SEAL_MM - 8
        pdf.image(str(seal), x=x, y=top - 10, w=SEAL_MM)
    elif seal is not None:
        logger.warning("The seal image %s does not exist: letter without seal", seal)


def render_pdf(letter: Letter) -> bytes:
    """Return the letter as PDF bytes (A4); raises LetterFontError when a font is missing."""
    try:
        return _render(letter)
    finally:
        release_freed_memory()


def _render(letter: Letter) -> bytes:
    cjk, uyghur = letter.settings.fonts()
    pdf = _document(letter, cjk, uyghur)
    pdf.add_page()
    _letterhead(pdf, letter)
    _body(pdf, letter)
    _closing(pdf, letter)
    return bytes(pdf.output())


def release_freed_memory() -> None:
    """Give the heap a letter freed back to the system.

    A letter allocates and frees tens of megabytes (the fonts' copies, subsetting, the
    compressed streams); glibc keeps freed heap for reuse, scattered between live blocks, so a
    web worker's resident size climbed with every few letters. `malloc_trim(0)` returns the
    free pages (about a millisecond). A no-op where the C library has no malloc_trim (musl).
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
