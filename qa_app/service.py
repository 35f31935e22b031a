"""The application service: everything the app's pages do, with no Streamlit in it.

    app = PolicyQA(Settings.load())
    app.documents()                      # the catalogue
    app.ask("Which clusters use sales partners?")
    app.kwic("クラスター"), app.sections(doc_id)
    app.add_documents([("report.pdf", data)])

The pages (qa_app/app.py, qa_app/views/) hold one service per server and call
only this: they never open the chunk store, run an ingest or read settings
themselves. The answer engine is built and used on one worker thread of its
own (its SQLite connection belongs to the thread that opened it; Streamlit runs
each script run on a thread of its own), which also puts questions and ingests
from the upload page one after another. Browsing reads the store without models.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from index import has_index, list_documents, read_chunks, store_stamp
from ingest.records import Chunk

from .browse import Hit, Section, document_sections, kwic
from .limits import check_question
from .records import Answer
from .settings import BUNDLED_CORPUS, REPO_ROOT, Settings
from .uploads import UploadOutcome, add_uploads, uploads_dir

log = logging.getLogger("policyqa.app")
CATALOGUE = BUNDLED_CORPUS / "catalogue.json"


@dataclass(frozen=True)
class DocInfo:
    """One indexed document as the pages show it: the store's record, the bundled catalogue's, its PDF."""
    doc_id: str
    title: str
    path: str
    pages: int
    chunks: int
    warnings: tuple[str, ...] = ()
    publisher: str = ""
    date: str = ""
    pdf: Path | None = None

    @property
    def label(self) -> str:
        return f"{self.title} ({self.doc_id})"


@dataclass
class Asked:
    """An answer with what the page says about it."""
    answer: Answer
    ms: float                  # wall time on the engine's thread
    nth: int                   # the how-many-th answer of this server
    warning: str | None = None   # why the search was keyword-only, when it was
    meta: dict[str, Any] = field(default_factory=dict)


class PolicyQA:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.index_dir = settings.index_dir
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="policyqa-engine")
        self.lock = threading.RLock()     # held by an ingest from the upload page: no answer half-way through it
        self._engine = None
        self.load_ms: float | None = None
        self.answer_times_ms: list[float] = []

    # ------------------------------------------------------------ the index

    def has_index(self) -> bool:
        return has_index(self.index_dir)

    def stamp(self) -> int:
        """Changes whenever the index is written (by this server's uploads or by a CLI ingest)."""
        return store_stamp(self.index_dir)

    def documents(self) -> list[DocInfo]:
        cat = bundled_catalogue()
        out = []
        for d in list_documents(self.index_dir):
            entry = cat.get(d.doc_id, {})
            out.append(DocInfo(d.doc_id, d.title or entry.get("title") or d.doc_id, d.path, d.pages, d.chunks,
                               tuple(d.warnings), entry.get("publisher", ""), str(entry.get("date", "")),
                               self.find_pdf(d.doc_id, d.path)))
        return out

    def chunks(self, doc_id: str | None = None) -> list[Chunk]:
        return read_chunks(self.index_dir, doc_id)

    def find_pdf(self, doc_id: str, path: str) -> Path | None:
        """The PDF of a document: its ingested path, else ``<doc_id>.pdf`` in the corpus or the uploads folder."""
        p = Path(path)
        candidates = [p] if p.is_absolute() else [p, REPO_ROOT / p, Path.cwd() / p]
        candidates += [BUNDLED_CORPUS / f"{doc_id}.pdf", uploads_dir(self.index_dir) / f"{doc_id}.pdf"]
        return next((c.resolve() for c in candidates if c.is_file()), None)

    # ------------------------------------------------------------ browsing (pure functions over chunks)

    @staticmethod
    def sections(chunks: Iterable[Chunk]) -> list[Section]:
        return document_sections(chunks)

    @staticmethod
    def kwic(chunks: Iterable[Chunk], query: str, *, width: int = 40, section: str | None = None) -> list[Hit]:
        return kwic(chunks, query, width=width, section=section)

    # ------------------------------------------------------------ answering

    def _call(self, fn: Callable[[], Any]) -> Any:
        with self.lock:
            return self._pool.submit(fn).result()

    def load(self) -> None:
        """Load the models and the index (once; the first question would otherwise pay for it)."""
        if self._engine is None:
            t0 = time.perf_counter()
            self._engine = self._call(self._make_engine)
            self.load_ms = (time.perf_counter() - t0) * 1000
            log.info("engine loaded for %s in %.0f ms", self.index_dir, self.load_ms)

    def _make_engine(self):
        from .engine import AnswerEngine
        from .generative import llm_from_config

        llm = llm_from_config(self.settings.llm, self.settings.llm_model) if self.settings.llm else None   # generative mode: off by default
        return AnswerEngine(self.index_dir, chroma_url=self.settings.chroma_url, llm=llm)

    def ask(self, question: str, docs: list[str] | None = None) -> Asked:
        """Raises QuestionTooLong / ValueError (bad input) or the index's IndexUnavailable, each one line."""
        question = check_question(question)
        known = {d.doc_id for d in list_documents(self.index_dir)}
        unknown = [d for d in docs or [] if d not in known]
        if unknown:
            raise ValueError(f"no indexed document {', '.join(unknown)}")
        self.load()
        engine = self._engine
        t0 = time.perf_counter()
        answer, warning = self._call(lambda: (engine.ask(question, docs or None), engine.retriever.warning))
        ms = (time.perf_counter() - t0) * 1000
        self.answer_times_ms.append(ms)
        nth = len(self.answer_times_ms)
        log.info("%s answer in %.0f ms (engine total %.0f ms): %r", "first" if nth == 1 else f"#{nth}", ms,
                 answer.timings_ms.get("total", float("nan")), question[:200])
        return Asked(answer, ms, nth, warning)

    def get_chunks(self, chunk_ids: list[str]) -> dict[str, Chunk]:
        self.load()
        engine = self._engine
        return self._call(lambda: engine.retriever.store.get_chunks(chunk_ids))

    # ------------------------------------------------------------ adding documents

    def add_documents(self, files: Iterable[tuple[str, bytes]], *, replace: bool = False,
                      on_file: Callable[[object], None] | None = None) -> list[UploadOutcome]:
        """Check, save and ingest uploads (qa_app/uploads.py); questions wait until it is done."""
        with self.lock:
            outcomes = add_uploads(files, self.index_dir, replace=replace, on_file=on_file,
                                   chroma_url=self.settings.chroma_url)
        log.info("upload: %s", ", ".join(f"{o.name!r}={o.status}" for o in outcomes))
        return outcomes

    # ------------------------------------------------------------ the evaluation report

    def evaluation_report(self, folder: str | Path | None = None):
        """The saved `policyqa eval` report (qa_app/reports.py), or None when there is none."""
        from .reports import DEFAULT_EVAL_REPORT, read_eval_report

        return read_eval_report(folder or self.settings.eval_dir or DEFAULT_EVAL_REPORT)

    def uploads_dir(self) -> Path:
        return uploads_dir(self.index_dir)

    def close(self) -> None:
        if self._engine is not None:
            self._call(self._engine.close)
        self._pool.shutdown(wait=False)


def bundled_catalogue() -> dict[str, dict]:
    """The bundled corpus's catalogue entries (publisher, date), by doc_id."""
    try:
        return {e["doc_id"]: e for e in json.loads(CATALOGUE.read_text(encoding="utf-8"))}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
