"""Stage 1, ingest: a PDF file in; pages of clean text blocks, then chunks, out.

``__all__`` is what the later stages (index, answer, pages, evaluation) may use;
tests/test_architecture.py checks that they use nothing else, with the contracts
in pyproject.toml's ``[tool.importlinter]``. The other modules (chars, layout,
furniture, notes, figures, tables, timing) are the parser's own business.

Import a public name from here (``from ingest import Chunk``) or from the module
named beside it. Names load on first use, so importing the package costs nothing.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# ``normalise`` is bound now: the function shares its module's name, and an
# ``import ingest.normalise`` elsewhere would otherwise leave the module here.
from .normalise import is_cjk, normalise

_WHERE = {
    # the records that flow to the later stages
    "BBox": "records", "Line": "records", "Block": "records", "Page": "records",
    "ParsedDocument": "records", "Chunk": "records",
    "Footnote": "records", "NoteRef": "records",
    # a PDF to pages of blocks, blocks to chunks
    "parse_pdf": "parser", "BadPdf": "parser",
    "chunk_document": "chunker", "ChunkerConfig": "chunker",
    # rules every stage must apply the same way
    "normalise": "normalise", "is_cjk": "normalise",
    "split_sentences": "sentences",
    "doc_id_for": "docid", "doc_matches": "docid",
    # the parser's reading of a page's glyphs, for finding quoted characters again (qa_app/highlight.py)
    "Char": "glyphs", "LayoutParams": "glyphs", "page_glyphs": "glyphs", "ruled_tables": "glyphs",
    "reading_lines": "glyphs",
    # is a glyph's centre inside a box: one rule for parser and highlighter alike
    "centre_inside": "geometry",
}

__all__ = list(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
