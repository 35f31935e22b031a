"""Hostile documents and file names in the app: nothing they hold is ever rendered as markup.

A PDF whose title, heading and sentences carry Markdown images and links, bold,
raw HTML with an ``onerror`` handler and backticks, ingested under a file name
with a backtick and HTML, is asked about, browsed and uploaded through the real
pages (streamlit.testing's AppTest). Every piece of Markdown the pages send is
rendered with a CommonMark parser (markdown-it-py, what rich uses) and must come
out as text: no <img>, <a>, <code> or raw HTML, and the markup visible as typed.
tests/test_app_browser.py checks the same in Chromium with Streamlit's own renderer.
"""

from __future__ import annotations

import html
import importlib.util
import io
import re
from pathlib import Path

import pytest

pytest.importorskip("streamlit", reason="streamlit not installed: pip install -e '.'")
from markdown_it import MarkdownIt  # noqa: E402  (a dependency of rich)
from streamlit.testing.v1 import AppTest  # noqa: E402

from tests.test_app import open_app  # noqa: E402

APP = Path(__file__).resolve().parents[1] / "qa_app" / "app.py"
TIMEOUT = 180

# What a hostile PDF holds. 127.0.0.1:1 is a port nothing listens on: a fetch of it
# is harmless here, and the browser test sees any attempt.
IMG = "![x](http://127.0.0.1:1/p.png)"
LINK = "[link](http://127.0.0.1:1/l)"
BOLD = "**bold**"
TAG = '<img src=x onerror="window.pwned=1">'
TICKS = "`code`"
SHORTCODES = ":smile: :material/home: :red[赤]"     # Streamlit's emoji, icon and colour syntax
TITLE = f"{IMG} {BOLD} {TAG} 北陸の題名"
HEADING = f"{BOLD} 見出し {IMG}"
LINES = [
    f"北陸センサークラスターでは、MEMS設計の技術者を育成している。{IMG}",
    f"地域の大学と中小企業が共同で{BOLD}試作ラインを運営している。{TAG}",
    f"試作の記録は{TICKS}と ``` で残し、{LINK} と http://127.0.0.1:1/auto に置く。",
    f"記号 {SHORTCODES} も文字のまま。",
]
FILE_NAME = "evil`<img src=x onerror=alert(3)>`name.pdf"         # a backtick breaking out of a code span, and HTML
DOC_ID = FILE_NAME[:-4]
UPLOAD_NAME = "up`<img src=x onerror=alert(1)>`.pdf"
QUESTION = "北陸センサークラスターでは何を育成していますか？"
MARKUP = [IMG, LINK, BOLD, TAG, TICKS]


def jp_font() -> Path:
    """IPAexGothic from matplotlib-fontja (a dependency), found without importing it (that touches matplotlib)."""
    spec = importlib.util.find_spec("matplotlib_fontja")
    font = Path(spec.origin).parent / "fonts" / "ipaexg.ttf" if spec is not None else None
    if font is None or not font.exists():
        pytest.fail("matplotlib-fontja's IPAexGothic is missing: pip install -e '.[test]'")
    return font


def hostile_pdf(title: str = TITLE, heading: str = HEADING, lines: list[str] = LINES) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("IPAexGothic", str(jp_font())))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(title)
    c.setFont("IPAexGothic", 18)
    c.drawString(60, 770, heading)
    c.setFont("IPAexGothic", 10)
    for i, line in enumerate(lines):
        c.drawString(60, 730 - 18 * i, line)
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory) -> Path:
    """An index holding one hostile PDF, ingested from a hostile file name (as `policyqa ingest` would)."""
    from index import ingest

    folder = tmp_path_factory.mktemp("hostile_pdfs")
    pdf = folder / FILE_NAME
    pdf.write_bytes(hostile_pdf())
    index = tmp_path_factory.mktemp("hostile_index")
    report = ingest([pdf], index)
    assert not report.failed, [(r.doc_id, r.error) for r in report.failed]
    return index


WORD_JOINER = "\u2060"
GFM_AUTOLINK = re.compile(r"(?i)https?://|\bwww\.|[-.\w+]@[-\w]+\.")
_MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def rendered(at: AppTest) -> list[tuple[str, str]]:
    """(what, HTML) for every piece of Markdown the pages sent: bodies, captions, alerts, labels."""
    sources = [("markdown", m.value) for m in at.markdown]
    sources += [("caption", m.value) for m in at.caption]
    for kind in ("warning", "error", "info", "success", "subheader", "title"):
        sources += [(kind, m.value) for m in getattr(at, kind)]
    sources += [("button", b.label) for b in at.button]
    sources += [("expander", e.label) for e in at.expander]
    sources += [("image caption", c) for img in at.image for c in img.captions if c]
    return [(what, _MD.render(src)) for what, src in sources]


def assert_no_markup(at: AppTest) -> str:
    """No element from the documents' text; returns all the rendered text (tags stripped, entities decoded)."""
    shown = []
    for what, out in rendered(at):
        for tag in ("<img", "<a ", "<code", "<pre", "<script", "<b>", "<h1", "<h2", "<h3", "<ul", "<ol", "<table",
                    "<blockquote><p>&gt;"):
            assert tag not in out, f"{what} renders {tag}: {out[:500]}"
        assert "<strong>bold</strong>" not in out, f"{what} renders **bold** as bold: {out[:500]}"
        text = html.unescape(re.sub(r"<[^>]+>", "", out))
        # what GFM (Streamlit's renderer, not this CommonMark one) would turn into a link after parsing
        assert not GFM_AUTOLINK.search(text), f"{what} holds a bare URL GFM would link: {text[:500]}"
        shown.append(text.replace(WORD_JOINER, ""))    # invisible: it only keeps URLs from being linked
    return "\n".join(shown)


@pytest.fixture
def hostile_app(hostile_index, monkeypatch) -> AppTest:
    return open_app(hostile_index, monkeypatch)


def test_ask_shows_hostile_text_as_text(hostile_app):
    at = hostile_app
    at.text_input(key="question").input(f"{QUESTION} {BOLD} {IMG}")
    next(b for b in at.button if b.label.startswith("質問する")).click().run()
    assert not at.exception, at.exception
    answer = at.session_state["history"][-1]["answer"]
    assert answer.passages, "the one document is retrieved"
    shown = assert_no_markup(at)
    # the question, the title and the passage text are there, markup and all, as typed
    assert f"{QUESTION} {BOLD} {IMG}" in shown
    assert "北陸センサークラスター" in shown and IMG in shown
    assert TAG in shown
    # the cited quote, its context and the page's caption (the question is one the engine answers)
    assert answer.citations, answer.notes
    next(b for b in at.button if b.key and b.key.startswith("cite_")).click().run()
    assert not at.exception, at.exception
    assert at.image, "the cited page is shown"
    shown = assert_no_markup(at)
    assert DOC_ID in shown      # the doc id, from the file name, as typed


def test_browse_shows_hostile_titles_headings_and_kwic_as_text(hostile_app):
    at = hostile_app
    at.switch_page("views/browse.py").run()
    assert not at.exception, at.exception
    catalogue = at.dataframe[0].value
    assert list(catalogue["doc_id"]) == [DOC_ID]
    assert any(BOLD in path for path in at.dataframe[1].value["path"]), at.dataframe[1].value   # plain-text cells
    for query in ("onerror", "試作", "127.0.0.1", "`"):   # the match itself is bold: our markup
        at.text_input(key="kwic_query").input(query).run()
        assert not at.exception, at.exception
        shown = assert_no_markup(at)
        assert DOC_ID in shown, (query, shown[:800])
    at.text_input(key="kwic_query").input("MEMS").run()
    assert IMG in assert_no_markup(at)


def test_upload_names_with_markup_are_shown_as_text(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYQA_INDEX", str(tmp_path / "index"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("views/upload.py").run()
    at.file_uploader[0].set_value([(UPLOAD_NAME, hostile_pdf(), "application/pdf"),
                                   ("bad`<img src=x onerror=alert(2)>`.pdf", b"<html>no</html>", "application/pdf"),
                                   ]).run()
    next(b for b in at.button if b.key == "upload_go").click().run()
    assert not at.exception, at.exception
    status = dict(zip(at.dataframe[0].value["file"], at.dataframe[0].value["status"]))
    assert status[UPLOAD_NAME] == "added" and status["bad`<img src=x onerror=alert(2)>`.pdf"] == "rejected"
    assert at.error, "the rejected upload is reported"
    shown = assert_no_markup(at)
    assert "bad`<img src=x onerror=alert(2)>`.pdf" in shown


def test_question_over_the_cap_is_refused(hostile_app, hostile_index):
    from qa_app.engine import AnswerEngine
    from qa_app.limits import MAX_QUESTION_CHARS, QuestionTooLong

    assert hostile_app.text_input(key="question").max_chars == MAX_QUESTION_CHARS   # the browser stops there
    with AnswerEngine(hostile_index) as engine:            # ... and the engine refuses what gets past it
        with pytest.raises(QuestionTooLong, match="2,000"):
            engine.ask("あ" * (MAX_QUESTION_CHARS + 1))


def test_upload_names_with_nul_and_full_width_slash(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYQA_INDEX", str(tmp_path / "index"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("views/upload.py").run()
    at.file_uploader[0].set_value([("nul\x00name.pdf", hostile_pdf(), "application/pdf"),
                                   ("報告書／2024年度.pdf", hostile_pdf(lines=LINES[:1]), "application/pdf")]).run()
    assert not at.exception, at.exception
    next(b for b in at.button if b.key == "upload_go").click().run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["status"]) == ["added", "added"], table
    assert list(table["saved as"]) == ["nul_name.pdf", "報告書_2024年度.pdf"]      # nothing cut off
    assert sorted(p.name for p in (tmp_path / "index" / "uploads").glob("*.pdf")) == ["nul_name.pdf",
                                                                                       "報告書_2024年度.pdf"]


def test_footnotes_show_under_a_passage_as_text():
    """A chunk's footnotes (Chunk.footnotes, from the parser) appear as plain text; a chunk without them, or whose
    text ends with them, shows none."""
    def page():
        from types import SimpleNamespace

        from qa_app.views import shared as S

        S.show_footnotes(SimpleNamespace(footnotes=["※1 **注** ![x](http://127.0.0.1:1/f.png)", " "]))
        S.show_footnotes(SimpleNamespace())                  # before the parser records footnotes
        S.show_footnotes(SimpleNamespace(footnotes=[]))
        # notes the passage holds as its last lines are shown there, not twice
        S.show_footnotes(SimpleNamespace(text="本文。\n※2 二度目の注", footnotes=["※2 二度目の注"]))

    at = AppTest.from_function(page, default_timeout=60).run()
    assert not at.exception, at.exception
    assert len(at.caption) == 1
    assert "※1 **注** ![x](http://127.0.0.1:1/f.png)" in assert_no_markup(at)


def test_service_bounds_and_unknown_documents(hostile_index):
    """The application service the pages use refuses what the CLI refuses, each with a one-line reason."""
    from qa_app.limits import MAX_QUESTION_CHARS, QuestionTooLong
    from qa_app.service import PolicyQA
    from qa_app.settings import Settings

    svc = PolicyQA(Settings.load({}, index_dir=hostile_index))
    try:
        assert [d.doc_id for d in svc.documents()] == [DOC_ID]
        with pytest.raises(QuestionTooLong):
            svc.ask("あ" * (MAX_QUESTION_CHARS + 1))
        with pytest.raises(ValueError, match="no indexed document nonexistent"):
            svc.ask(QUESTION, ["nonexistent"])
        asked = svc.ask(QUESTION, [DOC_ID])
        assert asked.answer.passages and asked.warning is None and asked.nth == 1
    finally:
        svc.close()


def test_malformed_chroma_url_is_one_error_line_in_the_app(hostile_index, monkeypatch):
    monkeypatch.setenv("POLICYQA_INDEX", str(hostile_index))
    monkeypatch.setenv("POLICYQA_CHROMA_URL", "http://host:99999")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and "not a server address" in at.error[0].value


def test_chroma_server_down_answers_from_keywords_with_a_warning(hostile_index, monkeypatch):
    """Nothing listens on port 1: the app still answers, from the keyword index, and says so."""
    monkeypatch.setenv("POLICYQA_INDEX", str(hostile_index))
    monkeypatch.setenv("POLICYQA_CHROMA_URL", "http://127.0.0.1:1")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    at.text_input(key="question").input(QUESTION)
    next(b for b in at.button if b.label.startswith("質問する")).click().run()
    assert not at.exception, at.exception
    assert at.session_state["history"], [e.value for e in at.error]
    assert any("Keyword search only" in w.value for w in at.warning), [w.value for w in at.warning]
