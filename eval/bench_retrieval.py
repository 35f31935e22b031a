"""Retrieval benchmark: the project's retriever (bm25, dense, hybrid) against a vanilla llama-index peer.

    .venv/bin/python -m eval.bench_retrieval [--gold eval/gold/dev.jsonl]
        [--chunk-sizes 200,400,800] [--k 10] [--out FILE.json]

Everything happens in one process and one run, in temporary directories:

1. the corpus is ingested with the default chunker (timed);
2. a vanilla llama-index pipeline is built over the same PDFs, the peer a user
   would assemble: pdfplumber ``page.extract_text()`` per page as ``Document``s,
   ``SentenceSplitter()`` with its defaults, ``VectorStoreIndex`` over a
   ``ChromaVectorStore`` (its own persistent Chroma), the same embedder;
3. every gold question is asked of every configuration twice: a warm-up pass,
   then a timed pass whose rankings are scored (eval/metrics.py);
4. cold start (fresh interpreter → first answer) is measured in a subprocess
   for the project's hybrid retriever and for the peer;
5. with ``--chunk-sizes``, the corpus is ingested again at each size and the
   hybrid retriever is scored on it.

Metrics are computed on passage text only (``chunk.text`` for the project,
the node text for the peer), never on the section context the project puts in
front of a chunk for indexing. Latency figures are indicative: other work may
share the CPU, so compare the ratios more than the milliseconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ingest.chunker import ChunkerConfig

from .peers import build_vanilla, vanilla_search   # the peer lives with the evaluation's other peer
from .metrics import (
    METRIC_NAMES, GoldQuestion, QuestionScore, evaluate, first_hit_rank, load_gold, percentile, save_figures,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GOLD = ROOT / "eval" / "gold" / "dev.jsonl"
DEFAULT_CORPUS = ROOT / "corpus"
PROJECT_MODES = ("bm25", "dense", "hybrid")
VANILLA = "vanilla-llamaindex"
CONFIGS = (*PROJECT_MODES, VANILLA)
COLD_QUERY = "金融機関と連携して技術評価をしている例は？"

# A ranking: passage texts and their doc ids, best first.
Ranking = tuple[list[str], list[str]]
SearchFn = Callable[[str, int], Ranking]


@dataclass
class ConfigResult:
    name: str
    metrics: dict[str, dict[str, float]]
    scores: list[QuestionScore]
    latency_ms: list[float] = field(default_factory=list)
    mean_passage_chars: float = 0.0

    def summary(self) -> dict:
        return {"metrics": self.metrics,
                "latency_ms": {"p50": percentile(self.latency_ms, 50), "p95": percentile(self.latency_ms, 95),
                               "n": len(self.latency_ms)},
                "mean_passage_chars": self.mean_passage_chars,
                "first_hit_rank": {s.id: s.first_hit_rank for s in self.scores}}


# -- the systems under test ------------------------------------------------

def project_search(retriever, mode: str) -> SearchFn:
    def search(query: str, k: int) -> Ranking:
        passages = retriever.search(query, k, mode=mode)
        return [p.chunk.text for p in passages], [p.chunk.doc_id for p in passages]
    return search


def _pdfs(corpus: Sequence[Path]) -> list[Path]:
    from index.pipeline import find_pdfs
    return find_pdfs(corpus)


# -- running ---------------------------------------------------------------

def run_config(name: str, search: SearchFn, questions: list[GoldQuestion], k: int,
               progress: Progress | None = None) -> ConfigResult:
    """One warm-up pass over all questions, then a timed pass whose rankings are scored."""
    task = progress.add_task(name, total=2 * len(questions)) if progress else None
    for q in questions:                       # warm-up: caches, lazy imports, first-call costs
        search(q.question, k)
        if progress:
            progress.advance(task)
    rankings: dict[str, Ranking] = {}
    latency: list[float] = []
    for q in questions:
        t0 = time.perf_counter()
        rankings[q.id] = search(q.question, k)
        latency.append((time.perf_counter() - t0) * 1000)
        if progress:
            progress.advance(task)
    metrics, scores = evaluate(questions, rankings)
    lengths = [len(t) for texts, _ in rankings.values() for t in texts]
    return ConfigResult(name, metrics, scores, latency, statistics.fmean(lengths) if lengths else 0.0)


_COLD_PROJECT = """
import sys, time
t0 = time.perf_counter()
from index.retrieve import Retriever
r = Retriever(sys.argv[1])
hits = r.search(sys.argv[2], 10, mode="hybrid")
assert hits, "no passage returned"
print(time.perf_counter() - t0)
"""

_COLD_VANILLA = """
import sys, time
t0 = time.perf_counter()
import chromadb
from chromadb.config import Settings
from llama_index.core import VectorStoreIndex
from llama_index.vector_stores.chroma import ChromaVectorStore
from index.embeddings import get_embedder
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
store = ChromaVectorStore(chroma_collection=client.get_or_create_collection("vanilla"))
index = VectorStoreIndex.from_vector_store(store, embed_model=get_embedder())
hits = index.as_retriever(similarity_top_k=10).retrieve(sys.argv[2])
assert hits, "no passage returned"
print(time.perf_counter() - t0)
"""


def cold_start(script: str, store_path: Path, query: str = COLD_QUERY) -> dict[str, float]:
    """Seconds from a fresh interpreter to the first answer: inside the script and wall clock."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script, str(store_path), query], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"cold-start subprocess failed:\n{done.stderr[-2000:]}")
    return {"in_process_s": float(done.stdout.strip().splitlines()[-1]), "wall_s": wall}


def _ingest(corpus: Sequence[Path], index_dir: Path, embedder, max_chars: int | None = None):
    from index.pipeline import ingest
    config = ChunkerConfig(max_chars=max_chars) if max_chars else ChunkerConfig()
    t0 = time.perf_counter()
    report = ingest(list(corpus), index_dir, config=config, embedder=embedder)
    seconds = time.perf_counter() - t0
    if report.failed:
        raise RuntimeError(f"ingest failed: {[(r.doc_id, r.error) for r in report.failed]}")
    return seconds, sum(r.chunks for r in report.results)


# -- reporting -------------------------------------------------------------

def _fmt(x: float) -> str:
    return f"{x:.3f}"


def results_table(results: dict[str, ConfigResult], cold: dict[str, dict], ingest_s: dict[str, float]) -> Table:
    table = Table(title="Retrieval benchmark (answerable gold questions; metrics are means)", show_lines=False)
    table.add_column("metric", style="bold")
    table.add_column("lang")
    for name in results:
        table.add_column(name, justify="right")
    has_ratio = VANILLA in results and "hybrid" in results
    if has_ratio:
        table.add_column("hybrid / vanilla", justify="right")

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}×" if b else "—"

    for group in ("ja", "en", "all"):
        table.add_row("n", group, *[str(int(r.metrics[group]["n"])) for r in results.values()],
                      *([""] if has_ratio else []))
    for metric in METRIC_NAMES:
        for group in ("ja", "en", "all"):
            vals = [r.metrics[group][metric] for r in results.values()]
            extra = []
            if has_ratio:
                extra = [ratio(results["hybrid"].metrics[group][metric], results[VANILLA].metrics[group][metric])]
            table.add_row(metric if group == "ja" else "", group, *map(_fmt, vals), *extra,
                          end_section=group == "all")
    for label, key in (("latency p50 (ms)", 50), ("latency p95 (ms)", 95)):
        vals = [percentile(r.latency_ms, key) for r in results.values()]
        extra = [ratio(percentile(results["hybrid"].latency_ms, key),
                       percentile(results[VANILLA].latency_ms, key))] if has_ratio else []
        table.add_row(label, "all", *[f"{v:.1f}" for v in vals], *extra)
    table.add_row("mean passage chars", "", *[f"{r.mean_passage_chars:.0f}" for r in results.values()],
                  *([ratio(results["hybrid"].mean_passage_chars, results[VANILLA].mean_passage_chars)]
                    if has_ratio else []))
    row_ingest = [f"{ingest_s.get('project', 0):.1f}" if n in PROJECT_MODES else f"{ingest_s.get(n, 0):.1f}"
                  for n in results]
    table.add_row("ingest (s)", "", *row_ingest,
                  *([ratio(ingest_s.get("project", 0), ingest_s.get(VANILLA, 0))] if has_ratio else []))
    if cold:
        row_cold = [f"{cold[n]['wall_s']:.1f} ({cold[n]['in_process_s']:.1f})" if n in cold else "—"
                    for n in results]
        extra = ([ratio(cold["hybrid"]["wall_s"], cold[VANILLA]["wall_s"])]
                 if has_ratio and "hybrid" in cold and VANILLA in cold else ([""] if has_ratio else []))
        table.add_row("cold start s: wall (in-proc)", "", *row_cold, *extra)
    return table


def chunk_table(rows: list[dict]) -> Table:
    table = Table(title="Hybrid retrieval by chunk size (ChunkerConfig.max_chars)")
    for col in ("max_chars", "chunks", "ingest s", "hit@5", "mrr", "evidence@1000", "mean chars"):
        table.add_column(col, justify="right")
    for r in rows:
        a = r["metrics"]["all"]
        table.add_row(str(r["max_chars"]) + (" (default)" if r.get("default") else ""), str(r["chunks"]),
                      f"{r['ingest_s']:.1f}", _fmt(a["hit@5"]), _fmt(a["mrr"]), _fmt(a["evidence@1000"]),
                      f"{r['mean_passage_chars']:.0f}")
    return table


# -- main ------------------------------------------------------------------

def _parse_sizes(text: str) -> list[int]:
    return [int(x) for x in text.replace(" ", "").split(",") if x]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval.bench_retrieval", description=__doc__.splitlines()[0])
    p.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    p.add_argument("--chunk-sizes", default="200,400,800",
                   help="comma-separated ChunkerConfig.max_chars values to compare ('' for none)")
    p.add_argument("--k", type=int, default=10, help="passages retrieved per question (>= 10 for hit@10, nDCG@10)")
    p.add_argument("--out", type=Path, help="write the figures here as JSON")
    p.add_argument("--corpus", type=Path, nargs="+", default=[DEFAULT_CORPUS],
                   help="PDFs or folders to index (default: the bundled corpus)")
    p.add_argument("--limit", type=int, help="use only the first N gold questions")
    p.add_argument("--no-cold", action="store_true", help="skip the cold-start subprocesses")
    return p


def main(argv: Sequence[str] | None = None, console: Console | None = None) -> dict:
    args = build_parser().parse_args(argv)
    if console is None:
        console = Console()
        if not console.is_terminal:      # piped: rich would assume 80 columns and squash the table
            console = Console(width=max(console.width, 132))
    questions = load_gold(args.gold)
    if args.limit:
        questions = questions[: args.limit]
    sizes = _parse_sizes(args.chunk_sizes)
    if not any(q.answerable for q in questions):
        raise SystemExit("no answerable question in the gold file")

    from index.embeddings import get_embedder
    from index.retrieve import Retriever

    embedder = get_embedder()
    default_size = ChunkerConfig().max_chars
    work = Path(tempfile.mkdtemp(prefix="policyqa-bench-"))
    results: dict[str, ConfigResult] = {}
    cold: dict[str, dict] = {}
    ingest_s: dict[str, float] = {}
    chunk_rows: list[dict] = []
    try:
        progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=console, transient=False)
        with progress:
            t = progress.add_task("ingest (project, default chunker)", total=1)
            project_dir = work / "project"
            ingest_s["project"], project_chunks = _ingest(args.corpus, project_dir, embedder)
            progress.advance(t)

            t = progress.add_task("ingest (vanilla llama-index)", total=1)
            vanilla_dir = work / "vanilla-chroma"
            t0 = time.perf_counter()
            vindex, vpages, vnodes = build_vanilla(_pdfs(args.corpus), vanilla_dir, embedder)
            ingest_s[VANILLA] = time.perf_counter() - t0
            progress.advance(t)

            retriever = Retriever(project_dir, embedder=embedder)
            try:
                all_chunks = [(c.text, c.doc_id) for c in retriever.store.chunks()]
                for mode in PROJECT_MODES:
                    results[mode] = run_config(mode, project_search(retriever, mode), questions, args.k, progress)
            finally:
                retriever.close()
            results[VANILLA] = run_config(VANILLA, vanilla_search(vindex), questions, args.k, progress)

            if not args.no_cold:
                t = progress.add_task("cold start (subprocesses)", total=2)
                cold["hybrid"] = cold_start(_COLD_PROJECT, project_dir)
                progress.advance(t)
                cold[VANILLA] = cold_start(_COLD_VANILLA, vanilla_dir)
                progress.advance(t)

            # Every size is ingested afresh, the default included, so the ingest times compare
            # (the first ingest above also paid for loading spaCy and Sudachi in its workers).
            for size in sizes:
                t = progress.add_task(f"chunk size {size}: ingest", total=1)
                size_dir = work / f"size-{size}"
                seconds, n_chunks = _ingest(args.corpus, size_dir, embedder, size)
                progress.advance(t)
                r = Retriever(size_dir, embedder=embedder)
                try:
                    res = run_config(f"chunk size {size}: hybrid", project_search(r, "hybrid"),
                                     questions, args.k, progress)
                finally:
                    r.close()
                chunk_rows.append({"max_chars": size, "default": size == default_size, "chunks": n_chunks,
                                   "ingest_s": seconds, "metrics": res.metrics,
                                   "mean_passage_chars": res.mean_passage_chars})
    finally:
        shutil.rmtree(work, ignore_errors=True)

    console.print(results_table(results, cold, ingest_s))
    if chunk_rows:
        console.print(chunk_table(chunk_rows))

    by_id = {q.id: q for q in questions}
    misses = [by_id[s.id] for s in results["hybrid"].scores if not s.hit_at(10)]
    # Is a gold quote in any chunk of the index at all? If not, no ranking could find it:
    # the miss lies in extraction or chunking (a quote cut by a chunk boundary), not in retrieval.
    texts, doc_ids = [t for t, _ in all_chunks], [d for _, d in all_chunks]
    in_index = {q.id: first_hit_rank(q, texts, doc_ids) is not None for q in misses}
    console.print(f"\n[bold]Hybrid misses at rank 10[/bold] ({len(misses)} of "
                  f"{len(results['hybrid'].scores)} answerable questions; "
                  "'quote in index' = some chunk holds a gold quote):")
    for q in misses:
        console.print(f"  {q.id}  {q.language}  quote in index: {'yes' if in_index[q.id] else 'no '}  "
                      f"{q.question}", markup=False, highlight=False)

    figures = {
        "gold": str(args.gold), "k": args.k,
        "questions": len(questions), "answerable": sum(q.answerable for q in questions),
        "corpus": [str(p) for p in args.corpus],
        "cpu_count": os.cpu_count(),
        "ingest_s": ingest_s,
        "index": {"project_chunks": project_chunks, "project_max_chars": default_size,
                  "vanilla_pages": vpages, "vanilla_nodes": vnodes},
        "configs": {name: r.summary() for name, r in results.items()},
        "cold_start": cold,
        "chunk_sizes": chunk_rows,
        "hybrid_misses_at_10": [{"id": q.id, "language": q.language, "question": q.question,
                                 "quote_in_index": in_index[q.id]} for q in misses],
    }
    save_figures(figures, args.out, console)
    return figures


if __name__ == "__main__":
    main()
