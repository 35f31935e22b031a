"""Extractive answers: pick the sentences that answer, quote them, cite them.

No LLM runs offline, so the answer is built from the documents' own
sentences. Each candidate sentence of the retrieved passages is scored by
meaning (its stored USE vector against the question's), by the question's
keywords it contains, by the rank of its passage and, for "how many"
questions, by carrying a figure. List questions get one entry per cluster or
project, named by the subject the chunker attributed the passage to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Callable, Iterable

import numpy as np

from index.retrieve import Passage
from index.tokenise import terms
from index.translate import keyword_terms as translated_terms
from ingest.records import Chunk

from .answer_types import (ANY_COUNTER, FIGURE, UNITS_JA, AskedType, advises, asked_type, count_figures, counted_kind, counted_unit,
                           asking_clauses, asks_without_question_word, defines, enumerates, explains, holds, is_name,
                           named_units, places, same_count)
from .question import QuestionInfo, eraless_years, year_mentioned, year_spellings

# The relevance refusal is decided on (qa_app/refusal.py, engine.ABSTAIN_BELOW is on this scale).
RELEVANCE_MEANING = 0.4
RELEVANCE_KEYWORDS = 0.4
# Weights of the sentence score (each feature is recorded in Candidate.features); hand-set on dev.
# Fitted weights did not generalise, so these stay (README, "Answers"): `python -m eval.fit_select
# --set dev=… --set dev_ict=… --set dev_para=…` fits a pairwise logistic ranker per question on one
# set and answers the others; no fit, leave-one-question-out or coordinate search on the answer
# metrics beat these on every held-out set (fitted on dev: dev_ict evidence cited 72-73 vs 76 of
# 122; dev and dev_ict's searches both halve W_RANK, and dev_para then loses 3 of 78 facts).
W_MEANING = 0.4
W_KEYWORDS = 0.4
W_RANK = 0.4
W_FIGURE = 0.1
KEEP_RATIO = 0.85          # further sentences/entries must score this share of the best
# 2 -> 3, judged by eval/fit_select.py (--try MAX_SENTENCES=2): evidence cited / all facts dev 0 / 0,
# dev_ict +3 / +2 of 122, dev_para +1 / +1 of 78; answers stay under MAX_ANSWER_CHARS. 4 changes
# nothing; KEEP_RATIO 0.7 helps dev and dev_para by 1-2 but was chosen on every set (README).
MAX_SENTENCES = 3
MAX_ITEMS = 8
ITEM_KEEP_RATIO = 0.9      # list entries must be this relevant relative to the best entry
NEAR_DUPLICATE = 0.92      # cosine above which two sentences say the same thing
INTRODUCES_BONUS = 0.1     # for a list entry, prefer the sentence that names the subject
ITEM_STATES_RATIO = 0.5    # a list entry's sentence holds at least this share of the best entry's question terms
TABLE_HEADER_REACH = 3     # rows this close to a table's header are quoted together with it

_FIGURE = re.compile(r"\d[\d,.]*\s*(?:万|億|千)?\s*(?:社|件|人|名|校|大学|円|億円|万円|倍|%|割|回|プロジェクト|機関|団体|か国|カ国)")
_TABLE_RULE = re.compile(r"^\|[\s\-:|]+\|$")


@dataclass
class Candidate:
    chunk: Chunk
    index: int                 # sentence index within the chunk
    start: int                 # span within chunk.text
    end: int
    rank: int                  # the passage's rank (0 = best)
    vector: np.ndarray
    score: float = 0.0         # what sentences are ranked by
    relevance: float = 0.0     # meaning and keywords only: what refusal is decided on
    meaning: float = 0.0
    keywords: float = 0.0
    # The score's components, by the name of their weight (eval/fit_select.py fits the weights on them).
    features: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.chunk.text[self.start:self.end]


def candidates(passages: list[Passage], vectors: dict[tuple[str, int], list[float]]) -> list[Candidate]:
    out = []
    for rank, passage in enumerate(passages):
        chunk = passage.chunk
        spans = chunk.sentences or [(0, len(chunk.text))]
        for i, (s, e) in enumerate(spans):
            text = chunk.text[s:e].strip()
            vector = vectors.get((chunk.chunk_id, i))
            if vector is None or len(text) < 6 or _TABLE_RULE.match(text):
                continue
            if text.startswith("|") and i > 0 and i <= TABLE_HEADER_REACH:
                # A table row means little without its header: quote from the header row down (below its caption).
                s = next(a for a, b in spans if chunk.text[a:b].lstrip().startswith("|"))
            out.append(Candidate(chunk, i, s, e, rank, np.asarray(vector, dtype=np.float32)))
    return out


class TermCache:
    """Sudachi terms per sentence, kept across questions (the same passages come back often)."""

    def __init__(self, size: int = 20_000):
        self._terms: dict[str, frozenset[str]] = {}
        self._size = size

    def __call__(self, text: str) -> frozenset[str]:
        found = self._terms.get(text)
        if found is None:
            if len(self._terms) >= self._size:
                self._terms.clear()
            found = self._terms[text] = frozenset(terms(text))
        return found


def score(cands: list[Candidate], info: QuestionInfo, query_vector: np.ndarray, term_cache: TermCache,
          n_passages: int, wanted: frozenset[str] | None = None,
          alike: Callable[[str], Iterable[str]] | None = None) -> None:
    """``wanted``: the question's keyword terms (for English, their Japanese translations); default its Sudachi terms.
    ``alike``: a term's other spellings in the documents (their synonyms for it); a sentence holding one holds it."""
    wanted = wanted if wanted is not None else frozenset(terms(info.text))
    spelled = {t: frozenset((t, *(alike(t) if alike else ()))) for t in wanted}
    header_meaning = {c.chunk.chunk_id: float(c.vector @ query_vector) for c in cands if c.index == 0}
    # A figure in any unit the question asks (a two-part question asks two: 円 and 人) is the asked figure.
    units = named_units(info.text) or ([info.unit] if info.unit else [])
    for c in cands:
        c.meaning = float(c.vector @ query_vector)
        row = _row(c)
        if row is not None:
            # A row of figures means little to the encoder; its header says what it is about. Every row
            # reads the header's words, however far below it the row stands.
            c.meaning = max(c.meaning, header_meaning.get(c.chunk.chunk_id, c.meaning))
        header = " ".join(h for h, _ in row) if row else ""
        have = term_cache(c.text) | term_cache(c.chunk.context) | (term_cache(header) if header else frozenset())
        c.keywords = sum(bool(spelled[t] & have) for t in wanted) / len(wanted) if wanted else 0.0
        c.relevance = RELEVANCE_MEANING * c.meaning + RELEVANCE_KEYWORDS * c.keywords
        f = c.features
        f["meaning"], f["keywords"], f["rank"] = c.meaning, c.keywords, 1 - c.rank / max(n_passages, 1)
        if info.kind == "number" and (_FIGURE.search(c.text) or (row and re.search(r"\d", c.text))):
            f["figure"] = 1.0
            if any(_holds(c, "number", u) for u in units):
                f["figure"] = 2.0
        c.score = weighted(f)


def weighted(features: dict[str, float]) -> float:
    """The sentence score: each feature times its weight (the module's constants, read at call time)."""
    w = weights()
    return sum(w[k] * v for k, v in features.items())


def weights() -> dict[str, float]:
    """The score's weight per feature name (Candidate.features)."""
    return {"meaning": W_MEANING, "keywords": W_KEYWORDS, "rank": W_RANK, "figure": W_FIGURE, "type": W_TYPE,
            "enumeration": W_ENUMERATION, "explains": W_EXPLAINS, "defines": W_DEFINES, "fragment": -W_FRAGMENT}


def pick(cands: list[Candidate], limit: int | None = None) -> list[Candidate]:
    """The best sentences, skipping near-duplicates, each within KEEP_RATIO of the best. After the
    first, the sentences that follow it in its passage count CONTINUES_BONUS more: an answer goes on
    in its own paragraph more often than it resumes in another document."""
    limit = MAX_SENTENCES if limit is None else limit
    ranked = sorted(cands, key=lambda c: c.score, reverse=True)
    if not ranked:
        return []
    top = ranked[0]
    after = {id(d) for d in _following(cands, top, CONTINUES_REACH)}
    ranked = [top, *sorted(ranked[1:], key=lambda c: c.score + (CONTINUES_BONUS if id(c) in after else 0.0),
                           reverse=True)]
    chosen: list[Candidate] = []
    for c in ranked:
        bonus = CONTINUES_BONUS if id(c) in after else 0.0
        if len(chosen) >= limit or (chosen and c.score + bonus < KEEP_RATIO * chosen[0].score):
            break
        if any(float(c.vector @ d.vector) > NEAR_DUPLICATE or _overlap(c, d) for d in chosen):
            continue
        chosen.append(c)
    return chosen


def _overlap(a: Candidate, b: Candidate) -> bool:
    return a.chunk.chunk_id == b.chunk.chunk_id and a.start < b.end and b.start < a.end


def pick_items(cands: list[Candidate]) -> list[tuple[str, Candidate]]:
    """One (name, best sentence) per subject, best first, each within KEEP_RATIO of the best."""
    best: dict[str, tuple[str, Candidate]] = {}
    intro: dict[str, Candidate] = {}
    for c in cands:
        name = c.chunk.subject.strip()
        if not name or not is_name(name):
            continue   # a phrase the chunker took for a subject names no entry
        key = re.sub(r"\s+", "", name)
        if key not in best or _item_score(c) > _item_score(best[key][1]):
            best[key] = (name, c)
        if _introduces(c) and (key not in intro or c.keywords > intro[key].keywords):
            intro[key] = c
    ranked = sorted(best.values(), key=lambda nc: _item_score(nc[1]), reverse=True)
    if not ranked:
        return []
    # Entries must be about as relevant as the best one: a list that pads itself out misleads. An
    # entry is as relevant as its best sentence, whichever sentence then quotes it.
    # And the entry's own sentence must state the asked practice about as fully as the best
    # entry's does: a subject whose quote lacks the question's terms is not an example of it.
    top = _item_score(ranked[0][1])
    top_keywords = max(c.keywords for _, c in ranked)
    kept = [nc for nc in ranked if _item_score(nc[1]) >= ITEM_KEEP_RATIO * top
            and nc[1].keywords >= ITEM_STATES_RATIO * top_keywords][:MAX_ITEMS]
    # The entry is quoted by the sentence that introduces its subject (「Xでは、…を行っている」) when
    # that sentence states the asked practice as fully as the entry's best sentence does.
    return [(name, intro[k] if (k := re.sub(r"\s+", "", name)) in intro and intro[k].keywords >= c.keywords > 0 else c)
            for name, c in kept]


def _item_score(c: Candidate) -> float:
    """A list entry is best shown by the sentence that states the asked practice; of those, the one
    that introduces its subject (「Xでは、…」) — the bonus scales with the question terms it holds."""
    return c.score + (INTRODUCES_BONUS * c.keywords if _introduces(c) else 0.0)


def _introduces(c: Candidate) -> bool:
    subject = re.sub(r"\s+", "", c.chunk.subject)
    return bool(subject) and re.sub(r"\s+", "", c.text).startswith(subject)


def leading_figure(text: str, unit: str | None, cand: Candidate | None = None, question: str | None = None) -> str | None:
    """The figure a number question asks for, as the sentence writes it (e.g. 約10,700社); from a table
    row, the asked cell with its column's header (「501（民間企業 機関数）」).

    Only when the question names its unit (or, for a table, its column): a figure of another unit
    would answer a different question.
    """
    row = _row(cand) if cand is not None else None
    if row is not None and question:
        cell = _asked_cell(row, question, unit)
        if cell is not None:
            return f"{cell[1]}（{cell[0]}）" if cell[0] else cell[1]
    if not unit:
        return None
    if text.startswith("|"):
        text = text.rstrip().rsplit("\n", 1)[-1]  # a table quote runs from its header to the row it cites
    m = re.search(r"約?" + FIGURE + unit, text)   # the whole figure: 1億44万人, not 44万人
    return m.group().strip() if m else None


# -- answers shaped by what the question asks (qa_app/answer_types.py) --------------

CONTINUES_BONUS = 0.1     # see pick
CONTINUES_REACH = 2
W_EXPLAINS = 0.1          # why/how: a sentence stating a reason or a method
ENUMERATION = 3           # this many names of the asked kind in one sentence make it an enumeration
W_FRAGMENT = 0.1          # a heading or caption: short, no sentence end
FRAGMENT_CHARS = 40
# Text ending otherwise is a heading or caption. A closing bracket ends none (「…の決済方法(複数回答)」
# is a caption): dev +1 / +1, dev_ict 0 / +1, dev_para 0 / 0 (eval/fit_select.py --try SENTENCE_END=…).
SENTENCE_END = r"[。．.!！?？」]$"
W_TYPE = 0.15              # a sentence holding the asked type (a figure in the unit, a date, a person …)
PLURAL_ENUMERATIONS = True  # the enumeration bonus also for plural things that are no places (fields, industries)
W_ENUMERATION = 0.15       # "which countries/regions": a sentence naming ENUMERATION places or more
W_DEFINES = 0.15           # "what is X": the sentence that glosses X
EXPLAIN_FOLLOWING = 3      # how/why: sentences after the topic sentence, same passage
EXPLAIN_PRECEDING = 2      # how/why whose best sentence ends its paragraph: the ones before it that lead to it
MAX_ANSWER_CHARS = 400     # the quoted text of one answer, at most (issue 9: short answers)
PART_REACH = 3             # a second asked figure is looked for this many sentences on first
CLAUSE_REACH = 6           # a later clause's answer is looked for this far on in the first quote's paragraph
DEFINED_GOES_ON = True     # a what-is answer goes on after the sentence that introduces the thing
DEFINED_FOLLOWING = 2      # ... by this many sentences of its paragraph
PART_KEEP_RATIO = 0.6      # elsewhere, a sentence for a further part must score this share of the best
CLAUSE_WORDS_EN = True     # an English later clause is answered only by a sentence holding one of its translations
_NOT_A_DATE = re.compile(r"\d[\d,.]*(?![\d,.]*\s*(?:年|月|日|\d))")   # a figure that is not a year, month or day
CLAUSE_YEARS = True        # a later clause naming a year is answered only by a sentence naming it
CLAUSE_ANYWHERE = True     # a later clause no sentence after the first quote answers: the best sentence that does
DATED_KEEP_RATIO = 0.6     # a figure naming the asked year goes first if it scores this share of the best
# Sentences giving a figure in the first asked unit (see _more_figures). 1 -> 2, judged by
# eval/fit_select.py (--try FIGURE_SENTENCES=1): evidence cited / all facts dev 0 / 0 of 79,
# dev_ict +2 / +2 of 122, dev_para (used to choose nothing else here) +2 / +2 of 78, for questions
# asking one figure (for two, 0 / 0 / +1 facts at most, and it crowds the second part out); 3 adds
# one question on dev only. The cost: more quotes, so citation precision falls.
FIGURE_SENTENCES = 2


def _holds(c: Candidate, part: str, unit: str | None = None) -> bool:
    if part in ("number", "date") and _reference(c):
        return False   # a source's title (「…公開5日間で13万人が利用」https://…) is not a figure the document states
    row = _row(c)
    if row is None:
        return holds(c.text, part, unit)
    if part == "number" and unit:
        return any(_cell_holds(h, v, unit) for h, v in row)
    return holds(" ".join(h for h, _ in row) + "\n" + _row_line(c), part, unit)


# -- tables: a cell means what its column's header says ------------------------------

_NUMERIC_CELL = re.compile(r"^約?[△▲\-−]?\d[\d,.]*\s*%?$")
_FIGURE_CELL = re.compile(r"^約?[△▲\-−]?\d[\d,.]*\s*[^\d\s|]{1,3}$")   # a figure with its counter in the cell (25点, 64件)


def _cells(line: str) -> list[str]:
    return [x.strip() for x in line.strip().strip("|").split("|")]


def _row_line(c: Candidate) -> str:
    """The table row a candidate quotes: its last line (a quote near the header runs from it)."""
    return c.text.rstrip().rsplit("\n", 1)[-1].strip()


@lru_cache(maxsize=512)
def _headers(block: str) -> tuple[str, ...]:
    """Each column's header in a markdown table: the lines above its rule (| --- |) and, below it,
    those before the first row with a purely numeric cell (a second header line the parser put
    under the rule, or a table whose rule the chunk lost). A header cell left empty continues the
    one on its left (a header spanning columns)."""
    lines = block.split("\n")
    rule = next((i for i, line in enumerate(lines) if _TABLE_RULE.match(line)), -1)
    first = next((i for i, line in enumerate(lines) if i > rule and any(_NUMERIC_CELL.match(x) for x in _cells(line))), rule + 1)
    width = max(len(_cells(line)) for line in lines)
    headers = [""] * width
    for line in (line for line in lines[:first] if not _TABLE_RULE.match(line)):
        cells, left = _cells(line), ""
        for j in range(width):
            cell = cells[j] if j < len(cells) else ""
            left = cell or (left if j > 0 else "")
            headers[j] = f"{headers[j]} {left}".strip()
    return tuple(headers)


def _row(c: Candidate) -> list[tuple[str, str]] | None:
    """(column header, cell) for each cell of the table row the candidate quotes; None outside tables."""
    line = _row_line(c)
    if not line.startswith("|") or _TABLE_RULE.match(line):
        return None
    lines = c.chunk.text[:c.end].rstrip().split("\n")
    start = len(lines) - 1
    while start > 0 and lines[start - 1].strip().startswith("|"):
        start -= 1   # the table this row belongs to begins after the last line that is not a row
    headers = _headers("\n".join(line.strip() for line in lines[start:]))
    return [(headers[j] if j < len(headers) else "", x) for j, x in enumerate(_cells(line))]


def type_bonus(cands: list[Candidate], asked: AskedType) -> None:
    """Sentences that hold the asked answer type rank higher (the first asked unit, or the entity);
    for why/how, sentences that state a reason or method. Headings and captions (short text
    with no sentence end) rank lower: they name a topic, they do not answer."""
    for c in cands:
        f = c.features
        if asked.units and _holds(c, "number", asked.units[0]):
            f["type"] = 1.0
        elif asked.many and not asked.entity and PLURAL_ENUMERATIONS and enumerates(c.text):
            f["enumeration"] = 1.0   # "which fields / industries": a sentence listing several answers
        elif "advice" in asked.parts and advises(c.text):
            f["type"] = 1.0      # "what to watch out for": the sentence that cautions or obliges
        elif asked.entity and _holds(c, asked.entity):
            f["type"] = 1.0
            if asked.many and asked.entity == "place" and len(places(c.text)) >= ENUMERATION:
                f["enumeration"] = 1.0   # an enumeration of places answers "which countries/regions"
        elif {"why", "how"} & set(asked.parts) and "advice" not in asked.parts and explains(c.text) and not _caption(c):
            f["explains"] = 1.0
        if asked.topic and defines(c.text, asked.topic):
            f["defines"] = 1.0   # "what is X": the sentence that says what X is
        if not asked.units and _fragment(c):  # a figure question's answer often stands in a caption
            f["fragment"] = 1.0
        c.score += weighted({k: f[k] for k in _TYPE_FEATURES if k in f})


_TYPE_FEATURES = ("type", "enumeration", "explains", "defines", "fragment")   # what type_bonus adds to score()


def _fragment(c: Candidate) -> bool:
    text = c.text.strip()
    return _caption(c) or not text.startswith("|") and len(text) < FRAGMENT_CHARS and not re.search(SENTENCE_END, text)


# A figure's or table's label (「図表3-2-1-26 …を導入しない理由」, "Table 2 …"): its words name what the figure
# shows; they state nothing, whatever its length (a caption's 理由 gives no reason).
_CAPTION = re.compile(r"^\s*(?:図表|図|表)\s*[\[［(（]?[0-9０-９]|^\s*(?:Figure|Fig\.|Table)\s*\d", re.I)


def _caption(c: Candidate) -> bool:
    return _CAPTION.match(c.text) is not None


# A sentence opening a table row, a heading, a figure caption or a bullet starts a block of its own; a bullet may
# be followed by its own prose, a row, a heading or a caption by none.
_OPENS_BLOCK = ("|", "■", "●", "○", "【")
_NOT_PROSE = ("|", "■", "【")


def _following(cands: list[Candidate], c: Candidate, reach: int) -> list[Candidate]:
    """The sentences after c in its passage (the same paragraph, as far as the chunker kept it)."""
    after = {d.index: d for d in cands if d.chunk.chunk_id == c.chunk.chunk_id and c.index < d.index <= c.index + reach}
    out = []
    for i in range(c.index + 1, c.index + reach + 1):
        d = after.get(i)
        if d is None or d.text.lstrip().startswith(_OPENS_BLOCK):
            break  # the paragraph ends at a table, a heading or a new bullet
        if in_note(d) and (not in_note(c) or "\n" in c.chunk.text[c.end:d.start]):
            break  # and at the page's notes: a note goes on from no sentence of the body, nor from another note
        out.append(d)
    return out


def in_note(c: Candidate) -> bool:
    """The sentence is one of the notes at the foot of the passage (``Chunk.notes_start``)."""
    return c.start >= c.chunk.notes_start


_ADDRESS = re.compile(r"https?://|www\.", re.I)


def _reference(c: Candidate) -> bool:
    """A note that cites a source: it gives an address."""
    return in_note(c) and _ADDRESS.search(c.text) is not None


# A question asking where a statement comes from (「その数字の出どころは？」, "which survey does it cite").
_ASKS_SOURCE = re.compile(r"出典|出所|出どころ|引用|どの(?:調査|資料|報告|文献|論文)|何の(?:調査|資料)|\bsources?\b|\bcit(?:e|es|ed|ing)\b"
                          r"|\bwhich (?:survey|report|study|paper|publication)s?\b", re.I)


def quotable(cands: list[Candidate], question: str) -> list[Candidate]:
    """The candidates an answer may quote: a note citing a source (a title and an address) states nothing about
    the subject, so it is quoted only when the question asks for a source (dev_real: a list entry had been
    「3 人工知能研究開発ネットワーク https://…」)."""
    if _ASKS_SOURCE.search(question):
        return cands
    return [c for c in cands if not _reference(c)]


def _preceding(cands: list[Candidate], c: Candidate, reach: int) -> list[Candidate]:
    """The sentences before c in its paragraph (none across a line break, a table, a heading or a bullet), in order."""
    before = {d.index: d for d in cands if d.chunk.chunk_id == c.chunk.chunk_id and c.index - reach <= d.index < c.index}
    out: list[Candidate] = []
    later = c
    for i in range(c.index - 1, c.index - reach - 1, -1):
        d = before.get(i)
        if d is None or "\n" in c.chunk.text[d.end:later.start] or \
                later.text.lstrip().startswith(_OPENS_BLOCK) or d.text.lstrip().startswith(_NOT_PROSE):
            break
        out.insert(0, d)
        later = d
    return out


def _years(c: Candidate) -> set[str]:
    """The years a sentence names (a table row: its own line, and the headers over its figures: a
    column 「令和6年度予算」 dates the row's budget). A fiscal year with its era left out (a table's
    「14年度」) is read in each era it could belong to."""
    row = _row(c)
    text = _row_line(c) if row is not None else c.text
    if row is not None and HEADER_YEARS:
        text += " " + " ".join(h for h, v in row if re.search(r"\d", v))
    return set(year_spellings(text)) | eraless_years(text)


def _header_match(c: Candidate, words: set[str], unit: str) -> int:
    """How many of the question's words the header over a table row's asked figure shares (0 outside tables)."""
    row = _row(c)
    if row is None:
        return 0
    return max((len(words & set(terms(h))) for h, v in row if _cell_holds(h, v, unit)), default=0)


def _stated_years(c: Candidate) -> set[str]:
    """The years a sentence names with their era or century (not a table's bare 「14年度」)."""
    return set(year_spellings(_row_line(c) if _row(c) is not None else c.text))


def _spans(info: QuestionInfo) -> bool:
    """The question asks about a span of years (each year is spelt twice: 西暦 and era)."""
    return len(info.years) > 2


def _other_year(c: Candidate, info: QuestionInfo) -> bool:
    """The sentence names a year, and none of the years the question asks about."""
    named = _years(c)
    return bool(named) and not named & set(info.years)


def _pins(c: Candidate, info: QuestionInfo) -> bool:
    """A figure's passage must name the attribute the question asks the value of (「賞金はいくら」:
    賞金): a figure of another attribute answers a different question. (The same test for a
    named year refused answerable questions on dev: years often stand in a table or heading
    outside the passage.)"""
    seen = re.sub(r"\s+", "", c.chunk.context + c.chunk.text)
    if info.attribute_parts and not any(p in seen for p in info.attribute_parts):
        return False
    return not info.attribute or info.attribute in seen


# shape's refusals, each judged on dev, dev_coord, dev_ict and dev_para (README, "Answers"; python -m
# eval.ablate_refusals); off, the answer quotes what it would have quoted without that check. What each
# alone refuses over the four sets, unanswerable / answerable, with the others as shipped (2026-12-02):
UNIT_REFUSAL = True          # no retrieved sentence has a figure in the asked unit: 8 / 1 (dev_ict 1 of 122), on
OTHER_YEARS_REFUSAL = True   # the figures found are all for other years than the asked one: 4 / 1 (dev_ict 1 of 122), on
SUM_REFUSAL = False          # a sum's figure must stand beside the asked attribute: 4 / 1, off: with ATTRIBUTE's
                             # devcoord-026 it would refuse 2 of dev_coord's 54 answerable (3.7 %)


def shape(cands: list[Candidate], asked: AskedType, info: QuestionInfo) -> tuple[list[Candidate], str | None]:
    """The sentences to quote for the question's type, or a refusal reason.

    - figures: a sentence with a figure in each asked unit; a second part is
      looked for first in the sentences that follow (two-part questions);
    - how/why: the best sentence and the 1–3 sentences after it in its passage;
    - otherwise the best sentences (``pick``).
    """
    ranked = sorted(cands, key=lambda c: c.score, reverse=True)
    if not ranked:
        return [], None
    if asked.units:
        chosen: list[Candidate] = []
        others: list[Candidate] = []   # the first unit's other figure sentences, best first
        for n, unit in enumerate(asked.units):
            # Two parts may ask in one unit (「公募件数と実施プロジェクト数」): each needs a figure of its own.
            wanted = 1 + sum(same_count(u, unit) for u in asked.units[:n])
            if sum(_figures(c, unit) for c in chosen) >= wanted:
                continue
            near = [d for c in chosen for d in _following(cands, c, PART_REACH) if d not in chosen and _holds(d, "number", unit)]
            floor = PART_KEEP_RATIO * ranked[0].score if chosen else float("-inf")
            anywhere = [c for c in ranked if c.score >= floor and c not in chosen and _holds(c, "number", unit)]
            found = near[:1] or anywhere[:1]
            if n == 0:
                if not found:
                    if not UNIT_REFUSAL:
                        return shape(cands, replace(asked, units=()), info)
                    return [], f"no retrieved sentence gives a figure in the unit asked for ({unit})"
                pool = anywhere
                if info.years:
                    # A figure whose sentence names another year answers for that year, not the asked one;
                    # one that names the asked year answers it better than one that names none.
                    kept = [c for c in pool if not _other_year(c, info)]
                    if not kept and OTHER_YEARS_REFUSAL:
                        return [], f"the figures found are for other years than {info.years[0]}"
                    pool = kept or pool
                    asked_years = set(info.years)
                    dated = [c for c in pool if _years(c) & asked_years and c.score >= DATED_KEEP_RATIO * pool[0].score
                             and not (_spans(info) and (_stated_years(c) - asked_years
                                                        or len(_years(c) & asked_years) <= 2))]
                    # A span asked (「平成14〜18年度」) is answered by the sentence naming more of it, never promoted for one
                    # year's row (each year is spelt twice); one reaching outside it (「平成13~14年度」) is about another period.
                    # Of rows naming it alike, the one whose figure's header names more of the question (「令和6年度予算」
                    # for 「令和6年度はいくら予算が」) answers before one of another column (「投資額」).
                    words = set(terms(info.text))
                    dated.sort(key=lambda c: (-len(_years(c) & asked_years),
                                              -_header_match(c, words, unit) if HEADER_YEARS else 0))
                    pool = dated + [c for c in pool if c not in dated]
                if len(asked.units) > 1 and pool:
                    # Of the sentences about as good as the best, the one giving figures for more of
                    # the asked parts (「47社が集まって、80組の…」 for 何社…何組) answers first.
                    near_top = [c for c in pool if c.score >= PART_KEEP_RATIO * pool[0].score]
                    held = {id(c): sum(_holds(c, "number", u) for u in set(asked.units)) for c in near_top}
                    pool = sorted(near_top, key=lambda c: -held[id(c)]) + [c for c in pool if c not in near_top]
                if SUPERLATIVE_ROWS and (extreme := superlative(info.text)):
                    pool = _extreme_row_first(pool, info.text, unit, extreme)
                if "円" in unit:  # a sum: its attribute (fee, prize, budget) must be the one stated
                    pool = [c for c in pool if _pins(c, info)] or ([] if SUM_REFUSAL else pool)
                found = pool[:1]
                if not found:
                    asked_for = info.attribute or "/".join(info.attribute_parts)
                    return [], f"no figure in the asked unit stands beside 「{asked_for}」, which the question asks for"
                others = pool[1:]
            if not found:
                continue
            chosen.append(found[0])
        if len(asked.units) == 1:   # a two-part answer has its parts; a second figure for the first would crowd them
            chosen += _more_figures(chosen, others)
        return _within(_later_parts(chosen, cands, info)), None
    if asked.explains:
        top = ranked[0]
        after = _following(cands, top, EXPLAIN_FOLLOWING)
        before: list[Candidate] = _preceding(cands, top, 1) if _refers_back(top) else []
        if not after and not before:   # 「…。こうした…。TRIは既に…教えています。」: what it is lies before the sentence that matched
            room = MAX_ANSWER_CHARS - len(top.text)
            for d in reversed(_preceding(cands, top, EXPLAIN_PRECEDING)):
                if len(d.text) > room:
                    break
                before.insert(0, d)
                room -= len(d.text)
        return _within(_later_parts([*before, top, *after], cands, info)), None
    chosen = pick(cands)
    if chosen and asked.topic and DEFINED_GOES_ON and \
            re.sub(r"\s+", "", asked.topic).lower() in re.sub(r"\s+", "", chosen[0].text).lower():
        # "What is X / what does X do": the sentence that introduces X, and what it goes on to say about X.
        chosen = [chosen[0], *_following(cands, chosen[0], DEFINED_FOLLOWING)]
    elif chosen and (_asks(chosen[0]) or _announces(chosen[0])):
        # A sentence that asks (「…とは何か。」) opens the answer; what follows it answers.
        chosen = [chosen[0], *_following(cands, chosen[0], EXPLAIN_FOLLOWING)]
    if ENUMERATION_GOES_ON:
        chosen = _with_items(chosen, cands)
    return _within(_later_parts(chosen, cands, info)), None


# A quoted sentence holding a circled number (「…には、①静止衛星を利用したシステム」) opens an enumeration whose next
# items (②, ③ …) follow it in its passage as sentences of their own: they are quoted with it, right after it.
ENUMERATION_GOES_ON = True
_CIRCLED = re.compile("[\u2460-\u2473]")


def _items_after(cands: list[Candidate], c: Candidate) -> list[Candidate]:
    """The sentences after c in its passage that go on c's circled-number enumeration (② after ①), in order."""
    marks = _CIRCLED.findall(c.text)
    if not marks:
        return []
    after = {d.index: d for d in cands if d.chunk.chunk_id == c.chunk.chunk_id and d.index > c.index}
    out, expected = [], chr(ord(marks[-1]) + 1)
    for i in range(c.index + 1, c.index + 21):
        d = after.get(i)
        if d is None or not d.text.lstrip().startswith(expected):
            break
        out.append(d)
        expected = chr(ord(_CIRCLED.findall(d.text)[-1]) + 1)
    return out


def _with_items(chosen: list[Candidate], cands: list[Candidate]) -> list[Candidate]:
    out: list[Candidate] = []
    for c in chosen:
        if c in out:
            continue
        out.append(c)
        out += [d for d in _items_after(cands, c) if d not in out]
    return out


# A table row is dated by the headers over its figures as well as by its own cells (「| 認定制度 | … | 6.8億円 |」 under
# 「令和6年度予算」), and among rows naming the asked year alike, the header sharing more of the question goes first.
HEADER_YEARS = True

# "Which field had the highest rate", 「いちばん高い」: of a table's rows, the one whose asked cell is the extreme answers,
# not the row that matched the question's words best (every row of a table shares them).
SUPERLATIVE_ROWS = True
_LEAST = re.compile(r"(?:最も|いちばん|一番)(?:少な|低|小さ|短)|最小|最低|最少|smallest|lowest|fewest|least|shortest", re.I)
_MOST = re.compile(r"(?:最も|いちばん|一番)(?:多|高|大き|長|重|上)|最大|最高|最多|largest|highest|biggest|greatest|"
                   r"(?<!\bat )\bmost\b|longest", re.I)   # "at most" asks an upper bound, not the largest row
_CELL_NUMBER = re.compile(r"[△▲\-−]?\d[\d,]*(?:\.\d+)?")


def superlative(question: str) -> str | None:
    """"min" or "max" when the question asks for the least or the most of something, else None."""
    if _LEAST.search(question):
        return "min"
    return "max" if _MOST.search(question) else None


def _cell_value(value: str) -> float | None:
    m = _CELL_NUMBER.search(value)
    if not m:
        return None
    text = m.group().replace(",", "").replace("−", "-").replace("△", "-").replace("▲", "-")
    try:
        return float(text)
    except ValueError:
        return None


def _extreme_row_first(pool: list[Candidate], question: str, unit: str, extreme: str) -> list[Candidate]:
    """The pool with the extreme row of the best-placed table first: the row whose asked cell (the
    figure in the unit under the header closest to the question) is largest, or smallest."""
    rows = [(c, _row(c)) for c in pool]
    best = next((c for c, row in rows if row), None)
    if best is None:
        return pool
    values = []
    for c, row in rows:
        if row and c.chunk.chunk_id == best.chunk.chunk_id:
            cell = _asked_cell(row, question, unit)
            value = _cell_value(cell[1]) if cell else None
            if value is not None:
                values.append((value, c))
    if len(values) < 2:
        return pool
    top = (max if extreme == "max" else min)(values, key=lambda vc: vc[0])[1]
    return [top] + [c for c in pool if c is not top]


def _more_figures(chosen: list[Candidate], others: list[Candidate]) -> list[Candidate]:
    """Further sentences giving a figure in the first asked unit, about as good as the first quote
    (KEEP_RATIO), up to FIGURE_SENTENCES in all: another edition or table may state the asked one."""
    if FIGURE_SENTENCES <= 1 or not chosen:
        return []
    out: list[Candidate] = []
    for c in others:
        if len(out) >= FIGURE_SENTENCES - 1 or c.score < KEEP_RATIO * chosen[0].score:
            break
        if c in chosen or any(float(c.vector @ d.vector) > NEAR_DUPLICATE or _overlap(c, d) for d in chosen + out):
            continue
        out.append(c)
    return out


def _figures(c: Candidate, unit: str) -> int:
    """How many figures in the unit a candidate states (a table row: its cells that hold one)."""
    row = _row(c)
    if row is None:
        return count_figures(c.text, unit)
    return sum(1 for h, v in row if _cell_holds(h, v, unit))


def _cell_holds(header: str, value: str, unit: str) -> bool:
    """A table cell gives a figure in the unit: beside it, or by its column's header — a header that
    counts (「機関数」; 「参画者数」: persons) says what, else the unit named in it (「金額(億円)」)."""
    if not re.search(r"\d", value):
        return False
    if holds(value, "number", unit):
        return True
    counted = counted_unit(header)
    if not counted:
        if unit == ANY_COUNTER:   # whatever counter: the header must name one as a unit (「数(社)」), not merely hold kanji
            return re.search(rf"[(（](?:{unit})[)）]", header) is not None
        return re.search(unit, header) is not None
    # A generic counter under a header naming what is counted (「民間企業 機関数」) also counts in that thing's unit (社).
    kind = counted_kind(header, counted)
    return same_count(counted, unit) or (kind is not None and same_count(kind, unit))


def _asked_cell(row: list[tuple[str, str]], question: str, unit: str | None) -> tuple[str, str] | None:
    """The cell of a table row a number question asks for: a figure (in the asked unit, when one is
    asked) under the column whose header shares the most words with the question."""
    asked = asked_type(question)
    unit = asked.units[0] if asked.units else unit
    words = set(terms(question))
    if not re.search(r"[\u3040-\u9FFF]", question):
        words |= {wt.term for wt in translated_terms(question)}
    cells = [(h, v) for h, v in row if (_NUMERIC_CELL.match(v) or _FIGURE_CELL.match(v)) and (unit is None or _cell_holds(h, v, unit))]
    if not cells:
        return None
    return max(cells, key=lambda hv: len(words & set(terms(hv[0]))))   # ties: the leftmost


# Japanese discourse marks a sentence that says nothing on its own. One announces what the next sentences state
# (「次の三点を提言する。」, 「…には共通点があった。」, a closing colon); one opens by pointing back at the sentence before
# it (「この反省から、…」, 「そのため、…」, 「こうした…」): quoted alone, it states a consequence without its cause.
ANNOUNCED_FOLLOWING = True
REFERS_BACK_PRECEDING = True
_ANNOUNCES = re.compile(r"(?:次|以下|下記)の[^。]{0,20}(?:を|が|に|は)?[^。]{0,12}[。．]?$|[:：]$"
                        r"|(?:共通点|共通する点|特徴|理由|原因|要因|課題|教訓|ポイント|条件)(?:が|は)"
                        r"(?:ある|あった|あります|ありました|挙げられる|見られる|みられる|指摘できる)[。．]?$")
_REFERS_BACK = re.compile(r"^(?:この|その|こうした|そうした|こういった|そういった|このような|そのような|これ(?:ら|を|に|が|は|まで)"
                          r"|それ(?:ら|を|に|が|は|まで)|そこで|したがって|従って|つまり)")


def _announces(c: Candidate) -> bool:
    return ANNOUNCED_FOLLOWING and _ANNOUNCES.search(c.text.strip()) is not None


def _refers_back(c: Candidate) -> bool:
    return REFERS_BACK_PRECEDING and _REFERS_BACK.match(c.text.strip()) is not None


def _asks(c: Candidate) -> bool:
    """The sentence is itself a question (a rhetorical heading: 「…とは何か。」)."""
    return re.search(r"(?:か|のか|でしょうか)[。．]?$|[?？]$", c.text.strip()) is not None


# Words every question clause has; they say nothing about which sentence answers it.
_CLAUSE_STOP = {"何", "する", "ある", "いる", "なる", "どう", "どんな", "どの", "いつ", "どこ", "誰", "いくら", "どれ",
                "どれくらい", "どのくらい", "なぜ", "よう", "こと", "もの", "いう", "れる", "られる"}


def _answers_clause(c: Candidate, clause: str, number: bool = False) -> bool:
    """The sentence holds what the clause asks (its unit or entity type) and, in Japanese, one of its words. A
    later clause of a number question that names no unit of its own ("…, and what was it in 2000?") asks for the
    same kind of figure: a sentence with no figure but dates does not answer it."""
    at = asked_type(clause)
    if at.units and not _holds(c, "number", at.units[0]):
        return False
    years = year_spellings(clause) if CLAUSE_YEARS else ()
    # "…, and are part-time staff counted?", 「その数字の出どころは？」: asked of the figure, not for another one.
    of_the_figure = asks_without_question_word(clause) and not years
    if number and CLAUSE_YEARS and not at.units and not at.entity and not of_the_figure and not _NOT_A_DATE.search(c.text):
        return False
    if at.entity and not _holds(c, at.entity):
        return False
    if years and not year_mentioned(years, c.text):   # "…, and what was it in 2000?": that year's figure
        return False
    words = _clause_words(clause)
    return not words or bool(words & set(terms(c.text)))


@lru_cache(maxsize=256)
def _clause_words(clause: str) -> frozenset[str]:
    """The words of a clause a sentence answering it shares: a Japanese clause's own, an English one's
    dictionary translations ("which Italian region…" → イタリア, 地域, …)."""
    if re.search(r"[\u3040-\u9FFF]", clause):
        found = terms(clause)
    else:
        found = [wt.term for wt in translated_terms(clause)] if CLAUSE_WORDS_EN else []
    return frozenset(t for t in found if t not in _CLAUSE_STOP and t not in UNITS_JA)


def _later_parts(chosen: list[Candidate], cands: list[Candidate], info: QuestionInfo) -> list[Candidate]:
    """Every part of a two-part question answered: a later part's answer is looked for in the
    sentences that follow the first quote in its paragraph (「…47社が集まった。そのうち9組が…」)."""
    if not chosen:
        return chosen
    out = list(chosen)
    answered = 0     # later parts answered by an added quote
    number = info.kind == "number" or "number" in asked_type(info.text).parts
    clauses = asking_clauses(info.text)
    # "Why does X take longer, and how long does it take?": the figure answered the later clause; the first still asks.
    first_asks = number and clauses and asked_type(clauses[0]).explains and not asked_type(clauses[0]).units
    for clause in clauses if first_asks else clauses[1:]:
        at = asked_type(clause)
        if at.explains and not at.units:
            # "…, and how do they benefit?": what follows the first quote in its paragraph explains it.
            after = _following(cands, out[0], CLAUSE_REACH)
            if not any(d in out for d in after):
                # A why clause is answered by the sentence stating a reason (「…からである。」) before one sharing its words.
                reasons = [d for d in after if explains(d.text)] if "why" in at.parts else []
                out += reasons[:1] or [d for d in after if _answers_clause(d, clause)][:1] or after[:1]
            continue
        if any(_answers_clause(c, clause, number) for c in out):
            continue
        nxt = next((d for d in _following(cands, out[0], CLAUSE_REACH)
                    if d not in out and _answers_clause(d, clause, number)), None)
        if nxt is None and CLAUSE_ANYWHERE:
            # Not in the first quote's paragraph: the best sentence elsewhere that answers it, if about as good.
            best = max(c.score for c in cands)
            nxt = next((d for d in sorted(cands, key=lambda c: -c.score) if d.score >= PART_KEEP_RATIO * best
                        and d not in out and _answers_clause(d, clause, number)), None)
        if nxt is not None:
            # Right after the quotes that answer the parts before it: the answer keeps the parts it was asked,
            # however short MAX_ANSWER_CHARS cuts the quotes that only support them (``_within``).
            out.insert(1 + answered, nxt)
            answered += 1
    return out


def _within(chosen: list[Candidate]) -> list[Candidate]:
    """Keep quotes while the answer stays under MAX_ANSWER_CHARS (the first always stays)."""
    out, total = [], 0
    for c in chosen:
        if out and total + len(c.text) > MAX_ANSWER_CHARS:
            break
        out.append(c)
        total += len(c.text)
    return out
