"""How the parser reads glyphs, for whoever must find characters on a page again.

The parser and the quote highlighter (qa_app/highlight.py) both read a page's
characters: the parser to build clean text, the highlighter to find which
characters a quote of that text came from. Both call these functions, with the
same ``LayoutParams``, so a change to the parser's reading moves the highlights
with it instead of silently leaving them behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .chars import Char, clean_chars, is_garbage, visible_chars
from .layout import Item, build_runs, group_columns, leaf_lines, split_orientation

__all__ = ["Char", "LayoutParams", "LAYOUT", "page_glyphs", "ruled_tables", "text_runs", "cell_runs", "reading_lines"]


@dataclass(frozen=True)
class LayoutParams:
    """The parser's layout settings, in ems of the glyphs' font size."""
    run_gap: float = 0.6    # a wider gap ends a run on a line: two columns side by side stay apart
    cell_gap: float = 1.0   # the same inside a ruled table's cell, which holds no columns


LAYOUT = LayoutParams()


def page_glyphs(page: Any) -> list[Char]:
    """A pdfplumber page's characters as the parser reads them.

    Inside the crop box, decodable, and repaired (shadow copies collapsed, ruby dropped).
    """
    return clean_chars([c for c in visible_chars(page) if not is_garbage(c["text"])])


def ruled_tables(page: Any) -> list[Any]:
    """pdfplumber's ruled tables of the page (its ``Table`` objects), or none if finding them fails."""
    try:
        return page.find_tables()
    except Exception:  # pdfplumber's table finder trips over some damaged drawings: no tables then
        return []


def text_runs(chars: list[Char], params: LayoutParams = LAYOUT) -> list[Item]:
    """Horizontal runs and vertical column groups of running text (not table cells)."""
    horiz, vert = split_orientation(chars)
    runs = build_runs(horiz, vertical=False, max_gap=params.run_gap)
    return runs + group_columns(build_runs(vert, vertical=True, max_gap=params.run_gap))


def cell_runs(chars: list[Char], params: LayoutParams = LAYOUT) -> list[Item]:
    """Runs of a table cell's text: upright glyphs only, read across."""
    return build_runs([c for c in chars if c.get("upright", True)], vertical=False, max_gap=params.cell_gap)


def reading_lines(chars: list[Char], params: LayoutParams = LAYOUT, *, cell: bool = False) -> list[list[Char]]:
    """The characters of one region, one list per visual line, in the parser's reading order.

    A horizontal line reads left to right; a vertical column top to bottom, and
    columns right to left. ``cell=True`` reads a table cell.
    """
    items = cell_runs(chars, params) if cell else text_runs(chars, params)
    out: list[list[Char]] = []
    for it in leaf_lines(items):
        if it.kind == "v" and it.columns:
            out.extend(col.chars for col in it.columns)
        else:
            out.append(list(it.chars))
    return out
