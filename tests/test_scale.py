"""The compact index: what Chroma holds, where sentence vectors live, and that re-scoring still finds them.

Real parts: the USE embedder, embedded Chroma, the bundled corpus ingested once
(the shared ``corpus_index`` fixture).
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from index.embeddings import get_embedder
from index.errors import IndexUnavailable
from index.keyword import KeywordIndex
from index.pipeline import ingest
from index.retrieve import Retriever
from index.store import SCHEMA_VERSION, STORE_FILE, ChunkStore, _pack_terms, _unpack_terms
from index.vectors import CHROMA_DIR, SENTENCE_FILE, SYNC_THRESHOLD, VectorIndex, _pack, _unit, _unpack

from .conftest import corpus_pdf


def _vectors(index_dir) -> VectorIndex:
    return VectorIndex(index_dir, get_embedder())


def test_chroma_holds_vectors_and_filter_fields_but_no_text(corpus_index):
    v = _vectors(corpus_index)
    got = v.collection.get(limit=5, include=["documents", "metadatas"])
    assert got["ids"]
    assert all(d is None for d in got["documents"]), "the chunk store keeps the text; Chroma must not"
    # Only the filter fields, and only the section levels a chunk has (no empty strings kept per chunk).
    assert all("doc_id" in m and set(m) <= {"doc_id", "section0", "section1", "section2", "section3"}
               and all(m.values()) for m in got["metadatas"])
    names = {c if isinstance(c, str) else c.name for c in v.client.list_collections()}
    assert names == {v.name}, "sentence vectors are not an HNSW collection any more"


def test_every_chunk_has_its_sentence_vectors_beside_the_store(corpus_index):
    assert (corpus_index / SENTENCE_FILE).is_file()
    v = _vectors(corpus_index)
    with ChunkStore(corpus_index) as store:
        chunks = list(store.chunks())
    assert v.complete_ids() == {c.chunk_id for c in chunks}
    stored = v.sentence_vectors(chunks[:5])
    assert set(stored) == {(c.chunk_id, i) for c in chunks[:5] for i in range(len(c.sentence_texts()))}
    # The stored vector is the embedder's own, to rounding.
    chunk = chunks[0]
    fresh = _unit(np.asarray(get_embedder().get_text_embedding_batch(chunk.sentence_texts()), dtype=np.float32))
    for i, row in enumerate(fresh):
        assert float(stored[(chunk.chunk_id, i)] @ row) > 0.99


def test_quantised_vectors_keep_cosines():
    rng = np.random.default_rng(0)
    m, q = rng.normal(size=(9, 512)), _unit(rng.normal(size=512))
    back = _unpack(_pack(m), 512)
    assert back.shape == (9, 512)
    assert np.abs(back @ q - _unit(m) @ q).max() < 0.002
    assert len(_pack(m)) == 9 * (512 + 4)


def test_a_sentence_asked_verbatim_brings_its_chunk_first(corpus_index):
    with ChunkStore(corpus_index) as store:
        chunk = next(c for c in store.chunks("004_cluster_best_practices_2010") if len(c.sentence_texts()) >= 3)
    sentence = max(chunk.sentence_texts(), key=len)
    with Retriever(corpus_index) as r:
        top = r.vectors.search(sentence, 5)
        assert top[0][0] == chunk.chunk_id, (sentence, top)
        assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)
        # Filters go to Chroma as its own where clause.
        only = r.vectors.search(sentence, 5, doc_ids=["002_knowledge_cluster_initiative"])
        assert only and all(cid.startswith("002") for cid, _ in only)


def test_old_sentence_collection_is_reclaimed(tmp_path):
    v = VectorIndex(tmp_path, get_embedder())
    v.client.get_or_create_collection(f"{v.name}-sentences").add(ids=["x"], embeddings=[[0.1] * 512])
    v.repair_if_damaged()
    names = {c if isinstance(c, str) else c.name for c in v.client.list_collections()}
    assert f"{v.name}-sentences" not in names


def test_chroma_purges_its_log_once_vectors_are_in_hnsw(corpus_index):
    """Chroma's write-ahead log keeps a copy of each vector until HNSW is persisted; it must not keep them all."""
    with ChunkStore(corpus_index) as store:
        chunks = store.count_chunks()
    assert chunks > SYNC_THRESHOLD, "the corpus is too small to show the purge"
    v = _vectors(corpus_index)
    assert v.collection.configuration_json["hnsw"]["sync_threshold"] == SYNC_THRESHOLD
    v.close()
    db = sqlite3.connect(f"{(corpus_index / CHROMA_DIR / 'chroma.sqlite3').as_uri()}?mode=ro", uri=True)
    logged = db.execute("SELECT COUNT(*) FROM embeddings_queue").fetchone()[0]
    db.close()
    assert logged <= SYNC_THRESHOLD, f"{logged} of {chunks} vectors still in Chroma's log"
    # ... and the ingest gave the purged log's pages back (SQLite keeps freed pages in the file).
    db = sqlite3.connect(f"{(corpus_index / CHROMA_DIR / 'chroma.sqlite3').as_uri()}?mode=ro", uri=True)
    free, pages = (db.execute(f"PRAGMA {p}").fetchone()[0] for p in ("freelist_count", "page_count"))
    db.close()
    assert free * 4 < pages, f"{free} of {pages} pages of chroma.sqlite3 free after the ingest"


def test_a_collection_made_with_chromas_default_threshold_is_upgraded_by_the_next_writer(tmp_path):
    v = VectorIndex(tmp_path, get_embedder())
    v.client.delete_collection(v.name)
    v.client.create_collection(v.name, metadata={"hnsw:space": "cosine"})   # as indexes made before
    v.close()
    v = VectorIndex(tmp_path, get_embedder())
    assert v.collection.configuration_json["hnsw"]["sync_threshold"] == SYNC_THRESHOLD
    v.close()


def test_terms_round_trip_compressed():
    terms = ["産業", "クラスター", "it", "産業", "13", "セールス"]
    assert _unpack_terms(_pack_terms(terms)) == terms
    assert _unpack_terms(_pack_terms([])) == []
    assert len(_pack_terms(terms * 50)) < len("".join(terms * 50).encode()) / 5


def test_keyword_index_is_memory_mapped_and_matches_a_fresh_build(corpus_index):
    with ChunkStore(corpus_index, readonly=True) as store:
        loaded = KeywordIndex.load(store)   # the cache the ingest wrote
        fresh = KeywordIndex.build(store.terms())
    assert isinstance(loaded._bm25.scores["data"], np.memmap), "the BM25 matrix is read from disk as needed"
    assert loaded.ids == fresh.ids
    for query in ("産業クラスター", "知的クラスター創成事業", "販路開拓"):
        assert [(h.chunk_id, round(h.score, 4)) for h in loaded.search(query, 10)] == \
               [(h.chunk_id, round(h.score, 4)) for h in fresh.search(query, 10)]


def test_a_store_of_the_previous_schema_is_refused_by_readers_and_rebuilt_by_the_next_ingest(tmp_path):
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    db = sqlite3.connect(index_dir / STORE_FILE)   # what schema 5 wrote: text columns, JSON terms
    db.executescript("CREATE TABLE documents (doc_id TEXT PRIMARY KEY, path TEXT, sha256 TEXT, title TEXT, "
                     "pages INTEGER, warnings TEXT, text TEXT, ingested_at REAL);"
                     "INSERT INTO documents VALUES ('old', 'old.pdf', 'x', 'old', 1, '[]', 'text', 0);"
                     f"PRAGMA user_version = {SCHEMA_VERSION - 1};")
    db.close()
    with pytest.raises(IndexUnavailable, match="another version"):
        ChunkStore(index_dir, readonly=True)
    report = ingest([corpus_pdf("002")], index_dir)
    assert not report.failed and report.count("added") == 1
    with Retriever(index_dir) as r:
        assert [d.doc_id for d in r.store.documents()] == ["002_knowledge_cluster_initiative"]
        hits = r.search("知的クラスター", 5)
        assert hits and all(p.chunk.line_boxes for p in hits)
        text = r.store.document_text("002_knowledge_cluster_initiative")
        chunk = hits[0].chunk
        assert chunk.text[:20] in text[chunk.char_start:chunk.char_end]
