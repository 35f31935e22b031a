"""Ingest: PDF files in; chunks, vectors and keyword terms in the index directory out.

Each file is parsed, chunked and tokenised in a worker process (both cores
busy); the main process embeds the chunks and writes them. A file whose content
hash is already in the store is skipped; a changed file replaces its earlier
version whole. A bad file is reported and skipped; the others go on.

The chunk store (SQLite) is the record of what is indexed; its transaction per
document is the commit point. Vectors for a document's new chunks go into
Chroma *before* that commit and its stale ones come out *after* it, and readers
only trust ids the store holds, so a kill at any moment leaves each document
whole in every index: the old version or the new. Each run starts by
reconciling Chroma with the store, which cleans up after such a kill.

One ingest at a time per index: each takes ``<index>/ingest.lock`` (filelock;
the OS drops it when the holder dies, even by ``kill -9``). A second one waits,
saying so, or with ``wait=False`` raises :class:`IngestRunning`. Readers never
take the lock. Parse workers watch their parent and exit when it is gone.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from contextlib import closing
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Literal

from ingest.chunker import ChunkerConfig, chunk_document
from ingest.docid import doc_id_for
from ingest.parser import BadPdf, parse_pdf
from ingest.records import Chunk, ParsedDocument
from filelock import FileLock, Timeout
from llama_index.core.base.embeddings.base import BaseEmbedding

from .embeddings import get_embedder
from .errors import IndexUnavailable, IngestRunning
from .keyword import KeywordIndex, indexed_text
from .sense_vectors import refresh as refresh_senses, sense_file
from .store import ChunkStore
from .tokenise import terms
from .vectors import VectorIndex, compact_embedded

LOCK_FILE = "ingest.lock"
PARENT_POLL = 0.2   # seconds between a worker's checks that its parent is alive

Status = Literal["added", "replaced", "unchanged", "failed"]


@dataclass
class FileResult:
    path: str
    doc_id: str
    status: Status
    pages: int = 0
    chunks: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class IngestReport:
    results: list[FileResult]
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)   # whole-run stages

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    def count(self, status: Status) -> int:
        return sum(r.status == status for r in self.results)


def find_pdfs(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders to the PDFs inside them; keep files named explicitly whatever their suffix."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() == ".pdf")
        else:
            found.append(p)
    return found


def page_count(path: Path) -> int:
    """How many pages the PDF has (0 if it cannot be read): reads the page tree, not the pages."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    try:
        with open(path, "rb") as f:
            return sum(1 for _ in PDFPage.create_pages(PDFDocument(PDFParser(f))))
    except Exception:  # noqa: BLE001 - a bad file is reported by the parse; here it only counts 0
        return 0


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class _Parsed:
    doc: ParsedDocument
    text: str
    chunks: list[Chunk]
    terms: list[list[str]]
    timings: dict[str, float]


def parse_and_chunk(path: str, config: ChunkerConfig) -> _Parsed:
    """The per-file work, run in a worker process. Raises BadPdf for a bad file."""
    t0 = time.perf_counter()
    doc = parse_pdf(path)
    t1 = time.perf_counter()
    text, chunks = chunk_document(doc, config)
    t2 = time.perf_counter()
    chunk_terms = [terms(indexed_text(c)) for c in chunks]
    t3 = time.perf_counter()
    timings = {"parse": t1 - t0, "chunk": t2 - t1, "keyword_terms": t3 - t2}
    # The parser reports its own stages (extraction, normalisation, layout).
    timings.update({f"parse.{k}": v for k, v in doc.timings.items()})
    return _Parsed(doc, text, chunks, chunk_terms, timings)


ProgressHook = Callable[[FileResult], None]


def ingest(
    paths: Iterable[str | Path],
    index_dir: str | Path,
    *,
    config: ChunkerConfig = ChunkerConfig(),
    workers: int | None = None,
    on_file: ProgressHook | None = None,
    chroma_url: str | None = None,
    embedder: BaseEmbedding | None = None,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
    on_plan: Callable[[int], None] | None = None,
) -> IngestReport:
    """Bring the index in line with the given PDFs. Never raises for a bad file.

    ``on_plan`` hears how many pages are to be parsed (files not already
    indexed) before the first is; ``on_file`` hears each file's outcome: with
    the two a caller shows pages per second and an ETA.

    Holds the index's ingest lock throughout; if another ingest holds it, waits
    (telling ``on_wait``, else stderr) or, with ``wait=False``, raises IngestRunning.
    """
    lock = FileLock(Path(index_dir) / LOCK_FILE)
    try:
        Path(index_dir).mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=0)
    except Timeout:
        if not wait:
            raise IngestRunning(f"an ingest is already running in {index_dir}; try again when it ends") from None
        message = f"waiting for the ingest running in {index_dir} to finish"
        if on_wait:
            on_wait(message)
        else:
            print(message, file=sys.stderr, flush=True)
        lock.acquire()
    except OSError as e:
        raise IndexUnavailable(f"cannot write to the index at {index_dir}: {e.strerror or e}") from e
    try:
        return _ingest_locked(paths, index_dir, config, workers, on_file, chroma_url, embedder, on_plan)
    finally:
        lock.release()


def _ingest_locked(paths, index_dir, config, workers, on_file, chroma_url, embedder, on_plan) -> IngestReport:
    started = time.perf_counter()
    files = find_pdfs(paths)
    results: list[FileResult] = []
    vectors = VectorIndex(index_dir, embedder or get_embedder(), chroma_url)

    def done(result: FileResult) -> None:
        results.append(result)
        if on_file:
            on_file(result)

    with ChunkStore(index_dir, readonly=False) as store, closing(vectors):
        reconcile(store, vectors)
        todo: list[tuple[Path, str, str]] = []   # (path, doc_id, sha256) to parse
        seen: dict[str, Path] = {}
        for path in files:
            doc_id = doc_id_for(path)
            if doc_id in seen:
                done(FileResult(str(path), doc_id, "failed",
                                error=f"same document id as {seen[doc_id]}: rename one of them"))
                continue
            seen[doc_id] = path
            try:
                sha = file_sha256(path)
            except OSError as e:
                done(FileResult(str(path), doc_id, "failed", error=f"cannot read file: {e.strerror or e}"))
                continue
            if store.sha256_of(doc_id) == sha:
                done(FileResult(str(path), doc_id, "unchanged"))
            else:
                todo.append((path, doc_id, sha))

        if on_plan:
            on_plan(sum(page_count(path) for path, _, _ in todo))
        for (path, doc_id, _sha), outcome in _run(todo, config, workers):
            if isinstance(outcome, BaseException):
                reason = outcome.reason if isinstance(outcome, BadPdf) else f"unexpected error: {outcome!r}"
                done(FileResult(str(path), doc_id, "failed", error=reason))
                continue
            status: Status = "replaced" if store.sha256_of(doc_id) else "added"
            old_ids = store.chunk_ids([doc_id])
            t0 = time.perf_counter()
            embedded = vectors.embed(outcome.chunks)
            t1 = time.perf_counter()
            vectors.add(outcome.chunks, embedded)
            store.replace_document(outcome.doc, outcome.text, outcome.chunks, outcome.terms)  # commit point
            vectors.delete(sorted(old_ids - {c.chunk_id for c in outcome.chunks}))
            outcome.timings["embed"] = t1 - t0
            outcome.timings["index"] = time.perf_counter() - t1
            done(FileResult(str(path), doc_id, status, pages=len(outcome.doc.pages),
                            chunks=len(outcome.chunks), warnings=outcome.doc.warnings,
                            timings=outcome.timings))
        t0 = time.perf_counter()
        keyword = KeywordIndex.load(store)  # rebuilds the BM25 cache when the store changed
        bm25_seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        changed = any(r.status in ("added", "replaced") for r in results)
        if changed or not sense_file(index_dir, vectors.embedder.model_name).exists():
            refresh_senses(index_dir, vectors.embedder, keyword.frequency)   # new terms: new searchable headwords
        sense_seconds = time.perf_counter() - t0
    timings = {"bm25_build": bm25_seconds, "sense_vectors": sense_seconds}
    if vectors.url is None and changed:
        t0 = time.perf_counter()
        compact_embedded(index_dir)   # embedded Chroma closed above: free its purged log's pages
        timings["chroma_vacuum"] = time.perf_counter() - t0
    return IngestReport(results, time.perf_counter() - started, timings)


def reconcile(store: ChunkStore, vectors: VectorIndex) -> tuple[int, int]:
    """Make Chroma hold exactly the store's chunks: drop strays, embed the missing.

    Strays are left by a run killed between its two Chroma writes; missing
    vectors appear when an index moves to a new Chroma server or embedder.
    Returns (removed, added).
    """
    vectors.repair_if_damaged()
    live = store.chunk_ids()
    stray = sorted(vectors.all_ids() - live)
    vectors.delete(stray)
    missing = sorted(live - vectors.complete_ids())
    if missing:
        vectors.delete(missing)  # a half-added chunk (say, sentences but no chunk vector) starts over
        vectors.add(list(store.get_chunks(missing).values()))
    return len(stray), len(missing)


def _watch_parent() -> None:
    """In a worker: exit as soon as the process that started us is gone (even by kill -9).

    Polling ``getppid`` works whichever thread made the pool (``PR_SET_PDEATHSIG``
    fires when the *thread* that forked exits, which would kill a pool made from
    a short-lived thread). The parent is whoever started us: the ingest under
    ``fork``, the fork server under ``forkserver``, which itself ends with the ingest.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        os._exit(1)

    threading.Thread(target=watch, name="policyqa-parent-watch", daemon=True).start()


MAX_POOL_RESTARTS = 2   # a worker killed from outside costs a new pool, not the rest of the run


def _run(todo, config, workers):
    """Yield (job, _Parsed | exception) in input order, using worker processes when it pays."""
    workers = workers or min(len(todo), os.cpu_count() or 1, 2)
    if workers <= 1:
        for job in todo:
            try:
                yield job, parse_and_chunk(str(job[0]), config)
            except Exception as e:  # noqa: BLE001 - a bad file must not stop the others
                yield job, e
        return
    pending = list(todo)
    restarts = 0
    while pending:
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_watch_parent)
        try:
            try:
                futures: list[Future] = [pool.submit(parse_and_chunk, str(job[0]), config) for job in pending]
            except BrokenProcessPool:
                # a worker killed while the jobs were still being handed out breaks submit() itself
                if restarts >= MAX_POOL_RESTARTS:
                    raise
                restarts += 1
                continue
            for job, fut in zip(list(pending), futures):
                try:
                    outcome = fut.result()
                except BrokenProcessPool as e:
                    if restarts < MAX_POOL_RESTARTS:
                        break  # a worker died (killed, or out of memory): the rest go to a new pool
                    outcome = BadPdf(f"the parser process died while reading this file ({e})")
                except Exception as e:  # noqa: BLE001
                    outcome = e
                pending.remove(job)
                yield job, outcome
        finally:
            # If the caller stops early (an error while writing), do not parse the rest first.
            pool.shutdown(wait=True, cancel_futures=True)
        restarts += 1
