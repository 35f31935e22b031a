"""Footnotes and superscript marks: out of the running text, onto the chunk that cites them.

On a PDF printed by headless Chromium from tests/fixtures/chromium_notes.html
(superscript marks after a word, a year and a closing bracket; a numbered note
area at the page foot in small print, one note set in a monospace font with
tight leading) and on the white paper chapters in ../shared/realpdfs.
"""
from __future__ import annotations

import pytest

from eval import bench_parse
from ingest.chunker import chunk_document
from ingest.parser import parse_pdf
from tests.conftest import FIXTURES, all_text, chromium_pdf, real_pdf


@pytest.fixture(scope="module")
def notes_pdf(tmp_path_factory):
    return chromium_pdf(FIXTURES / "chromium_notes.html", tmp_path_factory.mktemp("notes"))


@pytest.fixture(scope="module")
def doc(notes_pdf):
    return parse_pdf(notes_pdf)


@pytest.fixture(scope="module")
def chunks(doc):
    return chunk_document(doc)[1]


def test_superscript_marks_leave_the_sentence(doc):
    text = all_text(doc)
    assert "政府は2021年1月に新たな戦略を定め" in text
    assert "国立情報学研究所(NII)では基盤モデル" in text
    assert "委員会報告も同様の方向" in text
    assert [r.mark for r in doc.pages[0].note_refs] == ["1", "2", "3"]


def test_notes_are_their_own_records_not_body_text(doc):
    notes = doc.pages[0].footnotes
    assert [n.mark for n in notes] == ["1", "2", "3"]
    assert notes[0].text.startswith("内閣府「人工知能戦略の策定について」")
    text = all_text(doc)
    assert "内閣府" not in text and "example" not in text and "Select Committee" not in text


def test_small_print_latin_stays_whole(doc):
    # monospace small print with tight leading lines letters up in columns: still read across
    note = doc.pages[0].footnotes[2].text
    assert "Select Committee on Artificial Intelligence, House of Lords (2018)" in note
    assert "HL Paper 100. See also the Government Response." in note
    assert not any(b.vertical for p in doc.pages for b in p.blocks)


def test_chunk_carries_the_notes_it_cites(chunks):
    citing = [c for c in chunks if "国立情報学研究所" in c.text]
    assert len(citing) == 1
    assert [n.split(" ", 1)[0] for n in citing[0].footnotes] == ["1", "2", "3"]
    assert citing[0].footnotes[1] == "2 National Institute of Informatics https://www.nii.example.jp/"
    # each note is kept once
    all_notes = [n for c in chunks for n in c.footnotes]
    assert len(all_notes) == len(set(all_notes)) == 3


def test_notes_are_the_last_lines_of_the_passage_that_cites_them(doc, chunks):
    """A note qualifies the sentence its mark is on: it is searchable and quotable as part of that passage,
    after its body (never inside a sentence), each of its sentences a sentence of the passage, its box on the page."""
    citing = next(c for c in chunks if "国立情報学研究所" in c.text)
    body, *notes = citing.text.split("\n1 内閣府")
    assert notes, citing.text
    assert citing.text.endswith("HL Paper 100. See also the Government Response.")
    assert "2 National Institute of Informatics https://www.nii.example.jp/" in citing.text.splitlines()
    sentences = citing.sentence_texts()
    assert "See also the Government Response." in sentences[-1] and not sentences[-1].startswith("1 ")
    assert any(s.startswith("1 内閣府「人工知能戦略の策定について」") for s in sentences)
    note_boxes = {(f.page, f.bbox) for f in doc.pages[0].footnotes}
    assert note_boxes <= set(citing.line_boxes)
    at = citing.text.index("2 National")
    assert (1, doc.pages[0].footnotes[1].bbox) in citing.boxes_for(at, at + 10)
    # every other chunk's text is as before: no note in two places
    assert sum("National Institute of Informatics" in c.text for c in chunks) == 1


@pytest.mark.parametrize("name", ["mext_st_whitepaper_r6_ch1.pdf", "mext_st_whitepaper_r6_ch2.pdf",
                                  "mext_st_whitepaper_r6_ch5.pdf"])
def test_whitepaper_notes_and_marks(name):
    path = real_pdf(name)
    ref = bench_parse.reference(path)
    reading = bench_parse.read_ours(path)
    assert bench_parse.sup_inline(reading, ref) == []
    assert bench_parse.footnotes_in_body(reading, ref) == []
    assert bench_parse.page_turns(reading, ref) == []
    doc = parse_pdf(path)
    _, chunks = chunk_document(doc)
    notes = [n for p in doc.pages for n in p.footnotes]
    kept = [n for c in chunks for n in c.footnotes]
    assert len(notes) >= 10 and len(kept) == len(notes)
    assert sum(bool(c.footnotes) for c in chunks) >= 3


def test_footnotes_are_stored_and_printed_by_chunks_json(notes_pdf, tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    from index.pipeline import ingest

    folder = tmp_path / "pdfs"
    folder.mkdir()
    (folder / notes_pdf.name).write_bytes(notes_pdf.read_bytes())
    report = ingest([folder], tmp_path / "index")
    assert not report.failed
    policyqa = str(Path(sys.executable).with_name("policyqa"))
    out = subprocess.run([policyqa, "chunks", "--index", str(tmp_path / "index"), "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert all(isinstance(r["footnotes"], list) for r in records)
    citing = [r for r in records if "国立情報学研究所" in r["text"]]
    assert citing and citing[0]["footnotes"][1] == "2 National Institute of Informatics https://www.nii.example.jp/"


# -- the chart, the headings and the page turn of the same PDF --------------------------


def test_chart_is_one_figure_block_with_its_caption(doc):
    figures = [b for p in doc.pages for b in p.blocks if b.kind == "figure"]
    assert len(figures) == 1
    fig = figures[0]
    assert fig.text.splitlines()[0] == "■第1-1-1図/AI関連論文数の推移"
    for label in ("80,000", "77,031", "2019", "2022", "日本", "米国", "中国", "(件)"):
        assert label in fig.text
    others = [b.text for p in doc.pages for b in p.blocks if b.kind != "figure"]
    assert not any(t in ("0", "2019", "77,031", "日本") or "80,000" in t for t in others)


def test_headings_come_from_typography_and_are_never_sentences_or_numbers(doc):
    heads = [b for p in doc.pages for b in p.blocks if b.kind == "heading"]
    # the drop-shadowed titles are kept, each exactly once
    assert [h.text for h in heads] == ["人工知能政策の現状と展望", "第1節研究開発の動向"]
    assert [h.level for h in heads] == [1, 2]


def test_sentence_continues_across_the_page_turn(chunks):
    joined = [c for c in chunks if "取組としてその成果を広く社会へと届ける仕組みづくりも求められています。" in c.text]
    assert len(joined) == 1
    assert joined[0].page == 1 and joined[0].page_end == 2
    # the notes at the foot of page 1 follow the passage's body; they never come between the turn's two halves
    body = joined[0].text.split("\n1 内閣府")[0]
    assert "1\n" not in body and "内閣府" not in body and body.endswith("関係機関の連携が一層重要になります。")


@pytest.mark.parametrize("name", ["mext_st_whitepaper_r6_ch1.pdf", "mext_st_whitepaper_r6_ch2.pdf",
                                  "mext_st_whitepaper_r6_ch5.pdf", "pdfminer_nlp2004slides.pdf"])
def test_real_headings_are_never_sentences_or_numbers(name):
    reading = bench_parse.read_ours(real_pdf(name))
    assert bench_parse.count_headings(reading) == 0


def test_whitepaper_sentence_continues_past_a_note_tail_and_the_page_turn():
    # p.2 ends its right column mid-sentence; the tail of a note (small print) sits below it
    doc = parse_pdf(real_pdf("mext_st_whitepaper_r6_ch1.pdf"))
    _, chunks = chunk_document(doc)
    joined = [c for c in chunks if "対応付けられ、マルチモーダル性" in c.text]
    assert len(joined) == 1 and joined[0].page_end == joined[0].page + 1


@pytest.mark.parametrize("line, mark", [
    ("1 総務省「通信利用動向調査」", "1"), ("12 出典は同じ", "12"), ("注3 速報値", "注3"), ("※ 企業名は仮名", "※"),
    ("1総務省の調べ", "1"), ("※1 観光地域づくり法人をいう", "※1"),
    ("6か月後に利用状況を確認する", None), ("3年間の実績", None), ("50社が参加した", None), ("2割の企業", None),
])
def test_a_number_glued_to_a_counter_opens_no_note(line, mark):
    from ingest.notes import _OPENS
    m = _OPENS.match(line)
    assert (m.group("mark") if m else None) == mark


def test_a_raised_note_mark_with_its_kanji_leaves_the_sentence():
    # 「…借りられる<sup>注1</sup>。」 in a report printed by Chromium (eval/devdocs): the mark 「注1」 is a
    # superscript like a bare number, and is cited as 注1, the note's own mark.
    from pathlib import Path
    pdf = Path(__file__).resolve().parents[1] / "eval" / "devdocs" / "higashihama_collab_evaluation.pdf"
    doc = parse_pdf(pdf)
    text = all_text(doc)
    assert "通常より0.5%低い金利で借りられる。" in text and "借りられる注1" not in text
    assert "注1" in {r.mark for p in doc.pages for r in p.note_refs}
