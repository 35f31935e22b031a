"""The index directory's record of what was ingested: documents, their clean
text and their chunks, in one SQLite file.

SQLite gives us the guarantee the ingest needs for free: a document is
replaced inside one transaction, so an interrupted run leaves either the old
version of a document or the new one, never half of either. The vector and
keyword indexes follow this store, keyed by the same chunk ids.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import time
import zlib
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ingest.records import BBox, Chunk, ParsedDocument

from .errors import IndexUnavailable

STORE_FILE = "chunks.sqlite"
ID_FILE = "index-id"    # this index's own random id: names its collections on a shared Chroma server
# Bump when the schema changes: the store is derived data, so an old one is rebuilt.
# 6: a document's text, each chunk's line boxes and terms stored zlib-compressed (4.6 -> ~2.9 KB a chunk).
SCHEMA_VERSION = 6
_TERM_SEP = "\x1f"     # ASCII unit separator: no Sudachi form holds it

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id      TEXT PRIMARY KEY,
    path        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    title       TEXT NOT NULL,
    pages       INTEGER NOT NULL,
    warnings    TEXT NOT NULL,      -- JSON list of strings
    text        BLOB NOT NULL,      -- the clean text chunk offsets point into, zlib-compressed (UTF-8)
    ingested_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id    TEXT PRIMARY KEY,
    doc_id      TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ord         INTEGER NOT NULL,
    page        INTEGER NOT NULL,
    page_end    INTEGER NOT NULL,
    section     TEXT NOT NULL,      -- JSON list, outermost heading first
    text        TEXT NOT NULL,
    context     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    line_boxes  BLOB NOT NULL,      -- zlib(JSON list of [page, x0, top, x1, bottom, start, end]) (start/end: offsets in text)
    char_start  INTEGER NOT NULL,
    char_end    INTEGER NOT NULL,
    sentences   TEXT NOT NULL,      -- JSON list of [start, end] within text
    footnotes   TEXT NOT NULL,      -- JSON list of the notes the passage cites ("mark text")
    terms       BLOB NOT NULL       -- zlib(keyword terms joined by U+001F) (index/tokenise.py)
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_id, ord);
"""


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    path: str
    sha256: str
    title: str
    pages: int
    warnings: list[str]
    chunks: int


class ChunkStore:
    """The chunk store of one index directory.

    A writer (the ingest) creates and migrates it. A reader (``readonly=True``:
    search, ask, the app) never writes, never migrates, and works on an index
    it may not write to (``chmod -R a-w``); it asks :meth:`data_version` to
    learn cheaply whether anyone committed since it last looked.
    """

    def __init__(self, index_dir: str | Path, *, readonly: bool | None = None):
        """``readonly=None`` (the default) opens a writer, unless the store exists and may not be written."""
        self.index_dir = Path(index_dir)
        self.path = self.index_dir / STORE_FILE
        if readonly is None:
            readonly = self.path.exists() and not (os.access(self.path, os.W_OK)
                                                   and os.access(self.index_dir, os.W_OK))
        self.readonly = readonly
        if readonly:
            self._db = _connect_read(self.path)
            found = self._db.execute("PRAGMA user_version").fetchone()[0]
            if found != SCHEMA_VERSION:
                self._db.close()
                raise IndexUnavailable(f"the index at {self.index_dir} was built by another version of policyqa "
                                       f"(schema {found}, expected {SCHEMA_VERSION}); run `policyqa ingest` to rebuild it")
            return
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA journal_mode = WAL")
        if self._db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            # One transaction: a reader sees the old store or the new schema, never a version without its tables.
            self._db.executescript("BEGIN IMMEDIATE; DROP TABLE IF EXISTS chunks; DROP TABLE IF EXISTS documents;"
                                   f"{_SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "ChunkStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing -------------------------------------------------------------

    def replace_document(self, doc: ParsedDocument, text: str, chunks: list[Chunk],
                         terms: list[list[str]]) -> None:
        """Put a document and its chunks (with their keyword terms) in place of any earlier version, atomically."""
        with self._db:  # one transaction: commit on success, roll back on any error
            self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc.doc_id,))
            self._db.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (doc.doc_id, doc.path, doc.sha256, doc.title, len(doc.pages),
                 json.dumps(doc.warnings, ensure_ascii=False), _pack_text(text), time.time()),
            )
            self._db.executemany(
                "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_chunk_row(i, c) + (_pack_terms(t),)
                 for i, (c, t) in enumerate(zip(chunks, terms, strict=True))],
            )

    # -- reading -------------------------------------------------------------

    def sha256_of(self, doc_id: str) -> str | None:
        row = self._db.execute("SELECT sha256 FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def documents(self) -> list[DocumentRecord]:
        rows = self._db.execute(
            "SELECT d.doc_id, d.path, d.sha256, d.title, d.pages, d.warnings, COUNT(c.chunk_id) "
            "FROM documents d LEFT JOIN chunks c USING (doc_id) GROUP BY d.doc_id ORDER BY d.doc_id"
        ).fetchall()
        return [DocumentRecord(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6]) for r in rows]

    def document_text(self, doc_id: str) -> str:
        row = self._db.execute("SELECT text FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            raise KeyError(doc_id)
        return _unpack_text(row[0])

    def chunks(self, doc_id: str | None = None) -> Iterator[Chunk]:
        sql = f"SELECT {_CHUNK_COLUMNS}, d.title FROM chunks c JOIN documents d ON d.doc_id = c.doc_id"
        args: tuple = ()
        if doc_id is not None:
            sql += " WHERE c.doc_id = ?"
            args = (doc_id,)
        with closing(self._db.execute(sql + " ORDER BY c.doc_id, c.ord", args)) as cur:
            for row in cur:
                yield _row_chunk(row)

    def terms(self) -> Iterator[tuple[str, list[str]]]:
        """Each chunk's id and keyword terms, in store order, one at a time: what BM25 is built from."""
        with closing(self._db.execute("SELECT chunk_id, terms FROM chunks ORDER BY doc_id, ord")) as cur:
            for chunk_id, packed in cur:
                yield chunk_id, _unpack_terms(packed)

    def chunk_ids(self, doc_ids: list[str] | None = None, section: str | None = None) -> set[str]:
        """Ids of the chunks, optionally only those of these documents and/or under this heading."""
        sql, args = "SELECT chunk_id FROM chunks c WHERE 1", []
        if doc_ids is not None:
            sql += f" AND doc_id IN ({','.join('?' * len(doc_ids))})"
            args += doc_ids
        if section is not None:
            sql += " AND EXISTS (SELECT 1 FROM json_each(c.section) WHERE value = ?)"
            args.append(section)
        return {r[0] for r in self._db.execute(sql, args)}

    def get_chunks(self, chunk_ids: list[str]) -> dict[str, Chunk]:
        """The chunks with these ids (those that exist), by id."""
        found: dict[str, Chunk] = {}
        for start in range(0, len(chunk_ids), 500):
            part = chunk_ids[start:start + 500]
            marks = ",".join("?" * len(part))
            sql = (f"SELECT {_CHUNK_COLUMNS}, d.title FROM chunks c JOIN documents d ON d.doc_id = c.doc_id "
                   f"WHERE c.chunk_id IN ({marks})")
            found.update((row[0], _row_chunk(row)) for row in self._db.execute(sql, part))
        return found

    def generation(self) -> str:
        """A fingerprint of the store's content: chunk ids change with their text, so the set of ids will do."""
        return hashlib.sha1("\n".join(sorted(self.chunk_ids())).encode()).hexdigest()[:16]

    def data_version(self) -> int:
        """Changes whenever another connection commits: a cheap test before the costlier :meth:`generation`."""
        return self._db.execute("PRAGMA data_version").fetchone()[0]

    def count_chunks(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]


def _connect_read(path: Path) -> sqlite3.Connection:
    """A read-only connection; on a directory nobody may write, an immutable one.

    ``mode=ro`` still wants to create the WAL's shared-memory file when a
    crashed writer left a WAL behind; where the directory is read-only that
    fails, and since nobody can write there either, ``immutable=1`` is safe.
    """
    if not path.exists():
        raise IndexUnavailable(f"no index at {path.parent}; run `policyqa ingest` first")
    uri = path.resolve().as_uri()
    try:
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True)
        db.execute("PRAGMA user_version").fetchone()
        return db
    except sqlite3.OperationalError:
        if os.access(path.parent, os.W_OK):
            raise
    try:
        return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True)
    except sqlite3.OperationalError as e:
        raise IndexUnavailable(f"cannot read the index at {path.parent}: {e}") from e


def index_id(index_dir: str | Path, *, create: bool = False) -> str | None:
    """This index's own random id, written once; None for an index made before ids (unless ``create``)."""
    path = Path(index_dir) / ID_FILE
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        if not create:
            return None
    tmp = path.with_name(f".{ID_FILE}.{os.getpid()}")
    tmp.write_text(secrets.token_hex(6) + "\n")
    try:
        os.link(tmp, path)  # atomic and never overwrites: the first writer's id wins
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()


_CHUNK_COLUMNS = ", ".join(f"c.{col}" for col in (
    "chunk_id", "doc_id", "ord", "page", "page_end", "section", "text", "context", "subject",
    "line_boxes", "char_start", "char_end", "sentences", "footnotes"))


def _chunk_row(ordinal: int, c: Chunk) -> tuple:
    spans = c.line_spans or [(0, len(c.text))] * len(c.line_boxes)
    boxes = [[p, *box.as_list(), s, e] for (p, box), (s, e) in zip(c.line_boxes, spans)]
    return (c.chunk_id, c.doc_id, ordinal, c.page, c.page_end,
            json.dumps(c.section, ensure_ascii=False), c.text, c.context, c.subject,
            _pack_text(json.dumps(boxes)), c.char_start, c.char_end, json.dumps(c.sentences),
            json.dumps(c.footnotes, ensure_ascii=False))


def _row_chunk(row: tuple) -> Chunk:
    chunk_id, doc_id, _ord, page, page_end, section, text, context, subject, boxes, start, end, sentences, notes, title = row
    boxes = json.loads(_unpack_text(boxes))
    return Chunk(
        chunk_id=chunk_id, doc_id=doc_id, title=title, page=page, page_end=page_end,
        section=json.loads(section), text=text, context=context, subject=subject,
        line_boxes=[(b[0], BBox(*b[1:5])) for b in boxes],
        line_spans=[(b[5], b[6]) for b in boxes],
        char_start=start, char_end=end, sentences=[tuple(s) for s in json.loads(sentences)],
        footnotes=json.loads(notes),
    )


# Compressed columns. Japanese text, JSON boxes and term lists (full of repeats) shrink 2-3x with
# zlib; these columns are only ever read whole by id, never searched in SQL, so nothing is lost.
def _pack_text(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), 6)


def _unpack_text(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8")


def _pack_terms(terms: list[str]) -> bytes:
    return _pack_text(_TERM_SEP.join(terms))


def _unpack_terms(blob: bytes) -> list[str]:
    joined = _unpack_text(blob)
    return joined.split(_TERM_SEP) if joined else []
