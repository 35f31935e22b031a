"""The Streamlit app's pages, driven through streamlit.testing's AppTest against a real index.

The index directory reaches the app through $POLICYQA_INDEX (what `policyqa app --index DIR`
sets for the server it starts).
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest

pytest.importorskip("streamlit", reason="streamlit not installed: pip install -e '.'")
from streamlit.testing.v1 import AppTest  # noqa: E402

APP = Path(__file__).resolve().parents[1] / "qa_app" / "app.py"
QUESTION = "Which clusters use sales partners?"
TIMEOUT = 180   # the first answer loads the models


def open_app(index_dir: Path, monkeypatch) -> AppTest:
    """The app on `index_dir`, first run done and clean (what `policyqa app --index DIR` serves)."""
    monkeypatch.setenv("POLICYQA_INDEX", str(index_dir))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def app(corpus_index, monkeypatch) -> AppTest:
    return open_app(corpus_index, monkeypatch)


def plain(markdown: str) -> str:
    """What the pages' escaped Markdown shows: backslash escapes undone."""
    return re.sub(r"\\(.)", r"\1", markdown)


def texts(at: AppTest) -> str:
    return plain("\n".join([m.value for m in at.markdown] + [c.value for c in at.caption]
                           + [w.value for w in at.warning] + [b.label for b in at.button]))


def ask(at: AppTest, question: str) -> float:
    at.text_input(key="question").input(question)
    submit = next(b for b in at.button if b.label.startswith("質問する"))
    t0 = time.perf_counter()
    submit.click().run()
    assert not at.exception, at.exception
    return time.perf_counter() - t0


# ---------------------------------------------------------------- 質問 / Ask


def test_ask_answers_with_citations_and_shows_the_page(app):
    first = ask(app, QUESTION)
    body = texts(app)
    assert "TOHOKU ものづくりコリドー" in body
    cites = [b for b in app.button if b.label.startswith("[")]
    assert any("ベストプラクティス集" in b.label for b in cites), [b.label for b in cites]
    answer = app.session_state["history"][-1]["answer"]
    assert any(c.doc_id.startswith("004_") for c in answer.citations)
    # the citation to 004 that names TOHOKU, opened: the highlighted page is shown
    tohoku = next(b for b in cites if "TOHOKU" in b.label)
    tohoku.click().run()
    assert not app.exception, app.exception
    assert len(app.image) >= 1
    assert any("p." in plain(cap) for img in app.image for cap in img.captions)
    assert any("セールspartner" in m.value and "**" in m.value for m in app.markdown)   # quote marked in context
    labels = [b.label for b in app.get("download_button")]
    assert any("PDF" in lab for lab in labels) and any("CSV" in lab for lab in labels) \
        and any("Markdown" in lab for lab in labels), labels

    second = ask(app, "セールスパートナーを活用しているクラスターは？")
    assert "TOHOKU ものづくりコリドー" in texts(app)
    print(f"\nanswer times through AppTest: first {first * 1000:.0f} ms, second {second * 1000:.0f} ms "
          "(the embedder is already warm in this process: the corpus_index fixture's ingest loaded it; "
          "tests/test_app_browser.py measures a cold server)")
    print("engine-side times (ms):", [round(h["ms"]) for h in app.session_state["history"]])

    # the earlier answer can be re-opened from the history
    again = next(b for b in app.button if b.key == "history_0")
    again.click().run()
    assert app.session_state["current"] == 0
    assert plain(app.subheader[0].value) == QUESTION


def test_unanswerable_question_shows_refusal_and_closest_passages(app):
    # The euro did not exist in 1987: any answer is wrong, so an answer fails this test.
    ask(app, "What was the exchange rate of the yen to the euro in 1987?")
    answer = app.session_state["history"][-1]["answer"]
    assert not answer.answerable, f"answered a question with no true answer: {answer.answer}"
    assert app.warning, "the refusal is shown as a warning"
    assert any(e.label.startswith("関連する箇所") for e in app.expander)


def test_evidence_export(corpus_index):
    import csv

    from qa_app.engine import AnswerEngine
    from qa_app.views.shared import evidence_csv, evidence_markdown

    with AnswerEngine(corpus_index) as engine:
        answer = engine.ask(QUESTION)
    rows = list(csv.DictReader(io.StringIO(evidence_csv(answer).decode("utf-8-sig"))))
    assert list(rows[0]) == ["n", "quote", "title", "doc_id", "page", "section", "subject"]
    assert any(r["doc_id"].startswith("004_") and "セールspartner" in r["quote"] for r in rows)
    md = evidence_markdown(answer).decode("utf-8")
    assert "「産業クラスター計画ベストプラクティス集」 p." in md


# ---------------------------------------------------------------- 資料 / Browse


def test_browse_catalogue_sections_and_kwic(app):
    app.switch_page("views/browse.py").run()
    assert not app.exception, app.exception
    catalogue = app.dataframe[0].value
    assert len(catalogue) == 5
    assert set(catalogue["publisher"]) >= {"経済産業省", "文部科学省"}
    sections = app.dataframe[1].value
    assert len(sections) > 1 and sections["page"].min() >= 1

    app.text_input(key="kwic_query").input("セールspartner").run()
    hits = [m.value for m in app.markdown if "**セールspartner**" in m.value]
    assert hits and any("004_cluster_best_practices_2010" in plain(c.value) for c in app.caption)

    # a document filter that excludes 004 leaves no hit
    app.multiselect(key="kwic_docs").set_value(["000_industrial_cluster_formation"]).run()
    assert not [m.value for m in app.markdown if "**セールspartner**" in m.value]


def test_kwic_normalises_the_query(corpus_index):
    from index.store import ChunkStore
    from qa_app.browse import kwic

    with ChunkStore(corpus_index) as store:
        chunks = list(store.chunks())
    half_width = kwic(chunks, "ｸﾗｽﾀｰ")            # half-width katakana meets the clean text
    assert half_width and len(half_width) == len(kwic(chunks, "クラスター"))
    hit = kwic(chunks, "セールSPARTNER")[0]          # Latin letters match whatever their case
    assert hit.doc_id.startswith("004_") and len(hit.left) <= 40 and len(hit.right) <= 40


# ---------------------------------------------------------------- 取り込み / Add documents


def small_pdf(text: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from tests.test_app_hostile import jp_font      # matplotlib-fontja's IPAexGothic

    pdfmetrics.registerFont(TTFont("IPAexGothic", str(jp_font())))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("IPAexGothic", 16)
    c.drawString(72, 760, "北陸センサークラスターの取り組み")
    c.setFont("IPAexGothic", 11)
    for i, line in enumerate(text.split("\n")):
        c.drawString(72, 720 - 18 * i, line)
    c.showPage()
    c.save()
    return buf.getvalue()


GOOD = "北陸センサークラスターでは、MEMS設計の技術者を育成している。\n地域の大学と中小企業が共同で試作ラインを運営している。"


def test_upload_function_rejects_non_pdfs_and_ingests_pdfs(tmp_path):
    from index.store import ChunkStore
    from qa_app.uploads import add_uploads, safe_filename

    index = tmp_path / "index"
    out = add_uploads([("notes.pdf", b"just text, not a PDF"), ("../../北陸 センサー(案).PDF", small_pdf(GOOD))],
                      index)
    assert [o.status for o in out] == ["rejected", "added"]
    assert "not a PDF" in out[0].reason
    assert out[1].saved_as == safe_filename("北陸 センサー(案).PDF") == "北陸_センサー_案.pdf"
    assert (index / "uploads" / "北陸_センサー_案.pdf").exists()
    with ChunkStore(index) as store:
        before = {d.doc_id: d.chunks for d in store.documents()}
    assert before.get("北陸_センサー_案", 0) >= 1

    # a different file under the same name is not silently overwritten; a corrupt PDF loses nothing
    out = add_uploads([("北陸_センサー_案.pdf", small_pdf(GOOD + "\n追加の一文。")),
                       ("broken.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50)], index)
    assert out[0].status == "added" and out[0].saved_as == "北陸_センサー_案-2.pdf", out[0]
    assert "already exists" in out[0].reason
    assert out[1].status == "failed" and out[1].reason
    assert not (index / "uploads" / "broken.pdf").exists()
    with ChunkStore(index) as store:
        after = {d.doc_id: d.chunks for d in store.documents()}
    assert after["北陸_センサー_案"] == before["北陸_センサー_案"]
    assert "broken" not in after

    # too large, and empty
    from qa_app.uploads import MAX_UPLOAD_BYTES, check_upload
    assert "too large" in check_upload("big.pdf", b"%PDF-" + b"0" * MAX_UPLOAD_BYTES)
    assert check_upload("empty.pdf", b"") == "empty file"


def test_upload_page_ingests_and_makes_documents_searchable(tmp_path, monkeypatch):
    index = tmp_path / "index"
    monkeypatch.setenv("POLICYQA_INDEX", str(index))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("views/upload.py").run()
    assert not at.exception, at.exception
    at.file_uploader[0].set_value([("hokuriku.pdf", small_pdf(GOOD), "application/pdf"),
                                   ("fake.pdf", b"<html>not a pdf</html>", "application/pdf")]).run()
    ingest_button = next(b for b in at.button if b.key == "upload_go")
    ingest_button.click().run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    status = dict(zip(table["file"], table["status"]))
    assert status == {"hokuriku.pdf": "added", "fake.pdf": "rejected"}, status
    assert "not a PDF" in " ".join(table["reason / note"])

    # searchable at once: KWIC on the browse page, and the answer engine
    at.switch_page("views/browse.py").run()
    assert len(at.dataframe[0].value) == 1
    at.text_input(key="kwic_query").input("MEMS").run()
    assert any(plain(c.value).startswith("hokuriku ·") for c in at.caption)
    at.switch_page("views/ask.py").run()
    ask(at, "MEMS設計の技術者を育成しているのはどこ？")
    answer = at.session_state["history"][-1]["answer"]
    assert any(p.chunk.doc_id == "hokuriku" for p in answer.passages)
