"""The PDFs' font: Noto Sans (SIL Open Font License 1.1, see OFL.txt), shipped with the package.

fpdf2's built-in fonts are the 14 standard PDF fonts in Windows-1252, which print "Łódź" as "?ódz"; a
system font is not on every machine the matcher runs on. Noto Sans covers Latin (every European
language's letters), Greek and Cyrillic, so names print as their owners write them. fpdf2 embeds only
the glyphs a document uses (subsetting on output), so a one-page agenda stays small.

:func:`add_fonts` registers the family on a document; :func:`printable` replaces what even Noto has no
glyph for (emoji, CJK …) so a PDF never shows an empty box.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF

__all__ = ["FAMILY", "FONT_DIR", "add_fonts", "printable"]

FONT_DIR = Path(__file__).parent
FAMILY = "noto-sans"
# Regular and bold only: fpdf2 subsets every registered font on output, used or not, and that is most of a
# PDF's time (an italic cost a third more per agenda); nothing the PDFs say needs italics.
_FILES = {"": "NotoSans-Regular.ttf", "B": "NotoSans-Bold.ttf"}


def add_fonts(pdf: FPDF) -> None:
    """Register Noto Sans regular and bold on ``pdf`` as :data:`FAMILY` (no italic: style ``"I"`` is refused)."""
    for style, name in _FILES.items():
        pdf.add_font(FAMILY, style, str(FONT_DIR / name))


@functools.cache
def _covered() -> frozenset[int]:
    """The code points every shipped style has a glyph for."""
    sets = []
    for name in _FILES.values():
        with TTFont(FONT_DIR / name, lazy=True) as font:
            sets.append(frozenset(font.getBestCmap()))
    return frozenset.intersection(*sets)


def printable(text: str) -> str:
    """``text`` with characters the font has no glyph for folded to their base letter, or "?".

    Line breaks and tabs are kept (fpdf2 lays them out itself).

    Examples
    --------
    >>> printable("Łódź, Ærø, Åsa Öberg – 09:00–09:20 ”städ” €")
    'Łódź, Ærø, Åsa Öberg – 09:00–09:20 ”städ” €'
    >>> printable("Möte 🙂 i 東京")
    'Möte ? i ??'
    """
    covered = _covered()
    out = []
    for char in text:
        if ord(char) in covered or char in "\n\t":
            out.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append(base if base and all(ord(c) in covered for c in base) else "?")
    return "".join(out)
