"""The evaluation harness: every gold question through every configuration, scored, reported.

    policyqa eval [--gold FILE] [--configs default,bm25,dense,vanilla-llamaindex] [--out DIR] [--index DIR]
    run_eval(gold_path, configs, out_dir, index_dir=None, progress=True) -> dict

Configurations (``CONFIGS``):

- ``default``: ``AnswerEngine(index)`` — hybrid retrieval, extractive answer, the
  engine's refusal thresholds (``qa_app.engine.ABSTAIN_BELOW``).
- ``bm25`` / ``dense``: the same engine with ``mode="bm25"`` / ``mode="dense"``
  (one retrieval leg only; the answer step and thresholds unchanged).
- ``vanilla-llamaindex``: the peer a user of a bare llama-index retriever gets
  (``eval.bench_retrieval.build_vanilla`` / ``vanilla_search``: pdfplumber page
  text, ``SentenceSplitter()`` defaults, ``VectorStoreIndex`` over its own Chroma,
  the same embedder). A retriever gives no answer, so its "answer" is the naive
  one: the first two sentences of the top passage quoted, 「…」[1], with citation
  [1] to that passage; it always answers (``answerable`` true, no confidence), so
  it never refuses and has no refusal trade-off curve, only its operating point.

The project's configurations share one index (``index_dir``, else the bundled
corpus ingested into a temporary one). The peer indexes the PDFs that index
records (the bundled corpus by default), into a temporary Chroma.

Each question is asked once per configuration, after one untimed warm-up
question. The engine is asked with refusal by score switched off
(``abstain_below`` 0), so every answer carries its confidence and the refusal
trade-off can be drawn; the figures "at the operating point" then apply the
engine's own thresholds (an answer whose confidence is below the threshold of
its language counts as refused, with its answer metrics 0), which is exactly
what the engine would have returned (the score check is the first refusal rule).

Retrieval metrics (``eval/metrics.py``) are computed on the ranking behind the
answer: the engine's ``Answer.passages`` (its top 10), the peer's top 10. Answer
metrics come from ``eval/answers.py``. ``report.md`` spells every definition out.
"""

from __future__ import annotations

import hashlib
import json
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .answers import AnswerScore, refusal_tradeoff, score_answer, summarise
from .metrics import (
    EVIDENCE_WINDOWS, LANGUAGES, METRIC_NAMES, NDCG_K, GoldQuestion, aggregate, load_gold, percentile,
    score_question,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GOLD = ROOT / "eval" / "gold" / "dev.jsonl"
DEFAULT_OUT = ROOT / "eval" / "reports" / "latest"
BUNDLED_CORPUS = ROOT / "corpus"
VANILLA = "vanilla-llamaindex"
ENGINE_MODES = {"default": "hybrid", "bm25": "bm25", "dense": "dense"}
CONFIGS = (*ENGINE_MODES, VANILLA)
K = 10
GROUPS = (*LANGUAGES, "all")
STAGES = ("retrieve", "extract", "total")
# The refusal thresholds shown in the report's trade-off table (the grid of eval.bench_answers).
THRESHOLDS = [round(0.15 + 0.025 * i, 3) for i in range(19)]
VANILLA_SENTENCES = 2
VANILLA_MAX_QUOTE = 240      # characters: a "sentence" of a slide page without 。 can run on for a page

CHARTS = {"metrics": "metrics.png", "languages": "languages.png", "refusal": "refusal.png"}
ANSWER_METRICS = ("fact_recall", "all_facts", "char_f1", "chrf", "citation_precision", "citation_recall",
                  "evidence_cited", "answerable_refused", "unanswerable_refused")
LANG_LABEL = {"ja": "日本語 (ja)", "en": "英語 (en)", "all": "全体 (all)"}


# ---------------------------------------------------------------- the peer's naive answer

_SENTENCE_END = re.compile(r"(?<=[。．！？!?])|(?<=\.)(?=\s)")


def first_sentences(text: str, n: int = VANILLA_SENTENCES, limit: int = VANILLA_MAX_QUOTE) -> str:
    """The first ``n`` sentences of ``text`` (ending at 。．！？!? or a full stop before a space),
    verbatim, at most ``limit`` characters."""
    text = text.strip()
    pieces = [p for p in _SENTENCE_END.split(text) if p.strip()]
    quote = "".join(pieces[:n]).strip() if pieces else text
    return quote[:limit].rstrip()


def naive_answer(question: str, language: str, texts: Sequence[str], doc_ids: Sequence[str]) -> dict:
    """What a bare retriever's user reads: the top passage's first sentences, cited [1]."""
    if not texts:
        return {"question": question, "language": language, "answer": "", "answerable": True,
                "citations": [], "confidence": 0.0}
    quote = first_sentences(texts[0])
    return {"question": question, "language": language, "answer": f"「{quote}」[1]", "answerable": True,
            "citations": [{"n": 1, "chunk_id": "", "doc_id": doc_ids[0], "text": quote}],
            "confidence": 0.0}


# ---------------------------------------------------------------- running

class _Run:
    """One configuration's raw results: per question, the answer JSON and its ranking."""

    def __init__(self, name: str):
        self.name = name
        self.answers: dict[str, dict] = {}
        self.rankings: dict[str, tuple[list[str], list[str]]] = {}
        self.timings: dict[str, dict[str, float]] = {}
        self.seconds = 0.0
        self.peak_rss_mb = 0.0


def _rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    # ru_maxrss is in kilobytes on Linux, bytes on macOS
    kb = resource.getrusage(who).ru_maxrss
    return kb / 1024 / (1024 if sys.platform == "darwin" else 1)


def _run_engine(name: str, index_dir: Path, questions: list[GoldQuestion], advance: Callable[[], None]) -> _Run:
    from qa_app.engine import AnswerEngine

    run = _Run(name)
    t0 = time.perf_counter()
    with AnswerEngine(index_dir, mode=ENGINE_MODES[name], abstain_below={"ja": 0.0, "en": 0.0}) as engine:
        engine.ask(questions[0].question)          # warm-up: lazy imports, caches, first-call costs
        for q in questions:
            a = engine.ask(q.question).as_json()
            run.answers[q.id] = a
            run.rankings[q.id] = ([p["text"] for p in a["passages"]], [p["doc_id"] for p in a["passages"]])
            run.timings[q.id] = {s: float(a["timings_ms"].get(s, 0.0)) for s in STAGES}
            advance()
    run.seconds = time.perf_counter() - t0
    return run


def _run_vanilla(pdfs: list[Path], work: Path, questions: list[GoldQuestion],
                 advance: Callable[[], None]) -> tuple[_Run, dict]:
    from index.embeddings import get_embedder

    from .bench_retrieval import build_vanilla, vanilla_search

    run = _Run(VANILLA)
    t0 = time.perf_counter()
    index, pages, nodes = build_vanilla(pdfs, work / "vanilla-chroma", get_embedder())
    build_s = time.perf_counter() - t0
    search = vanilla_search(index)
    search(questions[0].question, K)                # warm-up
    for q in questions:
        t1 = time.perf_counter()
        texts, doc_ids = search(q.question, K)
        t2 = time.perf_counter()
        a = naive_answer(q.question, q.language, texts, doc_ids)
        t3 = time.perf_counter()
        run.answers[q.id] = a
        run.rankings[q.id] = (list(texts), list(doc_ids))
        run.timings[q.id] = {"retrieve": (t2 - t1) * 1000, "extract": (t3 - t2) * 1000, "total": (t3 - t1) * 1000}
        advance()
    run.seconds = time.perf_counter() - t0
    return run, {"pages": pages, "nodes": nodes, "build_s": build_s}


def _index_pdfs(index_dir: Path) -> list[Path]:
    """The PDFs the index was built from (for the peer), else the bundled corpus."""
    from index.store import ChunkStore

    with ChunkStore(index_dir) as store:
        paths = [Path(d.path) for d in store.documents()]
    found = [p for p in paths if p.is_file()]
    if found:
        return found
    from index.pipeline import find_pdfs
    return find_pdfs([BUNDLED_CORPUS])


# ---------------------------------------------------------------- scoring

def _at_operating_point(s: AnswerScore, threshold: float | None) -> AnswerScore:
    """The score as the engine answers by default: refused below its threshold."""
    if threshold is None or not s.answered or s.confidence >= threshold:
        return s
    return replace(s, answered=False, fact_recall=0.0, all_facts=False, citation_precision=0.0,
                   citation_recall=0.0, evidence_cited=False, char_f1=0.0, chrf=0.0)


def _score_run(run: _Run, questions: list[GoldQuestion], thresholds: dict[str, float] | None) -> dict:
    retrieval = {q.id: score_question(q, *run.rankings[q.id]) for q in questions if q.answerable}
    raw = {q.id: score_answer(q, run.answers[q.id]) for q in questions}
    op = {}
    for q in questions:
        lang = run.answers[q.id].get("language", q.language)
        op[q.id] = _at_operating_point(raw[q.id], thresholds.get(lang) if thresholds else None)

    retr_agg = aggregate(retrieval.values())
    ans_agg = summarise(list(op.values()))
    aggregates = {}
    for g in GROUPS:
        row = {"n": ans_agg[g]["n"], "n_answerable": retr_agg[g]["n"]}
        row.update({m: retr_agg[g][m] for m in METRIC_NAMES})
        row.update({k: v for k, v in ans_agg[g].items() if k != "n"})
        chosen = [q for q in questions if g == "all" or q.language == g]
        row["n_with_reference"] = sum(1 for q in chosen if op[q.id].has_reference)
        aggregates[g] = row

    latency = {s: {"p50": percentile([t[s] for t in run.timings.values()], 50),
                   "p95": percentile([t[s] for t in run.timings.values()], 95),
                   "mean": statistics.fmean([t[s] for t in run.timings.values()]) if run.timings else 0.0}
               for s in STAGES}

    tradeoff = {}
    if thresholds is not None:
        for lang in LANGUAGES:
            chosen = [raw[q.id] for q in questions if run.answers[q.id].get("language", q.language) == lang]
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
            "char_f1": s.char_f1 if s.has_reference else None,
            "chrf": s.chrf if s.has_reference else None,
            "citation_precision": s.citation_precision if (q.answerable and s.answered) else None,
            "answered": s.answered,
            "correct_refusal": (not s.answered) if not q.answerable else None,
            "confidence": a.get("confidence", 0.0) if run.name != VANILLA else None,
            "latency_ms": run.timings[q.id]["total"],
            "question": q.question,
            "answer": a.get("answer", "")[:300],
        })
    return {"aggregates": aggregates, "latency_ms": latency, "refusal_tradeoff": tradeoff, "questions": rows}


# ---------------------------------------------------------------- the entry point

def _gold_summary(path: Path, questions: list[GoldQuestion]) -> dict:
    data = path.read_bytes()
    return {"path": str(path), "sha256": hashlib.sha256(data).hexdigest(), "questions": len(questions),
            "answerable": sum(q.answerable for q in questions),
            "by_language": dict(Counter(q.language for q in questions)),
            "by_type": dict(Counter(q.type for q in questions)),
            "with_reference": sum(1 for q in questions if q.answerable and q.reference.strip())}


def parse_configs(configs: str | Iterable[str] | None) -> list[str]:
    if configs is None:
        return list(CONFIGS)
    names = [c.strip() for c in (configs.split(",") if isinstance(configs, str) else configs) if c.strip()]
    unknown = [c for c in names if c not in CONFIGS]
    if unknown or not names:
        raise ValueError(f"unknown configuration(s) {unknown or names}: choose from {', '.join(CONFIGS)}")
    return list(dict.fromkeys(names))


def run_eval(gold_path: str | Path = DEFAULT_GOLD, configs: str | Iterable[str] | None = CONFIGS,
             out_dir: str | Path = DEFAULT_OUT, index_dir: str | Path | None = None,
             progress: bool = True, console=None) -> dict:
    """Run every configuration on the gold file; write metrics.json, report.md and charts to out_dir."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from qa_app.engine import ABSTAIN_BELOW

    t_start = time.perf_counter()
    gold_path, out_dir = Path(gold_path), Path(out_dir)
    names = parse_configs(configs)
    questions = load_gold(gold_path)
    if not questions:
        raise ValueError(f"{gold_path}: no gold question")
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{gold_path}: duplicate question ids")
    bad = sorted({q.language for q in questions} - set(LANGUAGES))
    if bad:
        raise ValueError(f"{gold_path}: language must be one of {LANGUAGES}, found {bad}")

    console = console or Console(stderr=True)
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=console, transient=False, disable=not progress)
    work = Path(tempfile.mkdtemp(prefix="policyqa-eval-"))
    runs: dict[str, _Run] = {}
    info: dict = {"ingest_s": None, "index_dir": str(index_dir) if index_dir else None}
    try:
        with bar:
            if index_dir is None:
                from index.pipeline import ingest

                task = bar.add_task("ingest (bundled corpus)", total=1)
                t0 = time.perf_counter()
                report = ingest([BUNDLED_CORPUS], work / "index")
                info["ingest_s"] = time.perf_counter() - t0
                if report.failed:
                    raise RuntimeError(f"ingest failed: {[(r.doc_id, r.error) for r in report.failed]}")
                index_dir = work / "index"
                info["index_dir"] = "(temporary: bundled corpus)"
                bar.advance(task)
            index_dir = Path(index_dir)
            from index import STORE_FILE

            if not (index_dir / STORE_FILE).exists():
                raise FileNotFoundError(f"no index at {index_dir}; run `policyqa ingest` first")
            for name in names:
                task = bar.add_task(name, total=len(questions))
                advance = lambda task=task: bar.advance(task)
                if name == VANILLA:
                    pdfs = _index_pdfs(index_dir)
                    runs[name], info["vanilla"] = _run_vanilla(pdfs, work, questions, advance)
                    info["vanilla"]["pdfs"] = [str(p) for p in pdfs]
                else:
                    runs[name] = _run_engine(name, index_dir, questions, advance)
                runs[name].peak_rss_mb = _rss_mb()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    results = {name: _score_run(run, questions, None if name == VANILLA else dict(ABSTAIN_BELOW))
               for name, run in runs.items()}
    wall = time.perf_counter() - t_start
    metrics = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "gold": _gold_summary(gold_path, questions),
        "configs": names,
        "k": K,
        "thresholds": dict(ABSTAIN_BELOW),
        "index": info,
        "aggregates": {n: r["aggregates"] for n, r in results.items()},
        "latency_ms": {n: r["latency_ms"] for n, r in results.items()},
        "seconds": {n: runs[n].seconds for n in names},
        "memory": {"peak_rss_mb": _rss_mb(), "peak_rss_mb_after": {n: runs[n].peak_rss_mb for n in names},
                   "children_peak_rss_mb": _rss_mb(resource.RUSAGE_CHILDREN)},
        "refusal_tradeoff": {n: r["refusal_tradeoff"] for n, r in results.items() if r["refusal_tradeoff"]},
        "wall_s": wall,
        "charts": dict(CHARTS),
        "questions": [row for n in names for row in results[n]["questions"]],
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    write_charts(metrics, out_dir)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (out_dir / "report.md").write_text(render_report(metrics), encoding="utf-8")
    return metrics


# ---------------------------------------------------------------- charts

def font_path() -> Path:
    """IPAexGothic as shipped by japanize-matplotlib (found without importing it: importing restyles matplotlib)."""
    import importlib.util

    spec = importlib.util.find_spec("japanize_matplotlib")
    if spec is None or not spec.origin:
        raise RuntimeError("japanize-matplotlib is not installed: pip install japanize-matplotlib")
    path = Path(spec.origin).resolve().parent / "fonts" / "ipaexg.ttf"
    if not path.is_file():
        raise RuntimeError(f"IPAexGothic not found at {path}")
    return path


def _japanese_font():
    from matplotlib import font_manager

    path = font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()     # "IPAexGothic"


CHART_METRICS = (("hit@5", "hit@5"), ("mrr", "MRR"), ("evidence@1000", "根拠@1000字\nevidence@1000"),
                 ("fact_recall", "事実再現率\nfact recall"), ("citation_precision", "引用適合率\ncitation precision"))


def write_charts(metrics: dict, out_dir: Path) -> dict[str, Path]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    family = _japanese_font()
    names = metrics["configs"]
    agg = metrics["aggregates"]
    colours = dict(zip(CONFIGS, ("#1f77b4", "#ff7f0e", "#2ca02c", "#7f7f7f")))
    paths = {k: out_dir / v for k, v in CHARTS.items()}
    n_q = metrics["gold"]["questions"]
    with plt.rc_context({"font.family": family, "axes.unicode_minus": False}):
        # (a) grouped bars per metric, one bar per config
        fig, ax = plt.subplots(figsize=(10, 4.8), dpi=110)
        width = 0.8 / max(len(names), 1)
        for i, name in enumerate(names):
            xs = [j + (i - (len(names) - 1) / 2) * width for j in range(len(CHART_METRICS))]
            vals = [agg[name]["all"][m] for m, _ in CHART_METRICS]
            bars = ax.bar(xs, vals, width, label=name, color=colours.get(name))
            ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
        ax.set_xticks(range(len(CHART_METRICS)), [label for _, label in CHART_METRICS])
        ax.set_ylim(0, 1.1)
        ax.set_ylabel("平均 / mean (0–1)")
        ax.set_title(f"検索と回答の指標（全 {n_q} 問）/ Retrieval and answer metrics by configuration")
        ax.legend(title="設定 / config", fontsize=8, loc="upper right", ncols=len(names))
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        fig.savefig(paths["metrics"])
        plt.close(fig)

        # (b) per language: four panels, bars per config over ja / en / all
        panels = (("hit@5", "hit@5"), ("evidence@1000", "根拠@1000字 / evidence@1000"),
                  ("fact_recall", "事実再現率 / fact recall"), ("citation_precision", "引用適合率 / citation precision"))
        fig, axes = plt.subplots(2, 2, figsize=(10, 6.4), dpi=110, sharey=True)
        for ax, (metric, title) in zip(axes.flat, panels):
            for i, name in enumerate(names):
                xs = [j + (i - (len(names) - 1) / 2) * width for j in range(len(GROUPS))]
                bars = ax.bar(xs, [agg[name][g][metric] for g in GROUPS], width, label=name,
                              color=colours.get(name))
                ax.bar_label(bars, fmt="%.2f", fontsize=6, padding=1)
            ax.set_xticks(range(len(GROUPS)), [LANG_LABEL[g] for g in GROUPS])
            ax.set_title(title, fontsize=10)
            ax.set_ylim(0, 1.15)
            ax.grid(axis="y", alpha=0.3)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.suptitle("言語別の指標 / Metrics by question language")
        fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.95), ncols=len(names), fontsize=8)
        fig.tight_layout(rect=(0, 0, 1, 0.92))
        fig.savefig(paths["languages"])
        plt.close(fig)

        # (c) refusal trade-off: wrong refusals vs wrong answers as the threshold moves, per language
        fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), dpi=110)
        for ax, lang in zip(axes, LANGUAGES):
            for name in names:
                colour = colours.get(name)
                if name == VANILLA:
                    a = agg[name][lang]
                    ax.plot([a["answerable_refused"]], [1 - a["unanswerable_refused"]], "s", color=colour,
                            label=f"{name}（拒否しない / never refuses）", markersize=11, zorder=1)
                    continue
                t = metrics["refusal_tradeoff"].get(name, {}).get(lang)
                if not t or not t["n_answerable"] or not t["n_unanswerable"]:
                    continue
                xs = [r["wrongly_refused"] / t["n_answerable"] for r in t["curve"]]
                ys = [r["wrongly_answered"] / t["n_unanswerable"] for r in t["curve"]]
                # curves often coincide (the modes share the answer step): draw each distinguishable
                style = {"default": ("-", 4.0), "bm25": ("--", 1.8), "dense": (":", 2.2)}.get(name, ("-", 1.5))
                ax.plot(xs, ys, linestyle=style[0], linewidth=style[1], color=colour, label=name, zorder=2,
                        alpha=0.55 if name == "default" else 1.0)
                a = agg[name][lang]
                ax.plot([a["answerable_refused"]], [1 - a["unanswerable_refused"]], "o", color=colour,
                        markeredgecolor="black", markersize=11 if name == "default" else 7,
                        zorder=3 if name == "default" else 4)
            ax.set_xlim(-0.03, 1.03)
            ax.set_ylim(-0.03, 1.03)
            ax.set_xlabel("誤って拒否した回答可能な質問 / answerable refused")
            ax.set_ylabel("誤って回答した回答不能な質問 / unanswerable answered")
            ax.set_title(f"{LANG_LABEL[lang]}：拒否の閾値 / refusal threshold", fontsize=10)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7, loc="lower left")
        fig.suptitle("拒否のトレードオフ（●＝既定の閾値）/ Refusal trade-off (● = default threshold)")
        fig.tight_layout()
        fig.savefig(paths["refusal"])
        plt.close(fig)
    return paths


# ---------------------------------------------------------------- the Markdown report

SUMMARY_ROWS = (
    ("hit@1", "hit@1"), ("hit@5", "hit@5"), ("hit@10", "hit@10"), ("mrr", "MRR"), ("ndcg@10", "nDCG@10"),
    ("evidence@1000", "evidence@1000"), ("evidence@3000", "evidence@3000"),
    ("fact_recall", "fact recall"), ("all_facts", "all facts"), ("char_f1", "char F1"), ("chrf", "chrF"),
    ("citation_precision", "citation precision"), ("citation_recall", "citation recall"),
    ("evidence_cited", "evidence cited"), ("answerable_refused", "answerable refused ↓"),
    ("unanswerable_refused", "unanswerable refused ↑"),
)


def _f(x, digits: int = 3) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def summary_table(metrics: dict, group: str = "all") -> list[list[str]]:
    """Rows of the side-by-side summary: [metric, value per config...] (also used by the app)."""
    names, agg = metrics["configs"], metrics["aggregates"]
    rows = [[label, *[_f(agg[n][group][key]) for n in names]] for key, label in SUMMARY_ROWS]
    lat = metrics["latency_ms"]
    for stage in STAGES:
        for p in ("p50", "p95"):
            rows.append([f"latency {stage} {p} (ms)", *[f"{lat[n][stage][p]:.1f}" for n in names]])
    rows.append(["peak RSS after config (MB)", *[f"{metrics['memory']['peak_rss_mb_after'][n]:.0f}" for n in names]])
    return rows


def _table(header: list[str], rows: list[list[str]], align_right_from: int = 1) -> str:
    out = ["| " + " | ".join(header) + " |",
           "| " + " | ".join("---" if i < align_right_from else "---:" for i in range(len(header))) + " |"]
    out += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def render_report(metrics: dict) -> str:
    names, agg, gold = metrics["configs"], metrics["aggregates"], metrics["gold"]
    L: list[str] = []
    L.append("# policyqa evaluation report\n")
    L.append(f"Generated {metrics['created']} by `policyqa eval` in {metrics['wall_s']:.0f} s "
             f"(configurations: {', '.join(f'`{n}`' for n in names)}).\n")
    L.append("## Gold file\n")
    langs = ", ".join(f"{k} {v}" for k, v in sorted(gold["by_language"].items()))
    types = ", ".join(f"{k} {v}" for k, v in sorted(gold["by_type"].items()))
    L.append(f"- file: `{gold['path']}` (sha256 `{gold['sha256'][:12]}…`)")
    L.append(f"- {gold['questions']} questions, {gold['answerable']} answerable, "
             f"{gold['questions'] - gold['answerable']} unanswerable; "
             f"{gold['with_reference']} answerable ones with a reference answer")
    L.append(f"- by language: {langs}; by type: {types}")
    idx = metrics["index"]
    L.append(f"- index: {idx.get('index_dir')}" + (f" (ingested in {idx['ingest_s']:.1f} s)" if idx.get("ingest_s") else ""))
    if "vanilla" in idx:
        v = idx["vanilla"]
        L.append(f"- vanilla peer: {v['pages']} pages → {v['nodes']} nodes, built in {v['build_s']:.1f} s")
    L.append("")

    L.append("## Summary (all questions)\n")
    L.append("Retrieval metrics are over answerable questions; answer metrics at each configuration's "
             "operating point (the engine's default refusal thresholds "
             f"{', '.join(f'{k} {v}' for k, v in metrics['thresholds'].items())}; the peer never refuses). "
             "↓ lower is better, ↑ higher is better; everything else: higher is better.\n")
    L.append(_table(["metric", *names], summary_table(metrics, "all")))
    L.append("")
    mem = metrics["memory"]
    L.append(f"Peak memory (maxrss) of the evaluating process: {mem['peak_rss_mb']:.0f} MB; of its child "
             f"processes (ingest workers): {mem['children_peak_rss_mb']:.0f} MB. The per-configuration figure is "
             "the process's peak so far, so it only grows down the table (configurations run in column order).\n")
    L.append(f"![metrics]({CHARTS['metrics']})\n")

    L.append("## By language\n")
    keys = ("hit@5", "mrr", "evidence@1000", "fact_recall", "char_f1", "chrf", "citation_precision",
            "answerable_refused", "unanswerable_refused")
    rows = []
    for n in names:
        for g in GROUPS:
            a = agg[n][g]
            rows.append([n, g, str(a["n"]), *[_f(a[k]) for k in keys]])
    L.append(_table(["config", "lang", "n", *keys], rows, align_right_from=2))
    L.append("")
    L.append(f"![by language]({CHARTS['languages']})\n")

    L.append("## Refusal trade-off\n")
    L.append("Each engine configuration was asked with refusal by score switched off, so every answer has a "
             "confidence (its best evidence sentence's score). A threshold t refuses every answer below t. "
             "The table counts, per language, unanswerable questions that would be **answered** "
             "(wrong answers) and answerable ones that would be **refused** (wrong refusals); the engine's "
             "default threshold is in bold. The chart draws the same as a curve over every threshold.\n")
    for n, by_lang in metrics["refusal_tradeoff"].items():
        header = ["threshold"]
        for lang in LANGUAGES:
            t = by_lang[lang]
            header += [f"{lang}: answered wrongly (of {t['n_unanswerable']})",
                       f"{lang}: refused wrongly (of {t['n_answerable']})"]
        rows = []
        for i, th in enumerate(THRESHOLDS):
            cells = []
            for lang in LANGUAGES:
                r = by_lang[lang]["table"][i]
                cells += [str(r["wrongly_answered"]), str(r["wrongly_refused"])]
            mark = any(abs(th - (by_lang[lang]["default_threshold"] or -1)) < 1e-9 for lang in LANGUAGES)
            rows.append([f"**{th:.3f}**" if mark else f"{th:.3f}", *cells])
        L.append(f"**{n}**\n")
        L.append(_table(header, rows))
        L.append("")
    if VANILLA in names:
        a = agg[VANILLA]["all"]
        L.append(f"`{VANILLA}` never refuses: it answers all "
                 f"{gold['questions'] - gold['answerable']} unanswerable questions "
                 f"(unanswerable refused {a['unanswerable_refused']:.3f}).\n")
    L.append(f"![refusal trade-off]({CHARTS['refusal']})\n")

    L.append("## Per question\n")
    L.append("One row per question; per configuration: first hit rank (— = no gold quote in the top "
             f"{metrics['k']}; blank for unanswerable), fact recall, citation precision (— when refused), "
             "answered (✓ / ✗; for unanswerable questions ✗ is right), total latency in ms.\n")
    by_q: dict[str, dict[str, dict]] = {}
    order: list[str] = []
    for row in metrics["questions"]:
        if row["id"] not in by_q:
            order.append(row["id"])
            by_q[row["id"]] = {}
        by_q[row["id"]][row["config"]] = row
    header = ["id", "lang", "type"]
    for n in names:
        header += [f"{n} rank", f"{n} facts", f"{n} cite P", f"{n} ans", f"{n} ms"]
    rows = []
    for qid in order:
        first = next(iter(by_q[qid].values()))
        cells = [qid, first["language"], first["type"]]
        for n in names:
            r = by_q[qid].get(n)
            if r is None:
                cells += ["", "", "", "", ""]
                continue
            unans = first["type"] == "unanswerable" or r["fact_recall"] is None
            rank = "" if unans else (str(r["first_hit_rank"]) if r["first_hit_rank"] else "—")
            cells += [rank, "" if unans else _f(r["fact_recall"], 2), _f(r["citation_precision"], 2)
                      if r["citation_precision"] is not None else ("" if unans else "—"),
                      "✓" if r["answered"] else "✗", f"{r['latency_ms']:.0f}"]
        rows.append(cells)
    L.append(_table(header, rows, align_right_from=3))
    L.append("")
    L.append("<details><summary>Questions</summary>\n")
    L.append(_table(["id", "question"], [[qid, next(iter(by_q[qid].values()))["question"]] for qid in order],
                    align_right_from=2))
    L.append("\n</details>\n")

    L.append("## How each metric is defined\n")
    L.append(METRIC_DEFINITIONS.format(k=metrics["k"], ndcg=NDCG_K, windows=" and ".join(
        f"{w:,}" for w in EVIDENCE_WINDOWS), sentences=VANILLA_SENTENCES, limit=VANILLA_MAX_QUOTE))
    return "\n".join(L) + "\n"


METRIC_DEFINITIONS = """\
All text comparisons use `eval.metrics.match_key` on both sides: the project's NFKC normalisation,
every whitespace character removed, case-folded. Nothing is tokenised on whitespace, so Japanese is
compared as written. Means are plain means over questions, split by the gold `language` (ja, en, all).

**Configurations.** `default`: `AnswerEngine` (hybrid retrieval, extractive answer).
`bm25` / `dense`: the same engine with one retrieval leg (`mode="bm25"` / `"dense"`).
`vanilla-llamaindex`: the peer built by `eval/bench_retrieval.build_vanilla` (pdfplumber page text,
`SentenceSplitter()` defaults, `VectorStoreIndex` over Chroma, the same embedder), searched at k={k}.
A bare retriever gives no answer, so its answer is the naive one its user reads: the first
{sentences} sentences of the top passage (ending at 。．！？!? or a full stop before a space, at most
{limit} characters), quoted 「…」[1] with citation [1] to that passage; it always answers.

**Retrieval** (answerable questions only; the ranking is the passages behind the answer: the engine's
top {k} `Answer.passages`, the peer's top {k} search results). A passage is a *hit* when it contains a
gold evidence quote and comes from a gold document.
- *hit@k*: the first hit is at rank ≤ k (k = 1, 5, 10). *MRR*: mean of 1 / rank of the first hit (0 if none).
- *nDCG@{ndcg}*: binary relevance, gain 1/log2(rank+1); the ideal ranking has
  min({ndcg}, max(distinct quotes, relevant passages retrieved)) relevant passages on top.
- *evidence@N* (N = {windows}): reading the passages in rank order and stopping after N characters, a
  gold quote lies wholly inside what was read (a cost-aware hit: long passages use the budget up).

**Answers** (at the operating point: an engine answer whose confidence is below its language's
threshold counts as a refusal and scores 0 on everything below).
- *fact recall*: share of the question's fact groups with an alternative in the answer text, over all
  answerable questions (a wrong refusal scores 0). *all facts*: share of answers stating every group.
- *char F1*: F1 of the multisets of characters of answer and reference (overlap = Σ min counts;
  P = overlap/len(answer), R = overlap/len(reference)).
- *chrF*: character n-gram F-score (Popović 2015), n = 1..6, β = 2, on a 0–1 scale: P and R are the
  means of the n-gram precisions and recalls (counts clipped) over the orders at which both texts have
  n-grams; chrF = 5PR / (4P + R). Char F1 and chrF are over answerable questions with a `reference`.
  The answer text includes its framing (「資料によると、」, "According to …") and [n] markers, and
  English questions are answered with Japanese quotes, so both are low for English by construction.
- *citation precision*: share of an answer's citations whose quote holds a gold quote from a gold
  document, over the answers given. *citation recall*: share of the gold quotes some citation holds,
  over answerable questions. *evidence cited*: answers with at least one such citation.
- *answerable refused* (↓) and *unanswerable refused* (↑): refusal rates on the two kinds of question.

**Cost.** Latency per question from `Answer.timings_ms` (retrieve: retrieval; extract: sentence
scoring and composition; total), one warm process per configuration after one untimed warm-up
question; p50/p95 linearly interpolated. For the peer, retrieve is its search and extract the naive
answer. Peak memory is `resource.getrusage(...).ru_maxrss` of the evaluating process (and of its child
processes: the ingest workers). Timings are indicative; other work may share the CPU.
"""


def summary_console_table(metrics: dict):
    """The summary as a rich Table, for the command line."""
    from rich.table import Table

    table = Table(title=f"policyqa eval — {metrics['gold']['questions']} questions ({metrics['gold']['path']})")
    table.add_column("metric", style="bold")
    for n in metrics["configs"]:
        table.add_column(n, justify="right")
    for row in summary_table(metrics, "all"):
        table.add_row(*row)
    return table
