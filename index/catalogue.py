"""What an index holds, read without loading any model: its documents and their chunks.

For browsing (the app's Browse page, the upload page's name checks): each call
opens the chunk store read-only and closes it again, so it is safe from any
thread and never blocks an ingest.
"""

from __future__ import annotations

from pathlib import Path

from ingest.records import Chunk

from .store import STORE_FILE, ChunkStore, DocumentRecord


def has_index(index_dir: str | Path) -> bool:
    return (Path(index_dir) / STORE_FILE).is_file()


def list_documents(index_dir: str | Path) -> list[DocumentRecord]:
    """Every indexed document (id, title, path, pages, chunks, warnings); [] when there is no index yet."""
    if not has_index(index_dir):
        return []
    with ChunkStore(index_dir, readonly=True) as store:
        return store.documents()


def read_chunks(index_dir: str | Path, doc_id: str | None = None) -> list[Chunk]:
    """Every chunk of the index (or of one document), in document order."""
    if not has_index(index_dir):
        return []
    with ChunkStore(index_dir, readonly=True) as store:
        return list(store.chunks(doc_id))


def store_stamp(index_dir: str | Path) -> int:
    """A number that changes whenever the store is written (WAL mode writes the -wal file first)."""
    files = [Path(index_dir) / STORE_FILE, Path(index_dir) / (STORE_FILE + "-wal")]
    return max((f.stat().st_mtime_ns for f in files if f.exists()), default=0)
