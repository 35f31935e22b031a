"""Scoring one configuration's run on one split: retrieval metrics, answer metrics at the
operating point, latency, the refusal trade-off, and a row per question.

Pure functions of what ``eval.run`` recorded (no index, no model): tests feed them by hand.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from .answers import AnswerScore, refusal_tradeoff, score_answer, summarise
from .metrics import LANGUAGES, METRIC_NAMES, GoldQuestion, aggregate, percentile, score_question

GROUPS = (*LANGUAGES, "all")
STAGES = ("retrieve", "extract", "total")
# The refusal thresholds shown in the report's trade-off table (the grid of eval.bench_answers).
THRESHOLDS = [round(0.15 + 0.025 * i, 3) for i in range(19)]


@dataclass
class Run:
    """One configuration's raw results on one split: per question, the answer JSON, its ranking
    (passage texts and doc ids, best first) and stage timings in ms."""
    name: str
    answers: dict[str, dict] = field(default_factory=dict)
    rankings: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)
    timings: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: float = 0.0
    refuses_by_score: bool = True     # False for the peers: they always answer, no trade-off curve


def at_operating_point(s: AnswerScore, threshold: float | None) -> AnswerScore:
    """The score as the engine answers by default: refused below its threshold (answer metrics 0)."""
    if threshold is None or not s.answered or s.confidence >= threshold:
        return s
    return replace(s, answered=False, fact_recall=0.0, all_facts=False, citation_precision=0.0,
                   citation_recall=0.0, evidence_cited=False, char_f1=0.0, chrf=0.0)


def latency(timings: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    return {s: {"p50": percentile([t[s] for t in timings.values()], 50),
                "p95": percentile([t[s] for t in timings.values()], 95),
                "mean": statistics.fmean([t[s] for t in timings.values()]) if timings else 0.0}
            for s in STAGES}


def score_run(run: Run, questions: list[GoldQuestion], thresholds: dict[str, float] | None) -> dict:
    """Aggregates per language group, latency, refusal trade-off (when ``thresholds``), question rows."""
    retrieval = {q.id: score_question(q, *run.rankings[q.id]) for q in questions if q.answerable}
    raw = {q.id: score_answer(q, run.answers[q.id]) for q in questions}
    lang_of = {q.id: run.answers[q.id].get("language", q.language) for q in questions}
    op = {q.id: at_operating_point(raw[q.id], thresholds.get(lang_of[q.id]) if thresholds else None)
          for q in questions}

    retr_agg = aggregate(retrieval.values())
    ans_agg = summarise(list(op.values()))
    aggregates = {}
    for g in GROUPS:
        row = {"n": ans_agg[g]["n"], "n_answerable": retr_agg[g]["n"]}
        row.update({m: retr_agg[g][m] for m in METRIC_NAMES})
        row.update({k: v for k, v in ans_agg[g].items() if k != "n"})
        chosen = [q for q in questions if g == "all" or q.language == g]
        row["n_with_reference"] = sum(1 for q in chosen if op[q.id].has_reference)
        row["n_unanswerable"] = sum(1 for q in chosen if not q.answerable)
        aggregates[g] = row

    tradeoff = {}
    if thresholds is not None:
        for lang in LANGUAGES:
            chosen = [raw[q.id] for q in questions if lang_of[q.id] == lang]
            tradeoff[lang] = {
                "n_answerable": sum(s.answerable_gold for s in chosen),
                "n_unanswerable": sum(not s.answerable_gold for s in chosen),
                "default_threshold": thresholds.get(lang),
                "table": refusal_tradeoff(chosen, THRESHOLDS),
                # a fine sweep for the curve: every confidence seen, and 0
                "curve": refusal_tradeoff(chosen, sorted({0.0, *(s.confidence for s in chosen),
                                                          max((s.confidence for s in chosen), default=0) + 1e-6})),
            }

    rows = []
    for q in questions:
        a, s, r = run.answers[q.id], op[q.id], retrieval.get(q.id)
        rows.append({
            "id": q.id, "language": q.language, "type": q.type, "config": run.name,
            "first_hit_rank": r.first_hit_rank if r else None,
            "hit@5": r.hit_at(5) if r else None,
            "evidence@1000": float(r.evidence_within[1000]) if r else None,
            "fact_recall": s.fact_recall if q.answerable else None,
            "all_facts": s.all_facts if q.answerable else None,
            "evidence_cited": s.evidence_cited if q.answerable else None,
            "char_f1": s.char_f1 if s.has_reference else None,
            "chrf": s.chrf if s.has_reference else None,
            "citation_precision": s.citation_precision if (q.answerable and s.answered) else None,
            "answered": s.answered,
            "correct_refusal": (not s.answered) if not q.answerable else None,
            "confidence": a.get("confidence", 0.0) if run.refuses_by_score else None,
            "latency_ms": run.timings[q.id]["total"],
            "question": q.question,
            "answer": a.get("answer", "")[:300],
        })
    return {"aggregates": aggregates, "latency_ms": latency(run.timings), "refusal_tradeoff": tradeoff,
            "questions": rows, "seconds": run.seconds}


def gold_summary(path: Path, questions: list[GoldQuestion]) -> dict:
    """What a gold file holds, with its hash (so a report says exactly which questions it scored)."""
    data = Path(path).read_bytes()
    return {"path": str(path), "sha256": hashlib.sha256(data).hexdigest(), "questions": len(questions),
            "answerable": sum(q.answerable for q in questions),
            "by_language": dict(Counter(q.language for q in questions)),
            "by_type": dict(Counter(q.type for q in questions)),
            "with_reference": sum(1 for q in questions if q.answerable and q.reference.strip())}
