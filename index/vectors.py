"""Dense vectors in Chroma, through llama-index's `ChromaVectorStore`.

Embedded and persistent by default (``<index>/chroma``); with a URL
(``--chroma-url`` or ``$POLICYQA_CHROMA_URL``) every command talks to a Chroma
server instead. One collection per embedder, so switching models never mixes
vector spaces; on a server the collections also carry the index's own id
(``<index>/index-id``), so indexes sharing a server never touch each other's
vectors. Vectors are keyed by chunk id; the chunk store is the record of
which ids are live, and this class only follows it.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import chromadb
import chromadb.errors
from chromadb.config import Settings
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores.types import (
    FilterCondition, MetadataFilter, MetadataFilters, VectorStoreQuery,
)
from llama_index.vector_stores.chroma import ChromaVectorStore
from llama_index.vector_stores.chroma.base import _to_chroma_filter

from ingest.records import Chunk

from .errors import IndexUnavailable
from .keyword import indexed_text
from .store import index_id

CHROMA_DIR = "chroma"
MAX_SECTION_DEPTH = 4   # section filter matches any of the first four heading levels
_BATCH = 2000           # Chroma's add limit is ~41k; keep requests modest
SENTENCE_WEIGHT = 0.7   # chunk score = 0.7 best sentence + 0.3 whole chunk (dev set: 0.5-0.7 best, 1.0 worse)
SENTENCES_PER_CHUNK = 4 # how many sentence hits to fetch per chunk wanted


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


class VectorIndex:
    """Two Chroma collections per embedder: one vector per chunk, one per sentence.

    USE is a sentence encoder: a question lands nearer the one sentence that
    answers it than the average of a 400-character passage. A chunk scores
    ``SENTENCE_WEIGHT`` × its best sentence + the rest × its own vector
    (measured on the development set: README, "Fusion").
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
        try:
            self._open()
        except Exception as e:  # noqa: BLE001 - e.g. a read-only embedded folder
            self.close()
            raise IndexUnavailable(f"cannot open the vector index: {_one_line(e)}") from e

    def close(self) -> None:
        """Release the client; the last one out stops the embedded Chroma, so the next open reads the disk afresh."""
        try:
            self.client.close()
        except Exception:  # noqa: BLE001 - closing a dead server connection must not fail the caller
            pass

    def _open(self) -> None:
        self.collection = self.client.get_or_create_collection(self.name, metadata={"hnsw:space": "cosine"})
        self.sentences = self.client.get_or_create_collection(
            f"{self.name}-sentences", metadata={"hnsw:space": "cosine"})
        self.store = ChromaVectorStore(chroma_collection=self.collection)
        self.sentence_store = ChromaVectorStore(chroma_collection=self.sentences)

    def repair_if_damaged(self) -> bool:
        """Drop collections whose vector segment is unreadable; reconciliation refills them."""
        damaged = False
        for collection in (self.collection, self.sentences):
            if collection.count() == 0:
                continue
            try:
                probe = collection.get(limit=1, include=["embeddings"])["embeddings"][0]
                collection.query(query_embeddings=[list(probe)], n_results=1, include=[])
            except chromadb.errors.ChromaError as e:
                if "hnsw" not in str(e).lower():
                    raise
                damaged = True
        if damaged:
            for name in (self.name, f"{self.name}-sentences"):
                self.client.delete_collection(name)
            self._open()
        return damaged

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
            embedded = self.embed([c for c in chunks if c.chunk_id not in present])
            chunks = [c for c in chunks if c.chunk_id not in present]
        chunk_nodes, sentence_nodes = [], []
        sentence_vectors = iter(embedded.sentences)
        for chunk, vector in zip(chunks, embedded.chunks, strict=True):
            vectors = [next(sentence_vectors) for _ in chunk.sentence_texts()]
            if chunk.chunk_id in present:
                continue
            chunk_nodes.append(_node(chunk, vector))
            sentence_nodes += [_node(chunk, v, text=t, node_id=f"{chunk.chunk_id}#{i}")
                               for i, (t, v) in enumerate(zip(chunk.sentence_texts(), vectors))]
        # Sentences first: a chunk vector present means the chunk is complete.
        for store, nodes in ((self.sentence_store, sentence_nodes), (self.store, chunk_nodes)):
            for start in range(0, len(nodes), _BATCH):
                store.add(nodes[start:start + _BATCH])

    def delete(self, chunk_ids: list[str]) -> None:
        for start in range(0, len(chunk_ids), _BATCH):
            part = chunk_ids[start:start + _BATCH]
            self.collection.delete(ids=part)
            self.sentences.delete(where={"chunk_id": {"$in": part}})

    # -- reading -------------------------------------------------------------

    def all_ids(self) -> set[str]:
        """Chunk ids with any vector in either collection."""
        return self._chunk_level_ids() | self._sentence_level_ids()

    def complete_ids(self) -> set[str]:
        """Chunk ids with their chunk vector and their sentence vectors."""
        return self._chunk_level_ids() & self._sentence_level_ids()

    def _chunk_level_ids(self) -> set[str]:
        return set(self.collection.get(include=[])["ids"])

    def _sentence_level_ids(self) -> set[str]:
        return {m["chunk_id"] for m in self.sentences.get(include=["metadatas"])["metadatas"]}

    def count(self) -> int:
        return self.collection.count()

    def sentence_vectors(self, chunks: list[Chunk]) -> dict[tuple[str, int], list[float]]:
        """The stored vector of every sentence of these chunks, keyed by (chunk_id, sentence index)."""
        ids = [f"{c.chunk_id}#{i}" for c in chunks for i in range(len(c.sentence_texts()))]
        found: dict[tuple[str, int], list[float]] = {}
        for start in range(0, len(ids), _BATCH):
            got = self.sentences.get(ids=ids[start:start + _BATCH], include=["embeddings"])
            for node_id, vector in zip(got["ids"], got["embeddings"]):
                chunk_id, _, n = node_id.rpartition("#")
                found[(chunk_id, int(n))] = vector
        return found

    def search(self, query: str, k: int = 10, doc_ids: list[str] | None = None,
               section: str | None = None) -> list[tuple[str, float]]:
        """(chunk_id, score), best first."""
        if self.count() == 0:
            return []
        filters = _filters(doc_ids, section)
        vector = self.embedder.get_query_embedding(query)
        try:
            by_chunk = self.store.query(VectorStoreQuery(
                query_embedding=vector, similarity_top_k=k, filters=filters))
            # Straight to Chroma: turning hundreds of sentence hits into llama-index
            # nodes costs more than the search itself, and only their chunk ids matter.
            by_sentence = self.sentences.query(
                query_embeddings=[vector], n_results=min(k * SENTENCES_PER_CHUNK, self.sentences.count()),
                where=_to_chroma_filter(filters) if filters else None, include=["metadatas", "distances"])
        except chromadb.errors.ChromaError as e:
            if "hnsw" in str(e).lower():
                raise VectorSegmentDamaged("the vector index is damaged; `policyqa ingest` repairs it") from e
            raise
        # ChromaVectorStore reports exp(-cosine distance); turn it back into cosine similarity.
        chunk_sim = {cid: 1.0 + math.log(s) for cid, s in zip(by_chunk.ids or [], by_chunk.similarities or [])}
        best_sentence: dict[str, float] = {}
        for meta, distance in zip(by_sentence["metadatas"][0], by_sentence["distances"][0]):
            if meta is None:  # a vector another process deleted after this one loaded the segment
                continue
            cid = meta["chunk_id"]
            best_sentence[cid] = max(1.0 - distance, best_sentence.get(cid, -1.0))  # cosine distance
        # A chunk one query missed scores as the worst the other query returned.
        floor_chunk = min(chunk_sim.values(), default=0.0)
        floor_sentence = min(best_sentence.values(), default=0.0)
        scores = {cid: SENTENCE_WEIGHT * best_sentence.get(cid, floor_sentence)
                  + (1 - SENTENCE_WEIGHT) * chunk_sim.get(cid, floor_chunk)
                  for cid in chunk_sim.keys() | best_sentence.keys()}
        return sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:k]


def _node(chunk: Chunk, vector: list[float], text: str | None = None, node_id: str | None = None) -> TextNode:
    metadata = {"chunk_id": chunk.chunk_id, "doc_id": chunk.doc_id, "page": chunk.page}
    for depth in range(MAX_SECTION_DEPTH):
        metadata[f"section{depth}"] = chunk.section[depth] if depth < len(chunk.section) else ""
    node = TextNode(id_=node_id or chunk.chunk_id, text=text if text is not None else indexed_text(chunk),
                    embedding=vector, metadata=metadata)
    # llama-index deletes by source document; name ours so that works too.
    node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=chunk.doc_id)
    return node


def _filters(doc_ids: list[str] | None, section: str | None) -> MetadataFilters | None:
    parts: list[MetadataFilters | MetadataFilter] = []
    if doc_ids:
        parts.append(MetadataFilters(filters=[MetadataFilter(key="doc_id", value=d) for d in doc_ids],
                                     condition=FilterCondition.OR))
    if section:
        parts.append(MetadataFilters(
            filters=[MetadataFilter(key=f"section{d}", value=section) for d in range(MAX_SECTION_DEPTH)],
            condition=FilterCondition.OR))
    if not parts:
        return None
    return MetadataFilters(filters=parts, condition=FilterCondition.AND)
