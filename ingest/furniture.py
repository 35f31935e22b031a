"""Running headers, footers, page numbers and margin tabs: found by where they
sit and by recurring across pages, never by what they say."""

from __future__ import annotations

import math
import re

from .layout import Item

_PAGE_NO = re.compile(r"^[-–—―‐ー−~〜(（\[]*\s*(p\.?|page|ページ)?\s*\d{1,4}\s*(/\s*\d{1,4})?\s*[-–—―‐ー−~〜)）\]]*$", re.I)
_DIGITS = re.compile(r"\d+")

EDGE_Y = 0.08    # share of page height counted as top or bottom margin
EDGE_X = 0.12    # share of page width counted as side margin


def _zone(it: Item, box: tuple[float, float, float, float]) -> str | None:
    x0, top, x1, bottom = box
    w, h = x1 - x0, bottom - top
    if it.bottom <= top + EDGE_Y * h:
        return "top"
    if it.top >= bottom - EDGE_Y * h:
        return "bottom"
    if it.x1 <= x0 + EDGE_X * w or it.x0 >= x1 - EDGE_X * w:
        # a short item in the side margin: tabs and marginal numbers, not body text
        if it.kind == "v" or len(it.text) <= 12:
            return "side"
    return None


def find_furniture(pages: list[list[Item]], boxes: list[tuple[float, float, float, float]]) -> list[set[int]]:
    """For each page, the indexes of items that are page furniture."""
    n = len(pages)
    need = max(2, math.ceil(0.25 * n))
    seen: dict[tuple[str, str], set[int]] = {}
    zones: list[list[str | None]] = []
    for p, (items, box) in enumerate(zip(pages, boxes)):
        zs = []
        for it in items:
            z = _zone(it, box) if it.kind != "table" else None
            zs.append(z)
            if z:
                key = (z if z != "side" else "side", _DIGITS.sub("#", it.text.replace(" ", "")))
                seen.setdefault(key, set()).add(p)
        zones.append(zs)
    out: list[set[int]] = []
    for p, items in enumerate(pages):
        drop = set()
        for k, (it, z) in enumerate(zip(items, zones[p])):
            if not z:
                continue
            key = (z, _DIGITS.sub("#", it.text.replace(" ", "")))
            if _PAGE_NO.match(it.text.strip()) or len(seen.get(key, ())) >= need:
                drop.add(k)
        # the rest of a running header's line: a chapter name beside the repeated title is furniture though its
        # own text repeats only on the pages of a short chapter
        for k, (it, z) in enumerate(zip(items, zones[p])):
            if z in ("top", "bottom") and k not in drop and any(
                    zones[p][d] == z and abs(items[d].bottom - it.bottom) < 0.3 * it.size
                    and abs(items[d].size - it.size) <= 0.1 * it.size and not _PAGE_NO.match(items[d].text.strip())
                    for d in drop):
                drop.add(k)
        out.append(drop)
    return out
