"""`python -m bench letters`: CPU per formal letter (告知书) rendered as a PDF, in process.

Renders N letters (every kind x zh_Hans, ug, en in turn, the test suite's facts) one after
another in this process and prints the CPU time (`time.process_time`) of the first letter and
of the following ones, once with the fonts parsed once per process (`enquiry.mail.letters.fonts`,
what the app does) and once with fpdf2 parsing them for every letter (`FPDF.add_font`, what the
app did before). fpdf2 and fontTools are imported before the first measurement; their import
(about a second) is printed on its own. No database: only the letters.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

KINDS: dict[str, dict[str, Any]] = {
    "acknowledgement": {"due_on": date(2026, 4, 1)},
    "correction": {"due_on": date(2026, 3, 20), "note": "请注明所需信息的文号或形成时间。"},
    "extension": {"due_on": date(2026, 4, 29), "days": 20, "note": "需要调取多个部门的档案。"},
    "consultation": {},
    "disclosed": {"outcome": "disclosed"},
    "partial": {"outcome": "partial"},
    "refused": {"outcome": "refused.third_party"},
    "unavailable": {"outcome": "unavailable.not_held"},
    "not_processed": {"outcome": "not_processed.repeated"},
    "other": {"outcome": "other.no_correction"},
}
LOCALES = ("zh_Hans", "ug", "en")


@contextmanager
def _uncached() -> Iterator[None]:
    """fpdf2's own add_font in the letter module: the fonts parsed for every letter."""
    from enquiry.mail.letters import fonts, pdf

    def add_font(document: Any, family: str, path: Path) -> None:
        document.add_font(family, fname=str(path))

    pdf.fonts = type("Uncached", (), {"add_font": staticmethod(add_font)})  # type: ignore[assignment]
    try:
        yield
    finally:
        pdf.fonts = fonts


def _measure(render: Callable[[Any], bytes], letters: list[Any]) -> dict[str, Any]:
    times, digests = [], []
    for letter in letters:
        start = time.process_time()
        data = render(letter)
        times.append((time.process_time() - start) * 1000)
        digests.append(hashlib.sha256(data).hexdigest())
    following = times[1:] or times
    return {
        "first_ms": times[0],
        "following_mean_ms": statistics.fmean(following),
        "following_median_ms": statistics.median(following),
        "following_max_ms": max(following),
        "digests": digests,
    }


def run(args: argparse.Namespace) -> int:
    from enquiry import create_app
    from enquiry.mail.letters import fonts
    from enquiry.mail.letters.compose import LetterFacts, compose
    from enquiry.mail.letters.settings import DEMO_SEAL, LetterSettings

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": "bench-secret-key-not-for-production",
            "INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-letters-"),
        }
    )
    with app.app_context():
        from enquiry.mail.letters.settings import letter_settings_from_config

        base = letter_settings_from_config(app.config)
        settings = LetterSettings(
            office_name="乌鲁木齐市人民政府办公厅电子政务办公室",
            office_address="乌鲁木齐市新华南路1号",
            letterhead="电话 0991-0000000",
            seal_path=DEMO_SEAL,
            review_authority="新疆维吾尔自治区人民政府",
            cjk_font=base.cjk_font,
            uyghur_font=base.uyghur_font,
        )
        settings.fonts()
        combos = itertools.islice(itertools.cycle(itertools.product(KINDS, LOCALES)), args.letters)
        letters = [
            compose(
                LetterFacts(
                    kind=kind,
                    reference="WLMQ-2026-000042",
                    citizen_name="买买提·艾力",
                    received_on=date(2026, 3, 2),
                    request="2025年城市道路维修工程的合同和验收报告",
                    issued_on=date(2026, 3, 10),
                    **KINDS[kind],
                ),
                settings,
                locale,
            )
            for kind, locale in combos
        ]
        start = time.process_time()
        import fontTools.subset  # noqa: F401
        import fpdf  # noqa: F401
        import uharfbuzz  # noqa: F401

        from enquiry.mail.letters.pdf import render_pdf

        imports_ms = (time.process_time() - start) * 1000
        print(f"fonts: {settings.cjk_font}, {settings.uyghur_font}")
        print(f"import fpdf2, fontTools, uharfbuzz: {imports_ms:.0f} CPU ms (once per process)")
        results = {}
        for mode in ("uncached", "cached") if args.mode == "both" else (args.mode,):
            if mode == "uncached":
                with _uncached():
                    results[mode] = _measure(render_pdf, letters)
            else:
                fonts._parsed.clear()
                results[mode] = _measure(render_pdf, letters)
            figures = results[mode]
            print(
                f"{mode:>8}: first letter {figures['first_ms']:.0f} CPU ms; following "
                f"{len(letters) - 1}: mean {figures['following_mean_ms']:.0f}, median "
                f"{figures['following_median_ms']:.0f}, max {figures['following_max_ms']:.0f} ms"
            )
        if len(results) == 2:
            same = results["cached"]["digests"] == results["uncached"]["digests"]
            print(f"same PDF bytes for every letter: {'yes' if same else 'NO'}")
            return 0 if same else 1
    return 0
