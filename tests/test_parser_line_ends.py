"""Where a line ends tells a heading, caption or note mark from a wrapped line (issue 9).

Headless Chromium prints our own HTML with every paragraph in the body's size and font,
no space between paragraphs and no indent, as a plainly rendered white paper sets them:
a caption, a bullet heading or a heading closed by a note mark differs from body text only
in ending its line well short of the measure. Before the fix the parser glued each to the
sentence after it (「図表…（出典）…地域の共同研究件数は…」, 「●…38.0%令和3年度末…」,
「電子商取引 82020年」), so the sentence quoted as evidence carried the caption with it.
"""
from __future__ import annotations

import pytest

from tests.conftest import FIXTURES, chromium_pdf

from ingest.chunker import chunk_document
from ingest.parser import parse_pdf


@pytest.fixture(scope="module")
def doc(tmp_path_factory):
    return parse_pdf(chromium_pdf(FIXTURES / "chromium_line_ends.html", tmp_path_factory.mktemp("line_ends")))


@pytest.fixture(scope="module")
def sentences(doc) -> list[str]:
    _text, chunks = chunk_document(doc)
    return [s for c in chunks for s in c.sentence_texts()]


def _blocks(doc) -> list[str]:
    return [b.text for p in doc.pages for b in p.blocks]


def _sentence_with(sentences: list[str], needle: str) -> str:
    found = [s for s in sentences if needle in s]
    assert len(found) == 1, (needle, found)
    return found[0]


def test_caption_and_source_line_are_not_the_next_sentence(doc, sentences):
    s = _sentence_with(sentences, "2021年は4,650件")
    assert s.startswith("地域の共同研究件数は"), s
    assert not any("図表" in b and "共同研究件数は" in b for b in _blocks(doc))


def test_bullet_heading_ends_at_its_line(sentences):
    s = _sentence_with(sentences, "前年度から2.1ポイント上昇")
    assert s.startswith("令和3年度末における"), s
    assert _sentence_with(sentences, "38.0%").endswith("38.0%")


def test_note_mark_closing_a_heading_is_not_glued_to_a_year(sentences):
    s = _sentence_with(sentences, "2兆140億円")
    assert s.startswith("2020年の地域企業"), s
    assert not any("82020" in t for t in sentences)


def test_superscript_mark_after_a_heading_or_a_year(doc, sentences):
    s = _sentence_with(sentences, "1,520億円")
    assert s.startswith("2019年の地域企業"), s
    s = _sentence_with(sentences, "研究開発型の企業は")
    assert "2018年から増え続けており" in s      # the raised mark leaves the year, not glued to it
    marks = {r.mark for p in doc.pages for r in p.note_refs}
    assert {"9", "10"} <= marks


def test_wrapped_sentences_stay_whole(sentences):
    """The fix must not cut a paragraph at its ordinary wrapped lines."""
    for needle in ("取組が続いている。", "地域の雇用を支える役割が大きくなっている。",
                   "信頼関係を築いてきたことによるものである。"):
        s = _sentence_with(sentences, needle)
        assert s[0] in "地産共", s


def test_real_pdfs_keep_wrapped_lines_whole():
    """Published PDFs: the rule keeps text wrapped beside a figure (its lines end at the figure,
    not the column's edge) and a slide's hand-broken lines (ending in a comma or a particle) whole."""
    from tests.conftest import real_pdf

    ch5 = [b.text for p in parse_pdf(real_pdf("mext_st_whitepaper_r6_ch5.pdf")).pages for b in p.blocks]
    assert "(生成AIが生成したテキスト)" in ch5
    assert any("私たちの生活は便利になりました。" in t for t in ch5)
    assert any("AIシステムの暴走によるリスクも指摘されている。" in t for t in ch5)
    slides = [b.text for p in parse_pdf(real_pdf("pdfminer_nlp2004slides.pdf")).pages for b in p.blocks]
    assert any("ある単語が固有表現ならば、その出現頻度は複数の新聞で同期するはず。" in t for t in slides)
    assert any("無作為に抽出した単語 966個をIREXの基準に従い" in t for t in slides)
