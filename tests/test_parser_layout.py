"""Layout rules decided from positions and sizes, on a PDF printed by headless Chromium
from tests/fixtures/chromium_layout.html (and on the white papers in ../shared/realpdfs):

* ruby over a heading's kanji is dropped, as in body text;
* a numbered sub-heading set only one step above the body size (11 against 10.5 pt,
  not bold) is a heading;
* a concept diagram of boxed words without a single number is one figure block, with
  its caption, whether it is captioned or only framed; a list of words that is neither
  stays text;
* a sentence cut at the page foot by such a diagram continues on the next page.
"""
from __future__ import annotations

import pytest

from eval import bench_parse
from ingest.chunker import chunk_document
from ingest.parser import parse_pdf
from tests.conftest import FIXTURES, chromium_pdf, real_pdf


@pytest.fixture(scope="module")
def doc(tmp_path_factory):
    return parse_pdf(chromium_pdf(FIXTURES / "chromium_layout.html", tmp_path_factory.mktemp("layout")))


def _blocks(doc, kind):
    return [b for p in doc.pages for b in p.blocks if b.kind == kind]


def test_ruby_is_dropped_from_a_heading(doc):
    heads = _blocks(doc, "heading")
    assert heads[0].text == "未来を切り拓く研究開発" and heads[0].level == 1
    assert not any("ひら" in b.text for p in doc.pages for b in p.blocks)


def test_numbered_subheading_one_step_above_body_is_a_heading(doc):
    heads = [(h.text, h.level) for h in _blocks(doc, "heading")]
    assert heads[1:] == [("1.行政事務での活用に向けた取組", 2), ("2.行政サービスにおける活用に向けた取組", 2)]


def test_concept_diagrams_without_numbers_are_figures(doc):
    figures = _blocks(doc, "figure")
    assert len(figures) == 2
    captioned, framed = figures
    assert captioned.text.splitlines()[0] == "■第1-1-2図/基盤モデルの概念図"
    for label in ("テキスト", "学習データ", "適応", "物体認識"):
        assert label in captioned.text
    assert framed.page == 2 and set(framed.text.split()) == {"利用者", "窓口", "担当課", "申請", "審査", "通知"}
    others = [b.text for p in doc.pages for b in p.blocks if b.kind != "figure"]
    assert not any(t in ("テキスト", "学習データ", "窓口", "審査") for t in others)
    assert not any("概念図" in t for t in others)


def test_a_list_of_words_stays_text(doc):
    # eight short words in two columns, neither framed nor captioned: not a diagram
    texts = [b.text for p in doc.pages for b in p.blocks if b.kind == "paragraph"]
    assert "北海道" in texts and "九州" in texts


def test_sentence_continues_past_the_diagram_and_the_page_turn(doc):
    _, chunks = chunk_document(doc)
    joined = [c for c in chunks if "サービスを届けることが期待されています。" in c.text]
    assert len(joined) == 1 and (joined[0].page, joined[0].page_end) == (1, 2)
    assert "概念図" not in joined[0].text


def test_whitepaper_numbered_subheadings_and_diagrams():
    doc = parse_pdf(real_pdf("mext_st_whitepaper_r6_ch5.pdf"))
    heads = [b.text for p in doc.pages for b in p.blocks if b.kind == "heading"]
    assert sum(h[:2] in ("1.", "2.", "3.", "4.") for h in heads) == 4
    doc = parse_pdf(real_pdf("mext_st_whitepaper_r6_ch1.pdf"))
    # the concept diagram of 第1-1-2図 (labels over an image in a frame, no numbers) is one figure,
    # and its label 「3次元」 is not read as a footnote numbered 3
    fig = [b for b in doc.pages[2].blocks if b.kind == "figure"]
    assert len(fig) == 1 and fig[0].text.startswith("■第1-1-2図")
    assert not any("次元" in n.text for n in doc.pages[2].footnotes)
    # 第1-1-1図 (a timeline over an image) takes its vertical axis title and its marks, and not the
    # body lines the image is drawn a little over
    fig = [b for b in doc.pages[0].blocks if b.kind == "figure"]
    assert len(fig) == 1 and fig[0].text.startswith("■第1-1-1図") and "取り組みの広がり" in fig[0].text
    paras = [b.text for b in doc.pages[0].blocks if b.kind == "paragraph"]
    assert not any(t in ("☆", "◆", "取り組みの広がり") for t in paras)
    assert any(t.endswith("第1-1-1図の俯瞰図のように、幾度もブームを") for t in paras)
    # 第1-1-7表 (terms and their definitions, under a caption) is a table of prose, not a diagram
    assert not any("用語の解説" in b.text for b in doc.pages[6].blocks if b.kind == "figure")
    assert "コンピュータが入力データからパターンやルールを抽出し" in "\n".join(b.text for b in doc.pages[6].blocks)
    # the sentence cut at p.4's foot by 第1-1-3図 continues on p.5
    _, chunks = chunk_document(doc)
    assert any("などにより、高精度な画像生成が可能" in c.text for c in chunks)


def test_rows_no_rule_parts_are_read_by_baseline(doc):
    # each column of the table is one ruled cell of three lines: line i of every cell is row i
    tables = _blocks(doc, "table")
    assert len(tables) == 1
    assert tables[0].cells == [["スコア", "単語", "種類", "頻度"], ["1.000", "sykesville", "LOCATION", "32"],
                               ["0.912", "rechner", "PERSON", "83"], ["0.843", "yigal", "PERSON", "90"]]


def test_deck_table_rows_keep_their_numbers_apart():
    doc = parse_pdf(real_pdf("pdfminer_nlp2004slides.pdf"))
    rows = [r for p in doc.pages for b in p.blocks if b.kind == "table" for r in (b.cells or [])]
    assert ["1.000", "sykesville", "LOCATION", "3"] in rows
    assert ["0.395", "forestry association", "ORGANIZATION", "73"] in rows
    assert not any("1.0001.000" in c for r in rows for c in r)
