"""The peers the project is measured against: what a user gets without our retrieval and answers.

- ``vanilla-llamaindex``: a bare llama-index retriever as its documentation builds one —
  pdfplumber page text, ``SentenceSplitter()`` defaults, ``VectorStoreIndex`` over its own
  Chroma, the same embedder. A retriever gives no answer, so its answer is the naive one its
  user reads: the first two sentences of the top passage, quoted and cited [1].
- ``plain-hybrid``: the textbook hybrid over our clean text — the documents' clean text (as the
  index stored it) cut by ``SentenceSplitter()`` into ~1024-token chunks, BM25 over the same
  Sudachi terms as ours (``index.terms``), the same USE vectors (``index.get_embedder``), the two
  rankings fused by unweighted reciprocal rank fusion (k = 60), one weight for every language.
  Its answer is naive and extractive: the three sentences of its top five passages closest to
  the question by USE cosine, quoted in that order and cited.

Both read the index through its public API only (``index.Retriever``: the documents it holds,
their clean text, its generation) and never refuse. Each is built once per index content and
cached on disk (``cache_dir``): a second run over an unchanged index opens the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

VANILLA = "vanilla-llamaindex"
PLAIN = "plain-hybrid"
PEERS = (PLAIN, VANILLA)
# Bump when a peer's build changes, so an old cache is never read as the new peer's.
PEER_VERSION = 1

K = 10                      # passages a peer returns (the ranking scored by eval.metrics)
RRF_K = 60                  # reciprocal rank fusion's usual constant
CANDIDATES = 100            # how deep each plain-hybrid leg looks before fusion (as ours)
VANILLA_SENTENCES = 2       # the vanilla answer: the top passage's first sentences
VANILLA_MAX_QUOTE = 240     # characters: a "sentence" of a slide page without 。 can run on for a page
PLAIN_PASSAGES = 5          # the plain-hybrid answer reads its top five passages...
PLAIN_SENTENCES = 3         # ...and quotes the three sentences closest to the question


@dataclass
class PeerReply:
    """One question through a peer: its answer (shaped as ``Answer.as_json()``) and its ranking."""
    answer: dict
    texts: list[str]
    doc_ids: list[str]
    timings: dict[str, float] = field(default_factory=dict)   # ms: retrieve, extract, total


# ---------------------------------------------------------------- naive answers

_SENTENCE_END = re.compile(r"(?<=[。．！？!?])|(?<=\.)(?=\s)")


def first_sentences(text: str, n: int = VANILLA_SENTENCES, limit: int = VANILLA_MAX_QUOTE) -> str:
    """The first ``n`` sentences of ``text`` (ending at 。．！？!? or a full stop before a space),
    verbatim, at most ``limit`` characters."""
    text = text.strip()
    pieces = [p for p in _SENTENCE_END.split(text) if p.strip()]
    quote = "".join(pieces[:n]).strip() if pieces else text
    return quote[:limit].rstrip()


def quoted_answer(question: str, language: str, quotes: Sequence[tuple[str, str]]) -> dict:
    """An answer that quotes each (text, doc id) 「…」[n] and cites it; it always answers."""
    quotes = [(t, d) for t, d in quotes if t.strip()]
    return {"question": question, "language": language,
            "answer": "".join(f"「{t}」[{n}]" for n, (t, _) in enumerate(quotes, start=1)),
            "answerable": True, "confidence": 0.0,
            "citations": [{"n": n, "chunk_id": "", "doc_id": d, "text": t}
                          for n, (t, d) in enumerate(quotes, start=1)]}


def naive_answer(question: str, language: str, texts: Sequence[str], doc_ids: Sequence[str]) -> dict:
    """What a bare retriever's user reads: the top passage's first sentences, cited [1]."""
    if not texts:
        return quoted_answer(question, language, [])
    return quoted_answer(question, language, [(first_sentences(texts[0]), doc_ids[0])])


def closest_sentences(question_vec: np.ndarray, sentences: Sequence[tuple[str, str]], vectors: np.ndarray,
                      n: int = PLAIN_SENTENCES) -> list[tuple[str, str]]:
    """The ``n`` (sentence, doc id) pairs whose (unit) vectors are closest to the question's, best first.

    Ties keep reading order; a sentence repeated by overlapping chunks is quoted once."""
    if not len(sentences):
        return []
    scores = vectors @ question_vec
    chosen: list[tuple[str, str]] = []
    for i in np.argsort(-scores, kind="stable"):
        if sentences[i] not in chosen:
            chosen.append(sentences[i])
        if len(chosen) == n:
            break
    return chosen


# ---------------------------------------------------------------- reading the index

@dataclass(frozen=True)
class IndexedDocument:
    doc_id: str
    path: str
    text: str


def indexed_documents(index_dir: Path, with_text: bool = True) -> tuple[list[IndexedDocument], str]:
    """The documents an index holds (id, PDF path, clean text) and its generation, via ``Retriever``."""
    from index import Retriever

    with Retriever(index_dir) as retriever:
        store = retriever.store
        docs = [IndexedDocument(d.doc_id, d.path, store.document_text(d.doc_id) if with_text else "")
                for d in store.documents()]
        return docs, store.generation()


def cache_key(index_dir: Path, generation: str, peer: str) -> str:
    """Where a peer of this index's content lives in the cache: index path, content, embedder, version."""
    from index import get_embedder

    embedder = type(get_embedder()).__name__
    place = hashlib.sha1(str(Path(index_dir).resolve()).encode()).hexdigest()[:10]
    return f"{peer}-v{PEER_VERSION}-{embedder}-{place}-{generation}"


def _fresh(cache_dir: Path, index_dir: Path, generation: str, peer: str) -> tuple[Path, bool]:
    """This peer's cache folder, and whether it is complete; stale folders of the same index go."""
    key = cache_key(index_dir, generation, peer)
    folder = cache_dir / key
    stem = key.rsplit("-", 1)[0]
    if cache_dir.is_dir():
        for old in cache_dir.glob(f"{stem}-*"):
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
    done = (folder / "done.json").is_file()
    if not done and folder.exists():
        shutil.rmtree(folder)           # half-built by an interrupted run
    return folder, done


def _mark_done(folder: Path, info: dict) -> None:
    (folder / "done.json").write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")


# ---------------------------------------------------------------- vanilla llama-index

def _page_texts(path: Path) -> list[str]:
    """Each page's ``extract_text()``, as a vanilla pipeline would read the file."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def build_vanilla(pdfs: Sequence[Path], persist_dir: Path, embedder):
    """The peer: per-page pdfplumber text, default SentenceSplitter, VectorStoreIndex on Chroma.

    Returns (index, pages, nodes). Documents are named by ``ingest.doc_id_for`` (the file stem),
    as the gold files name them."""
    import chromadb
    from chromadb.config import Settings
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from ingest import doc_id_for

    documents = []
    # pdfplumber is the slow part beside 24 editions (~5,600 pages): one file per core, as our own ingest does.
    with ProcessPoolExecutor(max_workers=max(1, min(len(pdfs), os.cpu_count() or 1))) as pool:
        for path, pages in zip(pdfs, pool.map(_page_texts, pdfs)):
            for number, text in enumerate(pages, start=1):
                if text.strip():
                    documents.append(Document(text=text, metadata={"doc_id": doc_id_for(path), "page": number}))
    client = chromadb.PersistentClient(path=str(persist_dir), settings=Settings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("vanilla")
    store = ChromaVectorStore(chroma_collection=collection)
    index = VectorStoreIndex.from_documents(
        documents, storage_context=StorageContext.from_defaults(vector_store=store),
        embed_model=embedder, transformations=[SentenceSplitter()])
    return index, len(documents), collection.count()


def open_vanilla(persist_dir: Path, embedder):
    """The peer's index as saved by ``build_vanilla``."""
    import chromadb
    from chromadb.config import Settings
    from llama_index.core import VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    client = chromadb.PersistentClient(path=str(persist_dir), settings=Settings(anonymized_telemetry=False))
    store = ChromaVectorStore(chroma_collection=client.get_or_create_collection("vanilla"))
    return VectorStoreIndex.from_vector_store(store, embed_model=embedder)


def vanilla_search(index):
    """search(query, k) -> (texts, doc ids), best first."""
    retrievers: dict[int, object] = {}

    def search(query: str, k: int) -> tuple[list[str], list[str]]:
        if k not in retrievers:
            retrievers[k] = index.as_retriever(similarity_top_k=k)
        nodes = retrievers[k].retrieve(query)
        return [n.node.get_content() for n in nodes], [str(n.node.metadata.get("doc_id", "")) for n in nodes]
    return search


class VanillaPeer:
    name = VANILLA

    def __init__(self, index, info: dict):
        self._search = vanilla_search(index)
        self.info = info

    def ask(self, question: str, language: str) -> PeerReply:
        t0 = time.perf_counter()
        texts, doc_ids = self._search(question, K)
        t1 = time.perf_counter()
        answer = naive_answer(question, language, texts, doc_ids)
        t2 = time.perf_counter()
        return PeerReply(answer, texts, doc_ids, _ms(t0, t1, t2))


def vanilla_peer(index_dir: Path, cache_dir: Path, fallback_pdfs: Sequence[Path] = ()) -> VanillaPeer:
    """The vanilla peer over the PDFs the index was built from (else ``fallback_pdfs``), cached."""
    from index import get_embedder

    docs, generation = indexed_documents(index_dir, with_text=False)
    folder, done = _fresh(cache_dir, index_dir, generation, VANILLA)
    embedder = get_embedder()
    if done:
        info = json.loads((folder / "done.json").read_text(encoding="utf-8"))
        return VanillaPeer(open_vanilla(folder / "chroma", embedder), {**info, "cached": True})
    pdfs = [Path(d.path) for d in docs if Path(d.path).is_file()] or list(fallback_pdfs)
    folder.mkdir(parents=True)
    t0 = time.perf_counter()
    index, pages, nodes = build_vanilla(pdfs, folder / "chroma", embedder)
    info = {"pages": pages, "nodes": nodes, "build_s": time.perf_counter() - t0, "pdfs": [str(p) for p in pdfs]}
    _mark_done(folder, info)
    return VanillaPeer(index, {**info, "cached": False})


# ---------------------------------------------------------------- plain hybrid

@dataclass
class PlainIndex:
    """The plain hybrid's chunks, their vectors and terms, and every chunk's sentences with vectors."""
    texts: list[str]
    doc_ids: list[str]
    vectors: np.ndarray                 # one unit vector per chunk
    terms: list[list[str]]
    sentences: list[list[str]]          # per chunk
    sentence_vectors: list[np.ndarray]  # per chunk: one unit vector per sentence

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "chunks.json").write_text(json.dumps(
            {"texts": self.texts, "doc_ids": self.doc_ids, "terms": self.terms, "sentences": self.sentences},
            ensure_ascii=False), encoding="utf-8")
        flat = np.concatenate(self.sentence_vectors) if self.sentence_vectors else np.zeros((0, 1))
        np.savez(folder / "vectors.npz", chunks=self.vectors, sentences=flat)

    @classmethod
    def load(cls, folder: Path) -> "PlainIndex":
        d = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
        arrays = np.load(folder / "vectors.npz")
        flat, per_chunk, at = arrays["sentences"], [], 0
        for s in d["sentences"]:
            per_chunk.append(flat[at:at + len(s)])
            at += len(s)
        return cls(d["texts"], d["doc_ids"], arrays["chunks"], d["terms"], d["sentences"], per_chunk)


def _unit(vectors) -> np.ndarray:
    a = np.asarray(vectors, dtype=np.float32)
    if a.ndim == 1:
        a = a[None, :]
    norms = np.linalg.norm(a, axis=1, keepdims=True)
    return a / np.where(norms == 0, 1, norms)


def build_plain(documents: Sequence[tuple[str, str]], embedder) -> PlainIndex:
    """Chunk (doc id, clean text) pairs with ``SentenceSplitter()`` defaults (1024 tokens), embed and
    term them, and split each chunk into sentences (``ingest.split_sentences``) with their vectors."""
    from llama_index.core.node_parser import SentenceSplitter

    from index import terms
    from ingest import split_sentences

    splitter = SentenceSplitter()
    texts, doc_ids = [], []
    for doc_id, text in documents:
        for piece in splitter.split_text(text):
            if piece.strip():
                texts.append(piece)
                doc_ids.append(doc_id)
    vectors = _unit(embedder.get_text_embedding_batch(texts)) if texts else np.zeros((0, 1), np.float32)
    sentences = [[t[a:b].strip() for a, b in split_sentences(t) if t[a:b].strip()] for t in texts]
    flat = [s for group in sentences for s in group]
    flat_vecs = _unit(embedder.get_text_embedding_batch(flat)) if flat else np.zeros((0, 1), np.float32)
    per_chunk, at = [], 0
    for group in sentences:
        per_chunk.append(flat_vecs[at:at + len(group)])
        at += len(group)
    return PlainIndex(texts, doc_ids, vectors, [terms(t) for t in texts], sentences, per_chunk)


def rrf(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[int]:
    """Unweighted reciprocal rank fusion: items by the sum of 1 / (k + rank) over the rankings."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(fused, key=lambda i: (-fused[i], i))


class PlainHybridPeer:
    name = PLAIN

    def __init__(self, index: PlainIndex, embedder, info: dict):
        import bm25s

        self.index, self.embedder, self.info = index, embedder, info
        self._vocab: dict[str, int] = {"": 0}     # bm25s wants an empty token to pad with
        ids = [[self._vocab.setdefault(t, len(self._vocab)) for t in doc] for doc in index.terms]
        self._bm25 = bm25s.BM25()
        if ids:
            self._bm25.index(bm25s.tokenization.Tokenized(ids=ids, vocab=self._vocab), show_progress=False,
                             create_empty_token=False)

    def search(self, question: str, k: int = K, question_vec: np.ndarray | None = None) -> list[int]:
        """Chunk rows, best first: BM25 and cosine rankings fused by unweighted RRF."""
        from index import terms

        if not self.index.texts:
            return []
        if question_vec is None:
            question_vec = _unit(self.embedder.get_query_embedding(question))[0]
        dense = list(np.argsort(-(self.index.vectors @ question_vec), kind="stable")[:CANDIDATES])
        query = [t for t in terms(question) if t in self._vocab]
        keyword: list[int] = []
        if query:
            scores = self._bm25.get_scores(query)
            keyword = [int(i) for i in np.argsort(-scores, kind="stable")[:CANDIDATES] if scores[i] > 0]
        return rrf([[int(i) for i in dense], keyword])[:k]

    def ask(self, question: str, language: str) -> PeerReply:
        t0 = time.perf_counter()
        qvec = _unit(self.embedder.get_query_embedding(question))[0]
        rows = self.search(question, K, qvec)
        t1 = time.perf_counter()
        top = rows[:PLAIN_PASSAGES]
        pairs = [(s, self.index.doc_ids[r]) for r in top for s in self.index.sentences[r]]
        vecs = (np.concatenate([self.index.sentence_vectors[r] for r in top]) if pairs
                else np.zeros((0, len(qvec)), np.float32))
        answer = quoted_answer(question, language, closest_sentences(qvec, pairs, vecs))
        t2 = time.perf_counter()
        return PeerReply(answer, [self.index.texts[r] for r in rows], [self.index.doc_ids[r] for r in rows],
                         _ms(t0, t1, t2))


def plain_peer(index_dir: Path, cache_dir: Path) -> PlainHybridPeer:
    """The plain hybrid over the index's documents' clean text, built once per index content."""
    from index import get_embedder

    embedder = get_embedder()
    docs, generation = indexed_documents(index_dir, with_text=False)
    folder, done = _fresh(cache_dir, index_dir, generation, PLAIN)
    if done:
        info = json.loads((folder / "done.json").read_text(encoding="utf-8"))
        return PlainHybridPeer(PlainIndex.load(folder), embedder, {**info, "cached": True})
    docs, _ = indexed_documents(index_dir, with_text=True)
    t0 = time.perf_counter()
    index = build_plain([(d.doc_id, d.text) for d in docs], embedder)
    index.save(folder)
    info = {"documents": len(docs), "chunks": len(index.texts),
            "sentences": sum(len(s) for s in index.sentences), "build_s": time.perf_counter() - t0}
    _mark_done(folder, info)
    return PlainHybridPeer(index, embedder, {**info, "cached": False})


def open_peer(name: str, index_dir: Path, cache_dir: Path, fallback_pdfs: Sequence[Path] = ()):
    if name == VANILLA:
        return vanilla_peer(index_dir, cache_dir, fallback_pdfs)
    if name == PLAIN:
        return plain_peer(index_dir, cache_dir)
    raise ValueError(f"no peer named {name!r}")


def _ms(t0: float, t1: float, t2: float) -> dict[str, float]:
    return {"retrieve": (t1 - t0) * 1000, "extract": (t2 - t1) * 1000, "total": (t2 - t0) * 1000}
