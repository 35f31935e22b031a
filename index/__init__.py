"""Stage 2, index: chunks in; hybrid search (Chroma vectors + BM25 terms) out.

``__all__`` is what the answer layer and the evaluation may use; the chunk store,
the vector and keyword indexes behind ``Retriever`` (store, vectors, keyword)
are this stage's own business, and only the CLI may open them. Checked by
tests/test_architecture.py against pyproject.toml's ``[tool.importlinter]``.

Import a public name from here (``from index import Retriever``) or from the
module named beside it. Names load on first use: ``import index.tokenise``
must not pay for Chroma and llama-index.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    # the ingest: files in, index directory up to date, a report out
    "ingest": "pipeline", "find_pdfs": "pipeline", "IngestReport": "pipeline", "FileResult": "pipeline",
    # search
    "Retriever": "retrieve", "Passage": "retrieve", "Mode": "retrieve", "is_japanese": "retrieve",
    # the embedder and the keyword terms, for whoever scores text the way the index does
    "get_embedder": "embeddings", "terms": "tokenise", "morphemes": "tokenise",
    # an English question's dictionary translations, by the word they came from (qa_app/refusal.py)
    "keyword_terms": "translate", "WeightedTerm": "translate", "written_names": "translate",
    # the parts of speech an English word can be (an adjective names no unknown thing: qa_app/refusal.py)
    "word_classes": "translate",
    # Japanese eras, for reading a question's years as documents write them (qa_app/question.py)
    "ERAS": "translate", "era_of": "translate",
    # the index directory holds an index when this file is in it
    "STORE_FILE": "store",
    # what an index holds, read without models (browsing, the upload page)
    "has_index": "catalogue", "list_documents": "catalogue", "read_chunks": "catalogue", "store_stamp": "catalogue",
    "DocumentRecord": "store",
    # typed errors (one-line messages for the user) and the warning a keyword-only search issues
    "IndexUnavailable": "errors", "IngestRunning": "errors", "BadEmbedder": "errors",
    "DegradedSearch": "errors",
}

__all__ = list(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
