"""Downloads of the figures: table 三 as CSV and XLSX, the mailbox figures as CSV.

The XLSX sheet is laid out like the template (merged label cells, the two header rows of
applicant columns) so it can be pasted into the report; the CSV is flat, one line per row of
numbers with its labels spelled out, for machines. CSV is written with a byte-order mark so
that spreadsheet programs read the Chinese correctly. Every cell of both goes through
`safe_cell`, so text that a spreadsheet would run as a formula is written as literal text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from enquiry.reporting import annual
from enquiry.reporting.spreadsheet_cells import safe_cell

CSV_HEADERS = ("分项", "类别", "细目", *(column.label for column in annual.COLUMNS))
CHECK_LABEL = "勾稽关系（一+二=（七）+四）"
PASSED, FAILED = "通过", "不通过"
LABEL_COLUMNS = 3
FIRST_NUMBER_COLUMN = LABEL_COLUMNS + 1
HEADER_ROWS = 3


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """Return rows as UTF-8 CSV with a byte-order mark, formula-like text made literal."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def annual_csv(table: annual.AnnualTable) -> bytes:
    """Return table 三 as CSV: three label columns, then the seven columns of numbers."""
    rows: list[Sequence[object]] = [CSV_HEADERS]
    for line in annual.layout(table):
        path = (*line.path, "", "")[:LABEL_COLUMNS]
        rows.append((*path, *line.row.cells))
    checks = annual.column_checks(table)
    rows.append((CHECK_LABEL, "", "", *(PASSED if c.is_ok else FAILED for c in checks)))
    return csv_bytes(rows)


def annual_xlsx(table: annual.AnnualTable, title: str) -> bytes:
    """Return table 三 as an XLSX workbook laid out like the template."""
    from openpyxl import Workbook  # about 8 MB per web worker: only when a sheet is made
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "表三"
    _cell(sheet, 1, 1, title, bold=True)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=LABEL_COLUMNS + 7)
    _write_header(sheet, first_row=2)
    row_index = 2 + HEADER_ROWS
    for line in annual.layout(table):
        for label in line.labels:
            _cell(sheet, row_index, label.column + 1, label.text)
            _merge(sheet, row_index, label.column + 1, label.rowspan, label.colspan)
        for offset, value in enumerate(line.row.cells):
            sheet.cell(row=row_index, column=FIRST_NUMBER_COLUMN + offset, value=safe_cell(value))
        row_index += 1
    _cell(sheet, row_index, 1, CHECK_LABEL, bold=True)
    _merge(sheet, row_index, 1, 1, LABEL_COLUMNS)
    for offset, check in enumerate(annual.column_checks(table)):
        _cell(sheet, row_index, FIRST_NUMBER_COLUMN + offset, PASSED if check.is_ok else FAILED)
    for column, width in zip("ABC", (14, 16, 40), strict=True):
        sheet.column_dimensions[column].width = width
    for offset in range(7):
        sheet.column_dimensions[get_column_letter(FIRST_NUMBER_COLUMN + offset)].width = 12
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_header(sheet: Any, first_row: int) -> None:
    """The template's header: the check note, 申请人情况, the applicant columns."""
    _cell(sheet, first_row, 1, annual.CHECK_NOTE)
    _merge(sheet, first_row, 1, HEADER_ROWS, LABEL_COLUMNS)
    _cell(sheet, first_row, FIRST_NUMBER_COLUMN, annual.APPLICANT_HEADING)
    _merge(sheet, first_row, FIRST_NUMBER_COLUMN, 1, 7)
    citizen, total = annual.COLUMNS[0], annual.COLUMNS[-1]
    _cell(sheet, first_row + 1, FIRST_NUMBER_COLUMN, citizen.label)
    _merge(sheet, first_row + 1, FIRST_NUMBER_COLUMN, 2, 1)
    _cell(sheet, first_row + 1, FIRST_NUMBER_COLUMN + 1, annual.ORGANISATION_HEADING)
    _merge(sheet, first_row + 1, FIRST_NUMBER_COLUMN + 1, 1, 5)
    _cell(sheet, first_row + 1, FIRST_NUMBER_COLUMN + 6, total.label)
    _merge(sheet, first_row + 1, FIRST_NUMBER_COLUMN + 6, 2, 1)
    for offset, column in enumerate(annual.ORGANISATION_COLUMNS, start=1):
        _cell(sheet, first_row + 2, FIRST_NUMBER_COLUMN + offset, column.label)


def _cell(sheet: Any, row: int, column: int, value: str, *, bold: bool = False) -> None:
    from openpyxl.styles import Alignment, Font

    cell = sheet.cell(row=row, column=column, value=safe_cell(value))
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    if bold:
        cell.font = Font(bold=True)


def _merge(sheet: Any, row: int, column: int, rowspan: int, colspan: int) -> None:
    if rowspan > 1 or colspan > 1:
        sheet.merge_cells(
            start_row=row,
            start_column=column,
            end_row=row + rowspan - 1,
            end_column=column + colspan - 1,
        )
