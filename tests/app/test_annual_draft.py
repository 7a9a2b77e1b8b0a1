"""The draft of the whole annual report: six parts, tables from the data, gaps for people."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from docx import Document
from flask import Flask
from flask.testing import FlaskClient

from enquiry.models import Role
from enquiry.reporting import annual
from tests.app.conftest import english
from tests.app.test_remedies import EXPECTED as TABLE4_EXPECTED
from tests.app.test_remedies import seed as seed_remedies
from tests.app.test_stats import YEAR, application, seeded  # noqa: F401 (fixtures)

PARTS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]


def html_table3(html: str) -> list[list[str]]:
    rows: dict[str, list[str]] = {}
    for row_key, _column, value in re.findall(r'data-cell="([^":]+):([^"]+)">(\d+)<', html):
        rows.setdefault(row_key, []).append(value)
    return list(rows.values())


def html_table4(html: str) -> list[str]:
    return re.findall(r'data-cell4="\d+">(\d+)<', html)


def test_draft_has_the_six_parts_the_tables_and_marked_gaps(
    app: Flask,
    client: FlaskClient,
    staff_login: Callable[..., Any],
    seeded: int,  # noqa: F811
    make_ticket: Callable[..., Any],
) -> None:
    seed_remedies(app, make_ticket)
    staff_login(english(client), role=Role.ADMIN)
    response = client.get(f"/staff/reports/annual/{YEAR}/draft")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    positions = [html.index(part) for part in PARTS]
    assert positions == sorted(positions)
    assert "【待填写：总体情况概述】" in html and "【待填写：存在的主要问题及改进情况】" in html
    assert "本年度新收政府信息公开申请" in html and "全年通过网上信箱和电子邮件共受理" in html
    assert html_table4(html) == TABLE4_EXPECTED
    table3 = html_table3(html)
    assert len(table3) == len(annual.layout(annual.build_table([], YEAR)))

    document = Document(io.BytesIO(client.get(f"/staff/reports/annual/{YEAR}/draft.docx").data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert all(part in text for part in PARTS) and "【待填写：总体情况概述】" in text
    three, four = document.tables
    assert [
        [three.cell(r, c).text for c in range(3, 10)] for r in range(3, len(three.rows))
    ] == table3
    assert three.cell(0, 3).text == annual.APPLICANT_HEADING
    assert [four.cell(3, c).text for c in range(15)] == TABLE4_EXPECTED
    assert four.cell(0, 0).text == "行政复议" and four.cell(1, 10).text == "复议后起诉"


def test_the_draft_of_a_supervisor_covers_their_department(
    client: FlaskClient,
    staff_login: Callable[..., Any],
    seeded: int,  # noqa: F811
) -> None:
    staff_login(english(client), role=Role.SUPERVISOR, department=seeded)
    html = client.get(f"/staff/reports/annual/{YEAR}/draft").get_data(as_text=True)
    assert "housing局" in html
    docx = client.get(f"/staff/reports/annual/{YEAR}/draft.docx")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
