"""Tables without vertical rules, found from where their text sits.

Many reports set a table with a rule above and below and none between the
columns, or with no rules at all; pdfplumber's grid finder then sees no table,
and the cells, read as text, turn into one-word paragraphs or a chart's worth of
labels. Such a table still shows its shape in the run positions: several rows
one under another, each holding two or more runs, the runs of every row falling
into the same column bands with clear gutters between them. Two columns of
running text share that shape, so a band of long runs that all start and end
together (justified lines) is text, and a table needs a band of short cells.
"""

from __future__ import annotations

from statistics import median

from .layout import Item, _make_item, baseline_rows, join_lines
from .tables import markdown

MIN_ROWS = 3          # a header and two rows, or three rows
GUTTER_EM = 1.5       # columns this far apart at least
ROW_GAP_EM = 1.5      # rows closer than this belong to one table
SHORT_CELL = 10       # a band whose cells are mostly this short is a table's, not a text column's


def _bands(rows: list[list[Item]], size: float) -> list[tuple[float, float]]:
    """Column bands: the x-extents the rows' runs cover, split where a gutter runs through every row."""
    spans = sorted((i.x0, i.x1) for r in rows for i in r)
    bands: list[list[float]] = []
    for a, b in spans:
        if bands and a < bands[-1][1] + GUTTER_EM * size:
            bands[-1][1] = max(bands[-1][1], b)
        else:
            bands.append([a, b])
    return [(a, b) for a, b in bands]


def _band_of(it: Item, bands: list[tuple[float, float]]) -> int:
    """The band the run lies in (the one it overlaps most: never an error that would cost the page)."""
    return max(range(len(bands)), key=lambda k: min(it.x1, bands[k][1]) - max(it.x0, bands[k][0]))


def _is_text_column(cells: list[Item], size: float) -> bool:
    """Wrapped lines of running text: long, and starting and ending together."""
    if len(cells) < 2:
        return False
    long = sum(len(c.text) > SHORT_CELL for c in cells) > len(cells) / 2
    x0s, x1s = [c.x0 for c in cells], [c.x1 for c in cells]
    flush = max(x0s) - min(x0s) <= size and max(x1s) - min(x1s) <= size
    return long and flush


def _is_marker_column(cells: list[Item]) -> bool:
    """Footnote numbers or list marks (「1」「2」「※」「①」): what a numbered list hangs its lines on."""
    return bool(cells) and all(len(c.text) <= 3 and not any(ch.isalpha() for ch in c.text) for c in cells)


def _is_numeric(cells: list[Item]) -> bool:
    return bool(cells) and sum(any(ch.isdigit() for ch in c.text) for c in cells) * 2 >= len(cells)


def _has_header(grid: list[list[list[Item]]]) -> bool:
    """The first row set in another font than the rest (a table's head), as a list's first line is not."""
    def fonts(rows: list[list[list[Item]]]) -> set[str]:
        return {ch.get("fontname", "") for row in rows for cell in row for it in cell for ch in it.chars
                if not ch["text"].isspace()}
    return len(grid) > 1 and not fonts(grid[:1]) & fonts(grid[1:])


def _table(rows: list[list[Item]], size: float) -> Item | None:
    bands = _bands(rows, size)
    if len(bands) < 2:
        return None
    grid: list[list[list[Item]]] = []
    for row in rows:
        cells: list[list[Item]] = [[] for _ in bands]
        for it in row:
            cells[_band_of(it, bands)].append(it)
        grid.append(cells)
    columns = [[c for row in grid for c in row[k]] for k in range(len(bands))]
    # terms and their definitions: short words down the left, longer text on their rows at the right
    definitions = len(bands) == 2 and bool(columns[0]) and bool(columns[1]) \
        and median(len(c.text) for c in columns[0]) <= SHORT_CELL < median(len(c.text) for c in columns[1]) \
        and not _is_text_column(columns[0], size) and not _is_marker_column(columns[0])
    if not definitions and sum(_is_text_column(col, size) for col in columns) * 2 >= len(bands):
        return None
    if all(median(len(c.text) for c in col) > SHORT_CELL for col in columns if col):
        return None
    if sum(1 for row in grid if sum(1 for c in row if c) >= 2) < MIN_ROWS:
        return None
    if len(bands) == 2 and _is_marker_column(columns[0]):
        return None     # footnotes or a numbered list: a mark, then its text
    if len(bands) == 2 and not (definitions or any(_is_numeric(col) for col in columns) or _has_header(grid)):
        return None     # words flowed into two columns (a list), not a table of pairs
    if sum(1 for row in grid for c in row if c) < 0.6 * len(grid) * len(bands):
        return None     # mostly empty: scattered glyphs (a chart, a vertical page's stray runs), not cells
    texts = [[join_lines([i.text for i in sorted(cell, key=lambda i: (i.top, i.x0))]) for cell in row] for row in grid]
    chars = [ch for row in rows for it in row for ch in it.chars]
    sizes = sorted(i.size for row in rows for i in row)
    return Item("table", min(i.x0 for r in rows for i in r), min(i.top for r in rows for i in r),
                max(i.x1 for r in rows for i in r), max(i.bottom for r in rows for i in r),
                sizes[len(sizes) // 2], text=markdown(texts), cells=texts, chars=chars)


def _in_band(it: Item, bands: list[tuple[float, float]], size: float) -> int | None:
    return next((k for k, (a, b) in enumerate(bands) if it.x0 >= a - 0.5 * size and it.x1 <= b + 0.5 * size), None)


def _continues(row: list[Item], above: list[Item], bands: list[tuple[float, float]], size: float) -> bool:
    """A row of a cell's wrapped lines: fewer cells than the row above, each under a cell of it
    that starts where it starts and runs to its column's edge (so its text was cut there)."""
    if len(row) >= len(above):
        return False
    for it in row:
        k = _in_band(it, bands, size)
        if k is None or not any(abs(c.x0 - it.x0) <= 0.5 * size and c.x1 >= bands[k][1] - size
                                and _in_band(c, bands, size) == k for c in above):
            return False
    return True


def _centred(block: list[list[Item]], bands: list[tuple[float, float]], size: float) -> list[list[Item]]:
    """Baseline rows that overlap in height and share no column are one table row: a one-line cell set
    vertically centred beside a wrapped cell sits between that cell's lines (「基礎講座」 between
    「品質管理の考え方と、工程」 and 「ごとの検査の手順を学ぶ」). Rows of a table never overlap (each fills
    its first column, and rows are a line apart)."""
    def columns(row: list[Item]) -> set[int | None]:
        return {_in_band(it, bands, size) for it in row}
    out: list[list[Item]] = []
    last: list[Item] | None = None
    for row in block:
        if last is not None and min(i.bottom for i in last) - max(i.top for i in row) > 0.05 * size \
                and not columns(row) & columns(last) and None not in columns(row) | columns(last):
            out[-1] = out[-1] + row
        else:
            out.append(list(row))
        last = row
    return out


def _table_rows(block: list[list[Item]], size: float) -> list[list[Item]]:
    """The block's rows from its first row of cells to its last, each wrapped line read with its cell."""
    multi = [k for k, r in enumerate(block) if len(r) >= 2]
    # the columns: every run from the first row of cells to the last (a wrapped cell's lines between
    # them widen its column), not a caption or paragraph line before or after
    bands = _bands(block[multi[0]:multi[-1] + 1], size)
    block = _centred(block, bands, size)
    out: list[list[Item]] = []
    for row in block:
        if out and _continues(row, out[-1], bands, size):
            merged_row = list(out[-1])
            for it in row:
                k = _in_band(it, bands, size)
                cell = next(c for c in merged_row if _in_band(c, bands, size) == k and c.x1 >= bands[k][1] - size)
                merged = _make_item(cell.chars + it.chars, False)
                merged.text = join_lines([cell.text, it.text])
                merged_row[merged_row.index(cell)] = merged
            out[-1] = merged_row
        elif len(row) >= 2 and all(_in_band(it, bands, size) is not None for it in row):
            out.append(list(row))
        elif out:
            break      # a note or a paragraph after the table
    return out


def find_unruled_tables(items: list[Item]) -> list[Item]:
    """The items with each unruled table's runs replaced by one ``table`` item (cells filled)."""
    runs = [i for i in items if i.kind == "h"]
    if len(runs) < 2 * MIN_ROWS or sum(len(i.chars) for i in items if i.kind == "v") > sum(len(i.chars) for i in runs):
        return items    # a page set vertically: its horizontal runs are headings and stray marks
    rows = baseline_rows(runs)    # top to bottom: each row is met at its topmost run
    blocks: list[list[list[Item]]] = []
    for row in rows:
        size = median(i.size for i in row)
        prev = blocks[-1][-1] if blocks else None
        if prev is not None and min(i.top for i in row) - max(i.bottom for i in prev) <= ROW_GAP_EM * size \
                and abs(median(i.size for i in prev) - size) <= 0.3 * size:
            blocks[-1].append(row)
        else:
            blocks.append([row])
    taken: set[int] = set()
    tables: list[Item] = []
    for block in blocks:
        if sum(1 for r in block if len(r) >= 2) < MIN_ROWS:
            continue
        size = median(i.size for r in block for i in r)
        rows_in = _table_rows(block, size)
        table = _table(rows_in, size) if rows_in else None
        if table is None:
            continue
        tables.append(table)
        taken.update(id(c) for r in rows_in for it in r for c in it.chars)
    if not tables:
        return items
    return [i for i in items if not any(id(c) in taken for c in i.chars)] + tables
