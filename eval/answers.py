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
"""

from __future__ import annotations

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


def score_answer(q: GoldQuestion, answer: dict) -> AnswerScore:
    """Score one answer given as `Answer.as_json()`."""
    s = AnswerScore(q.id, q.language, q.answerable, bool(answer["answerable"]), answer.get("confidence", 0.0))
    if not q.answerable or not s.answered:
        return s
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
