"""Ruled tables: pdfplumber finds the grid, we decide whether it is a table
and fill its cells from the cleaned characters."""

from __future__ import annotations

from typing import Any

from .chars import Char
from .geometry import centre_inside
from .glyphs import cell_runs, ruled_tables
from .layout import Item, join_lines, leaf_lines


def _cell_text(bbox: tuple[float, float, float, float], chars: list[Char]) -> tuple[str, list[Char]]:
    x0, top, x1, bottom = bbox
    inside = [c for c in chars if centre_inside(c, bbox)]
    if not inside:
        return "", []
    runs = cell_runs(inside)
    lines = leaf_lines(runs)
    text = join_lines([ln.text for ln in lines]).replace("|", "/").strip()
    return text, inside


def markdown(cells: list[list[str]]) -> str:
    rows = ["| " + " | ".join(c or "" for c in row) + " |" for row in cells]
    sep = "| " + " | ".join("---" for _ in cells[0]) + " |"
    return "\n".join([rows[0], sep] + rows[1:])


def find_tables(page: Any, chars: list[Char]) -> tuple[list[Item], list[Char]]:
    """Return table items and the chars not consumed by them.

    A grid is a table only with at least two rows and two columns whose cells
    are mostly filled; frames around a paragraph or a bullet list fail that.
    """
    found = ruled_tables(page)
    items: list[Item] = []
    used: set[int] = set()
    for t in found:
        rows = t.rows
        ncols = max((len(r.cells) for r in rows), default=0)
        if len(rows) < 2 or ncols < 2:
            continue
        grid: list[list[str]] = []
        taken: list[Char] = []
        present = filled = 0
        for r in rows:
            row = []
            for cb in r.cells:
                if cb is None:
                    row.append("")
                    continue
                present += 1
                txt, cs = _cell_text(cb, chars)
                if txt:
                    filled += 1
                taken.extend(cs)
                row.append(txt)
            row += [""] * (ncols - len(row))
            grid.append(row)
        # drop columns and rows that are entirely empty (spacer rules)
        keep_cols = [j for j in range(ncols) if any(row[j] for row in grid)]
        grid = [[row[j] for j in keep_cols] for row in grid]
        grid = [row for row in grid if any(row)]
        if len(grid) < 2 or len(keep_cols) < 2 or present == 0 or filled / present < 0.5:
            continue
        # a frame whose "rows" are the text lines of one boxed paragraph fills one cell per row
        multi = sum(1 for row in grid if sum(1 for c in row if c) >= 2)
        if multi < 2 or multi < 0.5 * len(grid):
            continue
        x0, top, x1, bottom = t.bbox
        sizes = sorted(c["size"] for c in taken) or [0.0]
        items.append(Item("table", x0, top, x1, bottom, sizes[len(sizes) // 2],
                          text=markdown(grid), cells=grid, chars=taken))
        used.update(id(c) for c in taken)
    rest = [c for c in chars if id(c) not in used]
    return items, rest
