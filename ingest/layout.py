"""Characters to lines to blocks: orientation, reading order, block grouping.

Positions decide everything here. A page is turned into *items* (horizontal
runs of characters, vertical blocks of columns, tables), the items are put in
reading order by a recursive XY-cut that keeps columns together, and the
ordered lines are grouped into blocks by size, spacing and bullet markers.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from .chars import Char, is_bold, is_garbage
from .normalise import is_cjk, normalise
from .timing import stage
from .records import BBox, Block, Line

# ---------------------------------------------------------------- orientation


def _median(values: Iterable[float], default: float = 0.0) -> float:
    vals = list(values)
    return statistics.median(vals) if vals else default


def _chain_lengths(chars: list[Char], vertical: bool) -> list[int]:
    """Length of the run of touching glyphs each char belongs to, along one axis.

    Glyphs of one line touch (gap ~0); neighbouring lines or columns are set
    apart by leading. A strict gap therefore tells the writing direction.
    """
    n = len(chars)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # along = coordinate in reading direction, across = the other one
    if vertical:
        key = [(c["top"], c["bottom"], (c["x0"] + c["x1"]) / 2) for c in chars]
    else:
        key = [(c["x0"], c["x1"], (c["top"] + c["bottom"]) / 2) for c in chars]
    cell = 6.0
    grid: dict[int, list[int]] = defaultdict(list)
    for i, (_, _, across) in enumerate(key):
        grid[int(across // cell)].append(i)
    for bucket in list(grid.values()):
        bucket.sort(key=lambda i: key[i][0])
    for i in range(n):
        a0, a1, across = key[i]
        s = chars[i]["size"] or 1.0
        g = int(across // cell)
        for gb in (g - 1, g, g + 1):
            for j in grid.get(gb, ()):
                if j == i:
                    continue
                b0, b1, bacross = key[j]
                if b0 < a0:
                    continue
                if abs(bacross - across) > 0.2 * s:
                    continue
                # 0.2 em: a stacked column often has a little leading between glyphs
                if -0.35 * s <= b0 - a1 <= 0.2 * s and abs(chars[j]["size"] - s) <= 0.25 * s:
                    ri, rj = find(i), find(j)
                    if ri != rj:
                        parent[ri] = rj
    counts: dict[int, int] = defaultdict(int)
    roots = [find(i) for i in range(n)]
    for r in roots:
        counts[r] += 1
    return [counts[r] for r in roots]


def split_orientation(chars: list[Char]) -> tuple[list[Char], list[Char]]:
    """Return (horizontal, vertical) chars.

    Rotated glyphs read along the page's y axis and count as vertical. Upright
    glyphs are vertical when they stack into a longer touching run downwards
    than sideways: a label set one character per line, or Identity-V text.
    """
    upright = [c for c in chars if c.get("upright", True) and not c["text"].isspace()]
    rotated = [c for c in chars if not c.get("upright", True) and not c["text"].isspace()]
    if not upright:
        return [], rotated
    # a space glyph bridges a word gap on its line: Latin words and "1 note text" chain across it
    spaces = [c for c in chars if c["text"].isspace() and c.get("upright", True) and c["x1"] > c["x0"]]
    h = _chain_lengths(upright + spaces, vertical=False)[:len(upright)]
    v = _chain_lengths(upright, vertical=True)
    horiz: list[Char] = []
    vert: list[Char] = list(rotated)
    for c, hl, vl in zip(upright, h, v):
        # a Latin letter or digit with a neighbour on its baseline is horizontal text, however
        # its glyphs happen to line up with the lines above and below (small print, tight leading)
        latin = not is_cjk(c["text"][:1])
        (vert if vl >= 2 and vl > hl and not (latin and hl >= 2) else horiz).append(c)
    # spaces carry word boundaries for horizontal text only
    horiz.extend(c for c in chars if c["text"].isspace() and c.get("upright", True))
    return horiz, vert


# ---------------------------------------------------------------- items


@dataclass
class Item:
    kind: str                       # "h" line run, "v" vertical block, "table"
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    bold: bool = False
    text: str = ""                  # normalised
    chars: list[Char] = field(default_factory=list)
    columns: list["Item"] = field(default_factory=list)   # for "v": one per column, right to left
    cells: list[list[str]] | None = None
    raw: str = ""

    @property
    def bbox(self) -> BBox:
        return BBox(self.x0, self.top, self.x1, self.bottom)

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.bottom - self.top


def _run_text(chars: list[Char], vertical: bool) -> str:
    """Glyphs to text; a space where the gap says one (Latin word breaks)."""
    out: list[str] = []
    prev: Char | None = None
    for c in chars:
        t = c["text"]
        if is_garbage(t):
            prev = c
            continue
        if prev is not None and not t.isspace() and out and not out[-1].isspace():
            gap = (c["top"] - prev["bottom"]) if vertical else (c["x0"] - prev["x1"])
            if gap > 0.22 * max(c["size"], prev["size"]):
                out.append(" ")
        out.append(t)
        prev = c
    return "".join(out)


def _clean(text: str) -> str:
    with stage("normalise"):
        return normalise(text)


def _make_item(chars: list[Char], vertical: bool) -> Item:
    size = _median(c["size"] for c in chars if not c["text"].isspace()) or _median(c["size"] for c in chars)
    ink = [c for c in chars if not c["text"].isspace()] or chars
    bold = sum(is_bold(c.get("fontname", "")) for c in ink) > len(ink) / 2
    raw = _run_text(chars, vertical)
    return Item("v" if vertical else "h",
                min(c["x0"] for c in chars), min(c["top"] for c in chars),
                max(c["x1"] for c in chars), max(c["bottom"] for c in chars),
                size, bold, _clean(raw), chars, raw=raw)


def build_runs(chars: list[Char], vertical: bool, max_gap: float = 1.0) -> list[Item]:
    """Chain glyphs that share a baseline (or a column axis) into runs.

    A run breaks at a gap wider than `max_gap` em, which is how two columns
    side by side stay apart while word spaces stay inside the run.
    """
    if not chars:
        return []

    def along0(c: Char) -> float:
        return c["top"] if vertical else c["x0"]

    def along1(c: Char) -> float:
        return c["bottom"] if vertical else c["x1"]

    def across(c: Char) -> float:
        return (c["x0"] + c["x1"]) / 2 if vertical else (c["top"] + c["bottom"]) / 2

    if vertical:
        rot = [c for c in chars if not c.get("upright", True)]
        upr = [c for c in chars if c.get("upright", True)]
        if rot and upr:
            return build_runs(upr, True, max_gap) + build_runs(rot, True, max_gap)

    ordered = sorted(chars, key=along0)
    runs: list[dict[str, Any]] = []
    buckets: dict[int, list[int]] = defaultdict(list)
    cell = 4.0
    for c in ordered:
        s = c["size"] or 1.0
        a = across(c)
        best, best_gap = -1, None
        # look as far as a run three times this glyph's size could have its axis: a unit set small on a big
        # figure's baseline (「1.8」 40 pt, 「兆円」 16 pt) belongs to its run
        for g in range(int((a - 1.5 * s) // cell), int((a + 1.5 * s) // cell) + 1):
            for ri in buckets.get(g, ()):
                r = runs[ri]
                rs = r["size"]
                c_lo = c["x0"] if vertical else c["top"]
                c_hi = c["x1"] if vertical else c["bottom"]
                if abs(r["across"] - a) > 0.3 * max(rs, s) and not (
                        s < 0.8 * rs and c_hi > r["lo"] + 0.1 * rs and c_lo < r["hi"] - 0.1 * rs):
                    continue
                gap = along0(c) - r["end"]
                if gap < -0.5 * max(rs, s) or gap > max_gap * max(rs, s):
                    continue
                if best_gap is None or abs(gap) < best_gap:
                    best, best_gap = ri, abs(gap)
        if best < 0:
            runs.append({"chars": [c], "end": along1(c), "across": a, "size": s,
                         "lo": (c["x0"] if vertical else c["top"]), "hi": (c["x1"] if vertical else c["bottom"])})
            buckets[int(a // cell)].append(len(runs) - 1)
        else:
            r = runs[best]
            r["chars"].append(c)
            r["end"] = max(r["end"], along1(c))
            if s >= 0.8 * r["size"] and not c["text"].isspace():
                r["lo"] = min(r["lo"], c["x0"] if vertical else c["top"])
                r["hi"] = max(r["hi"], c["x1"] if vertical else c["bottom"])
    items = []
    for r in runs:
        cs = r["chars"]
        if not vertical:
            cs.sort(key=lambda c: c["x0"])
        else:
            rot = not cs[0].get("upright", True)
            # rotated text reading bottom-to-top has its baseline turned counter-clockwise
            up = rot and cs[0].get("matrix", (0, 1))[1] > 0
            cs.sort(key=lambda c: c["top"], reverse=up)
        # strip leading/trailing spaces
        while cs and cs[0]["text"].isspace():
            cs = cs[1:]
        while cs and cs[-1]["text"].isspace():
            cs = cs[:-1]
        if not cs:
            continue
        it = _make_item(cs, vertical)
        if it.text:
            items.append(it)
    return items


def group_columns(cols: list[Item]) -> list[Item]:
    """Vertical columns set side by side at one size read as one block, right to left."""
    cols = sorted(cols, key=lambda c: -c.x1)
    blocks: list[list[Item]] = []
    for c in cols:
        placed = False
        for b in blocks:
            last = b[-1]
            s = max(last.size, c.size)
            gap = last.x0 - c.x1
            overlap = min(last.bottom, c.bottom) - max(last.top, c.top)
            if (-0.3 * s <= gap <= 1.1 * s and abs(last.size - c.size) <= 0.2 * s
                    and overlap > 0 and abs(last.top - c.top) <= 3 * s):
                b.append(c)
                placed = True
                break
        if not placed:
            blocks.append([c])
    out = []
    for b in blocks:
        it = Item("v", min(c.x0 for c in b), min(c.top for c in b), max(c.x1 for c in b),
                  max(c.bottom for c in b), _median(c.size for c in b),
                  sum(c.bold for c in b) > len(b) / 2, "".join(c.text for c in b),
                  [ch for c in b for ch in c.chars], columns=b)
        out.append(it)
    return out


# ---------------------------------------------------------------- reading order


def _gaps(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    spans = sorted(spans)
    out = []
    hi = spans[0][1]
    for a, b in spans[1:]:
        if a > hi:
            out.append((hi, a))
        hi = max(hi, b)
    return out


Box = tuple[float, float, float, float]


def _gutters(items: list[Item], size: float, obstacles: list[Box] = ()) -> list[tuple[float, float]]:
    """Every vertical gutter splitting items into two substantial sides.

    A figure or rule drawn across the gutter closes it: text above and below
    such a figure belongs to different column sets.
    """
    if len(items) < 2:
        return []
    y_lo = min(i.top for i in items)
    y_hi = max(i.bottom for i in items)
    blocking = [o for o in obstacles if o[1] < y_hi and o[3] > y_lo]
    out = []
    lo = min(i.x0 for i in items)
    hi = max(i.x1 for i in items)
    for a, b in _gaps([(i.x0, i.x1) for i in items]):
        if b - a < max(0.8 * size, 3.0):
            continue
        if any(o[0] < a and o[2] > b for o in blocking):
            continue
        if a - lo < 3 * size or hi - b < 3 * size:
            # a bullet or label column is not a text column
            left = [i for i in items if i.x1 <= a]
            right = [i for i in items if i.x0 >= b]
            if not (all(i.kind == "v" for i in left) or all(i.kind == "v" for i in right)
                    or len(left) == 1 or len(right) == 1) or (a - lo < 1.5 * size or hi - b < 1.5 * size):
                continue
        out.append((a, b))
    return out


def _widest(gutters: list[tuple[float, float]]) -> tuple[float, float] | None:
    return max(gutters, key=lambda g: g[1] - g[0], default=None)


def x_cut(items: list[Item], size: float, obstacles: list[Box] = ()) -> tuple[float, float] | None:
    """The widest vertical gutter splitting items into two substantial sides."""
    return _widest(_gutters(items, size, obstacles))


def _crosses(band: list[Item], gutters: list[tuple[float, float]]) -> bool:
    """Some line of the band runs across one of the gutters: it is set over those columns, not in one of them."""
    return any(i.x0 < a and i.x1 > b for i in band for a, b in gutters)


def _y_cuts(items: list[Item], size: float) -> list[float]:
    return [(a + b) / 2 for a, b in _gaps([(i.top, i.bottom) for i in items]) if b - a >= 0.45 * size]


_LEADER_PAGE = re.compile(r"[.…・‥·]{3,}\s*[0-9]{1,4}$")
TITLE = 1.5   # type this many times the body's is a title: the first band, holding it, never joins the columns under it


def _heading_band(band: list[Item], size: float, obstacles: list[Box]) -> bool:
    """A band of nothing but larger type, with no gutter of its own: a heading set across the columns."""
    return all(i.kind == "h" and i.size >= 1.15 * size for i in band) and not x_cut(band, size, obstacles)


def reading_order(items: list[Item], size: float, obstacles: list[Box] = (), depth: int = 0) -> list[list[Item]]:
    """Recursive XY-cut; bands that share a gutter are merged so a column is read to its end."""
    if len(items) <= 1 or depth > 60:
        return [items] if items else []
    vertical_major = sum(len(i.chars) for i in items if i.kind == "v") > sum(
        len(i.chars) for i in items if i.kind != "v")
    cut = x_cut(items, size, obstacles)
    if cut:
        mid = (cut[0] + cut[1]) / 2
        left = [i for i in items if (i.x0 + i.x1) / 2 < mid]
        right = [i for i in items if (i.x0 + i.x1) / 2 >= mid]
        parts = [right, left] if vertical_major else [left, right]
        return [leaf for p in parts for leaf in reading_order(p, size, obstacles, depth + 1)]
    ys = _y_cuts(items, size)
    if not ys:
        return [items]
    bands: list[list[Item]] = [[] for _ in range(len(ys) + 1)]
    for it in items:
        k = sum(1 for y in ys if (it.top + it.bottom) / 2 > y)
        bands[k].append(it)
    bands = [b for b in bands if b]
    merged: list[list[Item]] = []
    for k, b in enumerate(bands):
        # a band of nothing but larger type after columns is a heading set across the page (「第4章」
        # under a chapter's balanced columns): the columns above end there, even when it is short
        # enough to sit over the left column alone
        gutters = _gutters(merged[-1], size, obstacles) if merged else []
        heading = merged and _heading_band(b, size, obstacles) and _widest(gutters)
        # ... and one before columns opens them: the columns' first row is not read with the heading alone
        # (a heading that reaches into the gutter would keep that row from the rows under it)
        leads = merged and (_heading_band(merged[-1], size, obstacles) or len(merged) == 1 and any(
            i.kind == "h" and i.size >= TITLE * size for i in merged[-1])) and x_cut(b, size, obstacles)
        # ... and a line set across some of the columns above (a note under four boxed steps, spanning the first two)
        # is not where one of them goes on
        across = merged and _crosses(b, gutters)
        # ... nor is a lone line that heads the text set across them below it, closer to that text than to the
        # columns (「2.担い手確保に向けた県の取組」 under two columns, over the page-wide paragraphs it opens)
        below = bands[k + 1] if k + 1 < len(bands) else []
        heads = merged and len(b) == 1 and below and _crosses(below, gutters) and \
            min(i.top for i in below) - b[0].bottom < b[0].top - max(i.bottom for i in merged[-1])
        if merged and not heading and not leads and not across and not heads and x_cut(merged[-1] + b, size, obstacles) and (
                _widest(gutters) or x_cut(b, size, obstacles)):
            merged[-1] = merged[-1] + b
        else:
            merged.append(b)
    if len(merged) == 1:
        merged = bands
    return [leaf for b in merged for leaf in reading_order(b, size, obstacles, depth + 1)]


def baseline_rows(runs: list[Item]) -> list[list[Item]]:
    """Horizontal runs that share a baseline (and a size), each row left to right, rows in the order
    their first run is met top to bottom."""
    rows: list[list[Item]] = []
    for it in sorted(runs, key=lambda i: (i.top, i.x0)):
        for row in rows:
            ref = row[0]
            ov = min(ref.bottom, it.bottom) - max(ref.top, it.top)
            if ov >= 0.6 * min(ref.height, it.height) and abs(ref.size - it.size) <= 0.3 * ref.size:
                row.append(it)
                break
        else:
            rows.append([it])
    for row in rows:
        row.sort(key=lambda i: i.x0)
    return rows


def leaf_lines(leaf: list[Item]) -> list[Item]:
    """Runs on one baseline inside a leaf become one line; lines top to bottom."""
    out: list[Item] = []
    for ln in baseline_rows([i for i in leaf if i.kind == "h"]):
        if len(ln) == 1:
            out.append(ln[0])
            continue
        chars = [c for i in ln for c in i.chars]
        merged = _make_item(chars, False)
        merged.text = _clean(" ".join(i.text for i in ln))
        out.append(merged)
    out.extend(i for i in leaf if i.kind != "h")
    if sum(len(i.chars) for i in out if i.kind == "v") > sum(len(i.chars) for i in out if i.kind != "v"):
        out.sort(key=lambda i: (-i.x1, i.top))     # vertical writing: columns right to left
    else:
        out.sort(key=lambda i: (i.top, -i.x1 if i.kind == "v" else i.x0))
    return out


# ---------------------------------------------------------------- blocks

_MARKER = re.compile(r"^([・●○◎■□◆◇▪▫•◦‣※★☆▶►➢→\-–]|\(?\d{1,2}\)(?![。、，．,.)）])|\d{1,2}[.．](?!\d)|[(（][0-9一二三四五六七八九十]+[)）]|[①-⑳]|[a-zA-Z][).]\s)")


def _inline_number(prev: Item, it: Item) -> bool:
    """A circled number opening a line after a comma is the sentence's own enumeration, 「…のリスク、②犯罪の…」."""
    return "\u2460" <= it.text[:1] <= "\u2473" and prev.text.endswith(("、", "，", ","))


def join_lines(texts: list[str]) -> str:
    """Wrapped lines to one string: no space inside CJK, one between Latin words."""
    out = ""
    for t in texts:
        if not t:
            continue
        if not out:
            out = t
            continue
        a, b = out[-1], t[0]
        if a == "-" and len(out) >= 2 and out[-2].isalpha() and out[-2].islower() and b.isalpha() and b.islower():
            out = out[:-1] + t
        elif is_cjk(a) or is_cjk(b) or a.isspace() or a in "-/" or (
                (a.isdigit() or a in ",.") and b.isdigit()):
            out += t      # no space inside CJK, after a hyphen or slash, or inside a wrapped number
        else:
            out += " " + t
    return out


def _line_record(it: Item) -> list[Line]:
    if it.kind == "v":
        return [Line(c.text, c.bbox, round(c.size, 2), True) for c in it.columns] or [
            Line(it.text, it.bbox, round(it.size, 2), True)]
    return [Line(it.text, it.bbox, round(it.size, 2), False)]


# running text is set at least this many ems wide; labels, table cells and slide boxes are narrower
RUNNING_MEASURE = 20
# 行頭禁則: small kana, the prolonged sound mark, closing brackets and punctuation never open a line
_KATAKANA = re.compile(r"[\u30a1-\u30fa]")
_NO_LINE_START = set("ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶー々ゝゞヽヾ、。，．,.・：；:;？！?!）)］]｝}〕〉》」』】〙〗")


def _first_word_width(it: Item) -> float:
    """How wide the line's first unbreakable piece is: one CJK glyph, or a Latin word up to its space."""
    ink = [c for c in it.chars if not is_garbage(c["text"])]
    if not ink:
        return 0.0
    if is_cjk(ink[0]["text"][:1]):
        return ink[0]["x1"] - ink[0]["x0"]
    end = ink[0]["x1"]
    for c in ink:
        if c["text"].isspace() or is_cjk(c["text"][:1]):
            break
        end = c["x1"]
    return end - ink[0]["x0"]


def _wraps(it: Item, after: Item | None, left: float) -> bool:
    """Does ``it`` run on into ``after``: the next line in its size, at the paragraph's left edge, one leading below?"""
    return (after is not None and after.kind == "h" and abs(after.size - it.size) <= 0.04 * it.size
            and abs(after.x0 - left) < 1.5 * it.size and -0.3 * it.size <= after.top - it.bottom <= it.size)


def _ended_short(prev: Item, nxt: Item, para: list[Item], measure: float, size: float,
                 after: Item | None = None) -> bool:
    """Did ``prev`` end where its text ended rather than where the measure ran out?

    A wrapping line runs to the measure, or stops short only because the next
    line's first word (one glyph in Japanese) did not fit. A line of running
    text that leaves room for that word and a good share of the measure, and is
    followed by a paragraph (a full line that wraps), was ended on purpose: a heading, a caption, a
    bullet's heading, a line closed by a note mark. Some renderers wrap after a
    fixed count of characters whatever their widths (half-width Latin and digits
    then leave the line short): a line holding as many glyphs as the fullest
    line around it is full however wide it is.
    Headings, captions and note marks end in a noun, a bracket, a figure or a
    mark, never in a comma or kana: a line ending so was broken by hand inside
    a sentence (slides), and goes on.
    """
    room = measure - prev.x1
    width = measure - min(i.x0 for i in para)
    if width < RUNNING_MEASURE * size:
        return False      # a label, a cell, a slide's box: one short line per item is the layout there
    # up to a seventh of the measure is what a box hugging a shape or wrapped by hand leaves ragged
    if room <= max(1.5 * size, _first_word_width(nxt) + 0.8 * size, 0.15 * width):
        return False
    most = max(len(i.chars) for i in (*para, nxt))
    if nxt.x1 < measure - 1.5 * size and len(nxt.chars) < most:
        return False      # the next line is no full line of running text either: a list, a slide's box
    if not _wraps(nxt, after, min(nxt.x0, min(i.x0 for i in para))):
        return False      # nor a paragraph that wraps: a label and its value, a slide's items one a line
    if len(para) >= 2 and abs(para[-2].x1 - prev.x1) < 0.3 * size:
        return False      # it ends where the line above ends: a narrower measure (text beside a float)
    last = prev.text.rstrip()[-1:]
    if last in "、，," or "\u3041" <= last <= "\u309f":
        return False      # a comma or a kana ending (a particle, an inflection) leaves the sentence open
    if len(prev.text.strip()) <= 1 or nxt.text[:1] in _NO_LINE_START:
        return False      # a lone bullet mark; or the next line starts where no Japanese line may
    if (_KATAKANA.match(last) and _KATAKANA.match(nxt.text[:1])) or (last.isascii() and last.isalpha()
                                                                     and nxt.text[:1].isascii() and nxt.text[:1].isalpha()):
        return False      # a katakana or Latin word runs on across the line end
    return len(prev.chars) < most


def group_blocks(seq: list[Item], page_no: int,
                 bullets: list[tuple[float, float, float, float]] = ()) -> list[Block]:
    """Consecutive lines that continue each other form a paragraph; tables and
    vertical blocks stand alone. A line with a drawn bullet mark just left of it
    starts a new block, as a text bullet (・●) does."""

    def after_bullet(it: Item) -> bool:
        first_line_bottom = it.top + it.size * 1.2
        return any(0 <= it.x0 - x1 <= 1.5 * it.size and top < first_line_bottom and bottom > it.top
                   for _x0, top, x1, bottom in bullets)

    # leading differs between body text, captions and boxed columns: one median per size
    gaps_by_size: dict[float, list[float]] = defaultdict(list)
    for a, b in zip(seq, seq[1:]):
        if (a.kind == b.kind == "h" and abs(a.size - b.size) <= 0.04 * a.size
                and min(a.x1, b.x1) > max(a.x0, b.x0) and -0.2 * a.size < b.top - a.bottom < 1.5 * a.size):
            gaps_by_size[round(a.size)].append(b.top - a.bottom)
    blocks: list[Block] = []
    cur: list[Item] = []

    def flush() -> None:
        if not cur:
            return
        lines = [ln for it in cur for ln in _line_record(it)]
        text = "".join(it.text for it in cur) if cur[0].kind == "v" else join_lines([it.text for it in cur])
        bb = cur[0].bbox
        for it in cur[1:]:
            bb = bb.union(it.bbox)
        blocks.append(Block("paragraph", text, bb, page_no, lines, 0, round(_median(i.size for i in cur), 2),
                            cur[0].kind == "v"))
        blocks[-1]._bold = all(i.bold for i in cur)  # type: ignore[attr-defined]
        cur.clear()

    for k, it in enumerate(seq):
        if it.kind == "figure":
            flush()
            blocks.append(Block("figure", it.text, it.bbox, page_no, [Line(t, it.bbox, round(it.size, 2)) for t in it.text.split("\n")],
                                0, round(it.size, 2), False))
            continue
        if it.kind == "table":
            flush()
            blocks.append(Block("table", it.text, it.bbox, page_no, [Line(r, it.bbox, round(it.size, 2)) for r in it.text.split("\n")],
                                0, round(it.size, 2), False, it.cells))
            continue
        if it.kind == "v":
            flush()
            cur.append(it)
            flush()
            continue
        if cur:
            prev = cur[-1]
            s = max(prev.size, it.size)
            med_gap = _median(gaps_by_size.get(round(prev.size), []), -1.0)
            thr = max(med_gap * 1.5, med_gap + 0.3 * s) if med_gap >= 0 else 0.8 * s
            thr = min(max(thr, 0.3 * s), 1.3 * s)
            gap = it.top - prev.bottom
            x_lo = min(i.x0 for i in cur)
            x_hi = max(i.x1 for i in cur)
            cont = (abs(prev.size - it.size) <= 0.04 * s and prev.bold == it.bold
                    and -0.3 * s <= gap <= thr and it.x0 < x_hi and it.x1 > x_lo
                    and not (_MARKER.match(it.text) and not _inline_number(prev, it))
                    and not after_bullet(it))
            # the measure is the widest line of the paragraph so far or the next line: a lone caption
            # or bullet heading has no earlier line to fall short of, only the body line after it
            measure = max(x_hi, it.x1)
            if cont and prev.text.endswith(("。", ".", ":", "：")) and prev.x1 < x_hi - 1.5 * s:
                cont = False      # the previous line stopped short: paragraph ended
            if cont and it.x0 > x_lo + 0.7 * s and prev.x1 < x_hi - 1.0 * s:
                cont = False      # short line then an indented one (not a bullet's hanging indent)
            if cont and _LEADER_PAGE.search(prev.text):
                cont = False      # a contents entry ends at its leader dots and page number
            if cont and _ended_short(prev, it, cur, measure, s, seq[k + 1] if k + 1 < len(seq) else None):
                cont = False      # a heading, caption or note mark ended its line: not a wrap
            if not cont:
                flush()
        cur.append(it)
    flush()
    return blocks
