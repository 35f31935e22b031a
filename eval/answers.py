"""Answer metrics over the gold set: facts stated, evidence cited, refusals.

All text comparisons go through `eval.metrics.match_key` (NFKC, no whitespace,
case-folded), so they are correct for Japanese.

- fact recall: the share of a question's fact groups with at least one
  alternative in the answer text; "all facts" counts answers stating every group.
- citation precision: the share of an answer's citations whose quoted text holds
  a gold evidence quote (from a gold document); citation recall: the share of
  the gold quotes that some citation holds.
- evidence cited: answers with at least one citation that holds a gold quote.
- refusals: unanswerable questions refused (good), answerable ones refused (bad).
- char F1 and chrF against the gold `reference` (where one is given): both texts
  through `match_key` first (NFKC, no whitespace, case-folded), then compared as
  characters — nothing is tokenised on whitespace, so Japanese is scored as it
  stands. See `char_f1` and `chrf` for the definitions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .metrics import GoldQuestion, _doc_matches, match_key


@dataclass
class AnswerScore:
    id: str
    language: str
    answerable_gold: bool
    answered: bool
    confidence: float
    fact_recall: float = 0.0
    all_facts: bool = False
    citation_precision: float = 0.0
    citation_recall: float = 0.0
    evidence_cited: bool = False
    has_reference: bool = False
    char_f1: float = 0.0
    chrf: float = 0.0


CHRF_ORDER = 6
CHRF_BETA = 2.0


def char_f1(prediction: str, reference: str) -> float:
    """F1 of the two multisets of characters (SQuAD's token F1 with characters as tokens).

    Both sides go through `match_key` first. overlap = sum over characters of
    min(count in prediction, count in reference); P = overlap / len(prediction),
    R = overlap / len(reference), F1 = 2PR / (P + R); 0.0 when either side is empty.
    """
    p, r = match_key(prediction), match_key(reference)
    if not p or not r:
        return 0.0
    overlap = sum((Counter(p) & Counter(r)).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / len(p), overlap / len(r)
    return 2 * precision * recall / (precision + recall)


def _ngrams(text: str, n: int) -> Counter:
    return Counter(text[i:i + n] for i in range(len(text) - n + 1))


def chrf(prediction: str, reference: str, order: int = CHRF_ORDER, beta: float = CHRF_BETA) -> float:
    """chrF (Popović 2015) on a 0..1 scale, over `match_key` forms (which have no whitespace).

    For n = 1..order: P_n = matched n-grams / n-grams of the prediction, R_n = matched
    n-grams / n-grams of the reference, matches clipped by count (multiset intersection).
    P and R are the arithmetic means of P_n and R_n over the orders at which both texts
    have at least one n-gram (sacreBLEU's "effective order"); then
    chrF = (1 + β²) P R / (β² P + R), β = 2 (recall weighs more). 0.0 when no order counts.
    """
    p, r = match_key(prediction), match_key(reference)
    precisions, recalls = [], []
    for n in range(1, order + 1):
        hyp, ref = _ngrams(p, n), _ngrams(r, n)
        if not hyp or not ref:
            continue
        matched = sum((hyp & ref).values())
        precisions.append(matched / sum(hyp.values()))
        recalls.append(matched / sum(ref.values()))
    if not precisions:
        return 0.0
    prec, rec = sum(precisions) / len(precisions), sum(recalls) / len(recalls)
    b2 = beta * beta
    return (1 + b2) * prec * rec / (b2 * prec + rec) if prec + rec else 0.0


def score_answer(q: GoldQuestion, answer: dict) -> AnswerScore:
    """Score one answer given as `Answer.as_json()`."""
    s = AnswerScore(q.id, q.language, q.answerable, bool(answer["answerable"]), answer.get("confidence", 0.0))
    s.has_reference = q.answerable and bool(q.reference.strip())
    if not q.answerable or not s.answered:
        return s
    if s.has_reference:
        s.char_f1 = char_f1(answer["answer"], q.reference)
        s.chrf = chrf(answer["answer"], q.reference)
    text = match_key(answer["answer"])
    found = [any(match_key(alt) in text for alt in group) for group in q.facts]
    s.fact_recall = sum(found) / len(found) if found else 0.0
    s.all_facts = all(found)
    quotes = [match_key(e) for e in q.evidence]
    cited = [(match_key(c["text"]), c["doc_id"]) for c in answer["citations"]]
    holds = [any(k in t for k in quotes) and _doc_matches(d, q.docs) for t, d in cited]
    s.citation_precision = sum(holds) / len(holds) if holds else 0.0
    s.citation_recall = (sum(any(k in t and _doc_matches(d, q.docs) for t, d in cited) for k in quotes)
                         / len(quotes)) if quotes else 0.0
    s.evidence_cited = any(holds)
    return s


def summarise(scores: list[AnswerScore]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for group in ("ja", "en", "all"):
        chosen = [s for s in scores if group == "all" or s.language == group]
        answerable = [s for s in chosen if s.answerable_gold]
        answered = [s for s in answerable if s.answered]
        unanswerable = [s for s in chosen if not s.answerable_gold]
        mean = lambda xs: sum(xs) / len(xs) if xs else 0.0
        out[group] = {
            "n": len(chosen),
            "answered": len(answered),
            # Over all answerable questions: a wrong refusal scores 0, as it should.
            "fact_recall": mean([s.fact_recall for s in answerable]),
            "all_facts": mean([float(s.all_facts) for s in answerable]),
            "evidence_cited": mean([float(s.evidence_cited) for s in answerable]),
            "citation_recall": mean([s.citation_recall for s in answerable]),
            # Against the reference answer, over answerable questions that have one (refusal scores 0).
            "char_f1": mean([s.char_f1 for s in answerable if s.has_reference]),
            "chrf": mean([s.chrf for s in answerable if s.has_reference]),
            # Over the answers given: how much of what is cited holds the evidence.
            "citation_precision": mean([s.citation_precision for s in answered]),
            "unanswerable_refused": mean([float(not s.answered) for s in unanswerable]),
            "answerable_refused": mean([float(not s.answered) for s in answerable]),
        }
    return out


def refusal_tradeoff(scores: list[AnswerScore], thresholds: list[float]) -> list[dict[str, float]]:
    """What each refusal threshold would do: wrong answers vs wrong refusals (by confidence alone)."""
    rows = []
    for t in thresholds:
        wrong_answers = sum(1 for s in scores if not s.answerable_gold and s.answered and s.confidence >= t)
        wrong_refusals = sum(1 for s in scores if s.answerable_gold and (not s.answered or s.confidence < t))
        rows.append({"threshold": t, "wrongly_answered": wrong_answers, "wrongly_refused": wrong_refusals})
    return rows
