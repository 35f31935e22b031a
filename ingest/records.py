"""The records that cross module lines: what the parser hands the chunker, and
what the chunker hands the index.

Coordinates are pdfplumber's: PDF points, origin at the top-left of the page,
``top`` growing downwards. Page numbers are 1-based, as a reader cites them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class BBox:
    x0: float
    top: float
    x1: float
    bottom: float

    def union(self, other: "BBox") -> "BBox":
        return BBox(min(self.x0, other.x0), min(self.top, other.top),
                    max(self.x1, other.x1), max(self.bottom, other.bottom))

    def as_list(self) -> list[float]:
        return [round(self.x0, 2), round(self.top, 2), round(self.x1, 2), round(self.bottom, 2)]


@dataclass
class Line:
    """One visual line of clean text (a column of characters when vertical)."""
    text: str
    bbox: BBox
    size: float = 0.0          # median font size, for heading detection
    vertical: bool = False


BlockKind = Literal["heading", "paragraph", "table", "figure"]


@dataclass
class Block:
    """A run of lines that reads as one unit: a heading, a paragraph or bullet, a table, a figure
    (a chart's caption, then its labels)."""
    kind: BlockKind
    text: str                  # clean text; for tables, Markdown rows
    bbox: BBox
    page: int
    lines: list[Line] = field(default_factory=list)
    level: int = 0             # heading level, 1 = largest; 0 for non-headings
    size: float = 0.0          # median font size
    vertical: bool = False
    cells: list[list[str]] | None = None   # table cells, rows of clean strings


@dataclass
class Footnote:
    """A note printed at the foot of a page or column, kept out of the body text."""
    mark: str                  # its number or sign as printed (NFKC): "1", "※"
    text: str                  # clean text, without the mark
    page: int
    bbox: BBox


@dataclass
class NoteRef:
    """A footnote mark set as a superscript after a word: taken out of the text, kept here."""
    mark: str
    page: int
    bbox: BBox


PageStatus = Literal["ok", "empty", "image_only", "garbled"]


@dataclass
class Page:
    number: int
    width: float
    height: float
    blocks: list[Block] = field(default_factory=list)
    status: PageStatus = "ok"
    warnings: list[str] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    note_refs: list[NoteRef] = field(default_factory=list)


@dataclass
class ParsedDocument:
    path: str
    doc_id: str                # ingest.docid.doc_id_for: the file name without ``.pdf``
    sha256: str
    pages: list[Page] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    title: str = ""
    timings: dict[str, float] = field(default_factory=dict)   # seconds per parsing stage


@dataclass
class Chunk:
    """A passage as indexed: attributable on its own, down to the page and its lines."""
    chunk_id: str              # stable across re-ingest of the same file content
    doc_id: str
    title: str                 # the document's title
    page: int                  # first page
    page_end: int              # last page (== page for most chunks)
    section: list[str]         # heading path, outermost first
    text: str                  # the passage itself, verbatim clean text
    context: str               # what makes it attributable: section path and the subject named before it
    subject: str               # the entity the passage is about (e.g. a cluster's name), or ""
    line_boxes: list[tuple[int, BBox]]   # (page, box) of every line the passage spans
    char_start: int            # offsets into the document's clean text (ParsedDocument joined)
    char_end: int
    sentences: list[tuple[int, int]] = field(default_factory=list)   # sentence spans within ``text``
    line_spans: list[tuple[int, int]] = field(default_factory=list)  # where each line box lies within ``text``
    footnotes: list[str] = field(default_factory=list)   # "mark text" of each note the passage cites

    def sentence_texts(self) -> list[str]:
        return [self.text[s:e] for s, e in self.sentences] or [self.text]

    @property
    def notes_start(self) -> int:
        """Where the notes the chunker appended to the passage begin (its last lines, one note
        each: ``ingest.chunker._append_note``); ``len(text)`` when it holds none."""
        if not self.footnotes:
            return len(self.text)
        at = len(self.text) - sum(len(n) + 1 for n in self.footnotes) + 1
        held = at > 0 and self.text[at - 1] == "\n" and self.text[at:] == "\n".join(self.footnotes)
        return at if held else len(self.text)   # an index written before notes joined the text

    def boxes_for(self, start: int, end: int) -> list[tuple[int, BBox]]:
        """The (page, box) of the lines that the span [start, end) of ``text`` touches."""
        if not self.line_spans:
            return list(self.line_boxes)
        return [pb for pb, (s, e) in zip(self.line_boxes, self.line_spans) if s < end and e > start]

    @property
    def section_path(self) -> str:
        return " > ".join(self.section)
