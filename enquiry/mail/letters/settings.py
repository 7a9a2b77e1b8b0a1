"""The office's letterhead, seal, remedies authority and fonts, taken from configuration.

Relative paths are read from the instance folder. The fonts are looked for where Debian puts
them when not configured; a missing font is a clear error when a letter is made, never a
letter with empty boxes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
DEMO_SEAL = ROOT / "static" / "images" / "letters" / "demo-seal.png"
UYGHUR_FONTS = (
    ROOT / "static" / "fonts" / "UKIJTuz.ttf",
    Path("/usr/share/fonts/truetype/fonts-ukij-uyghur/UKIJTuz.ttf"),
)
# TrueType first: fpdf2 subsets it about five times faster than Noto's CFF collection.
CJK_FONTS = (
    Path("/usr/share/fonts/truetype/fonts-ukij-uyghur/UKIJCJK.ttf"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)


class LetterFontError(RuntimeError):
    """A font the letters need is not installed or not where the configuration says."""


@dataclass(frozen=True)
class LetterSettings:
    """What every letter of the office carries."""

    office_name: str
    office_address: str
    letterhead: str
    seal_path: Path | None
    review_authority: str
    cjk_font: Path | None
    uyghur_font: Path | None

    def fonts(self) -> tuple[Path, Path]:
        """Return the CJK and Uyghur font files, or raise LetterFontError saying what to do."""
        if self.cjk_font is None or not self.cjk_font.is_file():
            raise LetterFontError(
                f"no Chinese font for letters ({self.cjk_font or 'none found'}): install Debian's "
                "fonts-ukij-uyghur or fonts-noto-cjk, or set ENQUIRY_LETTER_CJK_FONT to a "
                ".ttf/.otf/.ttc file"
            )
        if self.uyghur_font is None or not self.uyghur_font.is_file():
            raise LetterFontError(
                f"no Uyghur font for letters ({self.uyghur_font or 'none found'}): set "
                "ENQUIRY_LETTER_UYGHUR_FONT to UKIJ Tuz (static/fonts/UKIJTuz.ttf)"
            )
        return self.cjk_font, self.uyghur_font


def _path(value: Any, instance: Path) -> Path | None:
    text = str(value or "").strip()
    if not text:
        return None
    path = Path(text).expanduser()
    return path if path.is_absolute() else instance / path


def _first_existing(candidates: tuple[Path, ...]) -> Path | None:
    return next((path for path in candidates if path.is_file()), candidates[0])


def _seal(config: Any, instance: Path) -> Path | None:
    configured = _path(config.get("LETTER_SEAL_PATH"), instance)
    if configured is not None:
        return configured
    return instance / "seal.png" if (instance / "seal.png").is_file() else DEMO_SEAL


def letter_settings_from_config(config: dict[str, Any] | Any) -> LetterSettings:
    """Return the letter settings as configured (LETTER_* and OFFICE_NAME)."""
    instance = Path(str(config.get("INSTANCE_PATH") or ROOT / "instance"))
    office = str(config.get("OFFICE_NAME") or "")
    return LetterSettings(
        office_name=str(config.get("LETTER_OFFICE_NAME") or office),
        office_address=str(config.get("LETTER_OFFICE_ADDRESS") or ""),
        letterhead=str(config.get("LETTER_LETTERHEAD") or ""),
        seal_path=_seal(config, instance),
        review_authority=str(config.get("LETTER_REVIEW_AUTHORITY") or ""),
        cjk_font=_path(config.get("LETTER_CJK_FONT"), instance) or _first_existing(CJK_FONTS),
        uyghur_font=(
            _path(config.get("LETTER_UYGHUR_FONT"), instance) or _first_existing(UYGHUR_FONTS)
        ),
    )
