"""Retrieval metrics over the gold set, deterministic and correct for Japanese.

Nothing here tokenises on whitespace. Text is compared through `match_key`
(the project's NFKC normalisation, then every whitespace character removed,
then case-folded), applied to both sides, so a gold quote that keeps the
seed's damage (`平成 13 年度`, `１０，７００社`) still meets the clean,
normalised text of a retrieved passage.

Definitions (per answerable question, given the ranked passages):

- a passage is a **hit** when `match_key(quote)` is a substring of
  `match_key(passage_text)` for at least one gold evidence quote, and — when
  the passage's document id is known — the passage comes from one of the
  question's gold documents (the three-digit prefix of its doc id is in
  `docs`). A short table-cell quote such as `498` found in some other document
  is a coincidence, not evidence.
- `first_hit_rank`: 1-based rank of the first hit, or None.
- `hit@k`: 1 if `first_hit_rank <= k`; `rr`: 1 / first_hit_rank (0 if none).
- `evidence@N`: read the passages in rank order and stop after N characters of
  passage text (the original text, not the match key); 1 if any quote lies
  wholly inside what was read. Each passage's prefix is checked on its own,
  so a quote cannot be assembled across the boundary of two passages, and a
  quote that straddles the cut does not count.
- `ndcg@10`: binary relevance (a passage is relevant when it is a hit),
  gain 1 / log2(rank + 1). The ideal ranking puts
  `min(10, max(#distinct quotes, #relevant passages retrieved))` relevant
  passages on top. Distinct quotes (by match key) are the natural count of
  passages a complete answer needs; taking the max with what was retrieved
  keeps the score in [0, 1] when chunks overlap (a quote found in two
  passages) — the vanilla llama-index splitter overlaps its chunks.

Questions of type ``unanswerable`` (no evidence) are excluded from every
retrieval metric. Aggregates are plain means, split by language (ja, en, all).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from ingest.docid import doc_matches
from ingest.normalise import normalise

EVIDENCE_WINDOWS = (1000, 3000)
HIT_KS = (1, 5, 10)
NDCG_K = 10
LANGUAGES = ("ja", "en")
METRIC_NAMES = ("hit@1", "hit@5", "hit@10", "mrr", "ndcg@10", "evidence@1000", "evidence@3000")

_WHITESPACE = re.compile(r"\s+")


def match_key(text: str) -> str:
    """The form in which two texts are compared: NFKC (project normalise), no whitespace, case-folded."""
    return _WHITESPACE.sub("", normalise(text)).casefold()


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    language: str
    type: str
    docs: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    facts: list[list[str]] = field(default_factory=list)
    reference: str = ""

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable" and bool(self.evidence)


def load_gold(path: str | Path) -> list[GoldQuestion]:
    """Read a gold JSON Lines file (see eval/gold/README.md). Blank lines are skipped."""
    out: list[GoldQuestion] = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                out.append(GoldQuestion(
                    id=str(d["id"]), question=str(d["question"]), language=str(d["language"]),
                    type=str(d["type"]), docs=[str(x) for x in d.get("docs", [])],
                    evidence=[str(x) for x in d.get("evidence", [])],
                    facts=[[str(a) for a in group] for group in d.get("facts", [])],
                    reference=str(d.get("reference", ""))))
            except (KeyError, ValueError, TypeError) as e:
                raise ValueError(f"{path}:{n}: not a gold question: {e}") from e
    return out


def _doc_matches(doc_id: str | None, docs: Sequence[str]) -> bool:
    if doc_id is None or not docs:
        return True
    return any(doc_matches(doc_id, d) for d in docs)


def _quote_keys(evidence: Iterable[str]) -> list[str]:
    keys: list[str] = []
    for q in evidence:
        k = match_key(q)
        if k and k not in keys:
            keys.append(k)
    return keys


def _holds(text: str, keys: Sequence[str]) -> bool:
    t = match_key(text)
    return any(k in t for k in keys)


@dataclass
class QuestionScore:
    id: str
    language: str
    first_hit_rank: int | None
    relevant: list[bool]            # per retrieved passage, in rank order
    n_quotes: int                   # distinct quotes by match key
    evidence_within: dict[int, bool]

    def hit_at(self, k: int) -> float:
        return float(self.first_hit_rank is not None and self.first_hit_rank <= k)

    @property
    def rr(self) -> float:
        return 1.0 / self.first_hit_rank if self.first_hit_rank else 0.0

    def ndcg_at(self, k: int = NDCG_K) -> float:
        rel = self.relevant[:k]
        dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(rel) if r)
        ideal_n = min(k, max(self.n_quotes, sum(rel)))
        idcg = sum(1.0 / math.log2(i + 2) for i in range(ideal_n))
        return dcg / idcg if idcg else 0.0

    def as_dict(self) -> dict[str, float]:
        d = {f"hit@{k}": self.hit_at(k) for k in HIT_KS}
        d["mrr"] = self.rr
        d["ndcg@10"] = self.ndcg_at(NDCG_K)
        for n, ok in self.evidence_within.items():
            d[f"evidence@{n}"] = float(ok)
        return d


def first_hit_rank(question: GoldQuestion, texts: Sequence[str],
                   doc_ids: Sequence[str | None] | None = None) -> int | None:
    keys = _quote_keys(question.evidence)
    ids = doc_ids if doc_ids is not None else [None] * len(texts)
    for rank, (text, doc) in enumerate(zip(texts, ids), start=1):
        if _doc_matches(doc, question.docs) and _holds(text, keys):
            return rank
    return None


def evidence_within(question: GoldQuestion, texts: Sequence[str], n_chars: int,
                    doc_ids: Sequence[str | None] | None = None) -> bool:
    """Is a gold quote wholly inside the first ``n_chars`` characters of the ranked passages?"""
    keys = _quote_keys(question.evidence)
    ids = doc_ids if doc_ids is not None else [None] * len(texts)
    budget = n_chars
    for text, doc in zip(texts, ids):
        if budget <= 0:
            break
        read = text[:budget]
        budget -= len(read)
        if _doc_matches(doc, question.docs) and _holds(read, keys):
            return True
    return False


def score_question(question: GoldQuestion, texts: Sequence[str],
                   doc_ids: Sequence[str | None] | None = None,
                   windows: Sequence[int] = EVIDENCE_WINDOWS) -> QuestionScore:
    """Score one answerable question against its ranked passage texts (best first)."""
    if not question.answerable:
        raise ValueError(f"{question.id} is unanswerable: it has no retrieval score")
    keys = _quote_keys(question.evidence)
    ids = list(doc_ids) if doc_ids is not None else [None] * len(texts)
    if len(ids) != len(texts):
        raise ValueError("texts and doc_ids differ in length")
    relevant = [_doc_matches(d, question.docs) and _holds(t, keys) for t, d in zip(texts, ids)]
    first = next((i + 1 for i, r in enumerate(relevant) if r), None)
    return QuestionScore(question.id, question.language, first, relevant, len(keys),
                         {n: evidence_within(question, texts, n, ids) for n in windows})


def aggregate(scores: Iterable[QuestionScore]) -> dict[str, dict[str, float]]:
    """Mean of each metric over the questions, for ``ja``, ``en`` and ``all``; ``n`` counts them."""
    scores = list(scores)
    out: dict[str, dict[str, float]] = {}
    for group in (*LANGUAGES, "all"):
        chosen = [s for s in scores if group == "all" or s.language == group]
        row: dict[str, float] = {"n": len(chosen)}
        for name in METRIC_NAMES:
            vals = [s.as_dict()[name] for s in chosen]
            row[name] = sum(vals) / len(vals) if vals else 0.0
        out[group] = row
    return out


def evaluate(questions: Sequence[GoldQuestion],
             rankings: dict[str, tuple[Sequence[str], Sequence[str | None] | None]]
             ) -> tuple[dict[str, dict[str, float]], list[QuestionScore]]:
    """Score every answerable question with a ranking in ``rankings`` (id -> (texts, doc_ids)).

    Unanswerable questions are skipped whether or not they have a ranking.
    """
    scores = []
    for q in questions:
        if not q.answerable:
            continue
        texts, doc_ids = rankings[q.id]
        scores.append(score_question(q, texts, doc_ids))
    return aggregate(scores), scores


def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile (p in 0..100), as numpy's default; 0.0 for no values."""
    vals = sorted(values)
    if not vals:
        return 0.0
    pos = (len(vals) - 1) * p / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)


def save_figures(figures: dict, out: Path | None, console) -> None:
    """Write a benchmark's figures as JSON when asked to (``--out FILE``)."""
    if out is None:
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    console.print(f"figures written to {out}")
