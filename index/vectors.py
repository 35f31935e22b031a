"""Dense vectors in Chroma, through llama-index's `ChromaVectorStore`.

Embedded and persistent by default (``<index>/chroma``); with a URL
(``--chroma-url`` or ``$POLICYQA_CHROMA_URL``) every command talks to a Chroma
server instead. One collection per embedder, so switching models never mixes
vector spaces. Vectors are keyed by chunk id; the chunk store is the record of
which ids are live, and this class only follows it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores.types import (
    FilterCondition, MetadataFilter, MetadataFilters, VectorStoreQuery,
)
from llama_index.vector_stores.chroma import ChromaVectorStore

from ingest.records import Chunk

from .keyword import indexed_text

CHROMA_DIR = "chroma"
MAX_SECTION_DEPTH = 4   # section filter matches any of the first four heading levels
_BATCH = 2000           # Chroma's add limit is ~41k; keep requests modest


def chroma_client(index_dir: str | Path, url: str | None = None):
    url = url or os.environ.get("POLICYQA_CHROMA_URL")
    settings = Settings(anonymized_telemetry=False)
    if url:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        return chromadb.HttpClient(host=parsed.hostname or "localhost", port=parsed.port or 8000,
                                   ssl=parsed.scheme == "https", settings=settings)
    return chromadb.PersistentClient(path=str(Path(index_dir) / CHROMA_DIR), settings=settings)


def _collection_name(embedder: BaseEmbedding) -> str:
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", embedder.model_name).strip("-")[:40]
    return f"policyqa-{slug}"


class VectorIndex:
    def __init__(self, index_dir: str | Path, embedder: BaseEmbedding, url: str | None = None):
        self.embedder = embedder
        client = chroma_client(index_dir, url)
        self.collection = client.get_or_create_collection(
            _collection_name(embedder), metadata={"hnsw:space": "cosine"})
        self.store = ChromaVectorStore(chroma_collection=self.collection)

    # -- writing -------------------------------------------------------------

    def add(self, chunks: list[Chunk], embeddings: list[list[float]] | None = None) -> None:
        """Add chunks not yet present (present ids are skipped, so a re-run is harmless)."""
        have = self.ids_present([c.chunk_id for c in chunks])
        todo = [(i, c) for i, c in enumerate(chunks) if c.chunk_id not in have]
        if not todo:
            return
        if embeddings is None:
            vectors = self.embedder.get_text_embedding_batch([indexed_text(c) for _, c in todo])
        else:
            vectors = [embeddings[i] for i, _ in todo]
        nodes = [_node(c, v) for (_, c), v in zip(todo, vectors)]
        for start in range(0, len(nodes), _BATCH):
            self.store.add(nodes[start:start + _BATCH])

    def delete(self, chunk_ids: list[str]) -> None:
        for start in range(0, len(chunk_ids), _BATCH):
            self.store.delete_nodes(node_ids=chunk_ids[start:start + _BATCH])

    # -- reading -------------------------------------------------------------

    def ids_present(self, chunk_ids: list[str]) -> set[str]:
        present: set[str] = set()
        for start in range(0, len(chunk_ids), _BATCH):
            present.update(self.collection.get(ids=chunk_ids[start:start + _BATCH], include=[])["ids"])
        return present

    def all_ids(self) -> set[str]:
        return set(self.collection.get(include=[])["ids"])

    def count(self) -> int:
        return self.collection.count()

    def search(self, query: str, k: int = 10, doc_ids: list[str] | None = None,
               section: str | None = None) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity), best first."""
        filters = _filters(doc_ids, section)
        result = self.store.query(VectorStoreQuery(
            query_embedding=self.embedder.get_query_embedding(query),
            similarity_top_k=k, filters=filters))
        return list(zip(result.ids or [], result.similarities or []))


def _node(chunk: Chunk, vector: list[float]) -> TextNode:
    metadata = {"doc_id": chunk.doc_id, "page": chunk.page}
    for depth in range(MAX_SECTION_DEPTH):
        metadata[f"section{depth}"] = chunk.section[depth] if depth < len(chunk.section) else ""
    node = TextNode(id_=chunk.chunk_id, text=indexed_text(chunk), embedding=vector, metadata=metadata)
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
