"""What the app's pages share: the application service (one per server), cached views of
the index, page renders, text shown safely, and evidence export.

The pages use `qa_app.service.PolicyQA` for everything they do (ask, browse, add
documents); its settings come from the environment through `qa_app.settings`
(``policyqa app --index DIR`` sets ``$POLICYQA_INDEX`` for the server it starts).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from pathlib import Path

import streamlit as st

from qa_app.service import DocInfo, PolicyQA
from qa_app.settings import Settings

log = logging.getLogger("policyqa.app")
if not log.handlers:
    _h = logging.StreamHandler()
    _h.setFormatter(logging.Formatter("%(asctime)s policyqa.app %(levelname)s %(message)s"))
    log.addHandler(_h)
    log.setLevel(logging.INFO)
    log.propagate = False

def settings() -> Settings:
    """Read on every run: cheap, and a test (or a restart) may change the environment."""
    return Settings.load()


@st.cache_resource(show_spinner=False, hash_funcs={Settings: repr})
def _service(settings: Settings) -> PolicyQA:
    """One service per settings per server process (so one engine per index)."""
    return PolicyQA(settings)


def service() -> PolicyQA:
    s = settings()
    return _service(s.with_index(s.index_dir.resolve()))


def index_dir() -> Path:
    return service().index_dir


def index_exists() -> bool:
    return service().has_index()


def get_host() -> PolicyQA:
    """The service, its models and index loaded (once per server, as soon as the Ask page first opens)."""
    svc = service()
    if svc.load_ms is None:
        with st.spinner("モデルと索引を読み込んでいます… / Loading the models and the index…"):
            svc.load()
    return svc


# ---------------------------------------------------------------- the index, cached until it changes


def documents() -> list[DocInfo]:
    svc = service()
    return _documents(svc, svc.stamp())


@st.cache_data(show_spinner=False, max_entries=4, hash_funcs={PolicyQA: lambda s: str(s.index_dir)})
def _documents(svc: PolicyQA, stamp: int) -> list[DocInfo]:
    return svc.documents()


def all_chunks() -> list:
    """Every chunk of the index, in document order (cached until the store changes)."""
    svc = service()
    return _all_chunks(svc, svc.stamp())


@st.cache_data(show_spinner=False, max_entries=2, hash_funcs={PolicyQA: lambda s: str(s.index_dir)})
def _all_chunks(svc: PolicyQA, stamp: int) -> list:
    return svc.chunks()


def find_pdf(doc_id: str, path: str) -> Path | None:
    return service().find_pdf(doc_id, path)


def invalidate() -> None:
    """After an ingest: forget cached documents and chunks (the engine notices new data itself)."""
    _documents.clear()
    _all_chunks.clear()


# ---------------------------------------------------------------- page renders


@st.cache_data(show_spinner=False, max_entries=64)
def highlighted_pages(pdf: str, mtime: float, boxes: tuple[tuple[int, float, float, float, float], ...],
                      quote: str, resolution: int = 110) -> list[tuple[int, bytes, bool, str]]:
    """(page, PNG, exact, note) per page the quote lies on, its characters highlighted."""
    from ingest.records import BBox
    from qa_app.highlight import citation_highlights, render_page

    pairs = [(p, BBox(*b)) for p, *b in boxes]
    highlights = citation_highlights(pdf, pairs, quote)
    out = []
    for page in dict.fromkeys(p for p, _ in pairs):
        h = highlights.get(page)
        if h is None:
            continue
        img = render_page(pdf, page, h.boxes, resolution=resolution)
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        out.append((page, buf.getvalue(), h.exact, h.note))
    return out


# ---------------------------------------------------------------- text helpers

# Every ASCII punctuation mark: CommonMark lets a backslash escape each of them, and
# escaped, none can open emphasis, a link or image, raw HTML, a code span, a heading,
# a list, a table, a directive (`:red[...]`) or LaTeX. Text from a document, a file
# name or a question is never Markdown, so all of it goes through `md` (or a widget
# that shows plain text, such as st.dataframe).
_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")


# GFM turns bare URLs and e-mail addresses into links after parsing, whatever their escapes;
# an invisible word joiner (U+2060) after "://", "www" and "@" keeps them text. (Escaped,
# Streamlit's :emoji:, :material/icon: and :red[...] stay text: tests/test_app_browser.py.)
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?i:(?<=\bwww))(?=\.)|(?<=@)")
WORD_JOINER = "\u2060"


def md(text: object) -> str:
    """Any text, to be shown through st.markdown/caption/warning/button labels exactly as written."""
    escaped = _MD_PUNCT.sub(r"\\\1", _AUTOLINK.sub(WORD_JOINER, str(text)))
    return escaped.replace("\r", "").replace("\n", "  \n")   # a line break stays a line break


def one_line(e: BaseException) -> str:
    """An error as the one line a user sees: its message, whitespace collapsed, else its type."""
    return " ".join(str(e).split()) or type(e).__name__


def show_footnotes(chunk) -> None:
    """A chunk's footnotes (the parser's ``Chunk.footnotes``, where it records them) under its passage, as text:
    those the passage does not already show as its last lines (an index written before notes joined the text)."""
    text = str(getattr(chunk, "text", "") or "")
    notes = [n for n in (getattr(chunk, "footnotes", None) or []) if str(n).strip() and str(n) not in text]
    if notes:
        st.caption("注 / Footnotes:  \n" + "  \n".join(md(n) for n in notes))


def mark_quote(text: str, quote: str, start: int | None = None) -> str:
    """The passage as Markdown with the quote in bold (every character of the text escaped)."""
    at = start if start is not None and text[start:start + len(quote)] == quote else text.find(quote)
    if not quote.strip() or at < 0:
        return md(text)
    before, q, after = text[:at], text[at:at + len(quote)], text[at + len(quote):]
    return f"{md(before)}**{md(q.strip())}**{md(after)}"


# ---------------------------------------------------------------- evidence export

EXPORT_COLUMNS = ["n", "quote", "title", "doc_id", "page", "section", "subject"]


def evidence_rows(answer) -> list[dict]:
    return [{"n": c.n, "quote": c.text, "title": c.title, "doc_id": c.doc_id, "page": c.page,
             "section": c.section, "subject": c.subject} for c in answer.citations]


def evidence_csv(answer) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(evidence_rows(answer))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")   # BOM: Excel opens Japanese CSV correctly


def evidence_markdown(answer) -> bytes:
    lines = [f"# {answer.question}", "", answer.answer, "", "## 根拠 / Evidence", ""]
    if not answer.citations:
        lines.append("(no citations)")
    for c in answer.citations:
        about = f" — {c.subject}" if c.subject else ""
        section = f"（{c.section}）" if c.section else ""
        quote = c.text.replace("\n", " ")
        lines.append(f"[{c.n}] 「{quote}」 — 「{c.title}」 p.{c.page}{section}{about} `{c.doc_id}`")
        lines.append("")
    return "\n".join(lines).encode("utf-8")


def export_name(question: str, ext: str) -> str:
    stem = re.sub(r"[^\w\-]+", "_", question, flags=re.UNICODE).strip("_")[:40] or "answer"
    return f"policyqa_{stem}.{ext}"


def no_index_message() -> None:
    st.warning(f"索引がありません / No index at {md(index_dir())}. "
               "Run `policyqa app` (it builds the index of the bundled corpus) or `policyqa ingest`, "
               "or add PDFs on the 取り込み / Add documents page.")
