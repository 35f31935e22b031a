"""The compact index: what Chroma holds, where sentence vectors live, and that re-scoring still finds them.

Real parts: the USE embedder, embedded Chroma, the bundled corpus ingested once
(the shared ``corpus_index`` fixture).
"""

from __future__ import annotations

import numpy as np

from index.embeddings import get_embedder
from index.retrieve import Retriever
from index.store import ChunkStore
from index.vectors import SENTENCE_FILE, VectorIndex, _pack, _unit, _unpack


def _vectors(index_dir) -> VectorIndex:
    return VectorIndex(index_dir, get_embedder())


def test_chroma_holds_vectors_and_filter_fields_but_no_text(corpus_index):
    v = _vectors(corpus_index)
    got = v.collection.get(limit=5, include=["documents", "metadatas"])
    assert got["ids"]
    assert all(d is None for d in got["documents"]), "the chunk store keeps the text; Chroma must not"
    assert all(set(m) == {"doc_id", "section0", "section1", "section2", "section3"} for m in got["metadatas"])
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
