"""The fidelity report (eval/bench_parse.py): its reference reads the PDF's glyphs, and it runs end to end."""
from __future__ import annotations

from eval import bench_parse

from tests.conftest import real_pdf


def test_reference_finds_notes_marks_and_page_turns_from_glyphs():
    ref = bench_parse.reference(real_pdf("mext_st_whitepaper_r6_ch2.pdf"))
    assert 10.0 <= ref.body_size <= 11.0
    # the notes at the foot of the columns are numbered, small and carry URLs
    assert len(ref.notes) >= 10
    assert sum("https://" in n for _, n in ref.notes) >= 5
    # superscript marks sit after a word, with body text on both sides
    assert ref.marks and all(m.isdigit() for _, m, _ in ref.marks)
    assert ref.turns


def test_report_runs_on_a_small_file(capsys):
    assert bench_parse.main([str(real_pdf("pdfminer_jo_vertical.pdf"))]) == 0
    out = capsys.readouterr().out
    assert "ours / pypdf / PyMuPDF" in out and "pdfminer_jo_vertical" in out


def test_latin_words_count_only_when_one_line_of_glyphs_spells_them():
    # pypdf runs two table cells together ("associationORGANIZATION"); the glyphs set them apart
    path = real_pdf("pdfminer_nlp2004slides.pdf")
    ref = bench_parse.reference(path)
    assert "association" in ref.glyph_text and "associationORGANIZATION" not in ref.glyph_text
    pypdf = bench_parse.read_pypdf(path)
    assert "associationORGANIZATION" in pypdf.text
    assert bench_parse.latin_lost(bench_parse.read_ours(path), pypdf.text, ref) == []


def test_page_turns_are_found_by_the_columns_gutter_not_the_page_middle():
    # the chapter's pages sit off-centre in their media box: p.3's right column starts left of
    # the page's middle, so its last line is not the one 「…の進展や、」 that opens a paragraph
    ref = bench_parse.reference(real_pdf("mext_st_whitepaper_r6_ch1.pdf"))
    assert [p for p, _, _ in ref.turns] == [2, 4]
    assert ref.turns[1][1:] == ("より、高精", "度な画像生")
