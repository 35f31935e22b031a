"""Quote highlighting: the exact characters of a cited quote, boxed on the page.

A citation carries a quote (a verbatim substring of a chunk's clean text) and
the boxes of the *lines* it touches. To highlight only the quoted characters,
the page's characters inside those line boxes are rebuilt into clean text the
way the parser built it, keeping for every character where its clean form
lies in that text; the quote is then found in the text and mapped back to the
characters, and the characters to boxes.

Alignment, step by step:

1. The page's characters go through the parser's own cleanup
   (``ingest.chars``: crop-box filter, garbage filter, shadow collapse, ruby
   drop), once per page; the result is cached.
2. Each line box (duplicates dropped, in the citation's order) takes the
   cleaned characters whose centre lies inside it (``TOLERANCE`` points of
   slack) and orders them with the parser's layout functions
   (``ingest.layout``: orientation split, runs, columns, lines): left to right
   for a horizontal line, top to bottom for a vertical column (bottom to top
   for text rotated counter-clockwise), columns right to left. A box that is
   one of the page's ruled tables is read cell by cell, row by row, like the
   parser's Markdown rows. Every resulting visual line is one *segment*.
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

Multi-page quotes: ``quote_boxes`` handles one page. A quote that runs over a
page turn is located on each page by its part there (the quote's head at the
end of the first page, its tail at the start of the next; ``partial=True``),
but callers holding a whole citation should use ``citation_highlights``,
which groups the citation's ``(page, box)`` pairs by page, searches the pages
as one text, and returns one ``Highlight`` per page.

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

from ingest.chars import Char, collapse_shadows, drop_ruby, is_garbage, visible_chars
from ingest.layout import build_runs, group_columns, leaf_lines, split_orientation
from ingest.normalise import normalise
from ingest.records import BBox

TOLERANCE = 1.0          # points a char's centre may stray outside a line box
TABLE_MATCH = 2.0        # points by which a line box and a ruled table's box may differ
FILL = (255, 221, 0, 96)     # semi-transparent yellow
OUTLINE = (230, 160, 0, 255)

__all__ = ["Highlight", "quote_boxes", "citation_highlights", "render_page", "clear_caches"]


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

    def __iter__(self):          # ``for box in quote_boxes(...)`` reads the boxes
        return iter(self.boxes)

    def __len__(self) -> int:
        return len(self.boxes)


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
            raw = visible_chars(page)
            chars = [{k: c.get(k) for k in _KEYS} for c in raw if not is_garbage(c["text"])]
            for c in chars:
                if c["upright"] is None:
                    c["upright"] = True
                if c["matrix"] is None:
                    c["matrix"] = (1, 0, 0, 1, 0, 0)
            chars = drop_ruby(collapse_shadows(chars))
            tables = []
            try:
                found = page.find_tables()
            except Exception:
                found = []
            for t in found:
                rows = [[BBox(*cb) if cb is not None else None for cb in r.cells] for r in t.rows]
                tables.append((BBox(*t.bbox), rows))
            x0, top = float(page.bbox[0]), float(page.bbox[1])
            return _PageChars(float(page.width), float(page.height), (x0, top), chars, tables)
        finally:
            page.close()


def _inside(c: Char, box: BBox, tol: float = TOLERANCE) -> bool:
    cx = (c["x0"] + c["x1"]) / 2
    cy = (c["top"] + c["bottom"]) / 2
    return box.x0 - tol <= cx <= box.x1 + tol and box.top - tol <= cy <= box.bottom + tol


def _same_box(a: BBox, b: BBox, tol: float = TABLE_MATCH) -> bool:
    return (abs(a.x0 - b.x0) <= tol and abs(a.top - b.top) <= tol
            and abs(a.x1 - b.x1) <= tol and abs(a.bottom - b.bottom) <= tol)


def _visual_lines(chars: list[Char], upright_only: bool = False) -> list[list[Char]]:
    """Chars of one box as the parser reads them: one list per visual line or column."""
    if upright_only:
        chars = [c for c in chars if c.get("upright", True)]
        items = build_runs(chars, vertical=False)
    else:
        horiz, vert = split_orientation(chars)
        items = build_runs(horiz, vertical=False, max_gap=0.6)
        items += group_columns(build_runs(vert, vertical=True, max_gap=0.6))
    out: list[list[Char]] = []
    for it in leaf_lines(items):
        if it.kind == "v" and it.columns:
            out.extend(col.chars for col in it.columns)
        else:
            out.append(list(it.chars))
    return out


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
                        segs.extend(_visual_lines(inside, upright_only=True))
            return segs
    inside = [c for c in pc.chars if _inside(c, box)]
    return _visual_lines(inside) if inside else []


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


def quote_boxes(pdf_path: str | Path, page_number: int, line_boxes: Sequence[BBox], quote: str) -> Highlight:
    """The boxes of the quote's characters on one page, one per visual line segment.

    ``line_boxes`` are the boxes of the lines the quote touches on this page
    (a superset does no harm: the quote's first occurrence among them is
    taken). Returns a ``Highlight``; iterate it or read ``.boxes``. When only
    part of the quote is on this page (it runs over a page turn), that part is
    matched: the quote's head at the end of the page's text or its tail at the
    start, and ``partial`` is set. ``exact=False`` means the quote was not
    found and the boxes are ``line_boxes`` themselves.
    """
    path = str(pdf_path)
    grouped = _group((page_number, b) for b in line_boxes)
    if not grouped:
        return Highlight(page_number, [], False, note="no line boxes given")
    hs = _build(path, _mtime(path), grouped)
    span = _locate(hs, quote)
    partial = False
    if span is None:
        span = _page_turn(hs.text, _quote_forms(quote))
        partial = span is not None
    if span is None:
        return Highlight(page_number, list(grouped[0][1]), False,
                         note="quote not found in the characters of its line boxes; showing whole lines")
    lo, hi = span
    return Highlight(page_number, _boxes(hs, lo, hi).get(page_number, []), True, partial=partial,
                     text=hs.text[lo:hi])


def _page_turn(text: str, forms: list[str], min_len: int = 2) -> tuple[int, int] | None:
    """The longest part of the quote that runs off the end of ``text`` or in from its start."""
    best: tuple[int, int] | None = None
    for q in forms:
        for n in range(min(len(q) - 1, len(text)), min_len - 1, -1):
            if text.endswith(q[:n]):
                if best is None or n > best[1] - best[0]:
                    best = (len(text) - n, len(text))
                break
        for n in range(min(len(q) - 1, len(text)), min_len - 1, -1):
            if text.startswith(q[-n:]):
                if best is None or n > best[1] - best[0]:
                    best = (0, n)
                break
    return best


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
