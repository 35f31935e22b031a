"""Quote highlighting on the real corpus: citations are built from the real
ingest (chunks, their sentences and line boxes) and every highlight is checked
against the characters pdfplumber finds under its boxes."""

from __future__ import annotations

import numpy as np
import pdfplumber
import pytest

from ingest.chars import collapse_shadows, is_garbage, visible_chars
from ingest.normalise import normalise
from ingest.records import BBox
from qa_app.highlight import Highlight, citation_highlights, render_page
from tests.conftest import corpus_pdf

P003 = corpus_pdf("003")
P004 = corpus_pdf("004")


@pytest.fixture(scope="module")
def chunks(corpus_index):
    """The real ingest's chunks of 003 and 004, from the session's corpus index (no second ingest)."""
    from index.store import ChunkStore

    with ChunkStore(corpus_index) as store:
        return [c for c in store.chunks() if c.doc_id[:3] in ("003", "004")]


@pytest.fixture(scope="module")
def pdfs():
    opened = {"003": pdfplumber.open(P003), "004": pdfplumber.open(P004)}
    yield opened
    for pdf in opened.values():
        pdf.close()


def squash(text: str) -> str:
    return "".join(normalise(text).split())


def sentences(chunks, doc: str):
    """(chunk, quote) for every sentence of the document's chunks, in reading order."""
    out = []
    for c in chunks:
        if c.doc_id.startswith(doc):
            for s, e in c.sentences or [(0, len(c.text))]:
                if c.text[s:e].strip():
                    out.append((c, c.text[s:e]))
    return out


def page_chars(pdf, page_no: int):
    page = pdf.pages[page_no - 1]
    return collapse_shadows([c for c in visible_chars(page) if not is_garbage(c["text"])])


def chars_in(chars, box: BBox, tol: float = 0.5):
    return [c for c in chars
            if box.x0 - tol <= (c["x0"] + c["x1"]) / 2 <= box.x1 + tol
            and box.top - tol <= (c["top"] + c["bottom"]) / 2 <= box.bottom + tol]


def read_back(pdf, page_no: int, boxes: list[BBox]) -> str:
    """What pdfplumber shows under the boxes: chars by position, shadows collapsed, normalised, no spaces."""
    chars = page_chars(pdf, page_no)
    out = []
    for b in boxes:
        inside = chars_in(chars, b)
        tall = (b.bottom - b.top) > 1.5 * (b.x1 - b.x0) and len(inside) > 1
        inside.sort(key=(lambda c: c["top"]) if tall else (lambda c: c["x0"]))
        out.append("".join(c["text"] for c in inside))
    return squash("".join(out))


def quote_without_markdown(quote: str) -> str:
    lines = [ln for ln in quote.split("\n") if set(ln.replace(" ", "")) - set("|-")]
    return squash("\n".join(lines)).replace("|", "")


def inside(inner: BBox, outer: BBox, tol: float = 0.5) -> bool:
    return (inner.x0 >= outer.x0 - tol and inner.top >= outer.top - tol
            and inner.x1 <= outer.x1 + tol and inner.bottom <= outer.bottom + tol)


def quote_boxes(pdf_path, page_no: int, boxes: list[BBox], quote: str) -> Highlight:
    """The highlight of a quote whose line boxes all lie on one page."""
    highlights = citation_highlights(pdf_path, [(page_no, b) for b in boxes], quote)
    assert list(highlights) == [page_no], highlights
    return highlights[page_no]


def by_page(line_boxes):
    out: dict[int, list[BBox]] = {}
    for p, b in line_boxes:
        out.setdefault(p, []).append(b)
    return out


# ---------------------------------------------------------------- horizontal text


def test_quote_across_a_line_break_is_boxed_from_mid_line_to_mid_line(chunks, pdfs):
    """Find, independently of the module, a sentence that starts mid-line and runs
    onto a later line: each line box's own text (chars sorted left to right) tells
    where the sentence starts and ends."""
    chosen = None
    for c, q in sentences(chunks, "004"):
        pages = by_page(c.line_boxes)
        if len(pages) != 1:
            continue
        page_no, boxes = next(iter(pages.items()))
        chars = page_chars(pdfs["004"], page_no)
        texts = [squash("".join(ch["text"] for ch in sorted(chars_in(chars, b), key=lambda ch: ch["x0"])))
                 for b in boxes]
        joined = "".join(texts)
        at = joined.find(squash(q))
        if at < 0:
            continue
        starts = [sum(map(len, texts[:i])) for i in range(len(texts))]
        first = max(i for i, s in enumerate(starts) if s <= at)
        end = at + len(squash(q))
        last = max(i for i, s in enumerate(starts) if s < end)
        if at > starts[first] and last > first and end < starts[last] + len(texts[last]):
            chosen = (c, q, page_no, boxes, first, last)
            break
    assert chosen, "no sentence in 004 starts mid-line and ends mid-line on a later line"
    c, q, page_no, boxes, first, last = chosen
    touched = boxes[first:last + 1]

    h = quote_boxes(P004, page_no, touched, q)
    assert isinstance(h, Highlight) and h.exact and not h.partial
    assert len(h.boxes) == len(touched), (q, h.boxes, touched)
    for got, line in zip(h.boxes, touched):
        assert inside(got, line)
    assert h.boxes[0].x0 > touched[0].x0 + 5, "the quote starts mid-line: its box must start right of the line's"
    assert h.boxes[-1].x1 < touched[-1].x1 - 5, "the quote ends mid-line: its box must end left of the line's"
    union = h.boxes[0]
    for b in h.boxes[1:]:
        union = union.union(b)
    line_union = touched[0]
    for b in touched[1:]:
        line_union = line_union.union(b)
    assert inside(union, line_union)
    assert read_back(pdfs["004"], page_no, h.boxes) == squash(q)

    # the chunk's full list of line boxes (a superset) finds the same boxes
    assert quote_boxes(P004, page_no, boxes, q).boxes == h.boxes


def test_thirty_sentences_of_004_read_back_exactly(chunks, pdfs):
    """The key exactness test: the characters under the boxes are the quote."""
    all_sentences = [(c, q) for c, q in sentences(chunks, "004") if len(by_page(c.line_boxes)) == 1]
    step = max(1, len(all_sentences) // 30)
    sample = all_sentences[::step][:30]
    assert len(sample) == 30
    failures = []
    multi_line = 0
    for c, q in sample:
        page_no, boxes = next(iter(by_page(c.line_boxes).items()))
        h = quote_boxes(P004, page_no, boxes, q)
        want = quote_without_markdown(q) if c.text.startswith("|") else squash(q)
        got = read_back(pdfs["004"], page_no, h.boxes)
        if not h.exact or got != want:
            failures.append((c.chunk_id, page_no, q[:40], got[:40], h.note))
        multi_line += len(h.boxes) > 1
    assert not failures, failures
    assert multi_line >= 5, "the sample should exercise quotes over line breaks"


def test_sales_partner_sentence_highlights_exactly(chunks, pdfs):
    found = [(c, q) for c, q in sentences(chunks, "004") if "セールspartner" in q]
    assert found
    for c, q in found:
        page_no, boxes = next(iter(by_page(c.line_boxes).items()))
        h = quote_boxes(P004, page_no, boxes, q)
        assert h.exact
        assert read_back(pdfs["004"], page_no, h.boxes) == squash(q)
        # the garble is there on the page, under a box
        assert "セールspartner" in h.text


# ---------------------------------------------------------------- vertical text, tables, page turns


def test_vertical_label_in_003_gets_tall_narrow_boxes(chunks, pdfs):
    quote = "単独での研究開発"
    c = next(c for c in chunks if c.doc_id.startswith("003") and quote in c.text)
    highlights = citation_highlights(P003, c.line_boxes, quote)
    assert list(highlights) == [3]
    h = highlights[3]
    assert h.exact and len(h.boxes) == 2           # 単独での | 研究開発, two columns
    for b in h.boxes:
        assert b.bottom - b.top > 3 * (b.x1 - b.x0), b
    assert h.boxes[0].x0 > h.boxes[1].x1, "vertical columns read right to left"
    assert read_back(pdfs["003"], 3, h.boxes) == quote


def _pages_of(c, s: int, e: int) -> list[int]:
    return sorted({p for (p, _), (ls, le) in zip(c.line_boxes, c.line_spans) if ls < e and le > s})


def test_quote_over_a_page_turn_is_split_by_page(chunks, pdfs):
    # the first whole sentence of 003 that the parser carries over a page turn
    c, q, pages = next((c, c.text[s:e], _pages_of(c, s, e)) for c in chunks if c.doc_id.startswith("003")
                       for s, e in c.sentences if len(_pages_of(c, s, e)) == 2 and c.text[s:e].endswith("。"))
    highlights = citation_highlights(P003, c.line_boxes, q)
    assert sorted(highlights) == pages and all(h.exact and h.partial for h in highlights.values())
    assert "".join(read_back(pdfs["003"], p, highlights[p].boxes) for p in pages) == squash(q)
    # each page's part is the quote's head and tail, in order
    assert highlights[pages[0]].text + highlights[pages[1]].text == squash(q)


def test_table_cell_quote_is_boxed_inside_its_cell(chunks, pdfs):
    c = next(c for c in chunks if c.doc_id.startswith("004") and "企業訪問回数" in c.text and "498" in c.text)
    page_no, boxes = next(iter(by_page(c.line_boxes).items()))
    # the cell under 企業訪問回数, from pdfplumber's own table finder
    table = next(t for t in pdfs["004"].pages[page_no - 1].find_tables() if "企業訪問回数" in str(t.extract()))
    rows = table.extract()
    col = rows[0].index("企業訪問回数")
    r = next(i for i, row in enumerate(rows) if row[col] == "498")
    cell = BBox(*table.rows[r].cells[col])

    h = quote_boxes(P004, page_no, boxes, "498")
    assert h.exact and len(h.boxes) == 1
    assert inside(h.boxes[0], cell), (h.boxes, cell)
    assert read_back(pdfs["004"], page_no, h.boxes) == "498"
    # a quote in Markdown form (as the chunk holds it) covers one box per cell
    row_quote = c.text.split("\n")[2]
    h_row = quote_boxes(P004, page_no, boxes, row_quote)
    assert h_row.exact and len(h_row.boxes) == len(rows[r])
    assert read_back(pdfs["004"], page_no, h_row.boxes) == quote_without_markdown(row_quote)


def test_unlocatable_quote_falls_back_to_line_boxes(chunks):
    c, q = sentences(chunks, "004")[5]
    page_no, boxes = next(iter(by_page(c.line_boxes).items()))
    h = quote_boxes(P004, page_no, boxes, "この文は文書のどこにもない")
    assert not h.exact and h.boxes == boxes and h.note


# ---------------------------------------------------------------- rendering


def test_render_page_paints_only_the_boxes(chunks):
    c, q = next((c, q) for c, q in sentences(chunks, "004") if "セールspartner" in q)
    page_no, boxes = next(iter(by_page(c.line_boxes).items()))
    h = quote_boxes(P004, page_no, boxes, q)
    res = 110
    plain = render_page(P004, page_no, [], resolution=res)
    lit = render_page(P004, page_no, h.boxes, resolution=res)
    with pdfplumber.open(P004) as pdf:
        w, ht = float(pdf.pages[page_no - 1].width), float(pdf.pages[page_no - 1].height)
    assert abs(lit.width - w * res / 72) <= 1 and abs(lit.height - ht * res / 72) <= 1
    assert lit.size == plain.size

    a = np.asarray(plain).astype(int)
    b = np.asarray(lit).astype(int)
    scale = lit.width / w
    mask = np.zeros(a.shape[:2], bool)
    for box in h.boxes:
        x0, y0 = int(box.x0 * scale) - 2, int(box.top * scale) - 2
        x1, y1 = int(box.x1 * scale) + 3, int(box.bottom * scale) + 3
        mask[max(y0, 0):y1, max(x0, 0):x1] = True
        inner = (slice(int(box.top * scale) + 2, int(box.bottom * scale) - 1),
                 slice(int(box.x0 * scale) + 2, int(box.x1 * scale) - 1))
        pa, pb = a[inner], b[inner]
        assert (pb != pa).any(axis=2).mean() > 0.95, "every pixel inside a box is tinted"
        # yellow: paper stays bright in red and green and loses blue
        paper = (pa >= 250).all(axis=2)
        assert paper.mean() > 0.3
        lit_paper = pb[paper]
        assert (lit_paper[:, 0] >= 240).all() and (lit_paper[:, 1] >= 200).all()
        assert (lit_paper[:, 2] <= 200).all()
        assert (pa[..., 2] - pb[..., 2]).mean() > 40
    assert (a[~mask] == b[~mask]).all(), "pixels outside the boxes are untouched"
    # the cached plain render was not drawn on
    assert (np.asarray(render_page(P004, page_no, [], resolution=res)) == a).all()


def test_half_width_voiced_kana_are_matched_through_their_combining_marks():
    """001 writes ﾃｸﾉﾌﾞﾘｯｼﾞ: ﾌ + ﾞ compose to ブ only together, so one char alone
    does not normalise to what the clean text holds. (Parser and chunker run
    directly here: the embedding step has no bearing on the boxes.)"""
    from ingest.chunker import chunk_document
    from ingest.parser import parse_pdf

    p001 = corpus_pdf("001")
    _, chunks001 = chunk_document(parse_pdf(p001))
    quotes = [(c, c.text[s:e]) for c in chunks001 for s, e in c.sentences
              if any(w in c.text[s:e] for w in ("テクノブリッジ", "ペンシルバニア", "サポーティング"))]
    with pdfplumber.open(p001) as pdf:
        def half_width_marks(c) -> bool:
            return any(ch["text"] in "\uff9e\uff9f" for p, box in c.line_boxes
                       for ch in chars_in(pdf.pages[p - 1].chars, box))
        quotes = [(c, q) for c, q in quotes if half_width_marks(c)]
        assert len(quotes) >= 3
        for c, q in quotes:
            highlights = citation_highlights(p001, c.line_boxes, q)
            assert highlights and all(h.exact for h in highlights.values()), q
            got = "".join(read_back(pdf, p, highlights[p].boxes) for p in sorted(highlights))
            assert got == squash(q)
