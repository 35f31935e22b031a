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


RULE_WIDTH = 2.0   # points: a filled shape this thin one way is a rule


def _ruling(obj: dict) -> bool:
    """Whether a page object may rule a table: not a filled, unstroked shape wider than a rule both ways.

    Shading (a box behind a table, a coloured header band, the page's decorative curves, a cell's white fill)
    has edges too; pdfplumber's line strategy took them for rules, cutting a published table into 5-pt
    phantom columns and merging it with the page header. Rules drawn as thin filled rectangles stay."""
    if obj.get("object_type") not in ("rect", "curve") or not obj.get("fill") or obj.get("stroke"):
        return True
    return min(obj["x1"] - obj["x0"], obj["bottom"] - obj["top"]) <= RULE_WIDTH


def ruled_tables(page: Any) -> list[Any]:
    """pdfplumber's ruled tables of the page (its ``Table`` objects), found from its rules, not its shading;
    none if finding them fails."""
    try:
        return page.filter(_ruling).find_tables()
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
