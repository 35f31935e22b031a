"""Render the five seed texts of the demo corpus to PDFs that behave like the originals.

Run:  .venv/bin/python corpus/build_corpus.py [--seeds DIR] [--out DIR]

The seeds (see ../shared/README.md) are text extractions of real policy PDFs, damage
included. We deliberately keep that damage (half-width katakana, full-width digits,
garbles) and additionally reproduce the *layout* traits that cause it, so that the
project's parser is exercised on realistic input:

* embedded, subset TrueType Japanese font with a ToUnicode map (IPAexGothic);
* slide decks in landscape with boxed bullets, report pages in A4 portrait with
  running header, page-number footer, chapter/section headings;
* ruled tables (every cell bordered) for tab- or pipe-separated rows;
* genuinely vertical text for runs of one CJK character per line;
* shadowed titles (grey copy + black copy) where the seed shows a doubled title.

Only markup is dropped ("- " bullets, "#" heading markers, "**", "[..](#)" links,
table pipes / separator rows); every other character is drawn, in reading order.
Output is deterministic (reportlab ``invariant=1``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from reportlab.lib.colors import Color, HexColor, black
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS = REPO_ROOT.parent / "shared" / "seeds"
DEFAULT_OUT = REPO_ROOT / "corpus"

FONT = "IPAexGothic"


def font_path() -> Path:
    """IPAexGothic 00401 as matplotlib-fontja ships it, found without importing the package
    (importing it loads matplotlib and restyles it). Another version of the font draws the
    same characters at the same places but embeds different bytes, so `make corpus` would
    no longer reproduce the committed PDFs byte for byte."""
    spec = importlib.util.find_spec("matplotlib_fontja")
    if spec is None or spec.origin is None:
        raise SystemExit("matplotlib-fontja is not installed (it ships the font): pip install -e '.[test]'")
    return Path(spec.origin).parent / "fonts" / "ipaexg.ttf"


SLIDE_SIZE = (960.0, 540.0)  # 16:9 landscape
ACCENT = HexColor("#1f4e79")
BOX_FILL = HexColor("#f3f7fb")
HEADER_FILL = HexColor("#dbe7f3")
LINK_BLUE = HexColor("#1a5fb4")
EMPH_RED = HexColor("#a51d2d")
SHADOW_GREY = Color(0.6, 0.6, 0.6)


@dataclass(frozen=True)
class DocSpec:
    id: str
    slug: str
    title: str
    publisher: str
    date: str
    layout: str  # "slides" | "report"


DOCS: list[DocSpec] = [
    DocSpec("000", "industrial_cluster_formation", "産業クラスターの形成", "経済産業省", "2003", "slides"),
    DocSpec("001", "industrial_cluster_policy", "産業クラスター政策について", "経済産業省", "2009", "slides"),
    DocSpec("002", "knowledge_cluster_initiative", "知的クラスター創成事業 (第Ⅰ期・第Ⅱ期)", "文部科学省", "2008", "slides"),
    DocSpec("003", "regional_technology_policy", "経済産業省における地域技術施策について",
            "経済産業省 地域技術課", "2007-10-25", "slides"),
    DocSpec("004", "cluster_best_practices_2010", "産業クラスター計画 ベストプラクティス集",
            "(財)日本立地センター", "2010-03", "report"),
]

# --------------------------------------------------------------------------- text model

# A styled character: (char, style) with style in {"", "bold", "link"}.
SChar = tuple[str, str]

CJK_RANGES = [(0x3000, 0x303F), (0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
              (0xF900, 0xFAFF), (0xFF00, 0xFFEF)]


def is_cjk(ch: str) -> bool:
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in CJK_RANGES)


def is_single_cjk_line(line: str) -> bool:
    s = line.strip()
    return len(s) == 1 and is_cjk(s)


def doubled_half(text: str) -> str | None:
    """Return s if text is exactly s+s with len(s) >= 2 (a shadowed title flattened)."""
    t = text.strip()
    half = len(t) // 2
    if len(t) % 2 == 0 and half >= 2 and t[:half] == t[half:]:
        return t[:half]
    return None


INLINE_RE = re.compile(r"\*\*(.+?)\*\*|\[((?:\\.|[^\]\\])+)\]\(#\)")


def parse_inline(text: str) -> list[SChar]:
    """Strip inline markup (**bold**, [name](#) links, backslash escapes inside links)."""
    out: list[SChar] = []
    pos = 0
    for m in INLINE_RE.finditer(text):
        out.extend((c, "") for c in text[pos:m.start()])
        if m.group(1) is not None:
            out.extend((c, "bold") for c in m.group(1))
        else:
            out.extend((c, "link") for c in re.sub(r"\\(.)", r"\1", m.group(2)))
        pos = m.end()
    out.extend((c, "") for c in text[pos:])
    return out


def plain(chars: list[SChar]) -> str:
    return "".join(c for c, _ in chars)


@dataclass
class TextLine:
    chars: list[SChar]
    bullet: bool = False
    level: int = 0  # bullet nesting (leading spaces)
    shadow: bool = False  # draw as shadowed text (seed showed it doubled)

    @property
    def text(self) -> str:
        return plain(self.chars)


def make_line(raw: str) -> TextLine:
    m = re.match(r"^(\s*)- (.*)$", raw)
    bullet = m is not None
    level = len(m.group(1)) if m else 0
    body = m.group(2) if m else raw
    chars = parse_inline(body.rstrip())
    half = doubled_half(plain(chars))
    if half is not None and all(s == "" for _, s in chars):
        # keep leading whitespace out of the shadow; it carries no text anyway
        return TextLine([(c, "") for c in half], bullet, level, shadow=True)
    return TextLine(chars, bullet, level)


@dataclass
class Block:
    kind: str  # "para" | "heading" | "table" | "vertical"
    lines: list[TextLine] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    level: int = 0

    def single_text(self) -> str:
        return self.lines[0].text.strip() if len(self.lines) == 1 else ""


PIPE_ROW_RE = re.compile(r"^\s*(?:-\s+)?\|.*\|\s*$")
SEPARATOR_CELL_RE = re.compile(r"^:?-{2,}:?$")


def is_table_line(raw: str) -> bool:
    return "\t" in raw or bool(PIPE_ROW_RE.match(raw))


def split_row(raw: str) -> list[str] | None:
    """Cells of a tab or pipe row; None for a Markdown separator row (|---|---|)."""
    if "\t" in raw:
        return [c.strip() for c in raw.rstrip("\n").split("\t")]
    body = re.sub(r"^\s*(?:-\s+)?\|", "", raw.rstrip())
    body = body[:-1] if body.endswith("|") else body
    cells = [c.strip() for c in body.split("|")]
    if cells and all(SEPARATOR_CELL_RE.match(c) for c in cells):
        return None
    return cells


def read_vertical(lines: list[str], i: int) -> tuple[list[str], int] | None:
    """Read a run of one-CJK-char lines starting at i (blank lines split it into columns).

    Qualifies as vertical text only if it has >= 3 characters and some column of >= 2,
    so a stray single-character line stays horizontal.
    """
    columns: list[str] = []
    current = ""
    j = i
    while j < len(lines):
        if is_single_cjk_line(lines[j]):
            current += lines[j].strip()
            j += 1
            continue
        if not lines[j].strip() and current:
            k = j
            while k < len(lines) and not lines[k].strip() and k - j < 2:
                k += 1
            if k < len(lines) and is_single_cjk_line(lines[k]):
                columns.append(current)
                current = ""
                j = k
                continue
        break
    if current:
        columns.append(current)
    if sum(map(len, columns)) >= 3 and max(map(len, columns)) >= 2:
        return columns, j
    return None


def parse_seed(text: str) -> list[Block]:
    """Split seed text into blocks: paragraphs (blank-line separated), headings, tables, vertical runs."""
    lines = text.split("\n")
    blocks: list[Block] = []
    para: list[TextLine] = []

    def flush() -> None:
        if para:
            blocks.append(Block("para", lines=list(para)))
            para.clear()

    def wrapped_from(i: int) -> int | None:
        """Where the paragraph goes on, if the blank run at i is a line wrap of the extraction.

        The seeds mark a line that wrapped inside one text box with a blank run
        holding a space-only line (「…生\n\n \nみ出される…」); a new paragraph has
        no such line. A finished sentence is never continued.
        """
        j, marked = i, False
        while j < len(lines) and not lines[j].strip():
            marked = marked or lines[j] != ""
            j += 1
        nxt = lines[j] if j < len(lines) else ""
        if (marked and para and not plain(para[-1].chars).rstrip().endswith(("。", "．"))
                and nxt.strip() and not is_table_line(nxt) and not nxt.startswith("#")
                and not nxt.lstrip().startswith("- ") and not is_single_cjk_line(nxt)):
            return j
        return None

    i = 0
    while i < len(lines):
        raw = lines[i]
        if not raw.strip():
            j = wrapped_from(i)
            if j is None:
                flush()
                i += 1
            else:
                i = j
        elif is_table_line(raw):
            flush()
            rows: list[list[str]] = []
            while i < len(lines) and lines[i].strip() and is_table_line(lines[i]):
                row = split_row(lines[i])
                if row is not None:
                    rows.append(row)
                i += 1
            width = max(len(r) for r in rows)
            blocks.append(Block("table", rows=[r + [""] * (width - len(r)) for r in rows]))
        elif is_single_cjk_line(raw) and (run := read_vertical(lines, i)) is not None:
            flush()
            blocks.append(Block("vertical", columns=run[0]))
            i = run[1]
        elif m := re.match(r"^(#{1,6})\s+(.*)$", raw):
            flush()
            blocks.append(Block("heading", lines=[make_line(m.group(2))], level=len(m.group(1))))
            i += 1
        else:
            para.append(make_line(raw))
            i += 1
    flush()
    return blocks


# --------------------------------------------------------------------------- drawing helpers

_WIDTH_CACHE: dict[str, float] = {}


def char_width(ch: str, size: float) -> float:
    if ch not in _WIDTH_CACHE:
        _WIDTH_CACHE[ch] = pdfmetrics.stringWidth(ch, FONT, 1.0)
    return _WIDTH_CACHE[ch] * size


def text_width(chars: list[SChar] | str, size: float) -> float:
    return sum(char_width(c if isinstance(c, str) else c[0], size) for c in chars)


WORD_CHAR_RE = re.compile(r"[A-Za-z0-9.,%'’\-]")


def tokens(chars: list[SChar]) -> list[list[SChar]]:
    """Break opportunities: Latin words stay whole, every CJK char / space is its own token."""
    out: list[list[SChar]] = []
    for ch in chars:
        if WORD_CHAR_RE.match(ch[0]) and out and WORD_CHAR_RE.match(out[-1][-1][0]):
            out[-1].append(ch)
        else:
            out.append([ch])
    return out


def wrap(chars: list[SChar], width: float, size: float) -> list[list[SChar]]:
    """Wrap to width: Japanese by character, English by word. Never inserts characters;
    only spaces at a break are dropped (whitespace carries no text)."""
    lines: list[list[SChar]] = [[]]
    used = 0.0
    for tok in tokens(chars):
        w = text_width(tok, size)
        if used + w > width and lines[-1]:
            if tok[0][0].isspace():
                lines.append([])
                used = 0.0
                continue
            if w > width:  # a word longer than the line: split it by character
                for ch in tok:
                    cw = char_width(ch[0], size)
                    if used + cw > width and lines[-1]:
                        lines.append([])
                        used = 0.0
                    lines[-1].append(ch)
                    used += cw
                continue
            lines.append([])
            used = 0.0
        if not lines[-1] and tok[0][0].isspace():
            continue  # no leading spaces on a wrapped line
        lines[-1].extend(tok)
        used += w
    return [ln for ln in lines if ln] or [[]]


def draw_text(c: Canvas, x: float, y: float, chars: list[SChar], size: float,
              color: Color = black, bold: bool = False, shadow: bool = False) -> None:
    """Draw styled chars with baseline y (PDF coordinates).

    bold: fill+stroke render mode (how PowerPoint-era PDFs fake bold without a bold font).
    shadow: a grey copy offset by 1pt first, then the real text -- extraction then
    shows every character twice, exactly like the originals' shadowed titles.
    """
    if shadow:
        draw_text(c, x + 1.0, y - 1.0, chars, size, SHADOW_GREY, bold)
    pos = x
    for style, seg in _segments(chars):
        col = LINK_BLUE if style == "link" else EMPH_RED if style == "bold" else color
        # render mode is graphics state that outlives the text object (and reportlab skips
        # a "0 Tr" it thinks redundant), so bold text is wrapped in save/restore
        c.saveState()
        t = c.beginText(pos, y)
        t.setFont(FONT, size)
        t.setFillColor(col)
        if bold or style == "bold":
            t.setTextRenderMode(2)
            c.setStrokeColor(col)
            c.setLineWidth(size * 0.03)
        t.textOut(seg)
        c.drawText(t)
        c.restoreState()
        w = text_width(seg, size)
        if style == "link":
            c.setStrokeColor(col)
            c.setLineWidth(0.5)
            c.line(pos, y - size * 0.15, pos + w, y - size * 0.15)
        pos += w
    c.setStrokeColor(black)


def _segments(chars: list[SChar]) -> list[tuple[str, str]]:
    segs: list[tuple[str, str]] = []
    for ch, st in chars:
        if segs and segs[-1][0] == st:
            segs[-1] = (st, segs[-1][1] + ch)
        else:
            segs.append((st, ch))
    return segs


def schars(text: str) -> list[SChar]:
    return [(c, "") for c in text]


# --------------------------------------------------------------------------- layout units
# Pages are filled with "units": atomic pieces with a height and a draw function that
# takes (canvas, x, top, width) with top measured from the page top. Boxes, tables
# and paragraphs are split between units so that nothing ever overflows a page.

DrawFn = Callable[[Canvas, float, float, float], None]


@dataclass
class Unit:
    height: float
    draw: DrawFn


def line_units(lines: list[TextLine], width: float, size: float, page_h: float,
               lead: float = 1.45, bullet_indent: float = 16.0) -> list[Unit]:
    """One unit per wrapped visual line; bullets get a drawn (non-text) marker."""
    units: list[Unit] = []
    for tl in lines:
        indent = (bullet_indent * (1 + tl.level // 2)) if tl.bullet else 0.0
        wrapped = wrap(tl.chars, width - indent, size)
        for n, chunk in enumerate(wrapped):
            def draw(c: Canvas, x: float, top: float, w: float, chunk=chunk, indent=indent,
                     first=(n == 0 and tl.bullet), shadow=tl.shadow) -> None:
                base = page_h - top - size * 1.05
                if first:  # bullet glyph drawn as a shape so it is not extracted as text
                    c.setFillColor(ACCENT)
                    c.rect(x + indent - 11, base + size * 0.22, size * 0.38, size * 0.38, stroke=0, fill=1)
                draw_text(c, x + indent, base, chunk, size, shadow=shadow)
            units.append(Unit(size * lead, draw))
    return units


def table_units(rows: list[list[str]], width: float, size: float, page_h: float,
                header_fill: bool = True) -> list[Unit]:
    """A ruled table: one unit per row, every cell stroked, long cell text wrapped in the cell."""
    ncol = len(rows[0])
    pad = 3.0
    need = [max((text_width(r[j], size) for r in rows), default=0) + 2 * pad for j in range(ncol)]
    need = [max(n, size * 2.5) for n in need]
    total = sum(need)
    if total <= width:
        widths = [n * width / total for n in need]
    else:  # shrink the wide columns only, keep narrow ones readable
        cap = width / ncol
        small = sum(n for n in need if n <= cap)
        big = sum(n for n in need if n > cap)
        scale = (width - small) / big if big else 1.0
        widths = [n if n <= cap else n * scale for n in need]
    units: list[Unit] = []
    for ri, row in enumerate(rows):
        cells = [wrap(schars(cell), widths[j] - 2 * pad, size) for j, cell in enumerate(row)]
        lead = size * 1.3
        h = max(len(cl) for cl in cells) * lead + 2 * pad

        def draw(c: Canvas, x: float, top: float, w: float, cells=cells, h=h, ri=ri) -> None:
            cx = x
            for j, cl in enumerate(cells):
                if ri == 0 and header_fill:
                    c.setFillColor(HEADER_FILL)
                    c.rect(cx, page_h - top - h, widths[j], h, stroke=0, fill=1)
                c.setStrokeColor(black)
                c.setLineWidth(0.6)
                c.rect(cx, page_h - top - h, widths[j], h, stroke=1, fill=0)
                for k, chunk in enumerate(cl):
                    draw_text(c, cx + pad, page_h - top - pad - size * 1.05 - k * lead, chunk, size)
                cx += widths[j]
        units.append(Unit(h, draw))
    return units


def vertical_unit(columns: list[str], size: float, page_h: float, width: float) -> Unit:
    """Vertical text (writing-mode: vertical-rl): each column top to bottom, columns right to left."""
    pitch = size * 1.15
    col_gap = size * 1.6
    height = max(map(len, columns)) * pitch + 16

    def draw(c: Canvas, x: float, top: float, w: float) -> None:
        span = len(columns) * col_gap
        right = x + w / 2 + span / 2  # centre the column group in the box
        for n, col in enumerate(columns):
            cx = right - (n + 1) * col_gap
            for k, ch in enumerate(col):
                cw = char_width(ch, size)
                draw_text(c, cx + (size - cw) / 2, page_h - top - 8 - size - k * pitch, schars(ch), size)
    return Unit(height, draw)


# --------------------------------------------------------------------------- slide decks

SLIDE_MARGIN = 40.0
SLIDE_TITLE_SIZE = 26.0
SLIDE_CONTENT_TOP = 96.0
SLIDE_CONTENT_BOTTOM = 515.0
SLIDE_BODY = 15.0
SLIDE_HEAD = 16.0
SLIDE_CHIP = 13.0
SLIDE_TABLE = 12.0
BOX_PAD = 8.0
ITEM_GAP = 10.0
LABEL_MAX = 40  # a single short line without 。 is a heading/label, not body text


def is_label(block: Block) -> bool:
    if block.kind == "heading":
        return True
    if block.kind != "para" or len(block.lines) != 1 or block.lines[0].bullet:
        return False
    t = block.single_text()
    return 0 < len(t) <= LABEL_MAX and not t.endswith("。")


@dataclass
class SlideItem:
    kind: str  # "title" | "maybe_title" | "box" | "table" | "vertical" | "chips"
    header: TextLine | None = None
    block: Block | None = None
    chips: list[TextLine] = field(default_factory=list)


def slide_items(blocks: list[Block]) -> list[SlideItem]:
    """Turn blocks into slide items.

    - "#".."###" headings and doubled (shadowed) lines are slide titles;
    - a label directly followed by content (paragraph, table, vertical run) heads that
      content's box; a label followed by another label may open a new slide;
    - remaining labels (figure captions, numbers, node names) become chips in rows.
    """
    items: list[SlideItem] = []
    k = 0
    while k < len(blocks):
        b = blocks[k]
        nxt = blocks[k + 1] if k + 1 < len(blocks) else None
        if b.kind == "heading" and b.level <= 3 or (is_label(b) and b.lines[0].shadow):
            items.append(SlideItem("title", header=b.lines[0]))
        elif is_label(b) and nxt is not None and not is_label(nxt):
            kind = {"table": "table", "vertical": "vertical"}.get(nxt.kind, "box")
            items.append(SlideItem(kind, header=b.lines[0], block=nxt))
            k += 1
        elif is_label(b) and nxt is not None and is_label(nxt):
            items.append(SlideItem("maybe_title", header=b.lines[0]))
        elif is_label(b):
            items.append(SlideItem("chips", chips=[b.lines[0]]))
        else:
            kind = {"table": "table", "vertical": "vertical"}.get(b.kind, "box")
            items.append(SlideItem(kind, block=b))
        k += 1
    return items


@dataclass
class Slide:
    title: TextLine | None = None
    placed: list[tuple[float, float, Unit]] = field(default_factory=list)  # (top, x-offset, unit)
    cursor: float = SLIDE_CONTENT_TOP

    @property
    def fill(self) -> float:
        return (self.cursor - SLIDE_CONTENT_TOP) / (SLIDE_CONTENT_BOTTOM - SLIDE_CONTENT_TOP)


def chip_units(chips: list[TextLine], width: float, page_h: float) -> list[Unit]:
    """Short labels laid out left to right in stroked boxes (diagram nodes); one unit per row."""
    pad = 6.0
    rows: list[list[tuple[TextLine, float]]] = [[]]
    used = 0.0
    for tl in chips:
        w = min(text_width(tl.chars, SLIDE_CHIP) + 2 * pad + 2, width)
        if used + w > width and rows[-1]:
            rows.append([])
            used = 0.0
        rows[-1].append((tl, w))
        used += w + 8
    h = SLIDE_CHIP * 1.3 + 2 * pad

    def make(row: list[tuple[TextLine, float]]) -> Unit:
        def draw(c: Canvas, x: float, top: float, w: float) -> None:
            cx = x
            for tl, cw in row:
                c.setFillColor(BOX_FILL)
                c.setStrokeColor(ACCENT)
                c.setLineWidth(0.8)
                c.roundRect(cx, page_h - top - h, cw, h, 4, stroke=1, fill=1)
                chunk = wrap(tl.chars, cw - 2 * pad, SLIDE_CHIP)[0]
                draw_text(c, cx + pad, page_h - top - pad - SLIDE_CHIP * 1.05, chunk, SLIDE_CHIP,
                          shadow=tl.shadow)
                cx += cw + 8
        return Unit(h + 6, draw)
    return [make(r) for r in rows]


def header_unit(tl: TextLine, width: float, page_h: float) -> Unit:
    lines = wrap(tl.chars, width - 2 * BOX_PAD, SLIDE_HEAD)
    lead = SLIDE_HEAD * 1.35
    h = len(lines) * lead + 8

    def draw(c: Canvas, x: float, top: float, w: float) -> None:
        c.setFillColor(HEADER_FILL)
        c.rect(x - BOX_PAD, page_h - top - h, w + 2 * BOX_PAD, h, stroke=0, fill=1)
        for k, chunk in enumerate(lines):
            draw_text(c, x, page_h - top - 4 - SLIDE_HEAD * 1.05 - k * lead, chunk, SLIDE_HEAD,
                      ACCENT, bold=True, shadow=tl.shadow)
    return Unit(h + 4, draw)


def subtitle_unit(tl: TextLine, width: float, page_h: float) -> Unit:
    size = 21.0
    lines = wrap(tl.chars, width, size)

    def draw(c: Canvas, x: float, top: float, w: float) -> None:
        for k, chunk in enumerate(lines):
            draw_text(c, x, page_h - top - size * 1.1 - k * size * 1.3, chunk, size, ACCENT,
                      bold=True, shadow=tl.shadow)
    return Unit(len(lines) * size * 1.3 + 6, draw)


def paginate_slides(items: list[SlideItem], W: float, H: float) -> list[Slide]:
    inner = W - 2 * SLIDE_MARGIN - 2 * BOX_PAD
    slides: list[Slide] = [Slide()]

    def new_slide(title: TextLine | None = None) -> Slide:
        if not slides[-1].placed and slides[-1].title is None:
            slides[-1].title = title
        else:
            slides.append(Slide(title=title))
        return slides[-1]

    def place_group(units: list[Unit], framed: bool, header: Unit | None = None) -> None:
        """Place header+units as one box, splitting across slides if needed."""
        pending = ([header] if header else []) + units
        while pending:
            s = slides[-1]
            room = SLIDE_CONTENT_BOTTOM - s.cursor - 2 * BOX_PAD
            taken: list[Unit] = []
            used = 0.0
            for u in pending:
                # keep a header with at least its first body unit
                if used + u.height > room:
                    break
                taken.append(u)
                used += u.height
            if header and taken == [header] and len(pending) > 1:
                taken = []
            if not taken:
                if s.placed:
                    new_slide()
                    continue
                taken = [pending[0]]  # a unit taller than a slide: place it anyway
                used = taken[0].height
            pending = pending[len(taken):]
            top = s.cursor
            s.placed.append((top, 0.0, _box_unit(taken, used, framed, H)))
            s.cursor = top + used + 2 * BOX_PAD + ITEM_GAP

    for it in items:
        s = slides[-1]
        if it.kind == "title":
            if s.title is not None and not s.placed:
                # two titles in a row: the second becomes a large subtitle on the same slide
                place_group([subtitle_unit(it.header, inner, H)], framed=False)
            else:
                new_slide(it.header)
            continue
        if it.kind == "maybe_title":
            if s.title is None and not s.placed:
                s.title = it.header
                continue
            if s.fill >= 0.45:
                new_slide(it.header)
                continue
            it = SlideItem("chips", chips=[it.header])
        if it.kind == "chips":
            if s.title is None and not s.placed:  # an untitled slide takes its first label as title
                s.title = it.chips[0]
                continue
            # merge runs of chips placed consecutively into one flowing row group
            place_group(chip_units(it.chips, inner, H), framed=False)
            continue
        header = header_unit(it.header, inner, H) if it.header else None
        assert it.block is not None
        if it.kind == "table":
            units = table_units(it.block.rows, inner, SLIDE_TABLE, H)
        elif it.kind == "vertical":
            units = [vertical_unit(it.block.columns, SLIDE_BODY + 3, H, inner)]
        else:
            units = line_units(it.block.lines, inner, SLIDE_BODY, H)
        place_group(units, framed=True, header=header)
    return [s for s in slides if s.placed or s.title]


def _box_unit(units: list[Unit], height: float, framed: bool, page_h: float) -> Unit:
    def draw(c: Canvas, x: float, top: float, w: float) -> None:
        if framed:
            c.setFillColor(BOX_FILL)
            c.setStrokeColor(ACCENT)
            c.setLineWidth(1.0)
            c.rect(x, page_h - top - height - 2 * BOX_PAD, w, height + 2 * BOX_PAD, stroke=1, fill=1)
        t = top + BOX_PAD
        for u in units:
            u.draw(c, x + BOX_PAD, t, w - 2 * BOX_PAD)
            t += u.height
    return Unit(height + 2 * BOX_PAD, draw)


def merge_chip_items(items: list[SlideItem]) -> list[SlideItem]:
    """Consecutive chip labels flow together in rows (reading order stays left-to-right)."""
    out: list[SlideItem] = []
    for it in items:
        if it.kind == "chips" and out and out[-1].kind == "chips":
            out[-1].chips.extend(it.chips)
        else:
            out.append(it)
    return out


def render_slides(c: Canvas, blocks: list[Block]) -> int:
    W, H = SLIDE_SIZE
    slides = paginate_slides(merge_chip_items(slide_items(blocks)), W, H)
    for s in slides:
        c.setPageSize((W, H))
        # slide chrome: top accent bar and bottom band (graphics only, no text)
        c.setFillColor(ACCENT)
        c.rect(0, H - 8, W, 8, stroke=0, fill=1)
        c.rect(SLIDE_MARGIN, H - 80, W - 2 * SLIDE_MARGIN, 2, stroke=0, fill=1)
        c.setFillColor(HEADER_FILL)
        c.rect(0, 0, W, 14, stroke=0, fill=1)
        if s.title is not None:
            size = SLIDE_TITLE_SIZE
            while text_width(s.title.chars, size) > W - 2 * SLIDE_MARGIN and size > 14:
                size -= 1
            chunk = wrap(s.title.chars, W - 2 * SLIDE_MARGIN, size)
            for k, ln in enumerate(chunk[:2]):
                draw_text(c, SLIDE_MARGIN, H - 30 - size - k * size * 1.2 + (size * 0.6 if len(chunk) > 1 else 0),
                          ln, size, ACCENT, bold=True, shadow=s.title.shadow)
        for top, _, unit in s.placed:
            unit.draw(c, SLIDE_MARGIN, top, W - 2 * SLIDE_MARGIN)
        c.showPage()
    return len(slides)


# --------------------------------------------------------------------------- A4 report

REPORT_MARGIN_X = 62.0
REPORT_TOP = 72.0
REPORT_BOTTOM = A4[1] - 64.0
REPORT_BODY = 10.5
REPORT_TABLE = 8.5
CHAPTER_SIZE = 20.0
SECTION_SIZE = 13.5
TOC_PAGE_RE = re.compile(r"^[\d ]+$")
SECTION_RE = re.compile(r"^\d+\)\s")
CHAPTER_NUM_RE = re.compile(r"^(\d+[．.])\s*(.+)$")


def find_toc(blocks: list[Block]) -> tuple[int, dict[str, str]]:
    """Index of the table-of-contents block (tab rows ending in page numbers) and a map
    from chapter title to its numbered form ("販路開拓支援活動" -> "2．販路開拓支援活動")."""
    for n, b in enumerate(blocks):
        if b.kind == "table" and all(TOC_PAGE_RE.match(r[-1]) for r in b.rows):
            chapters = {}
            for r in b.rows:
                m = CHAPTER_NUM_RE.match(r[0])
                chapters[m.group(2) if m else r[0]] = r[0]
            return n, chapters
    return -1, {}


class ReportWriter:
    """Flows units down A4 pages, adding running header and page-number footer."""

    def __init__(self, c: Canvas, header: str):
        self.c = c
        self.header = header
        self.W, self.H = A4
        self.width = self.W - 2 * REPORT_MARGIN_X
        self.page_no = 0
        self.cursor = REPORT_TOP
        self.open = False

    def start_page(self) -> None:
        if self.open:
            self.finish_page()
        self.c.setPageSize(A4)
        self.page_no += 1
        self.cursor = REPORT_TOP
        self.open = True

    def finish_page(self) -> None:
        c, W, H = self.c, self.W, self.H
        if self.page_no > 1:  # no furniture on the cover
            draw_text(c, REPORT_MARGIN_X, H - 40, schars(self.header), 8, Color(0.35, 0.35, 0.35))
            c.setStrokeColor(Color(0.5, 0.5, 0.5))
            c.setLineWidth(0.5)
            c.line(REPORT_MARGIN_X, H - 46, W - REPORT_MARGIN_X, H - 46)
            footer = schars(f"- {self.page_no} -")
            draw_text(c, (W - text_width(footer, 9)) / 2, 34, footer, 9)
        c.showPage()
        self.open = False

    def add(self, units: list[Unit], min_space: float = 0.0, gap_after: float = 0.0) -> None:
        """Place units in order; a page break may fall between any two units.
        min_space: start a new page unless this much room is left (keeps a heading
        together with the first lines that follow it)."""
        if not self.open:
            self.start_page()
        if min_space and self.cursor + min_space > REPORT_BOTTOM and self.cursor > REPORT_TOP:
            self.start_page()
        for u in units:
            if self.cursor + u.height > REPORT_BOTTOM and self.cursor > REPORT_TOP:
                self.start_page()
            u.draw(self.c, REPORT_MARGIN_X, self.cursor, self.width)
            self.cursor += u.height
        self.cursor += gap_after

    def space(self, h: float) -> None:
        self.cursor += h


def render_report(c: Canvas, blocks: list[Block], doc: DocSpec) -> int:
    W, H = A4
    toc_idx, chapters = find_toc(blocks)
    rw = ReportWriter(c, doc.title)
    width = rw.width

    # cover: every block before the table of contents, centred, large
    rw.start_page()
    cover_end = max(toc_idx - 1, 0) if toc_idx > 0 else 0
    top = 250.0
    for b in blocks[:cover_end]:
        for tl in b.lines:
            size = 30.0 if top < 320 else 16.0
            for chunk in wrap(tl.chars, width, size):
                draw_text(c, (W - text_width(chunk, size)) / 2, H - top, chunk, size, ACCENT, bold=size > 20)
                top += size * 1.6
        top += 24
    rw.finish_page()

    body = blocks[cover_end:]
    first_chapter = True
    for b in body:
        text = b.single_text() if b.kind == "para" else ""
        if b.kind == "table" and b is (blocks[toc_idx] if toc_idx >= 0 else None):
            rw.add(toc_units(b.rows, width, H), gap_after=12)
        elif text and text in chapters:
            if not first_chapter or rw.cursor > REPORT_TOP:
                rw.start_page()  # chapters start on a new page
            first_chapter = False
            rw.add([chapter_unit(chapters[text], width, H)])
        elif text and (SECTION_RE.match(text) or text in ("目 次", "目次")):
            size = SECTION_SIZE
            units = [Unit(size * 1.9, _heading_draw(wrap(b.lines[0].chars, width, size)[0], size, H))]
            rw.add(units, min_space=units[0].height + REPORT_BODY * 1.7 * 3)
        elif b.kind == "table":
            rw.add(table_units(b.rows, width, REPORT_TABLE, H), gap_after=10)
        elif b.kind == "vertical":
            rw.add([vertical_unit(b.columns, REPORT_BODY + 2, H, width)], gap_after=6)
        else:
            rw.add(line_units(b.lines, width, REPORT_BODY, H, lead=1.7), gap_after=7)
    rw.finish_page()
    return rw.page_no


def _heading_draw(chunk: list[SChar], size: float, page_h: float) -> DrawFn:
    def draw(c: Canvas, x: float, top: float, w: float) -> None:
        c.setFillColor(ACCENT)
        c.rect(x, page_h - top - size * 1.35, 4, size * 1.1, stroke=0, fill=1)
        draw_text(c, x + 9, page_h - top - size * 1.2, chunk, size, black, bold=True)
    return draw


def chapter_unit(title: str, width: float, page_h: float) -> Unit:
    size = CHAPTER_SIZE

    def draw(c: Canvas, x: float, top: float, w: float) -> None:
        draw_text(c, x, page_h - top - size * 1.3, schars(title), size, ACCENT, bold=True)
        c.setStrokeColor(ACCENT)
        c.setLineWidth(1.5)
        c.line(x, page_h - top - size * 1.75, x + w, page_h - top - size * 1.75)
    return Unit(size * 2.8, draw)


def toc_units(rows: list[list[str]], width: float, page_h: float) -> list[Unit]:
    """Table of contents as title ....... page (dot leaders are drawn, not typed)."""
    size = 12.0
    units: list[Unit] = []
    for row in rows:
        title, page = row[0], row[-1]

        def draw(c: Canvas, x: float, top: float, w: float, title=title, page=page) -> None:
            base = page_h - top - size * 1.3
            draw_text(c, x + 20, base, schars(title), size)
            pw = text_width(page, size)
            draw_text(c, x + w - 20 - pw, base, schars(page), size)
            c.setDash(1, 3)
            c.setLineWidth(0.8)
            c.line(x + 28 + text_width(title, size), base + 2, x + w - 26 - pw, base + 2)
            c.setDash()
        units.append(Unit(size * 2.0, draw))
    return units


# --------------------------------------------------------------------------- driver

def register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(font_path())))


def seed_file(seeds: Path, doc_id: str) -> Path:
    matches = sorted(seeds.glob(f"{doc_id}_*.txt"))
    if len(matches) != 1:
        raise SystemExit(f"expected one seed for {doc_id} in {seeds}, found {matches}")
    return matches[0]


def build_doc(doc: DocSpec, seeds: Path, out: Path) -> dict:
    src = seed_file(seeds, doc.id)
    blocks = parse_seed(src.read_text(encoding="utf-8"))
    doc_id = f"{doc.id}_{doc.slug}"
    path = out / f"{doc_id}.pdf"
    c = Canvas(str(path), invariant=1, pageCompression=1)
    c.setTitle(doc.title)
    c.setAuthor(doc.publisher)
    c.setSubject(f"policyqa demo corpus, rendered from {src.name}")
    c.setCreator("policyqa corpus/build_corpus.py")
    pages = render_slides(c, blocks) if doc.layout == "slides" else render_report(c, blocks, doc)
    c.save()
    return {"id": doc.id, "doc_id": doc_id, "file": path.name, "title": doc.title,
            "publisher": doc.publisher, "date": doc.date, "source_text": src.name,
            "pages": pages, "layout": doc.layout}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    register_font()
    catalogue = [build_doc(doc, args.seeds, args.out) for doc in DOCS]
    (args.out / "catalogue.json").write_text(
        json.dumps(catalogue, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for entry in catalogue:
        size = (args.out / entry["file"]).stat().st_size
        print(f"{entry['file']}: {entry['pages']} pages, {size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
