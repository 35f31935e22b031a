"""Dense vectors: one per chunk in Chroma, one per sentence in a compact file beside it.

Embedded and persistent by default (``<index>/chroma``); with a URL
(``--chroma-url`` or ``$POLICYQA_CHROMA_URL``) every command talks to a Chroma
server instead. One collection per embedder, so switching models never mixes
vector spaces; on a server the collections also carry the index's own id
(``<index>/index-id``), so indexes sharing a server never touch each other's
vectors. Vectors are keyed by chunk id; the chunk store is the record of
which ids are live, and this class only follows it.

Why not more in Chroma. The chunk collection holds vectors and the metadata the
filters need, no text: the chunk store already keeps the text, and llama-index's
``ChromaVectorStore`` would store it twice more (as the document, with Chroma's
full-text index over it, and inside ``_node_content``). Sentence vectors are
only ever *re-scored* for the chunk candidates, never searched, so they need no
HNSW graph: they live in ``sentence_vectors.sqlite``, one row per chunk holding
its sentences' unit vectors as int8 with a scale each (516 bytes a sentence
instead of ~6 KB in an HNSW collection with its text), fetched by chunk id.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import chromadb
import chromadb.errors
import numpy as np
from chromadb.config import Settings
from llama_index.core.base.embeddings.base import BaseEmbedding

from ingest.records import Chunk

from .errors import IndexUnavailable
from .keyword import indexed_text
from .store import index_id

CHROMA_DIR = "chroma"
SENTENCE_FILE = "sentence_vectors.sqlite"
MAX_SECTION_DEPTH = 4   # section filter matches any of the first four heading levels
_BATCH = 2000           # Chroma's add limit is ~41k; keep requests modest
SENTENCE_WEIGHT = 0.7   # chunk score = 0.7 best sentence + 0.3 whole chunk (dev set: 0.5-0.7 best, 1.0 worse)
RESCORE_DEPTH = 2       # chunk candidates re-scored by their sentences: this many × the k asked for
# Chroma keeps each new vector in its SQLite write-ahead log (~4 KB with its metadata) until it
# next persists the HNSW index, then purges the log; by default that is every 1,000 vectors, so
# an index of a few hundred chunks kept every vector twice (17 KB a chunk at 1x). Persisting every
# 100 bounds the log to 100 vectors; each persist rewrites the HNSW files (~2.2 KB a vector),
# which at 10^4 chunks costs well under a second per document.
SYNC_THRESHOLD = 100


def server_url(url: str | None = None) -> str | None:
    """The Chroma server to use: the one given, else ``$POLICYQA_CHROMA_URL``; None means embedded."""
    return url or os.environ.get("POLICYQA_CHROMA_URL") or None


def chroma_client(index_dir: str | Path, url: str | None = None):
    """A Chroma client; raises IndexUnavailable (one line) when the server or the folder cannot be used."""
    url = server_url(url)
    settings = Settings(anonymized_telemetry=False)
    if url:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        try:
            return chromadb.HttpClient(host=parsed.hostname or "localhost", port=parsed.port or 8000,
                                       ssl=parsed.scheme == "https", settings=settings)
        except Exception as e:  # noqa: BLE001 - a bad URL or a down server: ValueError, httpx errors
            raise IndexUnavailable(f"cannot use the Chroma server at {url}: {_one_line(e)}") from e
    try:
        return chromadb.PersistentClient(path=str(Path(index_dir) / CHROMA_DIR), settings=settings)
    except Exception as e:  # noqa: BLE001 - chromadb raises InternalError for a read-only folder
        raise IndexUnavailable(f"cannot open the vector index in {Path(index_dir) / CHROMA_DIR}: {_one_line(e)}") from e


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def _collection_name(embedder: BaseEmbedding, owner: str | None = None) -> str:
    """``policyqa-[<index id>-]<embedder>``: at most 53 characters, so ``-sentences`` keeps it within Chroma's 63."""
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", embedder.model_name).strip("-")
    room = 44 - (len(owner) + 1 if owner else 0)
    if len(slug) > room:  # keep distinct embedders distinct when their names are cut
        slug = f"{slug[:room - 9]}-{hashlib.sha1(embedder.model_name.encode()).hexdigest()[:8]}"
    return f"policyqa-{owner}-{slug}" if owner else f"policyqa-{slug}"


@dataclass
class Embedded:
    chunks: list[list[float]]      # one per chunk, in order
    sentences: list[list[float]]   # one per sentence of every chunk, in order


class VectorSegmentDamaged(RuntimeError):
    """Chroma lost its vector segment (a process killed before its first flush): rebuild it."""


class SentenceVectors:
    """Unit sentence vectors per chunk, quantised to int8, in one SQLite table per embedder.

    Written before the chunk's Chroma vector (a chunk vector present means the
    chunk is complete) and read by chunk id; a rollback journal rather than WAL,
    so a read-only index can still be read. One connection, guarded by a lock:
    each call is a single short statement, and threads may share the index.
    """

    def __init__(self, path: Path, table: str, readonly: bool = False):
        self.path = path
        self.table = '"' + table.replace('"', "") + '"'
        self._lock = threading.Lock()
        if readonly and not path.exists():
            self._db = sqlite3.connect(":memory:", check_same_thread=False)   # nothing ingested yet: empty
        elif readonly:
            self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)   # the ingest may open us before the store
            self._db = sqlite3.connect(path, check_same_thread=False)
        self._readonly = readonly and path.exists()
        if not self._readonly:
            with self._lock, self._db:
                self._db.execute(f"CREATE TABLE IF NOT EXISTS {self.table} "
                                 "(chunk_id TEXT PRIMARY KEY, dim INTEGER NOT NULL, vectors BLOB NOT NULL)")

    def _has_table(self) -> bool:
        row = self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (self.table.strip('"'),)).fetchone()
        return row is not None

    def close(self) -> None:
        self._db.close()

    def put(self, rows: list[tuple[str, np.ndarray]]) -> None:
        with self._lock, self._db:
            self._db.executemany(f"INSERT OR REPLACE INTO {self.table} VALUES (?, ?, ?)",
                                 [(cid, m.shape[1], _pack(m)) for cid, m in rows])

    def get(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """The (sentences × dim) float32 matrix of each chunk that has one."""
        out: dict[str, np.ndarray] = {}
        if self._readonly and not self._has_table():
            return out
        for start in range(0, len(chunk_ids), 500):
            part = chunk_ids[start:start + 500]
            with self._lock:
                rows = self._db.execute(f"SELECT chunk_id, dim, vectors FROM {self.table} "
                                        f"WHERE chunk_id IN ({','.join('?' * len(part))})", part).fetchall()
            for cid, dim, blob in rows:
                out[cid] = _unpack(blob, dim)
        return out

    def delete(self, chunk_ids: list[str]) -> None:
        with self._lock, self._db:
            for start in range(0, len(chunk_ids), 500):
                part = chunk_ids[start:start + 500]
                self._db.execute(f"DELETE FROM {self.table} WHERE chunk_id IN ({','.join('?' * len(part))})", part)

    def ids(self) -> set[str]:
        if self._readonly and not self._has_table():
            return set()
        with self._lock:
            return {r[0] for r in self._db.execute(f"SELECT chunk_id FROM {self.table}")}


def _pack(m: np.ndarray) -> bytes:
    """Unit vectors as int8 with one float32 scale each: 516 bytes a 512-d sentence, not 2 KB.

    Rounding moves a cosine by under 0.002 (each component by half a step of
    max|v| / 127), well below the gaps that order sentences."""
    unit = _unit(np.atleast_2d(m))
    scale = np.abs(unit).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.round(unit / scale[:, None]).astype(np.int8)
    return scale.astype(np.float32).tobytes() + q.tobytes()


def _unpack(blob: bytes, dim: int) -> np.ndarray:
    n = len(blob) // (4 + dim)
    scale = np.frombuffer(blob, dtype=np.float32, count=n)
    q = np.frombuffer(blob, dtype=np.int8, offset=4 * n).reshape(n, dim)
    return q.astype(np.float32) * scale[:, None]


def _unit(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    norms = np.linalg.norm(m, axis=-1, keepdims=True)
    return m / np.where(norms > 0, norms, 1.0)


class VectorIndex:
    """One vector per chunk in a Chroma collection per embedder; one per sentence beside it.

    USE is a sentence encoder: a question lands nearer the one sentence that
    answers it than the average of a 400-character passage. A chunk scores
    ``SENTENCE_WEIGHT`` × its best sentence + the rest × its own vector
    (measured on the development set: README, "Fusion"). Chroma finds the
    chunk candidates (``RESCORE_DEPTH`` × k of them); their sentences are
    scored with numpy, so the cost of the sentence half no longer grows with
    the index nor with k × sentences per chunk.
    """

    def __init__(self, index_dir: str | Path, embedder: BaseEmbedding, url: str | None = None, *,
                 readonly: bool = False):
        self.embedder = embedder
        self.url = server_url(url)
        self.client = chroma_client(index_dir, self.url)
        # On a server, the index's own id keeps its collections apart from other indexes'.
        # The ingest writes the id; a reader of an index made before ids uses the old name.
        owner = index_id(index_dir, create=not readonly) if self.url else None
        self.name = _collection_name(embedder, owner)
        self._readonly_open = readonly
        self._last_query: tuple[str, np.ndarray] | None = None
        try:
            self.sentences = SentenceVectors(Path(index_dir) / SENTENCE_FILE, self.name, readonly)
            self._open()
        except Exception as e:  # noqa: BLE001 - e.g. a read-only embedded folder
            self.close()
            raise IndexUnavailable(f"cannot open the vector index: {_one_line(e)}") from e

    def close(self) -> None:
        """Release the client; the last one out stops the embedded Chroma, so the next open reads the disk afresh."""
        if getattr(self, "sentences", None) is not None:
            self.sentences.close()
        try:
            self.client.close()
        except Exception:  # noqa: BLE001 - closing a dead server connection must not fail the caller
            pass

    def _open(self) -> None:
        self.collection = self.client.get_or_create_collection(
            self.name, metadata={"hnsw:space": "cosine", "hnsw:sync_threshold": SYNC_THRESHOLD})
        if not self._readonly_open:
            _upgrade_sync_threshold(self.collection)


    def repair_if_damaged(self) -> bool:
        """Drop a collection whose vector segment is unreadable; reconciliation refills it."""
        legacy = f"{self.name}-sentences"   # sentence vectors lived in Chroma before: reclaim the space
        if legacy in {c if isinstance(c, str) else c.name for c in self.client.list_collections()}:
            self.client.delete_collection(legacy)
        if self.collection.count() == 0:
            return False
        try:
            probe = self.collection.get(limit=1, include=["embeddings"])["embeddings"][0]
            self.collection.query(query_embeddings=[list(probe)], n_results=1, include=[])
        except chromadb.errors.ChromaError as e:
            if "hnsw" not in str(e).lower():
                raise
            self.client.delete_collection(self.name)
            self._open()
            return True
        return False

    # -- writing -------------------------------------------------------------

    def embed(self, chunks: list[Chunk]) -> "Embedded":
        """Vectors for the chunks (context + text) and for each of their sentences."""
        sentences = [t for c in chunks for t in c.sentence_texts()]
        return Embedded(self.embedder.get_text_embedding_batch([indexed_text(c) for c in chunks]),
                        self.embedder.get_text_embedding_batch(sentences))

    def add(self, chunks: list[Chunk], embedded: "Embedded | None" = None) -> None:
        """Index chunks and their sentences, embedding them unless ``embedded`` is given.

        A chunk whose vector is already there is skipped (an unchanged passage
        of a changed file keeps its id), so calling this twice is harmless.
        """
        present: set[str] = set()
        for start in range(0, len(chunks), _BATCH):
            part = [c.chunk_id for c in chunks[start:start + _BATCH]]
            present.update(self.collection.get(ids=part, include=[])["ids"])
        if embedded is None:
            chunks = [c for c in chunks if c.chunk_id not in present]
            embedded = self.embed(chunks)
        new: list[tuple[Chunk, list[float]]] = []
        sentence_rows: list[tuple[str, np.ndarray]] = []
        sentence_vectors = iter(embedded.sentences)
        for chunk, vector in zip(chunks, embedded.chunks, strict=True):
            matrix = np.asarray([next(sentence_vectors) for _ in chunk.sentence_texts()], dtype=np.float32)
            if chunk.chunk_id in present:
                continue
            new.append((chunk, vector))
            sentence_rows.append((chunk.chunk_id, matrix))
        # Sentences first: a chunk vector present means the chunk is complete.
        self.sentences.put(sentence_rows)
        for start in range(0, len(new), _BATCH):
            part = new[start:start + _BATCH]
            self.collection.upsert(ids=[c.chunk_id for c, _ in part], embeddings=[v for _, v in part],
                                   metadatas=[_metadata(c) for c, _ in part])

    def delete(self, chunk_ids: list[str]) -> None:
        for start in range(0, len(chunk_ids), _BATCH):
            self.collection.delete(ids=chunk_ids[start:start + _BATCH])
        self.sentences.delete(chunk_ids)

    # -- reading -------------------------------------------------------------

    def all_ids(self) -> set[str]:
        """Chunk ids with any vector, chunk-level or sentence-level."""
        return self._chunk_level_ids() | self.sentences.ids()

    def complete_ids(self) -> set[str]:
        """Chunk ids with their chunk vector and their sentence vectors."""
        return self._chunk_level_ids() & self.sentences.ids()

    def _chunk_level_ids(self) -> set[str]:
        return set(self.collection.get(include=[])["ids"])

    def count(self) -> int:
        return self.collection.count()

    def sentence_vectors(self, chunks: list[Chunk]) -> dict[tuple[str, int], np.ndarray]:
        """The stored unit vector of every sentence of these chunks, keyed by (chunk_id, sentence index)."""
        return {(cid, i): row for cid, m in self.sentences.get([c.chunk_id for c in chunks]).items()
                for i, row in enumerate(m)}

    def query_vector(self, query: str) -> np.ndarray:
        """The query's unit vector; the last one is kept, as a search and its neighbourhood ask for it twice."""
        last = self._last_query      # read once: threads may share this index
        if last is None or last[0] != query:
            last = self._last_query = (query, _unit(np.asarray(self.embedder.get_query_embedding(query),
                                                               dtype=np.float32)))
        return last[1]

    def rank_within(self, query: str, chunk_ids: list[str], k: int) -> list[str]:
        """The k of these chunks closest to the query, every one of them scored (no approximate search): by
        their stored sentence vectors, SENTENCE_WEIGHT x the best sentence + the rest x the sentences' mean
        direction, which stands in for the chunk's own vector (that one lives in Chroma, a query away)."""
        vector = self.query_vector(query)
        scores = {}
        for cid, m in self.sentences.get(chunk_ids).items():
            mean = m.mean(axis=0)
            norm = float(np.linalg.norm(mean))
            scores[cid] = _chunk_score(m, vector, float(mean @ vector) / norm if norm > 0 else 0.0)
        return sorted(scores, key=scores.get, reverse=True)[:k]

    def search(self, query: str, k: int = 10, doc_ids: list[str] | None = None,
               section: str | None = None) -> list[tuple[str, float]]:
        """(chunk_id, score), best first."""
        vector = self.query_vector(query)
        try:
            hits = self.collection.query(query_embeddings=[vector.tolist()], n_results=RESCORE_DEPTH * k,
                                         where=_where(doc_ids, section), include=["distances"])
        except chromadb.errors.ChromaError as e:
            if "hnsw" in str(e).lower():
                raise VectorSegmentDamaged("the vector index is damaged; `policyqa ingest` repairs it") from e
            raise
        ids = hits["ids"][0] if hits["ids"] else []
        if not ids:
            return []
        chunk_sim = {cid: 1.0 - d for cid, d in zip(ids, hits["distances"][0])}   # cosine distance
        sentences = self.sentences.get(ids)
        scores = {cid: _chunk_score(sentences[cid], vector, sim) if cid in sentences else sim
                  for cid, sim in chunk_sim.items()}
        return sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:k]


def _chunk_score(sentences: np.ndarray, vector: np.ndarray, chunk_sim: float) -> float:
    """SENTENCE_WEIGHT x the chunk's best sentence's cosine to the query + the rest x the chunk's own."""
    return SENTENCE_WEIGHT * float((sentences @ vector).max()) + (1 - SENTENCE_WEIGHT) * chunk_sim


def compact_embedded(index_dir: str | Path) -> int:
    """Give the pages Chroma's purged log left free back to the disk; returns the pages freed.

    Chroma deletes log rows once their vectors are in HNSW, but SQLite keeps the
    freed pages in its file (the file stays at its high-water mark: at 1x that
    was ~4 KB a chunk of nothing). ``VACUUM`` rewrites the file without them, as
    Chroma's own ``chroma vacuum`` does; only when over a quarter of it is free,
    so an index that only grew a little is not rewritten. It needs a moment with
    no other reader in the file: if one is there, it is skipped (the next ingest
    tries again)."""
    path = Path(index_dir) / CHROMA_DIR / "chroma.sqlite3"
    if not path.is_file():
        return 0
    db = sqlite3.connect(path, timeout=1.0)
    try:
        free = db.execute("PRAGMA freelist_count").fetchone()[0]
        if free * 4 < db.execute("PRAGMA page_count").fetchone()[0]:
            return 0
        db.execute("VACUUM")
        return free
    except sqlite3.Error:
        return 0
    finally:
        db.close()


def _upgrade_sync_threshold(collection) -> None:
    """A collection made before SYNC_THRESHOLD (Chroma's default 1,000) gets it; the next write purges its log."""
    try:
        current = (collection.configuration_json or {}).get("hnsw", {}).get("sync_threshold")
        if current is not None and current != SYNC_THRESHOLD:
            collection.modify(configuration={"hnsw": {"sync_threshold": SYNC_THRESHOLD}})
    except Exception:  # noqa: BLE001 - an older server without configuration updates: the index still works
        pass


def _metadata(chunk: Chunk) -> dict[str, str]:
    """What the filters need, nothing more: the text lives in the chunk store."""
    metadata = {"doc_id": chunk.doc_id}
    for depth, heading in enumerate(chunk.section[:MAX_SECTION_DEPTH]):
        metadata[f"section{depth}"] = heading   # levels a chunk lacks are left out: no filter asks for ""
    return metadata


def _where(doc_ids: list[str] | None, section: str | None) -> dict | None:
    parts: list[dict] = []
    if doc_ids:
        parts.append({"doc_id": {"$in": list(doc_ids)}})
    if section:
        parts.append({"$or": [{f"section{d}": section} for d in range(MAX_SECTION_DEPTH)]})
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}
