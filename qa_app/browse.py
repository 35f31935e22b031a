"""Keyword in context and section outlines over indexed chunks (no Streamlit here)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from ingest.normalise import normalise
from ingest.records import Chunk


@dataclass
class Hit:
    doc_id: str
    title: str
    page: int
    page_end: int
    section: str
    chunk_id: str
    left: str
    match: str
    right: str
    cut_left: bool = False     # the context goes on before ``left``
    cut_right: bool = False    # ... and after ``right``


def kwic(chunks: Iterable[Chunk], query: str, *, width: int = 40, section: str | None = None,
         limit: int | None = None) -> list[Hit]:
    """Every occurrence of the normalised query in the normalised chunk texts, with ``width`` characters either side.

    Matching is a plain substring match, case-insensitive for Latin letters;
    ``section`` keeps chunks with that heading anywhere in their section path.
    """
    q = normalise(query)
    if not q:
        return []
    pattern = re.compile(re.escape(q), re.IGNORECASE)
    hits: list[Hit] = []
    for c in chunks:
        if section is not None and section not in c.section:
            continue
        text = normalise(c.text)
        for m in pattern.finditer(text):
            hits.append(Hit(c.doc_id, c.title, c.page, c.page_end, c.section_path, c.chunk_id,
                            text[max(0, m.start() - width):m.start()].replace("\n", " "), m.group(0),
                            text[m.end():m.end() + width].replace("\n", " "),
                            m.start() > width, m.end() + width < len(text)))
            if limit is not None and len(hits) >= limit:
                return hits
    return hits


@dataclass
class Section:
    path: list[str]
    first_page: int
    chunks: int


def document_sections(chunks: Iterable[Chunk]) -> list[Section]:
    """A document's distinct section paths in reading order, each with the page it starts on.

    Parent headings that never hold a chunk of their own are listed too, before their first child.
    """
    out: dict[tuple[str, ...], Section] = {}
    for c in chunks:
        path = tuple(c.section)
        for depth in range(1, len(path)):
            out.setdefault(path[:depth], Section(list(path[:depth]), c.page, 0))
        out.setdefault(path, Section(list(path), c.page, 0)).chunks += 1
    return list(out.values())
