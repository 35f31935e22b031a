"""Public entry point: a PDF file to a ParsedDocument, or BadPdf.

Whole-file failures raise BadPdf with a short reason; anything that goes
wrong on one page is recorded on that page and the rest of the file still parses.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

from .chars import clean_chars_and_marks, garbage_ratio, is_garbage, visible_chars
from .figures import find_figures
from .furniture import find_furniture
from .geometry import centre_inside
from .layout import Item, group_blocks, leaf_lines, reading_order, x_cut
from .unruled import find_unruled_tables
from .normalise import normalise
from .docid import doc_id_for
from .glyphs import text_runs
from .timing import Stopwatch, stage
from .notes import note_refs, split_notes
from .records import Block, Page, ParsedDocument
from .tables import find_tables

MAX_CHARS_PER_PAGE = 150_000   # beyond this a page is a drawing made of glyphs, not text
# Per file, in CPU seconds of the parsing process: the rest of a pathological file is skipped,
# not hung on. CPU time, not wall time, so that a busy machine parses the same pages as a quiet one.
TIME_BUDGET_S = 120.0
GARBLED_SHARE = 0.5


class BadPdf(Exception):
    """The file cannot be read at all; `reason` says why in a few words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _open(path: Path) -> Any:
    try:
        return pdfplumber.open(path)
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise BadPdf("encrypted PDF: a password is needed") from None
    except Exception as e:  # pdfminer raises a zoo of types on broken files
        # pdfplumber wraps pdfminer's errors: look at what is inside
        inner = [e, e.__cause__, e.__context__, *[a for a in e.args if isinstance(a, BaseException)]]
        if any(isinstance(x, (PDFPasswordIncorrect, PDFEncryptionError)) for x in inner) or \
                "password" in str(e).lower() or "encrypt" in repr(e.args).lower():
            raise BadPdf("encrypted PDF: a password is needed") from None
        raise BadPdf(f"corrupt PDF: cannot be opened ({type(e).__name__})") from None


def _bullet_marks(page: Any, body_size: float) -> list[tuple[float, float, float, float]]:
    """Small filled squares and dots: bullets drawn as shapes rather than as text (■ ● in many decks)."""
    if body_size <= 0:
        return []
    marks = []
    for shape in [*page.rects, *page.curves]:
        w, h = shape["x1"] - shape["x0"], shape["bottom"] - shape["top"]
        if shape.get("fill") and 0.8 <= w <= 0.8 * body_size and 0.8 <= h <= 0.8 * body_size and 0.5 <= w / h <= 2:
            marks.append((shape["x0"], shape["top"], shape["x1"], shape["bottom"]))
    return marks


def _frames(page: Any, body_size: float) -> list[tuple[float, float, float, float]]:
    """Drawn rectangles and images big enough to hold a chart: labels inside one belong together."""
    try:
        rects = list(page.rects) + list(page.images)
    except Exception:
        return []
    least = 4 * (body_size or 10.0)
    x0, top, x1, bottom = page.bbox
    # a page background holds everything on the page, so it groups nothing
    most = 0.8 * (x1 - x0) * (bottom - top)
    return [(r["x0"], r["top"], r["x1"], r["bottom"]) for r in rects
            if r["x1"] - r["x0"] >= least and r["bottom"] - r["top"] >= least
            and (r["x1"] - r["x0"]) * (r["bottom"] - r["top"]) < most]


BOXED_LINES = 3    # a frame holding more lines than this, in one column, is a box of text (a コラム), not a band


def _obstacles(page: Any, items: list[Item]) -> list[tuple[float, float, float, float]]:
    """Figures and bars wide enough to interrupt columns; frames holding columns of text are not."""
    x0, top, x1, bottom = page.bbox
    w, h = x1 - x0, bottom - top
    out = []
    try:
        graphics = list(page.images) + list(page.rects)
    except Exception:
        return []
    sizes = sorted(i.size for i in items) or [10.0]
    median = sizes[len(sizes) // 2]
    bar = 3 * median
    for g in graphics:
        gw, gh = g["x1"] - g["x0"], g["bottom"] - g["top"]
        if gw < 0.3 * w or gh > 0.4 * h:
            continue
        # a caption bar is a separator even with its caption inside; a taller frame may box columns, and does when
        # what it holds has a gutter of its own (a slide's message box or title bar holds one line across the page)
        inside = [i for i in items if centre_inside(i, g)]
        if gh > bar and inside and (len(inside) > 1 and x_cut(inside, median) or len(inside) > BOXED_LINES):
            continue
        out.append((g["x0"], g["top"], g["x1"], g["bottom"]))
    return out


def _page_items(page: Any) -> tuple[list[Item], str, list[str], float]:
    """One page to unordered items; returns (items, status, warnings, body size)."""
    warnings: list[str] = []
    try:
        with stage("extract"):  # pdfminer interprets the page lazily, on first access
            raw = visible_chars(page)
            has_images = bool(page.images)
    except Exception as e:
        return [], "empty", [f"page could not be read ({type(e).__name__})"], 0.0
    if len(raw) > MAX_CHARS_PER_PAGE:
        return [], "empty", [f"page skipped: {len(raw)} glyphs is more than a text page holds"], 0.0
    ink = [c for c in raw if not c["text"].isspace()]
    if not ink:
        if has_images:
            return [], "image_only", ["no text layer: the page is an image (needs OCR)"], 0.0
        return [], "empty", ["page has no text"], 0.0
    status = "ok"
    ratio = garbage_ratio(raw)
    if ratio >= GARBLED_SHARE:
        status = "garbled"
        warnings.append(f"text is garbled: {ratio:.0%} of glyphs have no Unicode mapping (cid/private-use)")
    elif ratio > 0.05:
        warnings.append(f"{ratio:.0%} of glyphs have no Unicode mapping and were dropped")
    chars = [c for c in raw if not is_garbage(c["text"])]
    chars, marks = clean_chars_and_marks(chars)
    page._policyqa_marks = marks
    with stage("tables"):
        tables, chars = find_tables(page, chars)
        items: list[Item] = find_unruled_tables(text_runs(chars)) + tables
    body = Counter(round(c["size"] * 2) / 2 for c in chars if not c["text"].isspace()).most_common(1)
    if status == "garbled":
        items = []
    page._policyqa_obstacles = _obstacles(page, items)
    page._policyqa_bullets = _bullet_marks(page, body[0][0] if body else 0.0)
    page._policyqa_frames = _frames(page, body[0][0] if body else 0.0)
    return items, status, warnings, body[0][0] if body else 0.0


_BAD_TITLE = re.compile(r"^(microsoft\s+\w+\s*-|untitled|無題|powerpoint|スライド\s*\d|document\d*$)|\.(docx?|pptx?|xlsx?|pdf|txt|indd|ai|html?|jtd)$", re.I)


def _title(meta: dict[str, Any], blocks: list[Block]) -> str:
    t = meta.get("Title")
    if isinstance(t, bytes):
        t = t.decode("utf-8", "ignore")
    if isinstance(t, str):
        t = normalise(t)
        if len(t) >= 2 and not _BAD_TITLE.search(t) and not any(is_garbage(ch) for ch in t):
            return t
    cands = [b for b in blocks if b.kind not in ("table", "figure") and b.text]
    if not cands:
        return ""
    top = max(b.size for b in cands)
    for b in cands:
        if b.size == top:
            return (b.text if b.kind == "heading" or len(b.lines) == 1 else b.lines[0].text)[:200]
    return ""


_BARE_NUMBER = re.compile(r"^[\s0-9,.%+\-−–()/~①-⑳]+$")
# a contents line ends in the page number it points to, set apart: 「1.産学官金の連携促進活動 4」
_TOC_PAGE = re.compile(r"(\s|[.…・‥]{2,})[0-9]{1,3}$")
# how a section's number opens its heading: 「1.」「(1)」「第2節」「1-2」「①」. Not a bullet: a slide sets
# one list item of several a point larger (「◇東海バイオ…」 among its siblings), and a bullet does not
# say whether the line names a section or is one item of a list
_HEAD_NUMBER = re.compile(r"^\s*([0-9]{1,2}\s*[.．、)]\s*\D|[(（][0-9]{1,2}[)）]|第\s*[0-9一二三四五六七八九十]+\s*[章節項部]|"
                          r"[0-9]{1,2}-[0-9]{1,2}\s*\D|[①-⑳])")


# a quantity in a unit that ends the line, perhaps with the change it made: 「42%減」, 「803件」, 「年14件→1件」
_FIGURE_ENDS = re.compile(r"\d[\d,.]*\s*(?:万|億|兆|千)?(?:%|pt|ポイント|倍|件|円|人|社|名|校|か所|箇所)\s*"
                          r"(?:減|増|削減|増加|減少|上昇|低下|向上|改善)?\s*[)）」』]?$")
_DATE_END = re.compile(r"\d\s*(?:年度?|月|日|年頃)$")          # a year or a date names a section (「2024年度」)
_ASIDE = re.compile(r"\s*[(（][^()（）]*[)）]$")               # 「1,420億円 (2023年、目標 1,600億円)」: the figure's gloss
_POINTER = re.compile(r"[\s▶▷►→⇒➡▼▲△▽↑↓]+$")
# a figure and a word of unit, and nothing else: 「42 地域」, 「約3割」, 「9割」 (never 「1 中国」: a list's number)
_SHORT_UNIT = re.compile(r"^(?:約|およそ)?(?:\d[\d,.]*\d\s*|\d)[^\d\s]{1,2}$|^(?:約|およそ)\d\s*[^\d\s]{1,2}$")


def _key_figure(text: str) -> bool:
    """A short line ending in a quantity (not a numbered heading; an arrow after it aside): a callout's
    figure, not a section's name."""
    text = _POINTER.sub("", text)
    text = _ASIDE.sub("", text) or text
    return len(text) <= 20 and bool(_FIGURE_ENDS.search(text) or _SHORT_UNIT.search(text)) \
        and not _HEAD_NUMBER.match(text) and not _DATE_END.search(text)


def _shares_baseline(b: Block, blocks: list[Block]) -> bool:
    """Another block on the same line: a row of a list or of contents (its page number far right)."""
    return any(o is not b and not o.vertical and abs(o.bbox.bottom - b.bbox.bottom) < 0.3 * b.size
               and (o.bbox.x0 >= b.bbox.x1 or o.bbox.x1 <= b.bbox.x0) for o in blocks)


def _mark_headings(pages: list[Page], body: float) -> None:
    """Headings: clearly bigger than body text, or bold and short; level by size rank."""
    heads: list[Block] = []
    for p in pages:
        for b in p.blocks:
            if b.kind in ("table", "figure") or not b.text:
                continue
            short = len(b.text) <= 80 and len(b.lines) <= 3
            # a heading names a section: never a sentence (「。」), never a bare number or figure value, nor a key
            # figure set large (「作業時間 42%減」, 「2.1%→4.6%」): it states a result, it files nothing under it
            if "。" in b.text or _BARE_NUMBER.match(b.text) or _key_figure(b.text) or len(b.text.strip()) < 2:
                continue   # (nor one character set large: an icon's letter, 「産」 in a circle)
            bigger = b.size >= 1.15 * body
            bold = getattr(b, "_bold", False) and len(b.text) <= 40 and not b.text.endswith("。") and b.size >= 0.95 * body
            # a numbered sub-heading may be set only a little above body size (10.98 against 10.5 pt):
            # one short line, a little bigger, opening with a section number is a heading too
            numbered = (len(b.lines) == 1 and len(b.text) <= 40 and b.size >= 1.03 * body
                        and bool(_HEAD_NUMBER.match(b.text)) and not _TOC_PAGE.search(b.text)
                        and not _shares_baseline(b, p.blocks))
            if short and (bigger or bold or numbered) and not b.vertical:
                b.kind = "heading"
                heads.append(b)
    sizes = sorted({round(b.size * 2) / 2 for b in heads}, reverse=True)
    # bold body-size headings rank after every bigger size
    for b in heads:
        b.level = sizes.index(round(b.size * 2) / 2) + 1
    for p in pages:
        for b in p.blocks:
            if hasattr(b, "_bold"):
                del b._bold  # type: ignore[attr-defined]


def parse_pdf(path: str | Path, time_budget: float = TIME_BUDGET_S) -> ParsedDocument:
    """Parse one PDF into pages of blocks in reading order; raise BadPdf if it cannot be read."""
    watch = Stopwatch()
    started = time.perf_counter()
    with watch.running():
        doc = _parse(Path(path), time_budget)
    doc.timings = dict(watch.seconds)
    doc.timings["layout"] = time.perf_counter() - started - sum(watch.seconds.values())
    return doc


def _parse(path: Path, time_budget: float) -> ParsedDocument:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise BadPdf(f"cannot read file ({e.strerror or type(e).__name__})") from None
    if not data:
        raise BadPdf("empty file (0 bytes)")
    if b"%PDF-" not in data[:1024]:
        raise BadPdf("not a PDF (no %PDF header)")
    if b"%%EOF" not in data[-4096:]:
        raise BadPdf("truncated PDF (no %%EOF at the end)")
    doc = ParsedDocument(str(path), doc_id_for(path), hashlib.sha256(data).hexdigest())
    t0 = time.process_time()
    pdf = _open(path)
    try:
        try:
            plumber_pages = list(pdf.pages)
            meta = dict(pdf.metadata or {})
        except (PDFPasswordIncorrect, PDFEncryptionError):
            raise BadPdf("encrypted PDF: a password is needed") from None
        except BadPdf:
            raise
        except Exception as e:
            raise BadPdf(f"corrupt PDF: page tree unreadable ({type(e).__name__})") from None
        if not plumber_pages:
            raise BadPdf("PDF has no pages")
        all_items: list[list[Item]] = []
        all_obstacles: list[list[tuple[float, float, float, float]]] = []
        all_bullets: list[list[tuple[float, float, float, float]]] = []
        all_frames: list[list[tuple[float, float, float, float]]] = []
        boxes: list[tuple[float, float, float, float]] = []
        sizes: Counter[float] = Counter()
        for i, pp in enumerate(plumber_pages, 1):
            try:
                w, h, box = float(pp.width), float(pp.height), tuple(float(v) for v in pp.bbox)
            except Exception:
                w = h = 0.0
                box = (0.0, 0.0, 0.0, 0.0)
            page = Page(i, w, h)
            if time.process_time() - t0 > time_budget:
                items, status, warns, body = [], "empty", ["page skipped: file exceeded its parse time budget"], 0.0
            else:
                try:
                    items, status, warns, body = _page_items(pp)
                except Exception as e:  # one broken page must not sink the file
                    items, status, warns, body = [], "empty", [f"page could not be parsed ({type(e).__name__})"], 0.0
                finally:
                    try:
                        pp.flush_cache()
                    except Exception:
                        pass
            page.status = status  # type: ignore[assignment]
            page.warnings = warns
            for it in items:
                if it.kind != "table":
                    sizes[round(it.size * 2) / 2] += len(it.chars)
            doc.pages.append(page)
            all_items.append(items)
            all_obstacles.append(getattr(pp, "_policyqa_obstacles", []))
            all_bullets.append(getattr(pp, "_policyqa_bullets", []))
            all_frames.append(getattr(pp, "_policyqa_frames", []))
            page.note_refs = note_refs(getattr(pp, "_policyqa_marks", []), i)
            boxes.append(box)  # type: ignore[arg-type]
        furniture = find_furniture(all_items, boxes)
        body_size = sizes.most_common(1)[0][0] if sizes else 10.0
        for page, items, drop, obstacles, bullets in zip(doc.pages, all_items, furniture, all_obstacles, all_bullets):
            box = boxes[page.number - 1]
            kept, page.footnotes = split_notes(items, body_size, page.number, (box[0] + box[2]) / 2, drop,
                                               all_frames[page.number - 1])
            kept = find_figures(kept, body_size, all_frames[page.number - 1])
            if not kept:
                continue
            page_sizes = Counter()
            for it in kept:
                page_sizes[round(it.size * 2) / 2] += len(it.chars)
            size = page_sizes.most_common(1)[0][0] or body_size
            seq: list[Item] = []
            for leaf in reading_order(kept, size, obstacles):
                seq.extend(leaf_lines(leaf))
            page.blocks = group_blocks(seq, page.number, bullets)
        _mark_headings(doc.pages, body_size)
        for page in doc.pages:
            for wmsg in page.warnings:
                doc.warnings.append(f"p.{page.number}: {wmsg}")
        if not any(p.blocks for p in doc.pages):
            if any(p.status == "image_only" for p in doc.pages):
                raise BadPdf("no extractable text: image-only PDF (needs OCR)")
            if any(p.status == "garbled" for p in doc.pages):
                raise BadPdf("no extractable text: every page is garbled (fonts without Unicode mapping)")
            raise BadPdf("no extractable text on any page")
        doc.title = _title(meta, doc.pages[0].blocks if doc.pages else [])
        return doc
    finally:
        try:
            pdf.close()
        except Exception:
            pass
