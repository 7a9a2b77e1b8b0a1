"""A supervisor records a lawsuit on an application, then sees table 四 and the report draft."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING

from enquiry.audit import verify_bundle
from enquiry.audit.keys import load_keyring
from enquiry.models import utcnow
from enquiry.rules.clock import beijing_today
from tests.app.test_remedies import open_application
from tests.browser.conftest import Live
from tests.browser.pages import inspect, staff_sign_in

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Page


def test_record_a_lawsuit_and_read_table_four_and_the_draft(
    live: Live, open_page: Callable[..., Page], tmp_path: Path
) -> None:
    ticket_id = open_application(live.app)
    year = beijing_today(utcnow()).year
    supervisor = live.staff_user()
    office = open_page("zh_Hans", phone=False)
    staff_sign_in(office, supervisor.email)
    office.goto(f"/staff/tickets/{ticket_id}")
    panel = office.locator("#remedies")
    panel.locator("details.remedy-add > summary").click()
    panel.locator("select[name='remedy-kind']").select_option("lawsuit")
    panel.locator("input[name='remedy-filed_on']").fill(f"{year}-01-10")
    panel.locator("input[name='remedy-body']").fill("乌鲁木齐市天山区人民法院")
    panel.locator("select[name='remedy-route']").select_option("direct")
    panel.locator("form[action$='/remedies'] button[type=submit]").click()
    office.wait_for_url(f"**/staff/tickets/{ticket_id}#remedies")
    assert "乌鲁木齐市天山区人民法院" in office.locator("#remedies").inner_text()
    inspect(office, "staff-ticket-remedies-zh")

    with office.expect_download() as caught:
        office.locator(".evidence-panel button[type=submit]").click()
    bundle = tmp_path / "bundle.zip"
    caught.value.save_as(bundle)
    assert "verify_bundle.py" in zipfile.ZipFile(bundle).namelist()
    with live.app.app_context():
        ring = load_keyring(live.app)
    assert verify_bundle.verify(str(bundle), dict(ring.keys)).status == 0

    office.goto(f"/staff/reports/annual/{year}")
    cells = office.locator("[data-cell4]").all_inner_texts()
    assert cells[5:10] == ["0", "0", "0", "1", "1"]  # 未经复议直接起诉: 尚未审结, 总计
    inspect(office, "staff-annual-table4-zh")
    office.click(".annual-table4 a.draft-link")
    assert "四、政府信息公开行政复议、行政诉讼情况" in office.locator("main").inner_text()
    inspect(office, "staff-annual-draft-zh")
