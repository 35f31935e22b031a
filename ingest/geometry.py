"""Where things sit on a page: the one place the parser (and the highlighter) asks it.

After pdfplumber's ``utils/geometry.py``, kept to the question the code asks again and
again: is the centre of this glyph (or run, or line) inside that box? Deciding by the
centre, not by overlap, puts a glyph that straddles a cell border, a frame or the crop box
in exactly one of them.

Anything with four edges works: a pdfplumber object (a dict with ``x0, top, x1, bottom``),
a record with those attributes (``Item``, ``BBox``), or a tuple ``(x0, top, x1, bottom)``.
Coordinates are pdfplumber's: points, origin top-left.
"""

from __future__ import annotations

from typing import Any

__all__ = ["edges", "centre", "centre_inside"]

Edges = tuple[float, float, float, float]


def edges(obj: Any) -> Edges:
    """``(x0, top, x1, bottom)`` of a dict, a record or a tuple."""
    if isinstance(obj, tuple):
        return obj
    if isinstance(obj, dict):
        return obj["x0"], obj["top"], obj["x1"], obj["bottom"]
    return obj.x0, obj.top, obj.x1, obj.bottom


def centre(obj: Any) -> tuple[float, float]:
    x0, top, x1, bottom = edges(obj)
    return (x0 + x1) / 2, (top + bottom) / 2


def centre_inside(obj: Any, box: Any, pad: float = 0.0) -> bool:
    """Whether ``obj``'s centre lies in ``box`` grown by ``pad`` points on every side."""
    cx, cy = centre(obj)
    x0, top, x1, bottom = edges(box)
    return x0 - pad <= cx <= x1 + pad and top - pad <= cy <= bottom + pad
