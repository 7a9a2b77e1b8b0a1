"""Every string the code and templates mark for translation is translated in zh_Hans and ug."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "enquiry" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def marked_strings() -> set[str]:
    """The msgids that `make extract-messages` would find now."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.fixture(scope="module")
def strings() -> set[str]:
    found = marked_strings()
    assert len(found) > 500  # the extraction itself works
    return found


@pytest.mark.parametrize("locale", ["zh_Hans", "ug"])
def test_every_marked_string_is_translated(strings: set[str], locale: str) -> None:
    with (CATALOGS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0]): m
        for m in catalog
        if m.id and m.string and not m.fuzzy
    }
    missing = sorted(s for s in strings if s not in translated)
    assert not missing, f"{len(missing)} strings without a {locale} translation: {missing[:20]}"
    for msgid in strings:
        string = translated[msgid].string
        text = string if isinstance(string, str) else string[0]
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(msgid)), msgid
