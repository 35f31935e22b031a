"""Answer benchmark: facts, citations and refusals of `policyqa ask` on a gold set.

    python -m eval.bench_answers [--gold eval/gold/dev.jsonl] [--index DIR]

Without --index it ingests the bundled corpus into a temporary index. It asks
every question once with refusal by score switched off, then shows what each
refusal threshold would do (wrong answers vs wrong refusals, by language) and
the answer metrics at the engine's configured thresholds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.progress import track
from rich.table import Table

from qa_app.engine import ABSTAIN_BELOW, AnswerEngine

from .answers import refusal_tradeoff, score_answer, summarise
from .metrics import load_gold

REPO = Path(__file__).resolve().parents[1]
THRESHOLDS = [round(0.15 + 0.025 * i, 3) for i in range(19)]


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m eval.bench_answers", description=__doc__.split("\n")[0])
    ap.add_argument("--gold", type=Path, default=REPO / "eval" / "gold" / "dev.jsonl")
    ap.add_argument("--index", type=Path, help="an ingested index (default: ingest the bundled corpus afresh)")
    args = ap.parse_args(argv)
    console = Console()
    gold = load_gold(args.gold)

    with tempfile.TemporaryDirectory() as tmp:
        index_dir = args.index
        if index_dir is None:
            from index.pipeline import ingest

            index_dir = Path(tmp) / "index"
            ingest([REPO / "corpus"], index_dir)
        with AnswerEngine(index_dir, abstain_below={"ja": 0.0, "en": 0.0}) as engine:
            answers = {q.id: engine.ask(q.question).as_json() for q in track(gold, "asking", console=console)}
            times = [a["timings_ms"]["total"] for a in answers.values()]

    raw = [score_answer(q, answers[q.id]) for q in gold]
    rows = {lang: refusal_tradeoff([s for s in raw if s.language == lang], THRESHOLDS) for lang in ("ja", "en")}
    table = Table(title="refusal threshold trade-off (wrongly answered / wrongly refused)")
    table.add_column("threshold")
    for lang in ("ja", "en"):
        table.add_column(f"{lang}: answered wrongly", justify="right")
        table.add_column(f"{lang}: refused wrongly", justify="right")
    for i, t in enumerate(THRESHOLDS):
        table.add_row(f"{t:.3f}", *[str(rows[lang][i][k]) for lang in ("ja", "en")
                                     for k in ("wrongly_answered", "wrongly_refused")])
    console.print(table)

    # The metrics as the engine answers by default: refuse below its thresholds.
    at_default = [replace(s, answered=s.answered and s.confidence >= ABSTAIN_BELOW[s.language]) for s in raw]
    at_default = [s if s.answered else replace(s, fact_recall=0.0, all_facts=False, citation_precision=0.0,
                                                  citation_recall=0.0, evidence_cited=False) for s in at_default]
    summary = summarise(at_default)
    table = Table(title=f"answers at the default thresholds {ABSTAIN_BELOW}")
    table.add_column("metric")
    for group in ("ja", "en", "all"):
        table.add_column(group, justify="right")
    for metric in summary["all"]:
        table.add_row(metric, *[f"{summary[g][metric]:.3f}" if isinstance(summary[g][metric], float)
                                else str(summary[g][metric]) for g in ("ja", "en", "all")])
    console.print(table)
    console.print(f"answer time per question: p50 {statistics.median(times):.0f} ms, "
                  f"p95 {statistics.quantiles(times, n=20)[-1]:.0f} ms (warm, one process)")
    misses = [s for s in at_default if s.answerable_gold and (not s.answered or not s.evidence_cited)]
    console.print(f"answerable questions refused or without cited evidence ({len(misses)}):")
    for s in misses:
        q = next(q for q in gold if q.id == s.id)
        state = "refused" if not s.answered else "no evidence cited"
        console.print(f"  {s.id} {s.language} {state:18} conf {s.confidence:.2f}  {q.question}")
    return {"summary": summary, "tradeoff": rows}


if __name__ == "__main__":
    main()
