"""What the app's pages share: the index directory, the engine (loaded once per
server), the documents and their PDFs, page renders, and evidence export.

The index directory reaches the app through the environment: ``$POLICYQA_INDEX``
(``policyqa app --index DIR`` sets it for the Streamlit server it starts), else
``.policyqa/index`` under the current folder, as for every other command.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import streamlit as st

from qa_app.cli import BUNDLED_CORPUS, REPO_ROOT, default_index_dir

from .uploads import uploads_dir

log = logging.getLogger("policyqa.app")
if not log.handlers:
    _h = logging.StreamHandler()
    _h.setFormatter(logging.Formatter("%(asctime)s policyqa.app %(levelname)s %(message)s"))
    log.addHandler(_h)
    log.setLevel(logging.INFO)
    log.propagate = False

CATALOGUE = BUNDLED_CORPUS / "catalogue.json"


def index_dir() -> Path:
    return default_index_dir().resolve()


def chroma_url() -> str | None:
    return os.environ.get("POLICYQA_CHROMA_URL") or None


def index_exists(index: Path | None = None) -> bool:
    return ((index or index_dir()) / "chunks.sqlite").exists()


# ---------------------------------------------------------------- the engine, once per server


class EngineHost:
    """The answer engine, on one thread of its own.

    The engine's chunk store is a SQLite connection, which may only be used on
    the thread that opened it; Streamlit runs every script run on a thread of
    its own. So the engine is built and used on one dedicated worker thread,
    which also serialises questions and ingests against the shared indexes.
    """

    def __init__(self, index: Path, chroma: str | None):
        self.index = index
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="policyqa-engine")
        self.lock = threading.RLock()      # held by ingests from the upload page
        self.answer_times_ms: list[float] = []
        t0 = time.perf_counter()
        self.engine = self._call(lambda: _make_engine(index, chroma))
        self.load_ms = (time.perf_counter() - t0) * 1000
        log.info("engine loaded for %s in %.0f ms", index, self.load_ms)

    def _call(self, fn: Callable[[], Any]) -> Any:
        with self.lock:
            return self._pool.submit(fn).result()

    def ask(self, question: str, docs: list[str] | None = None):
        t0 = time.perf_counter()
        answer = self._call(lambda: self.engine.ask(question, docs or None))
        ms = (time.perf_counter() - t0) * 1000
        self.answer_times_ms.append(ms)
        which = "first" if len(self.answer_times_ms) == 1 else f"#{len(self.answer_times_ms)}"
        log.info("%s answer in %.0f ms (engine total %.0f ms): %r", which, ms,
                 answer.timings_ms.get("total", float("nan")), question)
        return answer, ms

    def refresh(self) -> None:
        self._call(self.engine.refresh)

    def chunks(self, chunk_ids: list[str]) -> dict:
        return self._call(lambda: self.engine.retriever.store.get_chunks(chunk_ids))


def _make_engine(index: Path, chroma: str | None):
    from qa_app.engine import AnswerEngine

    llm = None
    if os.environ.get("POLICYQA_LLM"):      # generative mode, as for `policyqa ask`; off by default
        from qa_app.generative import llm_from_config

        llm = llm_from_config(None)
    return AnswerEngine(index, chroma_url=chroma, llm=llm)


@st.cache_resource(show_spinner="モデルと索引を読み込んでいます… / Loading the models and the index…")
def engine_host(index: str, chroma: str | None = None) -> EngineHost:
    """One engine per index directory per server process."""
    return EngineHost(Path(index), chroma)


def get_host() -> EngineHost:
    return engine_host(str(index_dir()), chroma_url())


# ---------------------------------------------------------------- documents


@dataclass
class DocInfo:
    doc_id: str
    title: str
    path: str
    pages: int
    chunks: int
    warnings: list[str]
    publisher: str = ""
    date: str = ""
    pdf: Path | None = None

    @property
    def label(self) -> str:
        return f"{self.title} ({self.doc_id})"


@st.cache_data(show_spinner=False)
def catalogue() -> dict[str, dict]:
    """The bundled corpus's catalogue entries, by doc_id."""
    try:
        return {e["doc_id"]: e for e in json.loads(CATALOGUE.read_text(encoding="utf-8"))}
    except (OSError, ValueError, KeyError):
        return {}


def find_pdf(doc_id: str, path: str, index: Path | None = None) -> Path | None:
    """The PDF of a document: its ingested path, else ``<doc_id>.pdf`` in the corpus or the uploads folder."""
    index = index or index_dir()
    p = Path(path)
    candidates = [p] if p.is_absolute() else [p, REPO_ROOT / p, Path.cwd() / p]
    candidates += [BUNDLED_CORPUS / f"{doc_id}.pdf", uploads_dir(index) / f"{doc_id}.pdf"]
    return next((c.resolve() for c in candidates if c.is_file()), None)


def _store_mtime(index: Path) -> float:
    """Changes whenever the store is written (WAL mode writes the -wal file first)."""
    return max((f.stat().st_mtime_ns for f in (index / "chunks.sqlite", index / "chunks.sqlite-wal") if f.exists()),
               default=0)


def documents() -> list[DocInfo]:
    index = index_dir()
    if not index_exists(index):
        return []
    return _documents(str(index), _store_mtime(index))


@st.cache_data(show_spinner=False, max_entries=4)
def _documents(index: str, stamp: float) -> list[DocInfo]:
    from index.store import ChunkStore

    cat = catalogue()
    out = []
    with ChunkStore(index) as store:
        for d in store.documents():
            entry = cat.get(d.doc_id, {})
            out.append(DocInfo(d.doc_id, d.title or entry.get("title") or d.doc_id, d.path, d.pages, d.chunks,
                               list(d.warnings), entry.get("publisher", ""), str(entry.get("date", "")),
                               find_pdf(d.doc_id, d.path, Path(index))))
    return out


def all_chunks() -> list:
    """Every chunk of the index, in document order (cached until the store changes)."""
    index = index_dir()
    if not index_exists(index):
        return []
    return _all_chunks(str(index), _store_mtime(index))


@st.cache_data(show_spinner=False, max_entries=2)
def _all_chunks(index: str, stamp: float) -> list:
    from index.store import ChunkStore

    with ChunkStore(index) as store:
        return list(store.chunks())


def invalidate() -> None:
    """After an ingest: forget cached documents and chunks; the engine picks up the new index."""
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
# an invisible word joiner (U+2060) after "://", "www" and "@" keeps them text.
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?i:(?<=\bwww))(?=\.)|(?<=@)")
WORD_JOINER = "\u2060"


def md(text: object) -> str:
    """Any text, to be shown through st.markdown/caption/warning/button labels exactly as written."""
    escaped = _MD_PUNCT.sub(r"\\\1", _AUTOLINK.sub(WORD_JOINER, str(text)))
    return escaped.replace("\r", "").replace("\n", "  \n")   # a line break stays a line break


def one_line(e: BaseException) -> str:
    """An error as the one line a user sees: its message, whitespace collapsed, else its type."""
    return " ".join(str(e).split()) or type(e).__name__


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
