"""Parser fidelity report: what a reader would notice in the passages, counted per document,
for our parser side by side with pypdf and PyMuPDF in the same run (prints figures; not a test).

    .venv/bin/python -m eval.bench_parse [PDF or folder ...] [--out FILE.json]

By default it reads every PDF in ``../shared/realpdfs`` and ``corpus/``.

What is right is decided from the PDF's glyphs (pdfplumber's characters: their
sizes, positions and baselines), independently of any parser's reading, so the
three parsers are measured against one reference:

* **heading sentence/number** — our heading blocks that end in 「。」, hold a
  sentence inside (「。」 before the end), or are a bare number. The peers
  produce no headings (—).
* **Latin words lost** — distinct Latin words of 6+ letters in pypdf's text
  (and spelt by the glyphs of one line with no word break inside, so neither
  pypdf's misdecoded fonts nor two table cells it runs together, as in
  "associationORGANIZATION", count) that are not in the parser's text (our
  blocks and footnotes).
  pypdf's own column is 0 by definition.
* **superscript inline** — glyphs of a footnote-mark shape (digits, ※ * † ‡)
  set smaller than, and on a baseline raised above, the glyph right before
  them: counted when the text holds the mark glued to its neighbours instead
  of the neighbours joined without it.
* **footnote in body** — the notes at the foot of a page or column: lines in a
  small size, below every body-size line above them, the first numbered. For
  us, a note counted when its text is inside a chunk's text (it belongs in
  ``Chunk.footnotes``); for the peers, which have no chunks, when body text of
  the page follows it (the note interrupts the running text).
* **page-turn breaks** — the last body-size line of a page that fills its
  column (found by the gutter between the columns' lines; at least 8 ems wide,
  so no slide item or table cell), is no caption (「■第1-2-3表…」) and does
  not end a sentence, and the first body-size line of the
  next page when it starts with a letter (not a bullet or a number): counted when no
  chunk (for the peers, no text) holds the two joined.

Times are each parser's wall time per document in this run (ours: ``parse_pdf``
only). Figures are indicative: other work may share the machine.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from rich.console import Console
from rich.table import Table

from .metrics import save_figures

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INPUTS = [ROOT.parent / "shared" / "realpdfs", ROOT / "corpus"]

MARK = re.compile(r"^[0-9０-９*＊※†‡]$")
# a note opens with its number; a number glued to a Latin letter is a quantity (「100B」「5G」), not a mark
NUMBERED = re.compile(r"^[\s　]*([0-9０-９]{1,3}(?![0-9０-９A-Za-zＡ-Ｚａ-ｚ]|[.,，．][0-9０-９])|[*＊※†‡]|注)")
BARE_NUMBER = re.compile(r"^[\s0-9０-９,.，．%％+\-−–]+$")
LATIN = re.compile(r"[A-Za-z]{6,}")
# a figure's or table's caption: a mark, then its number (「■第1-2-3表/…」): a title, no running text
CAPTION = re.compile(r"^[■□◆◇●○▼▽]*第?[0-9０-９]+([-‐－ー][0-9０-９]+)*[図表]")
FINAL = tuple("。．.！!？?」』）):：")
METRICS = ["heading_bad", "latin_lost", "sup_inline", "footnote_in_body", "page_turn_broken"]
HEADERS = {"heading_bad": "heading sentence/number", "latin_lost": "Latin words lost",
           "sup_inline": "superscript inline", "footnote_in_body": "footnote in body",
           "page_turn_broken": "page-turn breaks"}


def squash(text: str) -> str:
    """NFKC and no whitespace: how texts are compared (parsers differ in spaces and widths)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


# ---------------------------------------------------------------- the reference, from glyphs


@dataclass
class RefLine:
    page: int
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float


@dataclass
class Reference:
    body_size: float
    marks: list[tuple[str, str, str]] = field(default_factory=list)        # (before, mark, after)
    notes: list[tuple[int, str]] = field(default_factory=list)             # (page, note text)
    turns: list[tuple[int, str, str]] = field(default_factory=list)        # (page, tail, head)
    body_by_page: dict[int, str] = field(default_factory=dict)             # squashed body-size text
    glyph_text: str = ""               # every glyph line, word breaks kept: the words the PDF holds


def _visible(page: Any) -> list[dict]:
    x0, top, x1, bottom = page.bbox
    return [c for c in page.chars if c.get("text") and x0 - 1 <= (c["x0"] + c["x1"]) / 2 <= x1 + 1
            and top - 1 <= (c["top"] + c["bottom"]) / 2 <= bottom + 1]


def _join_glyphs(run: list[dict]) -> str:
    """Glyphs left to right, with a space where the gap is wider than a quarter em (a word break
    the PDF draws by position rather than with a space glyph)."""
    out = []
    for k, ch in enumerate(run):
        if k and not ch["text"].isspace() and not run[k - 1]["text"].isspace() \
                and ch["x0"] - run[k - 1]["x1"] > 0.25 * ch["size"]:
            out.append(" ")
        out.append(ch["text"])
    return "".join(out)


def _lines(chars: list[dict], page_no: int) -> list[RefLine]:
    """Upright glyphs grouped by baseline and size, split at gaps wider than 1.5 em."""
    rows: dict[tuple[int, float], list[dict]] = defaultdict(list)
    for c in chars:
        if c.get("upright", True):
            rows[(round(c["bottom"]), round(c["size"], 1))].append(c)
    out = []
    for (_, size), cs in rows.items():
        cs.sort(key=lambda c: c["x0"])
        run: list[dict] = []
        for c in cs + [None]:  # type: ignore[list-item]
            if c is None or (run and c["x0"] - run[-1]["x1"] > 1.5 * size):
                ink = "".join(ch["text"] for ch in run).strip()
                if ink:
                    out.append(RefLine(page_no, _join_glyphs(run), run[0]["x0"],
                                       min(ch["top"] for ch in run), run[-1]["x1"],
                                       max(ch["bottom"] for ch in run), size))
                run = []
            if c is not None:
                run.append(c)
    return out


def _gutter(lines: list[RefLine], x0: float, x1: float) -> float | None:
    """Where two columns of running text part: the widest x gap no column-wide line crosses,
    in the middle half of the page; None for one column. (The page's middle is not it: a
    white paper's pages sit off-centre in their media box, alternately left and right.)"""
    narrow = sorted((ln.x0, ln.x1) for ln in lines if ln.x1 - ln.x0 <= 0.6 * (x1 - x0))
    if len(narrow) < 4:
        return None
    best: tuple[float, float] | None = None
    hi = narrow[0][1]
    for a, b in narrow[1:]:
        if a > hi and x0 + 0.25 * (x1 - x0) < (hi + a) / 2 < x1 - 0.25 * (x1 - x0):
            if best is None or a - hi > best[1] - best[0]:
                best = (hi, a)
        hi = max(hi, b)
    return None if best is None else (best[0] + best[1]) / 2


def _word_end(ch: str) -> bool:
    """A mark follows a word: a letter, a figure-less CJK character or a closing bracket, not a bullet."""
    return not MARK.match(ch) and (unicodedata.category(ch[:1] or " ")[0] in "LN" or ch in "」』）)]")


def _marks(chars: list[dict]) -> list[tuple[str, str, str]]:
    """Superscript footnote marks: a mark-shaped glyph, smaller, raised, right after a glyph."""
    ink = [c for c in chars if not c["text"].isspace() and c.get("upright", True)]
    out = []
    i = 1
    while i < len(ink):
        c, p = ink[i], ink[i - 1]
        s = p["size"] or 1.0
        if (MARK.match(c["text"]) and c["size"] <= 0.9 * s and c["bottom"] < p["bottom"] - 0.2 * s
                and -0.2 * s <= c["x0"] - p["x1"] <= 0.6 * s and _word_end(p["text"])):
            j = i
            while j + 1 < len(ink) and MARK.match(ink[j + 1]["text"]) and abs(ink[j + 1]["bottom"] - c["bottom"]) < 0.2 * s:
                j += 1
            mark = "".join(x["text"] for x in ink[i:j + 1])
            before = "".join(x["text"] for x in ink[max(0, i - 3):i]
                             if abs(x["bottom"] - p["bottom"]) < 0.3 * s)
            after = "".join(x["text"] for x in ink[j + 1:j + 4]
                            if abs(x["bottom"] - p["bottom"]) < 0.3 * s and x["size"] > 0.9 * s)
            out.append((before, mark, after))
            i = j + 1
            continue
        i += 1
    return out


def _notes(lines: list[RefLine], body: float, page_no: int) -> list[tuple[int, str]]:
    """The notes at the foot of a page or column: small lines under all body text above them."""
    small = sorted((ln for ln in lines if ln.size < 0.85 * body), key=lambda ln: ln.top)
    big = [ln for ln in lines if ln.size >= 0.95 * body]
    starts = []
    for ln in small:
        above = [b for b in big if b.x1 > ln.x0 and b.x0 < ln.x1]
        if not NUMBERED.match(ln.text) or not above:
            continue
        if ln.top > max(b.bottom for b in above) and not any(b.top > ln.top for b in above):
            starts.append(ln)
    notes = []
    for k, st in enumerate(starts):
        nxt = [s for s in starts if s.top > st.top + 0.5 and s.x0 < st.x1 and s.x1 > st.x0]
        end = min((s.top for s in nxt), default=float("inf"))
        body_lines = [ln for ln in small if st.top - 0.5 <= ln.top < end - 0.5
                      and ln.x1 > st.x0 - 2 and ln.x0 < st.x1 + 40 and ln.x0 >= st.x0 - 2]
        text = "".join(ln.text for ln in sorted(body_lines, key=lambda ln: (ln.top, ln.x0)))
        text = NUMBERED.sub("", text, count=1)
        if len(squash(text)) >= 6:
            notes.append((page_no, text))
    return notes


def reference(path: Path) -> Reference:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        pages = []
        sizes: Counter[float] = Counter()
        for page in pdf.pages:
            chars = _visible(page)
            pages.append((page, chars))
            for c in chars:
                if not c["text"].isspace():
                    sizes[round(c["size"] * 2) / 2] += 1
        body = sizes.most_common(1)[0][0] if sizes else 10.0
        ref = Reference(body)
        last_first: list[tuple[RefLine | None, RefLine | None]] = []
        for n, (page, chars) in enumerate(pages, 1):
            ref.marks += _marks(chars)
            lines = _lines(chars, n)
            ref.glyph_text += unicodedata.normalize("NFKC", "\n".join(ln.text for ln in lines)) + "\n"
            ref.notes += _notes(lines, body, n)
            x0, top, x1, bottom = page.bbox
            h, mid = bottom - top, (x0 + x1) / 2
            in_body = [ln for ln in lines if abs(ln.size - body) <= 0.6
                       and top + 0.08 * h < ln.top and ln.bottom < bottom - 0.08 * h]
            running = [ln for ln in in_body if len(squash(ln.text)) >= 4]
            ref.body_by_page[n] = squash("".join(ln.text for ln in sorted(running, key=lambda ln: (ln.top, ln.x0))))

            gutter = _gutter(running, x0, x1)

            def col(ln: RefLine) -> int:
                return 0 if gutter is None or ln.x1 - ln.x0 > 0.6 * (x1 - x0) or ln.x0 < gutter else 1
            # the last line may be short (「上場。」 wrapped alone ends the paragraph); the first is not
            last = max(in_body, key=lambda ln: (col(ln), ln.bottom), default=None)
            first = min(running, key=lambda ln: (col(ln), ln.top), default=None)
            if last is not None and last.x1 - last.x0 < 8 * last.size:
                last = None    # a running-text column is wider than a slide's item or a table's cell
            if last is not None:
                # a sentence runs on only from a line that fills its column, and not from a
                # figure's or table's caption
                right = max((ln.x1 for ln in running if col(ln) == col(last)), default=last.x1)
                if last.x1 < right - 1.5 * last.size or CAPTION.match(squash(last.text)):
                    last = None
            last_first.append((last, first))
        for n in range(len(last_first) - 1):
            last, _ = last_first[n]
            _, first = last_first[n + 1]
            if last is None or first is None:
                continue
            tail, head = squash(last.text), squash(first.text)
            if tail.endswith(FINAL) or NUMBERED.match(head) or not head[:1].isalnum():
                continue
            ref.turns.append((n + 1, tail[-5:], head[:5]))
    return ref


# ---------------------------------------------------------------- the parsers' readings


@dataclass
class Reading:
    """One parser's output for one document."""
    seconds: float
    pages: list[str]                       # text per page
    passages: list[str] | None = None      # our chunk texts (None for the peers)
    extra: str = ""                        # our footnotes, text outside the chunks' body
    headings: list[str] | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.pages) + "\n" + self.extra


def read_ours(path: Path) -> Reading:
    from ingest import chunk_document, parse_pdf

    t = time.perf_counter()
    doc = parse_pdf(path)
    seconds = time.perf_counter() - t
    _, chunks = chunk_document(doc)
    pages = ["\n".join(b.text for b in p.blocks) for p in doc.pages]
    notes = [n for c in chunks for n in getattr(c, "footnotes", [])]
    heads = [b.text for p in doc.pages for b in p.blocks if b.kind == "heading"]
    return Reading(seconds, pages, [c.text for c in chunks], "\n".join(notes), heads)


def read_pypdf(path: Path) -> Reading:
    from pypdf import PdfReader

    t = time.perf_counter()
    pages = [(p.extract_text() or "") for p in PdfReader(path).pages]
    return Reading(time.perf_counter() - t, pages)


def read_pymupdf(path: Path) -> Reading:
    import pymupdf

    t = time.perf_counter()
    with pymupdf.open(path) as d:
        pages = [p.get_text("text", sort=True) for p in d]
    return Reading(time.perf_counter() - t, pages)


PARSERS: dict[str, Callable[[Path], Reading]] = {"ours": read_ours, "pypdf": read_pypdf, "pymupdf": read_pymupdf}


# ---------------------------------------------------------------- counting


def count_headings(r: Reading) -> int | None:
    if r.headings is None:
        return None
    return sum(1 for h in r.headings if h.strip().endswith("。") or "。" in h.strip()[:-1] or BARE_NUMBER.match(h))


def latin_lost(r: Reading, pypdf_text: str, ref: Reference) -> list[str]:
    # only words the glyphs spell: a font pypdf decodes differently yields letters, not words
    words = {w for w in LATIN.findall(unicodedata.normalize("NFKC", pypdf_text)) if w in ref.glyph_text}
    mine = unicodedata.normalize("NFKC", r.text)
    squashed = squash(mine)   # pypdf runs words together ("associationORGANIZATION"); a space is no loss
    return sorted(w for w in words if w not in mine and w not in squashed)


def sup_inline(r: Reading, ref: Reference) -> list[str]:
    texts = [squash(t) for t in (r.passages if r.passages is not None else ["\n".join(r.pages)])]
    out = []
    for before, mark, after in ref.marks:
        b, m, a = squash(before), squash(mark), squash(after)
        if not b:
            continue
        if a and any(b + a in t for t in texts):
            continue
        if any(b + m in t or (a and m + a in t) for t in texts):
            out.append(before + "[" + mark + "]" + after)
    return out


def footnotes_in_body(r: Reading, ref: Reference) -> list[str]:
    out = []
    for page_no, note in ref.notes:
        frag = squash(note)[:12]
        if r.passages is not None:
            # a note we hold as a footnote may also be printed in the body (a figure's source line)
            if frag not in squash(r.extra) and any(frag in squash(t) for t in r.passages):
                out.append(note)
            continue
        page = squash(r.pages[page_no - 1]) if page_no - 1 < len(r.pages) else ""
        at = page.find(frag)
        if at < 0:
            continue
        rest = page[at + len(squash(note)):]
        body = ref.body_by_page.get(page_no, "")
        if len(rest) >= 6 and rest[:6] in body:
            out.append(note)
    return out


def page_turns(r: Reading, ref: Reference) -> list[str]:
    texts = [squash(t) for t in r.passages] if r.passages is not None else [squash("".join(r.pages))]
    return [f"p.{p}: {tail}|{head}" for p, tail, head in ref.turns if not any(tail + head in t for t in texts)]


def measure(path: Path) -> dict:
    ref = reference(path)
    readings = {name: fn(path) for name, fn in PARSERS.items()}
    pypdf_text = readings["pypdf"].text
    out: dict = {"pages": len(readings["pypdf"].pages), "body_size": ref.body_size,
                 "reference": {"marks": len(ref.marks), "notes": len(ref.notes), "turns": len(ref.turns)}}
    for name, r in readings.items():
        lost = latin_lost(r, pypdf_text, ref)
        sup = sup_inline(r, ref)
        notes = footnotes_in_body(r, ref)
        turns = page_turns(r, ref)
        out[name] = {"seconds": round(r.seconds, 3), "heading_bad": count_headings(r),
                     "latin_lost": len(lost), "sup_inline": len(sup),
                     "footnote_in_body": len(notes), "page_turn_broken": len(turns),
                     "examples": {"latin_lost": lost[:8], "sup_inline": sup[:8],
                                  "footnote_in_body": [n[:40] for n in notes[:5]], "page_turn_broken": turns[:5],
                                  "heading_bad": [h for h in (r.headings or []) if h.strip().endswith("。") or
                                                  "。" in h.strip()[:-1] or BARE_NUMBER.match(h)][:8]}}
    return out


def find_pdfs(inputs: Sequence[Path]) -> list[Path]:
    found = []
    for p in inputs:
        if p.is_dir():
            found += sorted(p.glob("*.pdf"))
        elif p.suffix.lower() == ".pdf" and p.exists():
            found.append(p)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="*", type=Path, help="PDFs or folders (default: ../shared/realpdfs and corpus/)")
    ap.add_argument("--out", type=Path, help="write the figures as JSON")
    ap.add_argument("--examples", action="store_true", help="print what was counted")
    args = ap.parse_args(argv)
    console = Console(width=160)
    pdfs = find_pdfs(args.inputs or DEFAULT_INPUTS)
    if not pdfs:
        console.print("no PDFs found")
        return 1
    figures: dict = {"documents": {}}
    for pdf in pdfs:
        console.print(f"[dim]{pdf.name}[/dim]")
        figures["documents"][pdf.name] = measure(pdf)
    table = Table(title="Parser fidelity: counts per document, ours / pypdf / PyMuPDF (lower is better)")
    table.add_column("document")
    table.add_column("pages", justify="right")
    for m in METRICS:
        table.add_column(HEADERS[m], justify="right")
    table.add_column("seconds", justify="right")
    totals: dict[str, Counter] = {m: Counter() for m in METRICS + ["seconds"]}

    def cell(v: Any) -> str:
        return "—" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))
    for name, f in figures["documents"].items():
        row = [name[:34], str(f["pages"])]
        for m in METRICS + ["seconds"]:
            vals = [f[p][m] for p in PARSERS]
            row.append(" / ".join(cell(v) for v in vals))
            for p in PARSERS:
                totals[m][p] += f[p][m] or 0
        table.add_row(*row)
    table.add_row("total", str(sum(f["pages"] for f in figures["documents"].values())),
                  *[" / ".join(cell(totals[m][p]) if not (m == "heading_bad" and p != "ours") else "—"
                               for p in PARSERS) for m in METRICS + ["seconds"]], style="bold")
    console.print(table)
    figures["totals"] = {m: dict(totals[m]) for m in METRICS + ["seconds"]}
    if args.examples:
        for name, f in figures["documents"].items():
            ex = {k: v for k, v in f["ours"]["examples"].items() if v}
            if ex:
                console.print(f"[bold]{name}[/bold] (ours)")
                for k, v in ex.items():
                    console.print(f"  {k}: {v}")
    save_figures(figures, args.out, console)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
