"""Cut a parsed document into passages that can be cited on their own.

A chunk is a run of whole sentences (or one table) from one section, at most
``max_chars`` long. It never crosses a heading, and a paragraph that opens with
a new topic (「京浜ネットワークでは、…」) opens a new chunk, so a chunk talks about one
thing. Each chunk remembers the section path above it and the subject named
before it, because a passage like 「セールspartnerの持っている知恵と…」 only makes
sense once you know which cluster it is about.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .records import BBox, Block, Chunk, ParsedDocument
from .sentences import split_many

BLOCK_SEPARATOR = "\n"


@dataclass(frozen=True)
class ChunkerConfig:
    max_chars: int = 400      # chosen by measurement: see README "Chunk size"
    min_chars: int = 60       # a new topic does not split off a chunk smaller than this


# A sentence that opens with a topic: 「〈名詞句〉では、」「〈名詞句〉においては、」.
# The noun phrase may carry a bracketed qualifier: 「…プロジェクト（中国地域）では、」.
_TOPIC = re.compile(r"^(?:[・●○◎■□◆◇▪\-–]\s*)?(?P<topic>[^、。,「」『』\n]{2,40}?)(?:では|においては|において)[、,]")
# Topics that refer back rather than name something: 「この地域では」「多くの地域では」.
_ANAPHORIC = re.compile(r"^(?:この|その|あの|これら|それら|本|当|同|各|多くの|一部の|一方|他方|さらに|また|特に|なお|現在|今後|近年|最近)")


def find_subject(sentence: str) -> str:
    """The named topic a sentence opens with, or "" if it has none."""
    m = _TOPIC.match(sentence.strip())
    if not m:
        return ""
    topic = m.group("topic").strip()
    if len(topic) < 3 or _ANAPHORIC.match(topic) or re.search(r"\d+年", topic):
        return ""
    return topic


@dataclass
class _Unit:
    """A sentence or a table: the smallest thing a chunk is made of."""
    start: int                 # offsets in the document text
    end: int
    page: int
    boxes: list[tuple[int, BBox]]
    is_table: bool = False


def document_text(doc: ParsedDocument) -> tuple[str, list[tuple[Block, int]]]:
    """The document's clean text (blocks joined by newlines) and where each block starts."""
    parts: list[str] = []
    placed: list[tuple[Block, int]] = []
    offset = 0
    for page in doc.pages:
        for block in page.blocks:
            if not block.text.strip():
                continue
            placed.append((block, offset))
            parts.append(block.text)
            offset += len(block.text) + len(BLOCK_SEPARATOR)
    return BLOCK_SEPARATOR.join(parts), placed


def _line_spans(block: Block) -> list[tuple[int, int, BBox]]:
    """Where each of the block's lines lies in ``block.text``.

    The parser joins lines with or without a space, so lines are found in order
    rather than by arithmetic. A line that cannot be found (it should not
    happen) is skipped; the caller falls back to the block's box.
    """
    spans = []
    cursor = 0
    for line in block.lines:
        needle = line.text.strip()
        if not needle:
            continue
        at = block.text.find(needle, cursor)
        if at < 0:
            continue
        spans.append((at, at + len(needle), line.bbox))
        cursor = at + len(needle)
    return spans


def _boxes_for(block: Block, spans, start: int, end: int) -> list[tuple[int, BBox]]:
    boxes = [(block.page, box) for s, e, box in spans if s < end and e > start]
    return boxes or [(block.page, block.bbox)]


def chunk_document(doc: ParsedDocument, config: ChunkerConfig = ChunkerConfig()) -> tuple[str, list[Chunk]]:
    """Return the document's clean text and its chunks, in reading order."""
    text, placed = document_text(doc)
    body = [(b, off) for b, off in placed if b.kind == "paragraph"]
    sentence_spans = dict(zip((id(b) for b, _ in body), split_many(b.text for b, _ in body)))

    builder = _ChunkBuilder(doc, text, config)
    for block, offset in placed:
        if block.kind == "heading":
            builder.heading(block)
        elif block.kind == "table":
            builder.flush()
            builder.add(_Unit(offset, offset + len(block.text), block.page,
                              [(block.page, block.bbox)], is_table=True), "")
            builder.flush()
        else:
            spans = _line_spans(block)
            for i, (s, e) in enumerate(sentence_spans[id(block)]):
                subject = find_subject(block.text[s:e])
                if subject and i == 0:
                    builder.new_topic()
                builder.add(_Unit(offset + s, offset + e, block.page, _boxes_for(block, spans, s, e)), subject)
    builder.flush()
    return text, builder.chunks


class _ChunkBuilder:
    def __init__(self, doc: ParsedDocument, text: str, config: ChunkerConfig):
        self.doc, self.text, self.config = doc, text, config
        self.headings: list[tuple[int, str]] = []   # (level, text), outermost first
        self.subject = ""                            # the subject in force for what follows
        self.units: list[_Unit] = []
        self.chunk_subject = ""                      # the subject of the chunk being built
        self.chunks: list[Chunk] = []

    @property
    def size(self) -> int:
        return self.units[-1].end - self.units[0].start if self.units else 0

    def heading(self, block: Block) -> None:
        self.flush()
        title = block.text.strip()
        if title == self.doc.title.strip():
            return  # the cover title is the document, not a section of it
        level = block.level or 1
        self.headings = [(lv, t) for lv, t in self.headings if lv < level] + [(level, title)]
        self.subject = ""

    def new_topic(self) -> None:
        if self.size >= self.config.min_chars:
            self.flush()

    def add(self, unit: _Unit, subject: str) -> None:
        if self.units and unit.end - self.units[0].start > self.config.max_chars:
            self.flush()
        if not self.units:
            self.chunk_subject = subject or self.subject
        elif subject and not self.chunk_subject:
            self.chunk_subject = subject
        if subject:
            self.subject = subject
        self.units.append(unit)

    def flush(self) -> None:
        if not self.units:
            return
        start, end = self.units[0].start, self.units[-1].end
        boxes = [b for u in self.units for b in u.boxes]
        pages = [p for p, _ in boxes]
        section = [t for _, t in self.headings]
        passage = self.text[start:end]
        context = " > ".join(section + ([self.chunk_subject] if self.chunk_subject else []))
        self.chunks.append(Chunk(
            chunk_id=make_chunk_id(self.doc.doc_id, start, passage),
            doc_id=self.doc.doc_id,
            title=self.doc.title,
            page=min(pages),
            page_end=max(pages),
            section=section,
            text=passage,
            context=context,
            subject=self.chunk_subject,
            line_boxes=boxes,
            char_start=start,
            char_end=end,
        ))
        self.units = []
        self.chunk_subject = ""


def make_chunk_id(doc_id: str, start: int, passage: str) -> str:
    """Same file, same chunking → same id; any change to the passage → a new id."""
    digest = hashlib.sha1(f"{doc_id}\0{start}\0{passage}".encode("utf-8")).hexdigest()[:16]
    return f"{doc_id[:3]}-{digest}"
