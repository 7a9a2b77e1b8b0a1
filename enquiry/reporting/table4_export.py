"""Table 四 as CSV and XLSX, laid out like the template (three header rows, 15 numbers)."""

from __future__ import annotations

import csv
import io
from typing import Any

from enquiry.reporting import table4
from enquiry.reporting.spreadsheet_cells import safe_cell

CHECK_LABEL = "勾稽关系（总计=各项之和）"
PASSED, FAILED = "通过", "不通过"


def header_rows() -> list[list[str]]:
    """The template's three header rows, a label repeated across the cells it spans."""
    groups = [label for label, _column in table4.column_headers()]
    top = [table4.GROUP_LABELS[table4.REVIEW]] * 5 + [table4.LAWSUIT_LABEL] * 10
    columns = [column for _group, column in table4.column_headers()]
    return [top, groups, columns]


def check_row(table: table4.Table4) -> list[str]:
    """通过/不通过 under each 总计, empty elsewhere."""
    return [
        *(
            cell
            for group in table.groups
            for cell in ("", "", "", "", PASSED if group.is_ok else FAILED)
        )
    ]


def table4_csv(table: table4.Table4) -> bytes:
    """Return table 四 as UTF-8 CSV with a byte-order mark: headers, numbers, the check."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    rows: list[list[Any]] = [*header_rows(), list(table.cells), check_row(table)]
    rows[-1][0] = rows[-1][0] or CHECK_LABEL
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def table4_xlsx(table: table4.Table4, title: str) -> bytes:
    """Return table 四 as an XLSX workbook laid out like the template."""
    from openpyxl import Workbook  # about 8 MB per web worker: only when a sheet is made

    book = Workbook()
    sheet = book.active
    sheet.title = "表四"
    _cell(sheet, 1, 1, title, bold=True)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=15)
    _cell(sheet, 2, 1, table4.GROUP_LABELS[table4.REVIEW])
    sheet.merge_cells(start_row=2, start_column=1, end_row=3, end_column=5)
    _cell(sheet, 2, 6, table4.LAWSUIT_LABEL)
    sheet.merge_cells(start_row=2, start_column=6, end_row=2, end_column=15)
    _cell(sheet, 3, 6, table4.GROUP_LABELS[table4.DIRECT])
    sheet.merge_cells(start_row=3, start_column=6, end_row=3, end_column=10)
    _cell(sheet, 3, 11, table4.GROUP_LABELS[table4.AFTER_REVIEW])
    sheet.merge_cells(start_row=3, start_column=11, end_row=3, end_column=15)
    for offset, (_group, column) in enumerate(table4.column_headers(), start=1):
        _cell(sheet, 4, offset, column)
        sheet.cell(row=5, column=offset, value=table.cells[offset - 1])
    for offset, text in enumerate(check_row(table), start=1):
        if text:
            _cell(sheet, 6, offset, text)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(sheet: Any, row: int, column: int, value: str, *, bold: bool = False) -> None:
    from openpyxl.styles import Alignment, Font

    cell = sheet.cell(row=row, column=column, value=safe_cell(value))
    cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    if bold:
        cell.font = Font(bold=True)
