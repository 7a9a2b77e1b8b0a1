"""Every route of the app is fed hostile input, or its exclusion is explained.

A new form or page fails this test until it is added to tests/hostile/targets.py (and so gets
the hostile strings) or to EXCLUDED with a reason.
"""

from __future__ import annotations

from enquiry import create_app
from tests.hostile.targets import EXCLUDED, PAGES, POSTS


def routes() -> set[tuple[str, str]]:
    """(endpoint, method) for every GET and POST the app answers."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method in {"GET", "POST"}
    }


def test_every_route_is_covered_or_excluded() -> None:
    covered = {(key.split("#")[0], "POST") for key in POSTS} | {(key, "GET") for key in PAGES}
    missing = sorted(
        (endpoint, method)
        for endpoint, method in routes()
        if (endpoint, method) not in covered and endpoint not in EXCLUDED
    )
    assert not missing, f"routes without hostile-input coverage or an exclusion: {missing}"


def test_no_target_names_a_route_that_does_not_exist() -> None:
    existing = routes()
    stale = sorted({(key.split("#")[0], "POST") for key in POSTS} | {(key, "GET") for key in PAGES})
    assert not [route for route in stale if route not in existing]
