"""Character-level cleanup before any layout: what is visible, what is drawn
twice, what is ruby, and what is undecodable."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from typing import Any

from .geometry import centre_inside

Char = dict[str, Any]

_CID = re.compile(r"^\(cid:\d+\)$")


def is_garbage(text: str) -> bool:
    """A glyph the font does not map to Unicode: (cid:NN), private use, U+FFFD, controls."""
    if _CID.match(text):
        return True
    for ch in text:
        o = ord(ch)
        if 0xE000 <= o <= 0xF8FF or o == 0xFFFD or o >= 0xF0000 or (o < 0x20 and ch not in "\t\n"):
            return True
    return False


def visible_chars(page: Any) -> list[Char]:
    """Chars inside the page's crop box; Distiller files park furniture outside it."""
    x0, top, x1, bottom = page.bbox
    tol = 1.0
    out = []
    for c in page.chars:
        if not c.get("text"):
            continue
        if centre_inside(c, (x0, top, x1, bottom), pad=tol):
            out.append(c)
    return out


def _is_blank(c: Char) -> bool:
    return c["text"].isspace()


def collapse_shadows(chars: list[Char]) -> list[Char]:
    """Drop copies of a glyph redrawn at a small offset (drop shadows, fake bold).

    Two copies count as one when the offset is under half the glyph's own width
    and height: legitimately repeated letters ("ll", "ーー") sit a full advance apart.
    The last drawn copy is kept because it is the one on top.
    """
    grid: dict[tuple[str, int, int], list[int]] = defaultdict(list)
    dropped: set[int] = set()
    cell = 4.0
    for i in range(len(chars) - 1, -1, -1):
        c = chars[i]
        if _is_blank(c):
            continue
        gx, gy = int(c["x0"] // cell), int(c["top"] // cell)
        w = max(c["x1"] - c["x0"], 0.1)
        h = max(c["bottom"] - c["top"], 0.1)
        dup = False
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for j in grid.get((c["text"], gx + dx, gy + dy), ()):
                    o = chars[j]
                    if (abs(o["x0"] - c["x0"]) < 0.5 * min(w, o["x1"] - o["x0"] + 0.1)
                            and abs(o["top"] - c["top"]) < 0.5 * min(h, o["bottom"] - o["top"] + 0.1)
                            and abs(o["size"] - c["size"]) <= 0.2 * c["size"] + 0.1):
                        dup = True
                        break
                if dup:
                    break
            if dup:
                break
        if dup:
            dropped.add(i)
        else:
            grid[(c["text"], gx, gy)].append(i)
    return [c for i, c in enumerate(chars) if i not in dropped]


RUBY_RATIO = 1.6   # base glyphs at least this many times the ruby's size


def drop_ruby(chars: list[Char]) -> list[Char]:
    """Drop furigana: runs of kana well under the size of the characters right beneath them.

    Ruby sits in the gap above its base; superscripts and footnote marks sit beside
    a word with nothing big directly under them, so they survive. A small glyph over
    big type is ruby only if the whole run it belongs to lies over that type and is
    mostly kana: a caption or label set above a big figure runs past the figure's
    ends or is written in kanji, and is text to read.
    """
    big = [c for c in chars if not _is_blank(c)]
    if not big:
        return chars
    cell = 20.0
    grid: dict[tuple[int, int], list[Char]] = defaultdict(list)
    for c in big:
        for gx in range(int(c["x0"] // cell), int(c["x1"] // cell) + 1):
            grid[(gx, int(c["top"] // cell))].append(c)
    over = {i for i, c in enumerate(chars) if _over_bigger(c, grid, cell)}
    if not over:
        return chars
    ruby: set[int] = set()
    for run in _runs(chars, over):
        if all(i in over for i in run) and _mostly_kana("".join(chars[i]["text"] for i in run)):
            ruby.update(run)
    return [c for i, c in enumerate(chars) if i not in ruby]


def _over_bigger(c: Char, grid: dict[tuple[int, int], list[Char]], cell: float) -> bool:
    """The glyph sits just above one at least RUBY_RATIO times its size."""
    if not c.get("upright", True) or _is_blank(c):
        return False
    s = c["size"]
    cx = (c["x0"] + c["x1"]) / 2
    lo, hi = c["bottom"] - 0.5 * s, c["bottom"] + 0.9 * s
    for gy in range(int(lo // cell), int(hi // cell) + 1):
        for b in grid.get((int(cx // cell), gy), ()):
            if (b["size"] >= RUBY_RATIO * s and lo <= b["top"] <= hi
                    and b["x0"] - 0.6 * b["size"] <= cx <= b["x1"] + 0.6 * b["size"]):
                return True
    return False


def _runs(chars: list[Char], seeds: set[int]) -> list[list[int]]:
    """The runs of glyphs (one size, one baseline, no gap wider than a glyph) that hold any of ``seeds``."""
    runs: list[list[int]] = []
    done: set[int] = set()
    for i in sorted(seeds, key=lambda i: chars[i]["x0"]):
        if i in done:
            continue
        c = chars[i]
        s = c["size"]
        line = sorted((j for j, d in enumerate(chars)
                       if d.get("upright", True) and not _is_blank(d) and abs(d["size"] - s) <= 0.1 * s
                       and abs(d["bottom"] - c["bottom"]) <= 0.3 * s), key=lambda j: chars[j]["x0"])
        run: list[int] = []
        for j in line:
            if run and chars[j]["x0"] - chars[run[-1]]["x1"] > s:
                if i in run:
                    break
                run = []
            run.append(j)
        runs.append(run)
        done.update(run)
    return runs


def _mostly_kana(text: str) -> bool:
    kana = sum(1 for ch in text if "\u3041" <= ch <= "\u30ff" or "\uff66" <= ch <= "\uff9f")
    return kana * 2 >= len(text)


def garbage_ratio(chars: list[Char]) -> float:
    ink = [c for c in chars if not _is_blank(c)]
    if not ink:
        return 0.0
    return sum(1 for c in ink if is_garbage(c["text"])) / len(ink)


_BOLD = re.compile(r"bold|heavy|black|semibold|demi|W[6-9]\b|W[6-9]$|-W[6-9]|Ｗ[６-９]|[Ｗ][5-9]", re.I)


def is_bold(fontname: str) -> bool:
    name = fontname.split("+", 1)[-1]
    return bool(_BOLD.search(name))


_MARK = re.compile(r"^[0-9０-９*＊※†‡]$")


def _ends_word(ch: str) -> bool:
    """A note mark follows a word: a letter, a kana or kanji, or a closing bracket; not a digit or bullet."""
    if not ch or _MARK.match(ch):
        return False
    return unicodedata.category(ch[0])[0] == "L" or ch in "」』）)]］〕²³"   # m³ ends a word too


_EXPONENTS = {"2", "3", "²", "³"}


def split_superscripts(chars: list[Char]) -> tuple[list[Char], list[Char]]:
    """Take footnote marks out of the text: (kept chars, the marks' chars).

    A mark is a digit or note sign set smaller than the glyph right before it,
    on a baseline raised above that glyph's (a superscript), where that glyph
    ends a word. Digits that follow it on the same raised baseline belong to it.
    """
    ink = [c for c in chars if not _is_blank(c) and c.get("upright", True)]
    cell = 10.0
    by_x1: dict[int, list[Char]] = defaultdict(list)
    for c in ink:
        by_x1[int(c["x1"] // cell)].append(c)
    marks: set[int] = set()
    after: dict[int, Char] = {}      # mark → the glyph it follows
    for c in ink:
        if not (_MARK.match(c["text"]) or c["text"] == "注"):   # 「注2」: a raised 注 opens a mark too
            continue
        # the glyph right before it: of those it may follow, the nearest (「m³」 then a raised 「2」 follows ³, not m)
        before = [p for g in (int(c["x0"] // cell) - 1, int(c["x0"] // cell), int(c["x0"] // cell) + 1)
                  for p in by_x1.get(g, ()) if p is not c and -0.2 * (p["size"] or 1.0) <= c["x0"] - p["x1"] <= 0.6 * (p["size"] or 1.0)
                  and abs(p["top"] - c["top"]) < (p["size"] or 1.0)]
        p = min(before, key=lambda p: abs(c["x0"] - p["x1"]), default=None)
        if p is None or (c["text"] in _EXPONENTS and p["text"] == "m"):
            continue    # (m², m³, km², cm³: an exponent of the unit, not a note mark)
        s = p["size"] or 1.0
        # (and the mark stands beside the glyph, not over it: a small line's last digit just above a
        # bigger line's first glyph, 「STEP 1」 over 「データを…」, is no superscript)
        if (c["size"] <= 0.9 * s and p["top"] - 0.2 * s < c["bottom"] < p["bottom"] - 0.2 * s
                and c["top"] >= p["top"] - 0.6 * c["size"] and _ends_word(p["text"])):
            marks.add(id(c))
            after[id(c)] = p
    if not marks:
        return chars, []
    # further digits of the same mark: same size and raised baseline, right after it
    grew = True
    while grew:
        grew = False
        for c in ink:
            if id(c) in marks or not _MARK.match(c["text"]):
                continue
            for m in (x for x in ink if id(x) in marks):
                if (abs(m["bottom"] - c["bottom"]) < 0.2 * m["size"] and abs(m["size"] - c["size"]) < 0.1 * m["size"]
                        and -0.2 * m["size"] <= c["x0"] - m["x1"] <= 0.3 * m["size"]):
                    marks.add(id(c))
                    grew = True
                    break
    # a raised 注 is a mark only with its number after it
    for c in ink:
        if id(c) in marks and c["text"] == "注" and not any(
                id(x) in marks and x is not c and abs(x["bottom"] - c["bottom"]) < 0.2 * c["size"]
                and -0.2 * c["size"] <= x["x0"] - c["x1"] <= 0.3 * c["size"] for x in ink):
            marks.discard(id(c))
            after.pop(id(c), None)
    if not marks:
        return chars, []
    # the glyph before a mark reaches over it, so its removal leaves no gap read as a word space
    reach: dict[int, float] = {}
    for c in ink:
        if id(c) in after:
            p = after[id(c)]
            end = max(x["x1"] for x in ink if id(x) in marks and abs(x["bottom"] - c["bottom"]) < 0.2 * c["size"]
                      and c["x0"] - 0.1 <= x["x0"] <= c["x0"] + 3 * c["size"])
            reach[id(p)] = max(reach.get(id(p), p["x1"]), end)
    return ([{**c, "x1": reach[id(c)]} if id(c) in reach else c for c in chars if id(c) not in marks],
            [c for c in chars if id(c) in marks])


def clean_chars_and_marks(chars: list[Char]) -> tuple[list[Char], list[Char]]:
    """Every character-level repair, in order: shadows, ruby, then footnote marks (returned apart)."""
    return split_superscripts(drop_ruby(collapse_shadows(chars)))


def clean_chars(chars: list[Char]) -> list[Char]:
    """Every character-level repair, in order: shadows, ruby, footnote marks."""
    return clean_chars_and_marks(chars)[0]
