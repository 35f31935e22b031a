"""What the answer engine hands the command line and the app."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from index.retrieve import Passage
from ingest.records import BBox

Language = Literal["ja", "en"]


@dataclass
class Citation:
    """A verbatim quote from one indexed chunk, located on its page."""
    n: int                         # the [n] marker in the answer
    chunk_id: str
    doc_id: str
    title: str
    page: int                      # the page the quote starts on
    section: str                   # section path, " > "-joined
    text: str                      # the quote: a verbatim substring of the chunk's text
    start: int                     # where the quote starts in the chunk's text
    boxes: list[tuple[int, BBox]]  # (page, box) of every line the quote touches
    subject: str = ""              # the cluster or project the passage is about, if known

    def as_json(self) -> dict:
        return {"n": self.n, "chunk_id": self.chunk_id, "doc_id": self.doc_id, "title": self.title,
                "page": self.page, "section": self.section, "text": self.text, "subject": self.subject,
                "bbox": [[p, *b.as_list()] for p, b in self.boxes]}


@dataclass
class ListItem:
    """One entry of a list answer: a cluster or project, and the evidence for it."""
    name: str
    citation: int                  # the Citation.n that backs it


@dataclass
class Answer:
    question: str
    language: Language
    kind: str                      # "list", "number", "fact"
    answer: str                    # the composed answer, with [n] markers
    answerable: bool
    citations: list[Citation] = field(default_factory=list)
    items: list[ListItem] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    mode: str = "extractive"       # or "generative"
    confidence: float = 0.0        # the best evidence sentence's score (what refusal is decided on)
    notes: list[str] = field(default_factory=list)   # e.g. why it abstained, what the LLM check dropped

    def as_json(self) -> dict:
        return {"question": self.question, "language": self.language, "kind": self.kind,
                "answer": self.answer, "answerable": self.answerable, "mode": self.mode,
                "citations": [c.as_json() for c in self.citations],
                "items": [{"name": i.name, "citation": i.citation} for i in self.items],
                "passages": [p.as_json() for p in self.passages],
                "confidence": round(self.confidence, 4),
                "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
                "notes": self.notes}
