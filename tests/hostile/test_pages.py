"""Every GET page with each hostile string in each query parameter it reads (found by
recording which keys the view looks up), the ones ``targets.Page.params`` names, and a few it
does not read at all; the rule is the one in test_forms.py (a page may answer 200 and ignore
or re-show a bad filter, or 4xx with a clear message). On PostgreSQL, only the pages that read
query parameters run."""

from __future__ import annotations

import pytest

from tests.hostile.runner import PageRun
from tests.hostile.site import Site, first_lines
from tests.hostile.targets import PAGES


@pytest.mark.parametrize("endpoint", sorted(PAGES))
def test_page_survives_hostile_query(site: Site, endpoint: str) -> None:
    problems = PageRun(site, endpoint, PAGES[endpoint]).run()
    assert not problems, first_lines(problems)
