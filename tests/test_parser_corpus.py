"""The parser on the bundled corpus (corpus/00N_*.pdf)."""
from __future__ import annotations

import re

import pytest

from tests.conftest import CORPUS

from ingest.parser import parse_pdf


def _doc(prefix: str):
    hits = sorted(CORPUS.glob(f"{prefix}_*.pdf"))
    if not hits:
        pytest.skip(f"corpus/{prefix}_*.pdf not built")
    return parse_pdf(hits[0])


def _text(doc) -> str:
    return "\n".join(b.text for p in doc.pages for b in p.blocks)


def test_003_vertical_label_one_phrase():
    text = _text(_doc("003"))
    assert "単独での研究開発" in text
    # The neighbouring label, set the same way, loses no glyph either.
    assert "大学・研究機関等の連携" in text


def test_003_fullwidth_digits():
    t = _text(_doc("003"))
    assert "10,700社" in t and "１０，７００社" not in t


def test_001_titles_not_doubled():
    doc = _doc("001")
    for p in doc.pages:
        for b in p.blocks:
            if b.kind == "heading" and len(b.text) >= 4:
                h = len(b.text) // 2
                assert not (len(b.text) % 2 == 0 and b.text[:h] == b.text[h:]), b.text


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_no_halfwidth_katakana(prefix):
    t = _text(_doc(prefix))
    assert not re.search("[\uFF65-\uFF9F]", t)


def test_004_table_cell():
    doc = _doc("004")
    tables = [b for p in doc.pages for b in p.blocks if b.kind == "table" and "企業訪問回数" in b.text]
    assert tables
    cells = tables[0].cells
    col = cells[0].index("企業訪問回数")
    assert cells[1][col] == "498"


def test_004_furniture_and_headings():
    doc = _doc("004")
    texts = [b.text for p in doc.pages[1:] for b in p.blocks]
    assert not any(re.fullmatch(r"[-‐ー]?\s*\d{1,3}\s*[-‐ー]?", t) for t in texts)
    heads = {b.text: b.level for p in doc.pages for b in p.blocks if b.kind == "heading"}
    chapter = heads.get("2.販路開拓支援活動")
    section = next((lv for t, lv in heads.items() if t.startswith("5) 異分野進出")), None)
    assert chapter and section and chapter < section


def test_004_running_header_is_dropped():
    import pdfplumber

    path = sorted(CORPUS.glob("004_*.pdf"))[0]
    with pdfplumber.open(path) as pdf:
        # What the PDF itself prints in the top band of each inner page: the running header.
        bands = [p.crop((0, 0, p.width, p.height * 0.06)).extract_text().strip() for p in pdf.pages[1:]]
        height = pdf.pages[1].height
    header = max(set(bands), key=bands.count)
    assert header and bands.count(header) >= len(bands) // 2, "the corpus lost its running header"
    doc = _doc("004")
    for page in doc.pages[1:]:
        for b in page.blocks:
            assert b.bbox.top > height * 0.06, (page.number, b.text)
    squashed = lambda s: re.sub(r"\s+", "", s)
    assert not any(squashed(b.text) == squashed(header) for p in doc.pages[1:] for b in p.blocks)


def test_000_bullets_drawn_as_shapes_start_their_own_blocks():
    """000 draws its bullet marks as filled squares, not text; each bullet is still its own block."""
    texts = [b.text for p in _doc("000").pages for b in p.blocks]
    assert any(t.startswith("経済産業局の職員") for t in texts)
    assert not any("推進経済産業局" in t for t in texts)
