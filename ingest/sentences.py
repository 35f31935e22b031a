"""Sentence segmentation for Japanese (and the odd English) text.

spaCy's Japanese language class tokenises with SudachiPy; a rule-based
sentencizer then cuts after sentence-final punctuation. Sudachi refuses inputs
over about 49 KB, so long texts are cut at line or sentence ends first.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Iterator

# Sudachi's hard limit is 49,149 bytes; stay well under it.
MAX_SUDACHI_BYTES = 40_000

SENTENCE_END = ["。", "！", "？", "!", "?", "．"]


@lru_cache(maxsize=1)
def _nlp():
    import spacy

    nlp = spacy.blank("ja")
    nlp.add_pipe("sentencizer", config={"punct_chars": SENTENCE_END})
    return nlp


def _pieces(text: str) -> Iterator[tuple[int, str]]:
    """Yield (offset, piece) with every piece under Sudachi's byte limit.

    Lines are natural cut points (a line break inside a block is a list or table
    structure); a single line that is still too long is cut after 。 or, failing
    that, at a character boundary.
    """
    offset = 0
    for line in text.splitlines(keepends=True):
        if len(line.encode("utf-8")) <= MAX_SUDACHI_BYTES:
            yield offset, line
        else:
            yield from ((offset + o, p) for o, p in _cut_long(line))
        offset += len(line)


def _cut_long(line: str) -> Iterator[tuple[int, str]]:
    start = 0
    while start < len(line):
        end = start
        budget = MAX_SUDACHI_BYTES
        # Grow the piece sentence by sentence while it fits.
        for m in re.finditer(r"[^。！？]*[。！？]?", line[start:]):
            size = len(m.group().encode("utf-8"))
            if not m.group() or size > budget:
                break
            budget -= size
            end = start + m.end()
        if end == start:  # one enormous sentence: cut by characters
            end = start + MAX_SUDACHI_BYTES // 4
        yield start, line[start:end]
        start = end


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans (start, end) of the sentences of ``text``, in order.

    Spans cover the text without gaps except for whitespace between sentences.
    Line breaks always end a sentence.
    """
    return next(iter(split_many([text])))


def split_many(texts: Iterable[str]) -> Iterator[list[tuple[int, int]]]:
    """Sentence spans for many texts, batching them through spaCy."""
    nlp = _nlp()
    texts = list(texts)
    jobs: list[tuple[int, int, str]] = []  # (text index, offset, piece)
    for i, text in enumerate(texts):
        for offset, piece in _pieces(text):
            if piece.strip():
                jobs.append((i, offset, piece))
    spans: list[list[tuple[int, int]]] = [[] for _ in texts]
    for (i, offset, piece), doc in zip(jobs, nlp.pipe(p for _, _, p in jobs)):
        cuts = [(sent.start_char, sent.end_char) for sent in doc.sents]
        for s, e in _within_brackets(piece, _openers_forward(piece, cuts)):
            s, e = _strip(piece, s, e)
            if e > s:
                spans[i].append((offset + s, offset + e))
    return iter(spans)


# The sentencizer keeps the punctuation after a sentence's end with it, closing brackets and opening ones
# alike: 「…提供している。「NariTra」は…」 ended its first sentence with the 「 that opens the second.
_OPENING = "「『（(【〈《［[〔"


def _openers_forward(text: str, cuts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans with the opening brackets a sentence ends on moved to the start of the next one."""
    out = list(cuts)
    for n in range(len(out) - 1):
        s, e = out[n]
        while e > s + 1 and text[e - 1] in _OPENING:
            e -= 1
        if e != out[n][1]:
            out[n] = (s, e)
            out[n + 1] = (e, out[n + 1][1])
    return out


# A 。 inside round brackets ends no sentence: 「…補助金(以下「補助金」という。)を交付する」, 「(…規則第12号。以下「規則」と
# いう。)」. Nor does one whose closing brackets are followed by a particle the sentence goes on with (「…。」と述べた).
_ROUND_OPEN, _ROUND_CLOSE = "(（", ")）"
_CLOSERS = ")）」』】〕]］"
_GOES_ON = tuple("をはがのにとでもへや、，,")
BRACKET_REACH = 80     # a bracket left open longer than this is damage, not an aside: the 。 ends its sentence


def _within_brackets(text: str, cuts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans with the cuts that fall inside an aside in brackets, or before a particle, taken back."""
    out: list[tuple[int, int]] = []
    for s, e in cuts:
        if out and _inside(text, out[-1][0], out[-1][1]):
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _inside(text: str, start: int, end: int) -> bool:
    """The sentence [start, end) was cut where it goes on: its last 。 stands in round brackets that close soon
    after, or its closing brackets are followed by a particle."""
    body = text[start:end].rstrip()
    stop = len(body.rstrip(_CLOSERS))
    if not body or stop == len(body) and not body.endswith("。"):
        return False
    if stop < len(body) and text[start + len(body):start + len(body) + 8].lstrip().startswith(_GOES_ON) \
            and body[stop - 1:stop] == "。":
        return True
    depth = 0
    for ch in body[:stop]:
        depth += ch in _ROUND_OPEN
        depth -= ch in _ROUND_CLOSE and depth > 0
    if depth <= 0 or stop < len(body):
        return False
    rest = text[start + len(body):start + len(body) + BRACKET_REACH]
    return any(ch in _ROUND_CLOSE for ch in rest)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
