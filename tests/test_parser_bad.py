"""Bad files: each raises BadPdf with a reason, or flags the page; never anything else."""
from __future__ import annotations

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from tests.conftest import corpus_pdf

from ingest.parser import BadPdf, parse_pdf


def _reason(path) -> str:
    with pytest.raises(BadPdf) as ei:
        parse_pdf(path)
    assert ei.value.reason
    return ei.value.reason


def _good_pdf():
    """A bundled corpus PDF: a real, readable file to spoil."""
    return corpus_pdf("002")


def test_not_a_pdf(tmp_path):
    p = tmp_path / "notes.pdf"
    p.write_text("just some text, not a PDF\n" * 20)
    assert "not a PDF" in _reason(p)


def test_zero_bytes(tmp_path):
    p = tmp_path / "empty.pdf"
    p.write_bytes(b"")
    assert "empty" in _reason(p)


def test_truncated(tmp_path):
    data = _good_pdf().read_bytes()
    p = tmp_path / "half.pdf"
    p.write_bytes(data[: len(data) // 2])
    assert "truncated" in _reason(p)


def test_garbage_after_header(tmp_path):
    p = tmp_path / "junk.pdf"
    p.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 50 + b"\n%%EOF\n")
    _reason(p)


def test_encrypted(tmp_path):
    w = PdfWriter(clone_from=PdfReader(_good_pdf()))
    w.encrypt(user_password="secret", owner_password="owner")
    p = tmp_path / "locked.pdf"
    with open(p, "wb") as f:
        w.write(f)
    assert "encrypted" in _reason(p)


def _image_pdf(path, pages=1, text_page=None):
    from PIL import Image
    img = Image.new("RGB", (200, 100), (200, 30, 30))
    c = canvas.Canvas(str(path))
    for i in range(pages):
        c.drawImage(ImageReader(img), 100, 500, 200, 100)
        if text_page == i:
            c.drawString(100, 400, "Some readable text on this page")
        c.showPage()
    c.save()


def test_image_only(tmp_path):
    p = tmp_path / "scan.pdf"
    _image_pdf(p)
    assert "image-only" in _reason(p)


def test_image_page_flagged_in_mixed_file(tmp_path):
    p = tmp_path / "mixed.pdf"
    _image_pdf(p, pages=2, text_page=1)
    doc = parse_pdf(p)
    assert doc.pages[0].status == "image_only" and doc.pages[0].warnings
    assert doc.pages[1].status == "ok"
    assert any(w.startswith("p.1") for w in doc.warnings)


def test_blank_pages_only(tmp_path):
    p = tmp_path / "blank.pdf"
    c = canvas.Canvas(str(p))
    c.showPage()
    c.save()
    assert "no extractable text" in _reason(p)


def test_garbled_cid_page(tmp_path):
    """A Type0 font without ToUnicode: pdfminer can only say (cid:NN)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))
    p = tmp_path / "cid.pdf"
    c = canvas.Canvas(str(p))
    c.setFont("HeiseiKakuGo-W5", 14)
    c.drawString(72, 700, "産業クラスター計画の概要と成果について説明します")
    c.showPage()
    c.setFont("Helvetica", 12)
    c.drawString(72, 700, "A normal page of text.")
    c.showPage()
    c.save()
    doc = parse_pdf(p)
    # either pdfminer maps the CID font (ok) or the page is flagged: never garbage as text
    first = doc.pages[0]
    if first.status == "garbled":
        assert first.warnings and not first.blocks
    else:
        assert "(cid:" not in " ".join(b.text for b in first.blocks)
    assert doc.pages[1].status == "ok"


def test_a_file_over_its_parse_budget_skips_pages_and_says_so():
    """The budget is CPU time of the parsing process, so a busy machine parses the same pages as a
    quiet one; a file with every page over budget has no text and is reported, not indexed empty."""
    full = parse_pdf(_good_pdf())
    assert not any("time budget" in w for w in full.warnings)
    with pytest.raises(BadPdf, match="no extractable text"):
        parse_pdf(_good_pdf(), time_budget=0.0)
