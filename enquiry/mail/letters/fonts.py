"""The letter fonts, parsed once per process; every PDF gets its own copy to subset.

`FPDF.add_font` parses a TrueType font from scratch (fontTools: the glyph table, glyph names,
cmap and widths), about 0.1 s of CPU for the 30,000 glyphs of a CJK font, for every letter.
Here the parse is done once per font file and kept (`_Parsed`); a document gets a copy of
fpdf2's `TTFFont` that shares what nothing writes to after parsing (cmap, glyph ids, font
descriptor, the glyph outlines until they are subset, the HarfBuzz face) and has its own
everything fpdf2 or the fontTools subsetter changes while a document is written: the
character widths (a defaultdict that grows on reads), the subset map and missing glyphs, the
HarfBuzz font (its size is set before each shaping) and a fontTools `TTFont` whose tables are
shallow copies of the parsed ones (the subsetter assigns new lists and dicts to their
attributes) with the glyphs kept by the subset copied before they are rewritten. The PDF is
byte for byte the one `add_font` would give (tests/app/test_letter_fonts.py).

Parsing happens under a lock; copies only read the parsed state, so threads of one worker may
render letters at the same time. The cache is keyed by path, size and modification time.
"""

from __future__ import annotations

import copy
import io
import logging
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # fpdf (and fontTools) load in about a second: only when a letter is made
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

logger = logging.getLogger(__name__)
# fpdf2's TTFFont attributes: read-only after parsing (shared), or made for each document.
SHARED = frozenset(
    ("type", "ttffile", "is_compressed", "collection_font_number", "scale", "is_cff",
     "is_cid_keyed", "is_symbol", "cff_ros", "desc", "cmap", "glyph_ids", "name", "up",
     "ut", "sp", "ss", "emphasis", "palette_index", "unicode_range")
)  # fmt: skip
OWN = frozenset(
    ("i", "fontkey", "biggest_size_pt", "cw", "missing_glyphs", "ttfont", "_hbfont", "subset",
     "color_font")
)  # fmt: skip
_lock = threading.Lock()
_parsed: dict[tuple[str, int, int], _Parsed] = {}


@dataclass(frozen=True)
class _Parsed:
    """One font file as fpdf2 parses it, never written to after it is made."""

    # A template: its ttfont, cmap, glyph ids and widths are read, never changed. None for a
    # font without TrueType outlines (CFF, as Noto CJK): fpdf2 parses it for every document.
    font: TTFFont | None
    data: bytes  # the file, for tables the template did not load (hinting, cvt, ...)
    face: Any  # uharfbuzz.Face: immutable, shared by the documents' HarfBuzz fonts


def add_font(pdf: FPDF, family: str, path: Path) -> None:
    """Make the font at `path` available to `pdf` as `family`, like `pdf.add_font` does."""
    from fpdf.font_type_3 import get_color_font_object
    from fpdf.fonts import SubsetMap, TTFFont

    parsed = _get(path)
    template = parsed.font
    if template is None:
        pdf.add_font(family, fname=str(path))
        return
    font = TTFFont.__new__(TTFFont)
    for name in SHARED:
        if hasattr(template, name):
            setattr(font, name, getattr(template, name))
    font.i = len(pdf.fonts) + 1
    font.fontkey = family.lower()
    font.biggest_size_pt = 0
    widths: Any = template.cw  # a defaultdict: the width of .notdef for characters not in it
    font.cw = defaultdict(widths.default_factory, widths)
    font.missing_glyphs = []
    font.ttfont = _ttfont_copy(template.ttfont, parsed.data, template.collection_font_number)
    font._hbfont = None
    font.subset = SubsetMap(font)
    font.color_font = (
        get_color_font_object(pdf, font, font.palette_index) if pdf.render_color_fonts else None
    )
    if parsed.face is not None:
        from fpdf.fonts import HarfBuzzFont

        font._hbfont = HarfBuzzFont(parsed.face)  # its own: fpdf2 sets its size per shaping
    pdf.fonts[font.fontkey] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")


def _get(path: Path) -> _Parsed:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    parsed = _parsed.get(key)
    if parsed is None:
        with _lock:
            parsed = _parsed.get(key)
            if parsed is None:
                parsed = _parse(path)
                _parsed[key] = parsed
    return parsed


def _parse(path: Path) -> _Parsed:
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

    if set(TTFFont.__slots__) != SHARED | OWN:  # another fpdf2: do not guess what it writes
        logger.warning("fpdf2's TTFFont changed: letter fonts are parsed for every letter")
        return _Parsed(font=None, data=b"", face=None)
    data = path.read_bytes()
    host = FPDF()  # TTFFont only reads its fonts count and render_color_fonts
    template = TTFFont(host, path, "template", "")
    ttfont = template.ttfont
    if "glyf" not in ttfont or template.is_cff or template.is_compressed or template.color_font:
        ttfont.close()  # the copy below knows how to share TrueType outlines only
        return _Parsed(font=None, data=b"", face=None)
    for subtable in ttfont["cmap"].tables:  # decompile now: never lazily in shared state
        subtable.ensureDecompiled()
    ttfont.getReverseGlyphMap()
    ttfont["loca"]
    ttfont.close()  # the file: copies read the tables not loaded here from `data`
    face = None
    try:
        import uharfbuzz as hb

        blob = hb.Blob.from_file_path(path)  # as fpdf2 makes it, for the same shaping
        face = hb.Face(blob=blob, index=template.collection_font_number)
    except ImportError:  # pragma: no cover - uharfbuzz is a dependency
        pass
    return _Parsed(font=template, data=data, face=face)


def _ttfont_copy(template: Any, data: bytes, number: int) -> Any:
    """A fontTools TTFont for one document: the parsed tables, copied as deep as subsetting
    and saving write into them; tables never loaded are read from the file's bytes."""
    from fontTools import ttLib

    font = ttLib.TTFont(
        io.BytesIO(data),
        recalcTimestamp=False,
        fontNumber=number,
        lazy=True,
    )
    for tag, table in template.tables.items():
        font.tables[tag] = _table_copy(tag, table)
    font.glyphOrder = list(template.getGlyphOrder())
    font._reverseGlyphOrderDict = dict(template.getReverseGlyphMap())
    return font


def _table_copy(tag: str, table: Any) -> Any:
    clone = copy.copy(table)
    if tag == "cmap":
        clone.tables = [copy.copy(subtable) for subtable in table.tables]
    elif tag == "glyf":
        clone.__class__ = _glyf_class()
        clone.glyphs = dict(table.glyphs)
        clone.glyphOrder = list(table.glyphOrder)
        clone._reverseGlyphOrder = dict(getattr(table, "_reverseGlyphOrder", {}))
    return clone


_glyf_classes: list[type] = []


def _glyf_class() -> type:
    """A glyf table whose kept glyphs are copied when the subsetter first picks them: it
    rewrites their component ids and trims them in place."""
    if _glyf_classes:
        return _glyf_classes[0]
    from fontTools import subset  # noqa: F401  # adds subset_glyphs to the glyf table class
    from fontTools.ttLib import getTableClass

    base = getTableClass("glyf")

    class _OwnGlyphsOnSubset(base):  # type: ignore[misc, valid-type]
        def subset_glyphs(self, s: Any) -> Any:
            shared: dict[str, Any] = vars(self)["glyphs"]
            self.glyphs = {name: _glyph_copy(shared[name]) for name in s.glyphs if name in shared}
            return super().subset_glyphs(s)

    with _lock:
        if not _glyf_classes:
            _glyf_classes.append(_OwnGlyphsOnSubset)
    return _glyf_classes[0]


def _glyph_copy(glyph: Any) -> Any:
    return copy.deepcopy(glyph)
