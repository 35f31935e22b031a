"""The parser on real published PDFs (read from ../shared/realpdfs, never copied)."""
from __future__ import annotations

import re

from tests.conftest import all_text, real_pdf

from ingest.parser import parse_pdf


def test_whitepaper_two_columns_read_column_by_column():
    doc = parse_pdf(real_pdf("mext_st_whitepaper_r6_ch2.pdf"))
    text = all_text(doc)
    # a sentence that wraps down the left column of p.2 comes out whole
    assert "第2次ブームを迎え、大学や民間企業で多くの人材が育てられましたが、実用化の限界が意識され" in text
    assert "大学や民間企業で柱の下" not in text
    # the right column of the same page is intact too
    assert "柱の下、基礎研究を社会実装につなげるための研究開発を進めています。" in text


def test_whitepaper_furniture_and_fullwidth():
    doc = parse_pdf(real_pdf("mext_st_whitepaper_r6_ch2.pdf"))
    texts = [b.text for p in doc.pages for b in p.blocks]
    # page numbers sit at the foot (bbox is in crop-box coordinates: compare with the lowest body line)
    for p in doc.pages:
        lowest = max((b.bbox.bottom for b in p.blocks), default=0)
        nums = [b for b in p.blocks if re.fullmatch(r"\d{1,3}", b.text)]
        assert not any(b.bbox.bottom >= lowest - 1 for b in nums), f"page number on p.{p.number}"
    # running header (printed on every other page) and the margin tab are gone
    assert sum(t.startswith("第1部 AIがもたらす") for t in texts) == 0
    assert not any(t in ("第2章", "第2 章") for t in texts)
    joined = "\n".join(texts)
    assert "AI" in joined and "ＡＩ" not in joined
    assert doc.title.startswith("第2章")


def test_whitepaper_every_page_read():
    # speed is measured by eval/bench_parse.py beside pypdf and PyMuPDF, not asserted here
    doc = parse_pdf(real_pdf("mext_st_whitepaper_r6_ch2.pdf"))
    assert len(doc.pages) == 13 and all(p.blocks for p in doc.pages)


def test_whitepaper_ch1_margin_tab_gone():
    doc = parse_pdf(real_pdf("mext_st_whitepaper_r6_ch1.pdf"))
    for p in doc.pages[1:]:
        for b in p.blocks:
            assert b.text != "第1章", f"margin tab on p.{p.number}"


def test_jo_vertical_poem():
    doc = parse_pdf(real_pdf("pdfminer_jo_vertical.pdf"))
    text = all_text(doc)
    assert "わたくしといふ現象は假定された有機交流電燈の" in text
    assert "宮澤賢治" in text
    assert text.index("わたくしといふ現象は") < text.index("大正十三年一月廿日")
    assert any(b.vertical for b in doc.pages[0].blocks)


def test_kampo_vertical_and_junk_header():
    doc = parse_pdf(real_pdf("pdfminer_kampo_gazette_vertical.pdf"))  # junk digits: must not crash
    text = all_text(doc)
    assert "第一項の表" in text  # a vertical column reads top to bottom


def test_slides_bullets():
    doc = parse_pdf(real_pdf("pdfminer_nlp2004slides.pdf"))
    assert len(doc.pages) == 31
    p2 = doc.pages[1]
    assert p2.blocks[0].kind == "heading" and p2.blocks[0].text == "研究の背景"
    bullets = [b for b in p2.blocks if b.text.startswith(("•", "-"))]
    assert len(bullets) >= 3
    assert all(b.lines and b.lines[0].bbox.x1 > b.lines[0].bbox.x0 for b in p2.blocks)


def test_whitepaper_tables_inside_shaded_boxes_come_out_cell_by_cell():
    # 第1-2-6表 sits in a shaded box below the page head's decoration; its rules alone make the grid.
    doc = parse_pdf(real_pdf("mext_st_whitepaper_r6_ch2.pdf"))
    tables = [b for b in doc.pages[7].blocks if b.kind == "table"]
    assert len(tables) == 1
    cells = tables[0].cells
    assert cells[0][1:] == ["機関名", "課題名", "時期", "ノード数"]
    assert ["株式会社ELYZA", "40"] == [cells[-1][1], cells[-1][-1]]
    assert "第1部" not in tables[0].text      # the running header is not a cell
    # 第1-1-5表 of chapter 1: one row per model, the figure in its own cell.
    doc = parse_pdf(real_pdf("mext_st_whitepaper_r6_ch1.pdf"))
    rows = [r for p in doc.pages for b in p.blocks if b.kind == "table" for r in b.cells]
    assert ["GPT-3", "OpenAI社", "2020", "1,750億"] in [r[:4] for r in rows]
