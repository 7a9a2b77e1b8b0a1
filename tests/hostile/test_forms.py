"""Every form, public and staff, with each hostile string in each field.

The rule (applied by ``Site.judge`` to every response):

* never a 5xx, and never the injected markup unescaped in the page, a ``javascript:`` link or a
  redirect off the site, nor a line break in a response header;
* either **accepted** -- a 2xx page, or a redirect that flashes no error or warning -- and then
  every field the form keeps is stored exactly as sent (allowing only trimming of surrounding
  white space, NFC normalisation and CR LF -> LF, which the forms document), found by reading
  the database back;
* or **refused with a clear message** -- a 4xx whose page carries an alert (``role="alert"``),
  a field error (``invalid-feedback``) or the error page; the app's forms re-render with 400
  (409 for a state conflict, 413 for a too-large attachment), never 200 with an error;
* and nothing already stored is lost (no table shrinks, except what a delete action deletes),
  and no outbox row gets a header that carries a line break from user text.

Free-text fields get the whole list of ``tests/hostile_strings.py``; choices, dates, numbers and
tokens get a shorter list. On PostgreSQL a subset whose behaviour depends on the database
(NUL, quotes, 4-byte characters, long strings, CR LF) keeps the suite in its time budget, and
forms that keep no text are only run on SQLite (their code does not depend on the database).
"""

from __future__ import annotations

import pytest

from tests.hostile.runner import FormRun
from tests.hostile.site import Site, first_lines
from tests.hostile.targets import POSTS


@pytest.mark.parametrize("endpoint", sorted(POSTS))
def test_form_survives_hostile_strings(site: Site, endpoint: str) -> None:
    if site.on_postgres() and not POSTS[endpoint].stored:
        pytest.skip("keeps no text: run on SQLite only")
    problems = FormRun(site, endpoint, POSTS[endpoint]).run()
    assert not problems, first_lines(problems)
