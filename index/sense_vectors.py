"""The embedder's vectors of the JMdict headwords the keyword index can search, stored beside the index.

English questions choose a word's senses by the cosine between the word and each
candidate headword (index/translate.py, ``_choose_senses``). Embedding a question's
headwords at query time cost ~10–17 ms a question; the ingest embeds them once
instead: every headword whose BM25 terms all occur in the index (the filter
``translate._ranked`` applies, so no other headword can ever be compared). At query
time only the English words are embedded. Bundled corpus: 11,337 of 189,624
headwords, ~4 s to select and ~5 s to embed, 23 MB of float32.

One file per embedder (``sense_vectors/<embedder>.npz``): vectors of one embedder
are valid for any generation of the index, so an incremental ingest embeds only the
headwords its new terms made searchable. A headword missing from the file (an index
made before it) is embedded at query time, as before.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Callable

import numpy as np

from .translate import searchable_headwords

SENSE_DIR = "sense_vectors"
_BATCH = 512


def sense_file(index_dir: str | Path, model_name: str) -> Path:
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", model_name).strip("-")[:40]
    return Path(index_dir) / SENSE_DIR / f"{slug}-{hashlib.sha1(model_name.encode()).hexdigest()[:8]}.npz"


def load(index_dir: str | Path, model_name: str) -> dict[str, np.ndarray]:
    """Headword -> unit vector, as stored (empty when nothing is)."""
    try:
        with np.load(sense_file(index_dir, model_name), allow_pickle=False) as data:
            return dict(zip(data["words"].tolist(), data["vectors"]))
    except (OSError, ValueError, KeyError):
        return {}


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
    stored = load(index_dir, embedder.model_name)
    wanted = searchable_headwords(frequency)
    missing = [w for w in wanted if w not in stored]
    if not missing and len(stored) == len(wanted):
        return len(stored), 0
    for start in range(0, len(missing), _BATCH):
        part = missing[start:start + _BATCH]
        stored.update(zip(part, unit_vectors(embedder, part)))
    words = wanted     # headwords no longer searchable (a document removed) are dropped
    path = sense_file(index_dir, embedder.model_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.npz")
    matrix = np.stack([stored[w] for w in words]) if words else np.zeros((0, 0), dtype=np.float32)
    np.savez(tmp, words=np.array(words, dtype=str), vectors=matrix)
    os.replace(tmp, path)   # atomic: a reader sees the old file or the new one
    return len(words), len(missing)
