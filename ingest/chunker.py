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

from .figures import CAPTION
from .normalise import is_cjk
from .records import BBox, Block, Chunk, Footnote, ParsedDocument
from .sentences import split_many

BLOCK_SEPARATOR = "\n"


@dataclass(frozen=True)
class ChunkerConfig:
    max_chars: int = 800      # chosen by measurement: see README "Chunk size"
    min_chars: int = 60       # a new topic does not split off a chunk smaller than this


# A sentence that opens with a topic: 「〈名詞句〉では、」「〈名詞句〉においては、」.
# The noun phrase may carry a bracketed qualifier: 「…プロジェクト（中国地域）では、」.
_TOPIC = re.compile(r"^(?:[・●○◎■□◆◇▪\-–]\s*)?(?P<topic>[^、。,「」『』\n]{2,40}?)(?:では|においては|において)[、,]")
# Topics that refer back rather than name something: 「この地域では」「多くの地域では」.
_ANAPHORIC = re.compile(r"^(?:この|その|あの|これら|それら|本|当|同|各|多くの|一部の|一方|他方|さらに|また|特に|なお|現在|今後|近年|最近)")
# Topics that end in a formal noun set a scene, not a subject: 「販路開拓と言う面では」「この場合では」.
_FORMAL = re.compile(r"(?:面|点|際|場合|中|上|うち|ため|結果|意味|観点|段階|時点|時期|ところ|もの|こと|方法|形|下|等|など)$")


def find_subject(sentence: str) -> str:
    """The named topic a sentence opens with, or "" if it has none."""
    m = _TOPIC.match(sentence.strip())
    if not m:
        return ""
    topic = m.group("topic").strip()
    if len(topic) < 3 or _ANAPHORIC.match(topic) or _FORMAL.search(topic) or re.search(r"\d+年", topic):
        return ""
    return topic


@dataclass
class _Unit:
    """A sentence or a table: the smallest thing a chunk is made of."""
    start: int                 # offsets in the document text
    end: int
    boxes: list[tuple[int, BBox, int, int]]   # (page, line box, start, end): where each line lies in the text
    is_table: bool = False


CAPTION_CHARS = 80    # a table's caption is one short line
# A source or note line (「資料：…」, 「（出典）…」, 「注：…」, 「注1 …」): below a table it is the table's.
_SOURCE_LINE = re.compile(r"^\s*[(（【]?\s*(?:資料|出典|出所|注|備考)\s*(?:[)）】]|[:：])|^\s*(?:注|※)\s*[0-9]")   # 「注1 …」 too

# An article of rules, 「第3条」 「第12条の2」, opening a paragraph; and its caption alone on the line above, 「(趣旨)」.
# (The caption may be run in, before or after the number: 「第7条(変更等の承認)」, 「(補則)第13条」.) The supplementary
# provisions, appended tables and forms (附則, 別表第1, 様式第1号) are parts of their own.
_CAPTION_RUN_IN = r"[(（][^()（）。、]{1,20}[)）]"
_ARTICLE = re.compile(r"^(?:" + _CAPTION_RUN_IN + r"\s*)?第\s*[0-9一二三四五六七八九十百]+\s*条(?:の\s*[0-9一二三四五六七八九十]+)?(?![0-9])"
                      r"(?:\s*" + _CAPTION_RUN_IN + r")?|^(?:附\s*則|別\s*表\s*(?:第\s*[0-9一二三四五六七八九十]+)?|様\s*式\s*(?:第\s*[0-9一二三四五六七八九十]+\s*号)?)")
_ARTICLE_CAPTION = re.compile("^" + _CAPTION_RUN_IN + "$")
_UNIT_NOTE = re.compile(r"^\s*[(（]\s*単位\s*[:：]")   # 「(単位:千ha)」, set at the right of a table's caption line


_SENTENCE_FINAL = tuple("。．.！!？?:：」』)）")


_OPENS_ITEM = re.compile(r"^([・●○◎■□◆◇▪•※★☆▶►➢→]|\(?\d{1,2}\)|[(（][0-9一二三四五六七八九十]+[)）]|[①-⑳]|第\s*\d+\s*[章節])")


def _continues(prev: Block, block: Block) -> bool:
    """Does ``block`` carry on the sentence ``prev`` left unfinished at a page or column turn?

    ``prev`` stops without sentence-final punctuation and ``block`` is the next
    body text: on the next page, or at the top of the next column (above where
    ``prev`` ends, to its right). A bullet or numbered item starts afresh.
    """
    if prev.kind != "paragraph" or block.kind != "paragraph" or prev.vertical or block.vertical:
        return False
    if prev.text.rstrip().endswith(_SENTENCE_FINAL) or _OPENS_ITEM.match(block.text.lstrip()):
        return False
    if abs(prev.size - block.size) > 0.15 * max(prev.size, block.size):
        return False
    if block.page == prev.page + 1:
        return True
    return (block.page == prev.page and len(prev.lines) >= 2
            and block.bbox.top < prev.bbox.bottom - prev.size and block.bbox.x0 >= prev.bbox.x1 - prev.size)


def _same_row(a: Block, b: Block) -> bool:
    """Two blocks side by side on one row: each overlaps most of the other's height."""
    overlap = min(a.bbox.bottom, b.bbox.bottom) - max(a.bbox.top, b.bbox.top)
    return overlap >= 0.5 * min(a.bbox.bottom - a.bbox.top, b.bbox.bottom - b.bbox.top) > 0 and \
        (a.bbox.x1 <= b.bbox.x0 or b.bbox.x1 <= a.bbox.x0)


def _joiner(left: str, right: str) -> str:
    """Nothing between Japanese characters, a space between words of other scripts."""
    if not left or not right or is_cjk(left[-1]) or is_cjk(right[0]):
        return ""
    return " "


@dataclass
class _Paragraph:
    """Blocks that read as one paragraph, with where each starts in the document text."""
    blocks: list[tuple[Block, int]]

    @property
    def kind(self) -> str:
        return self.blocks[0][0].kind

    @property
    def start(self) -> int:
        return self.blocks[0][1]

    @property
    def end(self) -> int:
        block, offset = self.blocks[-1]
        return offset + len(block.text)


def document_text(doc: ParsedDocument) -> tuple[str, list[_Paragraph]]:
    """The document's clean text and its paragraphs in reading order.

    Blocks are joined by newlines, except that a paragraph cut by a page turn
    mid-sentence is joined back without one, so 「す」+「ぐに」 reads 「すぐに」.
    """
    parts: list[str] = []
    paragraphs: list[_Paragraph] = []
    offset = 0
    prev: Block | None = None

    def emit(block: Block, joined: bool) -> None:
        nonlocal offset, prev
        if joined:
            sep = _joiner(prev.text, block.text)
            paragraphs[-1].blocks.append((block, offset + len(sep)))
        else:
            sep = BLOCK_SEPARATOR if parts else ""
            paragraphs.append(_Paragraph([(block, offset + len(sep))]))
        parts.extend([sep, block.text])
        offset += len(sep) + len(block.text)
        prev = block

    # A figure, a table or small print (a caption, a note's tail) met while a sentence
    # is open waits until the sentence has found its continuation (the next body
    # text), so it never cuts the sentence.
    body = _body_size(doc)
    waiting: list[Block] = []
    # a line set beside a heading (a slide's tag in its title bar) belongs to the title, not to the sentence
    # the page before left open
    beside = {id(b) for page in doc.pages for b in page.blocks
              if b.kind == "paragraph" and len(b.lines) == 1
              and any(_same_row(b, h) for h in page.blocks if h.kind == "heading")}
    for block in _reading(doc):
        if not block.text.strip():
            continue
        unfinished = (prev is not None and prev.kind == "paragraph" and prev.size >= 0.9 * body
                      and not prev.text.rstrip().endswith(_SENTENCE_FINAL))
        aside = block.kind in ("figure", "table") or (block.kind == "paragraph" and block.size < 0.9 * body)
        if aside and unfinished and len(waiting) < 8:
            waiting.append(block)
            continue
        joined = prev is not None and id(block) not in beside and _continues(prev, block)
        if not joined:
            for w in waiting:
                emit(w, False)
            waiting.clear()
        emit(block, joined)
        for w in waiting:
            emit(w, False)
        waiting.clear()
    for w in waiting:
        emit(w, False)
    return "".join(parts), paragraphs


def _body_size(doc: ParsedDocument) -> float:
    """The size most of the document's paragraph text is set in."""
    sizes: dict[float, int] = {}
    for page in doc.pages:
        for b in page.blocks:
            if b.kind == "paragraph":
                sizes[round(b.size * 2) / 2] = sizes.get(round(b.size * 2) / 2, 0) + len(b.text)
    return max(sizes, key=sizes.get) if sizes else 0.0


def _reading(doc: ParsedDocument):
    for page in doc.pages:
        yield from page.blocks


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


def _boxes_for(para: _Paragraph, line_spans, start: int, end: int) -> list[tuple[int, BBox, int, int]]:
    """The lines a span of the document text touches: (page, box, start, end), offsets in the document text."""
    boxes = []
    for (block, offset), spans in zip(para.blocks, line_spans):
        if offset >= end or offset + len(block.text) <= start:
            continue
        found = [(block.page, box, offset + s, offset + e) for s, e, box in spans
                 if offset + s < end and offset + e > start]
        boxes += found or [(block.page, block.bbox, offset, offset + len(block.text))]
    return boxes


def chunk_document(doc: ParsedDocument, config: ChunkerConfig = ChunkerConfig()) -> tuple[str, list[Chunk]]:
    """Return the document's clean text and its chunks, in reading order."""
    text, paragraphs = document_text(doc)
    body = [p for p in paragraphs if p.kind == "paragraph"]
    sentence_spans = dict(zip(map(id, body), split_many(text[p.start:p.end] for p in body)))

    builder = _ChunkBuilder(doc, text, config)
    bare: list[_Paragraph] = []     # headings nothing has been filed under yet
    table_open = False              # the chunk just built is a table: a source line below it may still join it
    for para in paragraphs:
        first = para.blocks[0][0]
        if table_open and para.kind != "paragraph":
            builder.flush()
            table_open = False
        if para.kind == "heading":
            # A heading closed before anything was filed under it (a key figure set large, a section left
            # empty) is read as a line of text: as a section name only, its words would be in no chunk.
            level = first.level or 1
            for closed in [h for h in bare if (h.blocks[0][0].level or 1) >= level]:
                _add_line(builder, closed)
            bare = [h for h in bare if (h.blocks[0][0].level or 1) < level]
            if builder.heading(first):
                bare.append(para)
            continue
        bare = []
        if para.kind in ("table", "figure"):   # one unit each: a figure's labels never join a sentence
            # A table's caption, the line right above it (「表2-1 審査の評価項目と配点」), says what its rows are: it
            # opens the table's chunk, not the end of the text before it. (A chart's caption is in its figure block.)
            caption = builder.take_caption() if para.kind == "table" else []
            builder.flush()
            for unit in caption:
                builder.add(unit, "")
            builder.add(_Unit(para.start, para.end, [(first.page, first.bbox, para.start, para.end)],
                              is_table=True), "")
            table_open = para.kind == "table"
            if not table_open:
                builder.flush()
        else:
            line_spans = [_line_spans(block) for block, _ in para.blocks]
            # and its source line (「資料：…」, 「（出典）…。（注）…」) right below it is part of the table too
            source = table_open and bool(sentence_spans[id(para)]) and \
                _SOURCE_LINE.match(text[para.start + sentence_spans[id(para)][0][0]:para.end]) is not None
            if table_open and not source:
                builder.flush()
            table_open = False
            for i, (s, e) in enumerate(sentence_spans[id(para)]):
                start, end = para.start + s, para.start + e
                boxes = _boxes_for(para, line_spans, start, end)
                if source:
                    builder.add(_Unit(start, end, boxes), "")
                    continue
                subject = find_subject(text[start:end])
                article = _ARTICLE.match(text[start:end]) if i == 0 else None
                if article:
                    # An article of rules (「第2条 この要綱において…」) is the subject of what follows, until the next one;
                    # its caption on the line above (「(定義)」) opens its chunk with it.
                    caption = builder.take_article_caption()
                    builder.new_topic()
                    subject = re.sub(r"\s+", "", article.group()) + (_line_of(text, caption) if caption else "")
                    if caption:
                        builder.add(caption, subject)
                elif subject and i == 0:
                    builder.new_topic()
                builder.add(_Unit(start, end, boxes), subject)
            if source:
                builder.flush()
    for closed in bare:
        _add_line(builder, closed)
    builder.flush()
    attach_footnotes(doc, builder.chunks)
    return text, builder.chunks


def _add_line(builder: "_ChunkBuilder", para: _Paragraph) -> None:
    """A paragraph as one unit of the chunk being built."""
    boxes = _boxes_for(para, [_line_spans(block) for block, _ in para.blocks], para.start, para.end)
    builder.add(_Unit(para.start, para.end, boxes), "")


def _cites(box: BBox, ref: BBox) -> bool:
    """A superscript mark sits on its line, raised: it touches the line's box widened a little."""
    pad = 0.5 * (ref.bottom - ref.top)
    return (ref.x0 < box.x1 + pad and ref.x1 > box.x0 - pad
            and ref.top < box.bottom and ref.bottom > box.top - pad)


def attach_footnotes(doc: ParsedDocument, chunks: list[Chunk]) -> None:
    """Give each chunk the notes its marks cite: the note with that mark on the mark's page,
    else the nearest page after it that has one. A note no mark cites goes to the last
    chunk of its page, so every note is kept exactly once.

    A note is kept out of the body's flow (it would cut a sentence at the page foot), but it is
    part of its passage: its last lines (``_append_note``). A note qualifies what its mark is on
    (「雇用の数は…正社員の数。パートタイムの従業員は含まない。」, a loan's term, a figure's source), so it
    must be searchable and quotable like the sentence it qualifies, and shown in the same place."""
    notes: dict[str, list[Footnote]] = {}
    for page in doc.pages:
        for note in page.footnotes:
            notes.setdefault(note.mark, []).append(note)
    if not notes:
        return
    placed: list[tuple[Chunk, Footnote]] = []
    used: set[int] = set()
    refs = [r for page in doc.pages for r in page.note_refs]
    for chunk in chunks:
        cited: list[Footnote] = []
        for ref in refs:
            if ref.mark in notes and any(p == ref.page and _cites(box, ref.bbox) for p, box in chunk.line_boxes):
                same = [n for n in notes[ref.mark] if n.page >= ref.page]
                note = min(same, key=lambda n: n.page) if same else notes[ref.mark][-1]
                if note not in cited and id(note) not in used:   # each note once: with the first passage citing it
                    cited.append(note)
        for note in cited:
            used.add(id(note))
            placed.append((chunk, note))
    for page in doc.pages:
        for note in page.footnotes:
            if id(note) in used:
                continue
            home = [c for c in chunks if any(p == page.number for p, _ in c.line_boxes)] or \
                   [c for c in chunks if c.page <= page.number]
            if home:
                placed.append((home[-1], note))
    for chunk, note in placed:
        _append_note(chunk, note)


def _append_note(chunk: Chunk, note: Footnote) -> None:
    """The note as the passage's last line(s), "mark text": its sentences, its box on its page (the cited
    page shows it), and a new chunk id (the passage changed). ``footnotes`` still lists it apart."""
    line = f"{note.mark} {note.text}"
    start = len(chunk.text) + 1
    chunk.text = f"{chunk.text}\n{line}"
    chunk.sentences = [*chunk.sentences, *((start + s, start + e) for s, e in next(split_many([line])))]
    if chunk.line_spans:
        chunk.line_spans = [*chunk.line_spans, (start, start + len(line))]
    chunk.line_boxes = [*chunk.line_boxes, (note.page, note.bbox)]
    chunk.page_end = max(chunk.page_end, note.page)
    chunk.footnotes.append(line)
    chunk.chunk_id = make_chunk_id(chunk.doc_id, chunk.char_start, chunk.text)


def _line_of(text: str, unit: _Unit) -> str:
    return text[unit.start:unit.end].strip()


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

    def heading(self, block: Block) -> bool:
        """Open the heading's section; False for the cover title, which names the document, not a section."""
        self.flush()
        title = block.text.strip()
        squashed, doc_title = _squash(title), _squash(self.doc.title)
        if squashed == doc_title or (block.page == 1 and squashed in doc_title):
            return False  # the cover title (or a line of it) is the document, not a section of it
        level = block.level or 1
        self.headings = [(lv, t) for lv, t in self.headings if lv < level] + [(level, title)]
        self.subject = ""
        return True

    def take_caption(self) -> list[_Unit]:
        """The last units, taken out, when they are a caption line standing alone (a table's title above it),
        with the unit note set at the right of that line or under it (「表2-1 …」 … 「(単位:千ha)」)."""
        units = self.units[-2:] if len(self.units) >= 2 and _UNIT_NOTE.match(self._line(self.units[-1])) \
            else self.units[-1:]
        if not units or any(u.is_table for u in units):
            return []
        unit = units[0]
        line = self._line(unit)
        if len({(page, box) for page, box, _, _ in unit.boxes}) != 1 or len(line) > CAPTION_CHARS or "。" in line \
                or not CAPTION.match(line) or _SOURCE_LINE.match(line):
            return []
        del self.units[-len(units):]
        return units

    def _line(self, unit: _Unit) -> str:
        return _line_of(self.text, unit)

    def take_article_caption(self) -> _Unit | None:
        """The last unit, taken out, when it is an article's caption standing alone (「(趣旨)」)."""
        if self.units and not self.units[-1].is_table and _ARTICLE_CAPTION.match(self._line(self.units[-1])):
            return self.units.pop()
        return None

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
        # A line holding the end of one sentence and the start of the next is listed once.
        lines = list(dict.fromkeys(b for u in self.units for b in u.boxes))
        boxes = [(page, box) for page, box, _, _ in lines]
        spans = [(max(s, start) - start, min(e, end) - start) for _, _, s, e in lines]
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
            line_spans=spans,
            char_start=start,
            char_end=end,
            sentences=[span for u in self.units for span in _unit_sentences(u, self.text, start)],
        ))
        self.units = []
        self.chunk_subject = ""


def _unit_sentences(unit: _Unit, text: str, chunk_start: int) -> list[tuple[int, int]]:
    """A unit's sentence spans relative to its chunk; a table counts each row as one."""
    if not unit.is_table:
        return [(unit.start - chunk_start, unit.end - chunk_start)]
    spans, offset = [], unit.start - chunk_start
    for row in text[unit.start:unit.end].split("\n"):
        if row.strip() and not set(row) <= set("|-: "):
            spans.append((offset, offset + len(row)))
        offset += len(row) + 1
    return spans


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def make_chunk_id(doc_id: str, start: int, passage: str) -> str:
    """Same file, same chunking → same id; any change to the passage → a new id."""
    digest = hashlib.sha1(f"{doc_id}\0{start}\0{passage}".encode("utf-8")).hexdigest()[:16]
    return f"{doc_id[:3]}-{digest}"
