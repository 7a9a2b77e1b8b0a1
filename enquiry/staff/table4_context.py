"""What templates/staff/_table4.html needs on the annual report page."""

from __future__ import annotations

from typing import Any

from flask import url_for

from enquiry.extensions import db
from enquiry.reporting import table4
from enquiry.reporting.table4_facts import table_four


def table4_context(year: int, department_id: int | None, args: dict[str, Any]) -> dict[str, Any]:
    """Table 四 of the year and the links to its downloads and to the report draft."""
    return {
        "table4": table_four(db.session, year, department_id=department_id),
        "table4_module": table4,
        "table4_links": {
            "csv": url_for("staff.table4_csv", year=year, **args),
            "xlsx": url_for("staff.table4_xlsx", year=year, **args),
            "draft": url_for("staff.annual_draft", year=year, **args),
        },
    }
