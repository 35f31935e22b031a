"""Ruled tables: pdfplumber finds the grid, we decide whether it is a table
and fill its cells from the cleaned characters."""

from __future__ import annotations

from typing import Any

from .chars import Char
from .geometry import centre_inside
from .glyphs import cell_runs, ruled_tables
from .layout import Item, join_lines, leaf_lines


def _cell_lines(bbox: tuple[float, float, float, float], chars: list[Char]) -> tuple[list[Item], list[Char]]:
    inside = [c for c in chars if centre_inside(c, bbox)]
    if not inside:
        return [], []
    return leaf_lines(cell_runs(inside)), inside


def _text(lines: list[Item]) -> str:
    return join_lines([ln.text for ln in lines]).replace("|", "/").strip()


def _unruled_rows(cells: list[list[Item]]) -> list[list[str]] | None:
    """A row holding several table rows that no rule parts: every filled cell has the same
    number of lines, and line i of each cell sits on one baseline with line i of the others.
    Then line i of every cell is row i (「1.000」「sykesville」「LOCATION」「32」), not one cell
    of lines run together (「1.0001.000…」, 「3228…」)."""
    filled = [c for c in cells if c]
    if len(filled) < 2:
        return None
    k = len(filled[0])
    if k < 2 or any(len(c) != k for c in filled):
        return None
    for i in range(k):
        ref = filled[0][i]
        if any(abs(c[i].bottom - ref.bottom) > 0.3 * max(ref.size, c[i].size) for c in filled[1:]):
            return None
    return [[_text([c[i]]) if c else "" for c in cells] for i in range(k)]


def _covering(boxes: list[list[Any]], i: int, j: int) -> tuple[int, int] | None:
    """The (row, column) of the merged cell that covers the empty grid place (i, j): pdfplumber gives None
    there, and the covering cell is the one up and to the left whose box reaches over the place."""
    xs = [b[j][0] for b in boxes if b[j] is not None]
    ys = [c[1] for c in boxes[i] if c is not None]
    if not xs or not ys:
        return None
    x, y = min(xs) + 1.0, min(ys) + 1.0
    for a in range(i, -1, -1):
        for k in range(j, -1, -1):
            c = boxes[a][k]
            if c is not None and c[0] <= x <= c[2] and c[1] <= y <= c[3]:
                return a, k
    return None


def _spans_filled(grid: list[list[str]], boxes: list[list[Any]]) -> list[list[str]]:
    """The grid with its merged cells read as a reader reads them. Header rows under a cell spanning columns
    (「支援額(百万円)」 over 「総額」 and 「1件当たり」) become one header row, each column headed by the spanning
    cell and its own (「支援額(百万円) 総額」); below them, a cell spanning rows (a row label over two rows) is
    read again in each row it spans. A cell spanning columns in a data row stays one cell."""
    n, m = len(grid), len(grid[0]) if grid else 0
    cover = {(i, j): _covering(boxes, i, j) for i in range(n) for j in range(m) if boxes[i][j] is None}
    head = 1
    if any(c is not None and c[0] == 0 and c[1] < j for (i, j), c in cover.items() if i == 0):
        # the header runs down as far as a first-row cell spans (類型 over two rows)
        head = 1 + max((i for (i, j), c in cover.items() if c is not None and c[0] == 0 and c[1] == j), default=0)
    out = [row[:] for row in grid]
    if head > 1:
        merged = []
        for j in range(m):
            parts: list[str] = []
            for i in range(head):
                c = cover[(i, j)] if boxes[i][j] is None else (i, j)
                text = grid[c[0]][c[1]] if c is not None else ""
                if text and (not parts or parts[-1] != text):
                    parts.append(text)
            merged.append(" ".join(parts))
        out = [merged] + out[head:]
    for (i, j), c in cover.items():
        if i >= head and c is not None and c[1] == j and c[0] < i:
            out[i - head + 1 if head > 1 else i][j] = grid[c[0]][c[1]]
    return out


BAR_HEIGHT = 0.8   # a bar drawn in a row is lower than the row (a row's own background fills it)


def _bars(page: Any, bbox: tuple[float, float, float, float]) -> list[tuple[float, float, float, float]]:
    """Filled shapes inside the table: the bars of a schedule (a Gantt chart drawn over a grid)."""
    try:
        shapes = [*page.rects, *page.curves]
    except Exception:
        return []
    return [(s["x0"], s["top"], s["x1"], s["bottom"]) for s in shapes if s.get("fill")
            and s["x0"] >= bbox[0] - 1 and s["x1"] <= bbox[2] + 1 and s["top"] >= bbox[1] - 1 and s["bottom"] <= bbox[3] + 1]


def _bars_filled(grid: list[list[str]], rows: list[Any], bars: list[tuple[float, float, float, float]],
                 chars: list[Char]) -> None:
    """A bar drawn across several cells of a row (「モデル地域で先行策定」 from 令和6年度 into 令和7年度) is one entry
    for every column it covers: its text, whole, in each (the grid had cut it at the column rule, or left the
    columns it runs on into empty)."""
    for i, r in enumerate(rows):
        boxes = [cb for cb in r.cells if cb is not None]
        if not boxes or i >= len(grid):
            continue
        top, bottom = min(b[1] for b in boxes), max(b[3] for b in boxes)
        for bar in bars:
            if bar[1] < top - 1 or bar[3] > bottom + 1 or bar[3] - bar[1] > BAR_HEIGHT * (bottom - top):
                continue
            covered = [j for j, cb in enumerate(r.cells) if cb is not None
                       and min(bar[2], cb[2]) - max(bar[0], cb[0]) >= 0.5 * (cb[2] - cb[0])]
            if len(covered) < 2:
                continue
            text = _text(_cell_lines(bar, chars)[0])
            for j in covered if text else ():
                grid[i][j] = text


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
        split = False
        for r in rows:
            row_lines: list[list[Item]] = []
            for cb in r.cells:
                if cb is None:
                    row_lines.append([])
                    continue
                present += 1
                lines, cs = _cell_lines(cb, chars)
                if lines:
                    filled += 1
                taken.extend(cs)
                row_lines.append(lines)
            row_lines += [[] for _ in range(ncols - len(row_lines))]
            # (a row with places a merged cell covers is ruled in detail: its cells' lines are wrapped text, a header's
            # 「意向調査/対象面積」, not rows the rules left unparted)
            inner = _unruled_rows(row_lines) if all(cb is not None for cb in r.cells) else None
            split = split or inner is not None
            grid.extend(inner or [[_text(lines) for lines in row_lines]])
        if not split:
            _bars_filled(grid, rows, _bars(page, t.bbox), chars)
            grid = _spans_filled(grid, [list(r.cells) + [None] * (ncols - len(r.cells)) for r in rows])
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
