"""The annual report draft as a Word document (python-docx), tables 三 and 四 laid out as in the
template, with merged label and header cells; gaps for people are highlighted in yellow."""

from __future__ import annotations

import io
from typing import Any

from enquiry.reporting import annual, table4
from enquiry.reporting.draft import Draft, Field, Paragraph, TableFour, TableThree

FONT = "SimSun"


def _font(document: Any) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)


def _set(cell: Any, text: str | int) -> None:
    cell.text = str(text)


def _merge(table: Any, top: int, left: int, bottom: int, right: int, text: str) -> None:
    cell = table.cell(top, left)
    if (bottom, right) != (top, left):
        cell = cell.merge(table.cell(bottom, right))
    _set(cell, text)


def table_three(document: Any, table: annual.AnnualTable) -> None:
    """Table 三: three header rows, three label columns, seven columns of numbers."""
    lines = annual.layout(table)
    grid = document.add_table(rows=3 + len(lines), cols=10)
    grid.style = "Table Grid"
    _merge(grid, 0, 0, 2, 2, annual.CHECK_NOTE)
    _merge(grid, 0, 3, 0, 9, annual.APPLICANT_HEADING)
    _merge(grid, 1, 3, 2, 3, annual.COLUMNS[0].label)
    _merge(grid, 1, 4, 1, 8, annual.ORGANISATION_HEADING)
    _merge(grid, 1, 9, 2, 9, annual.COLUMNS[-1].label)
    for offset, column in enumerate(annual.ORGANISATION_COLUMNS, start=4):
        _set(grid.cell(2, offset), column.label)
    for index, line in enumerate(lines, start=3):
        for label in line.labels:
            bottom, right = index + label.rowspan - 1, label.column + label.colspan - 1
            _merge(grid, index, label.column, bottom, right, label.text)
        for offset, value in enumerate(line.row.cells, start=3):
            _set(grid.cell(index, offset), value)


def table_four(document: Any, table: table4.Table4) -> None:
    """Table 四: three header rows and the row of 15 numbers."""
    grid = document.add_table(rows=4, cols=15)
    grid.style = "Table Grid"
    _merge(grid, 0, 0, 1, 4, table4.GROUP_LABELS[table4.REVIEW])
    _merge(grid, 0, 5, 0, 14, table4.LAWSUIT_LABEL)
    _merge(grid, 1, 5, 1, 9, table4.GROUP_LABELS[table4.DIRECT])
    _merge(grid, 1, 10, 1, 14, table4.GROUP_LABELS[table4.AFTER_REVIEW])
    for offset, (_group, label) in enumerate(table4.column_headers()):
        _set(grid.cell(2, offset), label)
        _set(grid.cell(3, offset), table.cells[offset])


def _field(document: Any, block: Field) -> None:
    from docx.enum.text import WD_COLOR_INDEX

    paragraph = document.add_paragraph()
    run = paragraph.add_run(block.marker)
    run.bold = True
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    paragraph.add_run(f"（{block.hint}）").italic = True


def draft_docx(draft: Draft) -> bytes:
    """Return the draft as DOCX bytes."""
    from docx import Document  # python-docx and lxml, about 4 MB: only when a draft is made
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    _font(document)
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title = heading.add_run(draft.title)
    title.bold = True
    title.font.size = Pt(16)
    document.add_paragraph(draft.intro)
    for part in draft.parts:
        document.add_paragraph().add_run(part.heading).bold = True
        for block in part.blocks:
            if isinstance(block, Paragraph):
                document.add_paragraph(block.text)
            elif isinstance(block, Field):
                _field(document, block)
            elif isinstance(block, TableThree):
                table_three(document, block.table)
            elif isinstance(block, TableFour):
                table_four(document, block.table)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
