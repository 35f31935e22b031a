"""BM25 over Sudachi terms (bm25s), keyed by chunk id.

A chunk is indexed with its context (section path and subject) in front of
its text, so a passage that never names its cluster is still found by it.
"""

from __future__ import annotations

from dataclasses import dataclass

import bm25s
import numpy as np

from ingest.records import Chunk

from .tokenise import terms


def indexed_text(chunk: Chunk) -> str:
    return f"{chunk.context}\n{chunk.text}" if chunk.context else chunk.text


@dataclass
class Hit:
    chunk: Chunk
    score: float


class KeywordIndex:
    def __init__(self, chunks: list[Chunk]):
        self.chunks = chunks
        self._bm25 = bm25s.BM25()
        corpus_terms = [terms(indexed_text(c)) for c in chunks]
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in corpus_terms]
        self._vocab = vocab
        self._bm25.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)

    def search(self, query: str, k: int = 10) -> list[Hit]:
        known = [t for t in terms(query) if t in self._vocab]
        if not known or not self.chunks:
            return []
        scores = self._bm25.get_scores(known)
        order = np.argsort(-scores)[:k]
        return [Hit(self.chunks[i], float(scores[i])) for i in order if scores[i] > 0]
