"""How wide a header is, so the template's columns fit their headers in Excel and LibreOffice.

The header font is named (Arial, which LibreOffice draws with the metric-compatible Liberation
Sans), so its widths are known without a font file: the advance widths below are Arial Bold's
(= Helvetica-Bold's AFM), in 1/1000 of the font size. A column width in Excel counts the widths
of the default font's digit "0" (Calibri 11: 7 pixels at 100 % zoom); a table header also needs
room for its filter button. tests/e2e/test_libreoffice_render.py measures the result in LibreOffice.
"""

from __future__ import annotations

import math

HEADER_FONT_NAME = "Arial"
HEADER_FONT_SIZE = 10  # points

_ASCII_BOLD = (
    "278 333 474 556 556 889 722 278 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 "
    "556 556 333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 "
    "667 778 722 667 611 722 667 944 667 667 611 333 278 333 584 556 278 556 611 556 611 556 333 611 "
    "611 278 278 556 278 889 611 611 611 611 389 556 333 611 556 778 556 556 500 389 280 389 584"
)
_WIDTH = {chr(32 + i): int(w) for i, w in enumerate(_ASCII_BOLD.split())}
_WIDEST = 1000  # anything outside ASCII (₦, accented names) counted as a full em: never too narrow

_PIXELS_PER_POINT = 96 / 72
_DIGIT_PIXELS = 7  # Calibri 11's "0", the unit of Excel column widths
_CELL_PADDING_PIXELS = 6  # the grid line and the gap either side of the text
_FILTER_BUTTON_PIXELS = 18  # the table's filter dropdown drawn over the header's right end


def header_width(text: str) -> int:
    """The column width (Excel's units) that shows `text` in the bold header font, filter button
    included."""
    em = sum(_WIDTH.get(ch, _WIDEST) for ch in text) / 1000
    pixels = em * HEADER_FONT_SIZE * _PIXELS_PER_POINT + _CELL_PADDING_PIXELS + _FILTER_BUTTON_PIXELS
    return math.ceil(pixels / _DIGIT_PIXELS)
