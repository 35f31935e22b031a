"""The embedder's vectors of the JMdict headwords the keyword index can search, stored beside the index.

English questions choose a word's senses by the cosine between the word and each
candidate headword (index/translate.py, ``_choose_senses``). Embedding a question's
headwords at query time cost ~10–17 ms a question; the ingest embeds them once
instead: every headword whose BM25 terms all occur in the index (the filter
``translate._ranked`` applies, so no other headword can ever be compared). At query
time only the English words are embedded. Bundled corpus: 11,337 of 189,624
headwords, ~4 s to select and ~5 s to embed. Stored as int8 codes with one float32
scale per headword (``Stored``): a quarter of float32's disk and memory (beside 24 white
paper editions, 66,349 headwords: 136 MB as float32, the largest part of the index,
9 KB of its 21 KB a chunk), at a cosine error of about 1e-3, far below the gaps
between the senses it chooses among.

One file per embedder (``sense_vectors/<embedder>.npz``): vectors of one embedder
are valid for any generation of the index, so an incremental ingest embeds only the
headwords its new terms made searchable. A headword missing from the file (an index
made before it) is embedded at query time, as before.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Callable

import numpy as np

from .translate import searchable_headwords

SENSE_DIR = "sense_vectors"
_BATCH = 512


def sense_file(index_dir: str | Path, model_name: str) -> Path:
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", model_name).strip("-")[:40]
    return Path(index_dir) / SENSE_DIR / f"{slug}-{hashlib.sha1(model_name.encode()).hexdigest()[:8]}.npz"


class Stored(Mapping[str, np.ndarray]):
    """Headword -> float32 unit vector, kept as the file's int8 codes and decoded on lookup."""

    def __init__(self, words: list[str], codes: np.ndarray, scales: np.ndarray):
        self._row = {w: i for i, w in enumerate(words)}
        self._codes, self._scales = codes, scales

    def __getitem__(self, word: str) -> np.ndarray:
        i = self._row[word]
        return self._codes[i].astype(np.float32) * self._scales[i]

    def __iter__(self) -> Iterator[str]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)

    def __contains__(self, word: object) -> bool:
        return word in self._row


def encode(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows as int8 codes and a scale each (the row's largest component maps to 127): encoding a decoded row
    gives the same codes, so rewriting the file at every ingest does not drift."""
    peak = np.abs(matrix).max(axis=1) if len(matrix) else np.zeros(0, dtype=np.float32)
    scales = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    codes = np.rint(matrix / scales[:, None]).astype(np.int8) if len(matrix) else np.zeros((0, 0), dtype=np.int8)
    return codes, scales


def load(index_dir: str | Path, model_name: str) -> Stored:
    """Headword -> unit vector, as stored (empty when nothing is; a float32 file of an older ingest is read as is)."""
    try:
        with np.load(sense_file(index_dir, model_name), allow_pickle=False) as data:
            vectors = data["vectors"]
            scales = data["scales"] if "scales" in data.files else np.ones(len(vectors), dtype=np.float32)
            return Stored(data["words"].tolist(), vectors, scales)
    except (OSError, ValueError, KeyError):
        return Stored([], np.zeros((0, 0), dtype=np.int8), np.zeros(0, dtype=np.float32))


def unit_vectors(embedder, texts: list[str]) -> list[np.ndarray]:
    """Short texts (words, headwords) embedded in one call (``embed_words`` where the embedder has it: one
    thread) as float32 unit vectors, so a dot product is their cosine."""
    embed = getattr(embedder, "embed_words", None) or embedder.get_text_embedding_batch
    out = []
    for v in embed(texts):
        v = np.asarray(v, dtype=np.float32)
        out.append(v / (np.linalg.norm(v) or 1.0))
    return out


def refresh(index_dir: str | Path, embedder, frequency: Callable[[str], int]) -> tuple[int, int]:
    """Embed the searchable headwords the file lacks and rewrite it; returns (headwords stored, newly embedded)."""
    stored = load(index_dir, embedder.model_name)     # decoded only below, for the rows a rewrite keeps
    wanted = searchable_headwords(frequency)
    missing = [w for w in wanted if w not in stored]
    if not missing and len(stored) == len(wanted):
        return len(stored), 0
    new: dict[str, np.ndarray] = {}
    for start in range(0, len(missing), _BATCH):
        part = missing[start:start + _BATCH]
        new.update(zip(part, unit_vectors(embedder, part)))
    words = wanted     # headwords no longer searchable (a document removed) are dropped
    path = sense_file(index_dir, embedder.model_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.npz")
    matrix = (np.stack([new[w] if w in new else stored[w] for w in words]) if words
              else np.zeros((0, 0), dtype=np.float32))
    codes, scales = encode(matrix)
    np.savez(tmp, words=np.array(words, dtype=str), vectors=codes, scales=scales)
    os.replace(tmp, path)   # atomic: a reader sees the old file or the new one
    return len(words), len(missing)
