"""Ingest: PDF files in, documents and chunks in the index directory out.

Each file is parsed and chunked in a worker process (both cores busy), then
written to the store in the main process, one transaction per document. A file
whose content hash is already in the store is skipped; a changed file replaces
its earlier version whole. A bad file is reported and skipped; the others go on.
"""

from __future__ import annotations

import hashlib
import os
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Literal

from ingest.chunker import ChunkerConfig, chunk_document
from ingest.parser import BadPdf, parse_pdf
from ingest.records import Chunk, ParsedDocument
from .store import ChunkStore

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


def doc_id_for(path: Path) -> str:
    return path.name[:-4] if path.name.lower().endswith(".pdf") else path.name


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
    timings: dict[str, float]


def parse_and_chunk(path: str, config: ChunkerConfig) -> _Parsed:
    """The per-file work, run in a worker process. Raises BadPdf for a bad file."""
    t0 = time.perf_counter()
    doc = parse_pdf(path)
    t1 = time.perf_counter()
    text, chunks = chunk_document(doc, config)
    t2 = time.perf_counter()
    timings = {"parse": t1 - t0, "chunk": t2 - t1}
    # The parser reports its own stages (extraction, normalisation, layout).
    timings.update({f"parse.{k}": v for k, v in doc.timings.items()})
    return _Parsed(doc, text, chunks, timings)


ProgressHook = Callable[[FileResult], None]


def ingest(
    paths: Iterable[str | Path],
    index_dir: str | Path,
    *,
    config: ChunkerConfig = ChunkerConfig(),
    workers: int | None = None,
    on_file: ProgressHook | None = None,
) -> IngestReport:
    """Bring the index in line with the given PDFs. Never raises for a bad file."""
    started = time.perf_counter()
    files = find_pdfs(paths)
    results: list[FileResult] = []

    def done(result: FileResult) -> None:
        results.append(result)
        if on_file:
            on_file(result)

    with ChunkStore(index_dir) as store:
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

        for (path, doc_id, _sha), outcome in _run(todo, config, workers):
            if isinstance(outcome, BaseException):
                reason = outcome.reason if isinstance(outcome, BadPdf) else f"unexpected error: {outcome!r}"
                done(FileResult(str(path), doc_id, "failed", error=reason))
                continue
            status: Status = "replaced" if store.sha256_of(doc_id) else "added"
            t0 = time.perf_counter()
            store.replace_document(outcome.doc, outcome.text, outcome.chunks)
            outcome.timings["store"] = time.perf_counter() - t0
            done(FileResult(str(path), doc_id, status, pages=len(outcome.doc.pages),
                            chunks=len(outcome.chunks), warnings=outcome.doc.warnings,
                            timings=outcome.timings))
    return IngestReport(results, time.perf_counter() - started)


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
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures: list[Future] = [pool.submit(parse_and_chunk, str(job[0]), config) for job in todo]
        for job, fut in zip(todo, futures):
            try:
                yield job, fut.result()
            except Exception as e:  # noqa: BLE001
                yield job, e
