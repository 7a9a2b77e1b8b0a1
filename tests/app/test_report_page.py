"""Importing the annual report with `flask report import` and reading it on /report/<year>."""

from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from enquiry.domain import reports
from enquiry.extensions import db
from enquiry.models import Department, Report, ReportSection, Ticket
from enquiry.models.tickets import Channel, Kind

SEED = Path(__file__).resolve().parents[2] / "enquiry" / "data" / "report-2013.txt"
SEED_ANCHORS = [
    "intro",
    *("s1", "s1-1", "s1-2", "s1-3"),
    *("s2", "s2-i1", "s2-i2", "s2-i3", "s2-i4"),
    *("s3", "s3-1", "s3-2", "s3-3"),
    "closing",
]
ID_ATTRIBUTE = re.compile(r'<section[^>]*\bid="([^"]+)"')


def import_seed(runner: FlaskCliRunner, *extra: str) -> str:
    args = ["report", "import", str(SEED), "--year", "2013", *extra]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return result.output


def stored_sections(app: Flask) -> list[ReportSection]:
    with app.app_context():
        statement = select(ReportSection).join(Report).where(Report.year == 2013)
        return list(db.session.scalars(statement.order_by(ReportSection.position)))


def test_import_stores_every_section(app: Flask, runner: FlaskCliRunner) -> None:
    output = import_seed(runner, "--source-url", "http://www.urumqi.gov.cn")
    assert "15 sections" in output
    with app.app_context():
        report = db.session.scalars(select(Report).filter_by(year=2013)).one()
        assert report.title == "乌鲁木齐市人民政府机关2013年度政府信息公开工作报告"
        assert report.source_url == "http://www.urumqi.gov.cn"
        assert report.published_on == date(2014, 3, 10)  # read from the 发布时间 line
    sections = stored_sections(app)
    assert [s.anchor for s in sections] == SEED_ANCHORS
    assert [s.position for s in sections] == list(range(len(SEED_ANCHORS)))
    by_anchor = {s.anchor: s for s in sections}
    assert by_anchor["s1-1"].number == "(一)"
    assert by_anchor["s1-1"].heading == "加强领导,健全机构"
    assert by_anchor["s2-i4"].level == 2
    assert by_anchor["s2-i4"].body.count("\n\n") == 1
    assert all("附件下载" not in s.body and "浏览次数" not in s.body for s in sections)


def test_published_option_wins_over_the_text(app: Flask, runner: FlaskCliRunner) -> None:
    import_seed(runner, "--published", "2014-03-11")
    with app.app_context():
        report = db.session.scalars(select(Report)).one()
        assert report.published_on == date(2014, 3, 11)


def test_importing_twice_fails_unless_replace(app: Flask, runner: FlaskCliRunner) -> None:
    import_seed(runner, "--source-url", "http://www.urumqi.gov.cn")
    ids_before = {s.anchor: s.id for s in stored_sections(app)}

    result = runner.invoke(args=["report", "import", str(SEED), "--year", "2013"])
    assert result.exit_code != 0
    assert "already imported" in result.output
    assert "--replace" in result.output

    import_seed(runner, "--replace")
    with app.app_context():
        report = db.session.scalars(select(Report)).one()
        assert report.source_url == "http://www.urumqi.gov.cn"  # kept when not given again
    assert {s.anchor: s.id for s in stored_sections(app)} == ids_before


def test_replace_updates_in_place_and_keeps_sections_tickets_refer_to(app: Flask) -> None:
    with app.app_context():
        text = "报告\n一、甲\n正文甲。\n二、乙\n正文乙。\n三、丙\n正文丙。\n"
        report = reports.import_report(
            db.session, text, year=2020, source_url=None, published_on=None
        )
        sections = {s.anchor: s for s in report.sections}
        department = db.session.scalars(select(Department)).one()
        db.session.add(make_ticket(department, sections["s2"]))
        db.session.commit()
        kept_id, report_id = sections["s2"].id, report.id

        text = "报告(修订)\n一、甲\n新正文甲。\n四、丁\n正文丁。\n"
        report = reports.import_report(
            db.session, text, year=2020, source_url=None, published_on=None, replace=True
        )
        db.session.commit()
        db.session.expire_all()

        report = db.session.scalars(select(Report).filter_by(year=2020)).one()
        assert report.id == report_id
        assert report.title == "报告(修订)"
        assert [(s.anchor, s.body) for s in report.sections] == [
            ("s1", "新正文甲。"),
            ("s4", "正文丁。"),
            ("s2", "正文乙。"),  # a ticket refers to it: kept, moved to the end
        ]
        ticket = db.session.scalars(select(Ticket)).one()
        assert ticket.report_section_id == kept_id


def make_ticket(department: Department, section: ReportSection) -> Ticket:
    return Ticket(
        reference="UQ-2020-000001",
        kind=Kind.QUESTION,
        channel=Channel.WEB,
        department=department,
        report_section=section,
        subject="关于第二部分",
        citizen_name="张三",
        citizen_email="zhang@example.org",
        access_code_hash="0" * 64,
        received_on=date(2020, 1, 2),
    )


def test_page_shows_sections_anchors_and_ask_links(
    runner: FlaskCliRunner, client: FlaskClient
) -> None:
    import_seed(runner, "--source-url", "http://www.urumqi.gov.cn")
    response = client.get("/report/2013")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1" in html and "乌鲁木齐市人民政府机关2013年度政府信息公开工作报告" in html
    assert 'href="http://www.urumqi.gov.cn"' in html
    assert "2014" in html  # the publication date
    assert ID_ATTRIBUTE.findall(html) == SEED_ANCHORS
    for anchor in SEED_ANCHORS:
        assert f'href="/ask?report=2013&amp;section={anchor}"' in html
        assert f'href="#{anchor}"' in html  # table of contents
    assert '<h2 class="report-heading" id="s1-title"' in html
    assert '<h3 class="report-heading" id="s1-1-title"' in html
    assert "<p>按照国务院、自治区的安排部署" in html


def test_heading_levels_never_skip(runner: FlaskCliRunner, client: FlaskClient) -> None:
    import_seed(runner)
    html = client.get("/report/2013").get_data(as_text=True)
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", html)]
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels))


def test_unknown_year_is_not_found(client: FlaskClient) -> None:
    response = client.get("/report/1999")
    assert response.status_code == 404
    assert "404" in response.get_data(as_text=True)  # the normal error page
    assert client.get("/report").status_code == 404


def test_reports_redirects_to_the_latest_year(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        for year in (2012, 2013):
            reports.import_report(
                db.session, f"{year}年报告\n正文。", year=year, source_url=None, published_on=None
            )
        db.session.commit()
    response = client.get("/report")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/report/2013")


def test_section_text_is_escaped(app: Flask, client: FlaskClient) -> None:
    text = (
        "<b>报告</b>\n"
        "一、<script>alert(1)</script>\n"
        '正文<script>alert("x")</script>&amp;\n'
        "\n"
        "第二段<img src=x onerror=alert(2)>\n"
    )
    with app.app_context():
        reports.import_report(
            db.session,
            text,
            year=2014,
            source_url="javascript:alert(3)",
            published_on=None,
        )
        db.session.commit()
    html = client.get("/report/2014").get_data(as_text=True)
    assert "<script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<p>正文&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;amp;</p>" in html
    assert "<p>第二段&lt;img src=x onerror=alert(2)&gt;</p>" in html
    assert "&lt;b&gt;报告&lt;/b&gt;" in html
    assert 'href="javascript:' not in html  # an unsafe source is shown, not linked


def test_chinese_text_stays_left_to_right_on_the_uyghur_page(
    runner: FlaskCliRunner, client: FlaskClient
) -> None:
    import_seed(runner)
    html = client.get("/report/2013", headers={"Accept-Language": "ug"}).get_data(as_text=True)
    assert 'dir="rtl"' in html
    assert '<div class="report-body" lang="zh-Hans" dir="ltr">' in html
