"""BM25 over Sudachi terms (bm25s), keyed by chunk id.

The terms of every chunk live in the chunk store, written in the same
transaction as the chunk (so the two cannot disagree). The BM25 matrix is
derived from them and cached on disk under the store's generation: a cache
that does not match the store is never used, it is rebuilt (about a second for
the bundled corpus).
"""

from __future__ import annotations

import json
import shutil
from array import array
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import bm25s
import numpy as np

from ingest.records import Chunk

from .store import ChunkStore
from .tokenise import terms

CACHE_DIR = "bm25"


def indexed_text(chunk: Chunk) -> str:
    """What the indexes see: the context (section path, subject) in front of the passage,
    so a passage that never names its cluster is still found by the cluster's name."""
    return f"{chunk.context}\n{chunk.text}" if chunk.context else chunk.text


@dataclass(frozen=True)
class KeywordHit:
    chunk_id: str
    score: float


class KeywordIndex:
    def __init__(self, ids: list[str], bm25: bm25s.BM25):
        self.ids = ids
        self.row = {cid: i for i, cid in enumerate(ids)}   # chunk id -> its row
        self._bm25 = bm25

    @classmethod
    def build(cls, rows: Iterable[tuple[str, list[str]]]) -> "KeywordIndex":
        """From (chunk id, terms) pairs, read one at a time.

        Each chunk's terms become a compact array of term ids as they arrive, so
        building never holds every chunk's term strings at once (at 24 white
        papers that list of lists alone was ~300 MB of Python strings)."""
        bm25 = bm25s.BM25()
        vocab: dict[str, int] = {"": 0}  # bm25s wants an empty token to pad with
        ids: list[str] = []
        token_ids: list[array] = []
        for chunk_id, chunk_terms in rows:
            ids.append(chunk_id)
            token_ids.append(array("I", (vocab.setdefault(t, len(vocab)) for t in chunk_terms)))
        if ids:  # bm25s cannot index an empty corpus; an empty index simply finds nothing
            bm25.index(bm25s.tokenization.Tokenized(ids=token_ids, vocab=vocab), show_progress=False,
                       create_empty_token=False)
        return cls(ids, bm25)

    @classmethod
    def load(cls, store: ChunkStore) -> "KeywordIndex":
        """The index for the store as it is now: from the cache if current, else built and cached.

        The cached matrix is memory-mapped: pages of it are read as queries touch
        them, and the OS may drop them again, so a reader's resident memory does
        not grow with the whole matrix."""
        root = store.index_dir / CACHE_DIR
        target = root / store.generation()
        if (target / "ids.json").exists():
            try:
                ids = json.loads((target / "ids.json").read_text())
                return cls(ids, bm25s.BM25.load(str(target), mmap=True))
            except (OSError, ValueError):
                pass  # another process replaced this cache as we read it: build our own
        index = cls.build(store.terms())
        if index.ids:
            try:
                index._save(root, target)
            except OSError:
                pass  # a read-only index: search from memory, cache nothing
        return index

    def _save(self, root: Path, target: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
        self._bm25.save(str(tmp))
        (tmp / "ids.json").write_text(json.dumps(self.ids))
        try:
            tmp.rename(target)  # atomic: a reader sees the whole cache or none
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # another process got there first
        for old in root.iterdir():
            if old != target and not old.name.startswith(".tmp-"):
                shutil.rmtree(old, ignore_errors=True)

    def search(self, query: str, k: int = 10, allowed: set[str] | None = None) -> list[KeywordHit]:
        return self.search_terms([(t, 1.0) for t in terms(query)], k, allowed)

    def vocabulary(self) -> list[str]:
        """Every term some chunk holds."""
        return [t for t in self._bm25.vocab_dict if t] if self.ids else []

    def frequency(self, term: str) -> int:
        """How many chunks hold the term (0: the index does not know it)."""
        tid = self._bm25.vocab_dict.get(term) if self.ids else None
        if tid is None:
            return 0
        indptr = self._bm25.scores["indptr"]
        return int(indptr[tid + 1] - indptr[tid])

    def rows_holding(self, term: str) -> np.ndarray:
        """Row numbers (positions in ``self.ids``) of the chunks that hold the term."""
        tid = self._bm25.vocab_dict.get(term) if self.ids else None
        if tid is None:
            return np.empty(0, dtype=np.int64)
        indptr = self._bm25.scores["indptr"]
        return np.asarray(self._bm25.scores["indices"][indptr[tid]:indptr[tid + 1]], dtype=np.int64)

    def document_topic(self, weighted: list[tuple[str, float]], row_doc: np.ndarray,
                       titles: list[frozenset[str]] | None = None, title_share: float = 0.0,
                       shared_terms: bool = True) -> np.ndarray:
        """How much each document (numbered by ``row_doc``, one number per row) is about the terms.

        Per term: the share of the document's chunks that hold it, times an IDF over
        documents (log(1 + documents / documents holding it)); summed with the terms'
        weights. A share, not a count, so a long document that mentions a term in
        passing here and there does not outweigh a short one that is about it; an IDF
        over documents, not chunks, so a term every document uses tells none apart.

        ``titles`` (each document's title terms, by document number) count a term in a
        document's title as held by ``title_share`` of its chunks at least: a question
        that names its document by a word of the title is about that document.

        With ``shared_terms`` False the IDF is log((documents + holding) / (2 x holding)), i.e. less log 2:
        a term every document holds adds nothing, where log 2 x its share would lift every document alike and
        squeeze the scores' ratios to the best one towards 1."""
        n_docs = int(row_doc.max()) + 1 if len(row_doc) else 0
        topic = np.zeros(n_docs)
        if n_docs < 2:
            return topic
        sizes = np.bincount(row_doc, minlength=n_docs)
        for term, weight in weighted:
            rows = self.rows_holding(term)
            if len(rows):
                share = np.bincount(row_doc[rows], minlength=n_docs) / np.maximum(sizes, 1)
                if titles and title_share > 0:
                    in_title = np.fromiter((term in t for t in titles), dtype=bool, count=len(titles))
                    share[: len(titles)] = np.where(in_title, np.maximum(share[: len(titles)], title_share),
                                                    share[: len(titles)])
                idf = np.log1p(n_docs / np.count_nonzero(share)) - (0.0 if shared_terms else np.log(2.0))
                topic += weight * idf * share
        return topic

    def idf_within(self, query_terms: list[str], row_doc: np.ndarray, doc: int) -> np.ndarray:
        """Each term's BM25 IDF counted over one document's chunks only (numbered by ``row_doc``).

        A word the document uses in nearly every chunk (its subject) tells its passages apart
        no better than a stop word, however rare it is among other documents."""
        n = int(np.count_nonzero(row_doc == doc))
        held = [int(np.count_nonzero(row_doc[self.rows_holding(t)] == doc)) for t in query_terms]
        return np.log1p((n - np.asarray(held, dtype=float) + 0.5) / (np.asarray(held, dtype=float) + 0.5))

    def scores(self, weighted: list[tuple[str, float]], mask: np.ndarray | None = None) -> np.ndarray | None:
        """Every row's BM25 score for the weighted terms (None: no term the index knows)."""
        if not self.ids:
            return None
        vocab = self._bm25.vocab_dict
        weighted = [(t, w) for t, w in weighted if t in vocab and w > 0]
        if not weighted:
            return None
        if all(w == 1.0 for _, w in weighted):
            return self._bm25.get_scores([t for t, _ in weighted], weight_mask=mask)
        return sum(w * self._bm25.get_scores([t], weight_mask=mask) for t, w in weighted)

    def search_within(self, weighted: list[tuple[str, float]], inside: np.ndarray, k: int = 10) -> list[KeywordHit]:
        """BM25 over the rows where ``inside`` (one bool per row) is true, as if they were the whole index:
        each term's IDF is counted over those rows alone, so documents outside them do not move the ranking
        (BM25's length normalisation stays the whole index's: bm25s stores it inside the scores)."""
        if not self.ids or not inside.any():
            return []
        n_all, n_in = len(self.ids), int(inside.sum())
        total = np.zeros(n_all, dtype=np.float64)
        for term, weight in weighted:
            scores = self.scores([(term, weight)])
            if scores is None:
                continue
            df_all, df_in = self.frequency(term), int(inside[self.rows_holding(term)].sum())
            total += scores * (_idf(n_in, df_in) / _idf(n_all, df_all))   # bm25s scores carry the index's IDF
        total[~inside] = 0.0
        top = np.argsort(-total, kind="stable")[:k]
        return [KeywordHit(self.ids[i], float(total[i])) for i in top if total[i] > 0]

    def search_terms(self, weighted: list[tuple[str, float]], k: int = 10,
                     allowed: set[str] | None = None) -> list[KeywordHit]:
        """BM25 over terms with a weight each (translated terms count for less than typed ones)."""
        mask = None
        if allowed is not None and self.ids:
            mask = np.fromiter((cid in allowed for cid in self.ids), dtype=np.float32, count=len(self.ids))
        scores = self.scores(weighted, mask)
        if scores is None:
            return []
        top = np.argsort(-scores)[:k]
        return [KeywordHit(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]


def _idf(n: int, df: int) -> float:
    """BM25's IDF as bm25s computes it (Lucene's: never negative)."""
    return float(np.log1p((n - df + 0.5) / (df + 0.5)))
