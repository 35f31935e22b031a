"""Quote highlighting: the exact characters of a cited quote, boxed on the page.

A citation carries a quote (a verbatim substring of a chunk's clean text) and
the boxes of the *lines* it touches. To highlight only the quoted characters,
the page's characters inside those line boxes are rebuilt into clean text the
way the parser built it, keeping for every character where its clean form
lies in that text; the quote is then found in the text and mapped back to the
characters, and the characters to boxes.

Alignment, step by step:

1. The page's characters are read as the parser reads them
   (``ingest.page_glyphs``: crop-box filter, garbage filter, the parser's
   character repairs), once per page; the result is cached.
2. Each line box (duplicates dropped, in the citation's order) takes the
   cleaned characters whose centre lies inside it (``TOLERANCE`` points of
   slack) and orders them as the parser does, with its own ``LayoutParams``
   (``ingest.reading_lines``): left to right for a horizontal line, top to
   bottom for a vertical column (bottom to top for text rotated
   counter-clockwise), columns right to left. A box that is one of the page's
   ruled tables (``ingest.ruled_tables``) is read cell by cell, row by row,
   like the parser's Markdown rows. Every resulting visual line is one *segment*.
3. Each character is normalised on its own (``ingest.normalise.normalise``);
   a character whose NFKC form starts with a combining mark (half-width ﾞ/ﾟ)
   is normalised together with the one before, and both own the result. The
   clean forms, whitespace removed, are concatenated over all segments into a
   *haystack* with an index from every haystack position to its character.
4. The quote is normalised and stripped of whitespace (line joining adds or
   drops spaces, so spaces never take part), and of Markdown table syntax
   (``|``, ``---``) when the plain form is not found. Its first occurrence in
   the haystack gives the characters; consecutive characters of one segment
   merge into one rectangle.

If the quote cannot be found (it should not happen), the line boxes
themselves are returned with ``exact=False`` and a ``note`` saying why.

``citation_highlights`` groups a citation's ``(page, box)`` pairs by page and
searches the pages as one text, so a quote that runs over a page turn is found
whole and comes back as one ``Highlight`` per page (``partial=True``).

``render_page`` draws the boxes on a rendering of the page; renders are
cached per (path, mtime, page, resolution), and the cached image is never
drawn on.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import pdfplumber
from PIL import Image, ImageDraw

from ingest import BBox, Char, centre_inside, normalise, page_glyphs, reading_lines, ruled_tables

TOLERANCE = 1.0          # points a char's centre may stray outside a line box
TABLE_MATCH = 2.0        # points by which a line box and a ruled table's box may differ
FILL = (255, 221, 0, 96)     # semi-transparent yellow
OUTLINE = (230, 160, 0, 255)

__all__ = ["Highlight", "citation_highlights", "render_page", "clear_caches"]


@dataclass
class Highlight:
    """Where a quote lies on one page.

    ``boxes``: one rectangle per visual line segment the quote covers on the
    page (pdfplumber coordinates). ``exact``: True when the boxes cover
    exactly the quote's characters; False when the quote could not be located
    and ``boxes`` are the line boxes given (``note`` says why). ``partial``:
    True when only part of the quote lies on this page (it runs over a page
    turn); ``text`` is the clean text of the covered characters, whitespace
    removed.
    """
    page: int
    boxes: list[BBox]
    exact: bool
    partial: bool = False
    text: str = ""
    note: str = ""


# ---------------------------------------------------------------- page characters


@dataclass
class _PageChars:
    width: float
    height: float
    origin: tuple[float, float]
    chars: list[Char]
    tables: list[tuple[BBox, list[list[BBox | None]]]]   # ruled tables: box, rows of cell boxes


_KEYS = ("text", "x0", "x1", "top", "bottom", "size", "upright", "matrix", "fontname")


def _mtime(path: str | Path) -> float:
    return os.stat(path).st_mtime


@lru_cache(maxsize=64)
def _page_chars(path: str, mtime: float, page_number: int) -> _PageChars:
    """The page's characters after the parser's cleanup, and its ruled tables."""
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[page_number - 1]
        try:
            # slim copies: the cache must not hold on to pdfplumber's page objects
            chars = [{k: c.get(k) for k in _KEYS} for c in page_glyphs(page)]
            tables = []
            for t in ruled_tables(page):
                rows = [[BBox(*cb) if cb is not None else None for cb in r.cells] for r in t.rows]
                tables.append((BBox(*t.bbox), rows))
            x0, top = float(page.bbox[0]), float(page.bbox[1])
            return _PageChars(float(page.width), float(page.height), (x0, top), chars, tables)
        finally:
            page.close()


def _inside(c: Char, box: BBox, tol: float = TOLERANCE) -> bool:
    return centre_inside(c, box, pad=tol)


def _same_box(a: BBox, b: BBox, tol: float = TABLE_MATCH) -> bool:
    return (abs(a.x0 - b.x0) <= tol and abs(a.top - b.top) <= tol
            and abs(a.x1 - b.x1) <= tol and abs(a.bottom - b.bottom) <= tol)


def _segments(pc: _PageChars, box: BBox) -> list[list[Char]]:
    for tbox, rows in pc.tables:
        if _same_box(tbox, box):
            segs: list[list[Char]] = []
            for row in rows:
                for cell in row:
                    if cell is None:
                        continue
                    inside = [c for c in pc.chars if _inside(c, cell, 0.0)]
                    if inside:
                        segs.extend(reading_lines(inside, cell=True))
            return segs
    inside = [c for c in pc.chars if _inside(c, box)]
    return reading_lines(inside) if inside else []


# ---------------------------------------------------------------- alignment


_WS = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _WS.sub("", text)


def _clean_forms(chars: list[Char]) -> list[str]:
    """Each char's normalised form, whitespace removed; a combining mark joins the char before."""
    forms = [""] * len(chars)
    i = 0
    while i < len(chars):
        j = i + 1
        while j < len(chars) and unicodedata.combining(unicodedata.normalize("NFKC", chars[j]["text"])[:1] or "a"):
            j += 1
        if j == i + 1:
            forms[i] = _squash(normalise(chars[i]["text"]))
        else:
            joint = _squash(normalise("".join(c["text"] for c in chars[i:j])))
            forms[i] = joint          # the cluster's text sits on its first char ...
            for k in range(i + 1, j):
                forms[k] = ""         # ... and the marks share its span below
            chars[i] = dict(chars[i], _cluster=chars[i:j])
        i = j
    return forms


@dataclass
class _Haystack:
    text: str = ""
    owner: list[tuple[int, int, int]] = field(default_factory=list)   # per position: (page, segment, char index)
    chars: dict[tuple[int, int], list[Char]] = field(default_factory=dict)
    pages: list[int] = field(default_factory=list)
    page_span: dict[int, tuple[int, int]] = field(default_factory=dict)


def _build(path: str, mtime: float, boxes_by_page: list[tuple[int, list[BBox]]]) -> _Haystack:
    hs = _Haystack()
    parts: list[str] = []
    seg_no = 0
    for page, boxes in boxes_by_page:
        pc = _page_chars(path, mtime, page)
        start = sum(len(p) for p in parts)
        for box in boxes:
            for seg in _segments(pc, box):
                seg = list(seg)
                forms = _clean_forms(seg)
                hs.chars[(page, seg_no)] = seg
                for k, f in enumerate(forms):
                    parts.append(f)
                    hs.owner.extend((page, seg_no, k) for _ in f)
                seg_no += 1
        hs.pages.append(page)
        hs.page_span[page] = (start, sum(len(p) for p in parts))
    hs.text = "".join(parts)
    return hs


def _quote_forms(quote: str) -> list[str]:
    q = _squash(normalise(quote))
    forms = [q]
    if "|" in quote:
        lines = [ln for ln in quote.split("\n") if not re.fullmatch(r"\s*\|?(\s*:?-{3,}:?\s*\|)+\s*", ln)]
        forms.append(_squash(normalise("\n".join(lines))).replace("|", ""))
    return [f for f in dict.fromkeys(forms) if f]


def _char_box(c: Char) -> BBox:
    cl = c.get("_cluster") or [c]
    return BBox(min(x["x0"] for x in cl), min(x["top"] for x in cl),
                max(x["x1"] for x in cl), max(x["bottom"] for x in cl))


def _boxes(hs: _Haystack, lo: int, hi: int) -> dict[int, list[BBox]]:
    """Haystack positions [lo, hi) to one rectangle per (page, segment) run."""
    out: dict[int, list[BBox]] = {}
    cur_key: tuple[int, int] | None = None
    cur: BBox | None = None
    seen: set[tuple[int, int, int]] = set()
    for pos in range(lo, hi):
        page, seg, k = hs.owner[pos]
        if (page, seg, k) in seen:
            continue
        seen.add((page, seg, k))
        b = _char_box(hs.chars[(page, seg)][k])
        if (page, seg) == cur_key and cur is not None:
            cur = cur.union(b)
        else:
            if cur is not None and cur_key is not None:
                out.setdefault(cur_key[0], []).append(cur)
            cur_key, cur = (page, seg), b
    if cur is not None and cur_key is not None:
        out.setdefault(cur_key[0], []).append(cur)
    return out


def _group(boxes: Iterable[tuple[int, BBox]]) -> list[tuple[int, list[BBox]]]:
    """(page, box) pairs to pages in first-seen order, each with its distinct boxes in order."""
    order: list[int] = []
    by_page: dict[int, list[BBox]] = {}
    for page, box in boxes:
        if page not in by_page:
            order.append(page)
            by_page[page] = []
        if not any(_same_box(box, b, 0.01) for b in by_page[page]):
            by_page[page].append(box)
    return [(p, by_page[p]) for p in order]


def _locate(hs: _Haystack, quote: str) -> tuple[int, int] | None:
    for q in _quote_forms(quote):
        at = hs.text.find(q)
        if at >= 0:
            return at, at + len(q)
    return None


def citation_highlights(pdf_path: str | Path, boxes: Sequence[tuple[int, BBox]], quote: str) -> dict[int, Highlight]:
    """One ``Highlight`` per page for a citation's ``(page, line box)`` pairs and its quote.

    The pages are searched as one text, in the order the boxes are given, so a
    quote that runs over a page turn is found whole and split between pages.
    """
    path = str(pdf_path)
    grouped = _group(boxes)
    if not grouped:
        return {}
    hs = _build(path, _mtime(path), grouped)
    span = _locate(hs, quote)
    if span is None:
        note = "quote not found in the characters of its line boxes; showing whole lines"
        return {p: Highlight(p, list(bs), False, note=note) for p, bs in grouped}
    lo, hi = span
    found = _boxes(hs, lo, hi)
    out: dict[int, Highlight] = {}
    for p, bs in grouped:
        a, b = hs.page_span[p]
        s, e = max(lo, a), min(hi, b)
        if s >= e:
            continue
        out[p] = Highlight(p, found.get(p, []), True, partial=(s, e) != (lo, hi), text=hs.text[s:e])
    return out


# ---------------------------------------------------------------- rendering


@lru_cache(maxsize=32)
def _render(path: str, mtime: float, page_number: int, resolution: int) -> tuple[Image.Image, float, float, float]:
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[page_number - 1]
        try:
            img = page.to_image(resolution=resolution).original.convert("RGB")
            x0, top = float(page.bbox[0]), float(page.bbox[1])
            scale = img.width / float(page.width)
        finally:
            page.close()
    img.load()
    return img, scale, x0, top


def render_page(pdf_path: str | Path, page_number: int, boxes: Sequence[BBox],
                resolution: int = 110) -> Image.Image:
    """The page rendered at ``resolution`` dpi with ``boxes`` filled semi-transparent yellow and outlined.

    The image is page width × resolution / 72 pixels wide (likewise high). The
    plain render is cached; each call returns a fresh copy.
    """
    path = str(pdf_path)
    base, scale, ox, oy = _render(path, _mtime(path), page_number, resolution)
    if not boxes:
        return base.copy()
    overlay = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for b in boxes:
        rect = [(b.x0 - ox) * scale, (b.top - oy) * scale, (b.x1 - ox) * scale, (b.bottom - oy) * scale]
        draw.rectangle(rect, fill=FILL, outline=OUTLINE, width=1)
    return Image.alpha_composite(base.convert("RGBA"), overlay).convert("RGB")


def clear_caches() -> None:
    """Forget cached page characters and renders (e.g. to measure cold timings)."""
    _page_chars.cache_clear()
    _render.cache_clear()
