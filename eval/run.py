"""Running the evaluation: every split through every configuration, then scored and reported.

    policyqa eval [--splits dev,test,newdocs,unseen] [--configs default,plain-hybrid,vanilla-llamaindex]
                  [--gold FILE] [--index DIR] [--out DIR] [--cache DIR]
    run_eval(...) -> metrics (the dict written to metrics.json)

Splits (``SPLITS``; eval/gold/README.md says how each was made):

- ``dev``: ``eval/gold/dev.jsonl``, the development set every setting is tuned on;
- ``test``: ``eval/gold/test.jsonl``, frozen, over the same bundled corpus;
- ``newdocs``: ``eval/gold/test_newdocs.jsonl``, frozen, over documents the settings never saw
  (``eval/gold/newdocs.json``: PDFs in ``../shared/realpdfs``), ingested into an index of their
  own; skipped, with a note in the report, when the folder is absent. Since dev_real (2026-12-03)
  tunes on the same PDFs, it no longer measures unseen documents;
- ``unseen``: ``eval/gold/test_unseen.jsonl``, frozen, over three documents written for it and
  printed by Chromium (``eval/gold/unseen.json``: PDFs in ``eval/unseen/``), ingested into an index
  of their own: the documents and questions no setting has been chosen on.
- ``--gold FILE`` adds a split of your own over the corpus index, named by the file's stem:
  ``--gold eval/gold/dev_coord.jsonl`` is the fourth development set, over the bundled corpus
  like dev (dev_ict and dev_para need an index holding their white papers, ``--index``).

Configurations (``CONFIGS``): ``default`` is ``AnswerEngine`` as shipped; ``bm25`` / ``dense``
the same engine with one retrieval leg; ``plain-hybrid`` and ``vanilla-llamaindex`` the peers
(``eval/peers.py``). The engine is asked with refusal by score switched off (``abstain_below``
0), so every answer carries its confidence and the refusal trade-off can be drawn; the figures
at the operating point then apply the engine's own thresholds, which is exactly what it would
have returned (the score check is its first refusal rule). Each configuration answers one
untimed warm-up question per index first.

Indexes are cached under ``--cache`` (default ``.policyqa/eval/``): the bundled corpus and the
new documents are ingested once per version of the ingest and index code (a change to either
gives a fresh index), and each peer is built once per index content. ``--index DIR`` uses your
index for the corpus splits instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .metrics import LANGUAGES, GoldQuestion, load_gold
from .peers import PEERS, PLAIN, VANILLA
from .scoring import STAGES, Run, gold_summary, score_run

ROOT = Path(__file__).resolve().parents[1]
GOLD_DIR = ROOT / "eval" / "gold"
DEFAULT_GOLD = GOLD_DIR / "dev.jsonl"
BUNDLED_CORPUS = ROOT / "corpus"
DEFAULT_CACHE = ROOT / ".policyqa" / "eval"
ENGINE_MODES = {"default": "hybrid", "bm25": "bm25", "dense": "dense"}
CONFIGS = (*ENGINE_MODES, PLAIN, VANILLA)
DEFAULT_CONFIGS = ("default", PLAIN, VANILLA)
K = 10


@dataclass(frozen=True)
class Split:
    name: str
    gold: Path
    index: str            # "corpus" (the bundled corpus or --index), or a document set: "newdocs", "unseen"


SPLITS = {
    "dev": Split("dev", GOLD_DIR / "dev.jsonl", "corpus"),
    "test": Split("test", GOLD_DIR / "test.jsonl", "corpus"),
    "newdocs": Split("newdocs", GOLD_DIR / "test_newdocs.jsonl", "newdocs"),
    "unseen": Split("unseen", GOLD_DIR / "test_unseen.jsonl", "unseen"),
}


def _default_out() -> Path:
    from qa_app.reports import DEFAULT_EVAL_REPORT     # the page reads where the harness writes
    return DEFAULT_EVAL_REPORT


DEFAULT_OUT = _default_out()


def parse_names(text: str | Iterable[str] | None, known: Sequence[str], default: Sequence[str],
                what: str) -> list[str]:
    if text is None:
        return list(default)
    names = [c.strip() for c in (text.split(",") if isinstance(text, str) else text) if c.strip()]
    unknown = [c for c in names if c not in known]
    if unknown or not names:
        raise ValueError(f"unknown {what}(s) {unknown or names}: choose from {', '.join(known)}")
    return list(dict.fromkeys(names))


def parse_configs(configs: str | Iterable[str] | None) -> list[str]:
    return parse_names(configs, CONFIGS, DEFAULT_CONFIGS, "configuration")


def parse_splits(splits: str | Iterable[str] | None) -> list[str]:
    return parse_names(splits, tuple(SPLITS), tuple(SPLITS), "split")


def docset_pdfs(name: str) -> tuple[list[Path], str | None]:
    """A document set's PDFs (``eval/gold/<name>.json``), or why they cannot be read."""
    spec = json.loads((GOLD_DIR / f"{name}.json").read_text(encoding="utf-8"))
    folder = (ROOT / spec["folder"]).resolve()
    if not folder.is_dir():
        return [], f"{folder} is absent (eval/gold/{name}.json names it)"
    paths = [folder / f for f in spec["files"]]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        return [], f"missing in {folder}: {', '.join(missing)}"
    return paths, None


def load_split(path: Path) -> list[GoldQuestion]:
    questions = load_gold(path)
    if not questions:
        raise ValueError(f"{path}: no gold question")
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate question ids")
    bad = sorted({q.language for q in questions} - set(LANGUAGES))
    if bad:
        raise ValueError(f"{path}: language must be one of {LANGUAGES}, found {bad}")
    return questions


def code_version() -> str:
    """A fingerprint of the code that builds an index (ingest/ and index/ sources)."""
    import index
    import ingest

    h = hashlib.sha1()
    for package in (ingest, index):
        for path in sorted(Path(package.__file__).parent.rglob("*.py")):
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def cached_index(cache_dir: Path, name: str, pdfs: Sequence[Path]) -> tuple[Path, dict]:
    """An index of ``pdfs`` in the cache, ingested (incrementally) by the current code."""
    from index import ingest

    version = code_version()
    target = cache_dir / f"index-{name}-{version}"
    if cache_dir.is_dir():
        for old in cache_dir.glob(f"index-{name}-*"):
            if old != target:
                shutil.rmtree(old, ignore_errors=True)
    t0 = time.perf_counter()
    report = ingest(list(pdfs), target)
    if report.failed:
        raise RuntimeError(f"ingest failed: {[(r.doc_id, r.error) for r in report.failed]}")
    return target, {"index_dir": _shown(target), "ingest_s": time.perf_counter() - t0,
                    "ingested": report.count("added") + report.count("replaced"),
                    "unchanged": report.count("unchanged"), "code_version": version}


def _shown(path: Path) -> str:
    """A path as a report shows it: relative to the repository when inside it."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    kb = resource.getrusage(who).ru_maxrss     # kilobytes on Linux, bytes on macOS
    return kb / 1024 / (1024 if sys.platform == "darwin" else 1)


def _run_engine(name: str, index_dir: Path, splits: dict[str, list[GoldQuestion]],
                advance: Callable[[], None]) -> dict[str, Run]:
    from qa_app.engine import AnswerEngine

    runs = {}
    with AnswerEngine(index_dir, mode=ENGINE_MODES[name], abstain_below={"ja": 0.0, "en": 0.0}) as engine:
        engine.ask(next(iter(splits.values()))[0].question)   # warm-up: lazy imports, caches, first calls
        for split, questions in splits.items():
            run = runs[split] = Run(name)
            t0 = time.perf_counter()
            for q in questions:
                a = engine.ask(q.question).as_json()
                run.answers[q.id] = a
                run.rankings[q.id] = ([p["text"] for p in a["passages"]], [p["doc_id"] for p in a["passages"]])
                run.timings[q.id] = {s: float(a["timings_ms"].get(s, 0.0)) for s in STAGES}
                advance()
            run.seconds = time.perf_counter() - t0
    return runs


def _run_peer(peer, splits: dict[str, list[GoldQuestion]], advance: Callable[[], None]) -> dict[str, Run]:
    runs = {}
    first = next(iter(splits.values()))[0]
    peer.ask(first.question, first.language)                  # warm-up
    for split, questions in splits.items():
        run = runs[split] = Run(peer.name, refuses_by_score=False)
        t0 = time.perf_counter()
        for q in questions:
            reply = peer.ask(q.question, q.language)
            run.answers[q.id] = reply.answer
            run.rankings[q.id] = (reply.texts, reply.doc_ids)
            run.timings[q.id] = reply.timings
            advance()
        run.seconds = time.perf_counter() - t0
    return runs


def run_eval(splits: str | Iterable[str] | None = None, configs: str | Iterable[str] | None = None,
             out_dir: str | Path | None = None, index_dir: str | Path | None = None,
             gold: str | Path | None = None, cache_dir: str | Path | None = None,
             progress: bool = True, console=None) -> dict:
    """Run the configurations on the splits; write metrics.json, report.md and charts to ``out_dir``.

    ``splits`` defaults to all of ``SPLITS`` unless ``gold`` (a file of your own) is given, then to none."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from qa_app.engine import ABSTAIN_BELOW

    from .report import write_report

    t_start = time.perf_counter()
    load_start = os.getloadavg()       # timings are indicative: the report says how busy the machine was
    names = parse_configs(configs)
    wanted = [SPLITS[s] for s in parse_splits(splits)] if (splits is not None or gold is None) else []
    if gold is not None:
        gold = Path(gold)
        wanted.append(Split(gold.stem, gold, "corpus"))
    if len({s.name for s in wanted}) != len(wanted):
        raise ValueError(f"two splits named alike: {[s.name for s in wanted]}")
    out_dir = Path(out_dir) if out_dir is not None else DEFAULT_OUT
    cache_dir = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE
    questions = {s.name: load_split(s.gold) for s in wanted}

    skipped: dict[str, str] = {}
    sources: dict[str, list[Path]] = {"corpus": [BUNDLED_CORPUS]}
    for docset in dict.fromkeys(s.index for s in wanted if s.index != "corpus"):
        pdfs, why = docset_pdfs(docset)
        if why:
            skipped.update({s.name: f"skipped: {why}" for s in wanted if s.index == docset})
            wanted = [s for s in wanted if s.index != docset]
        sources[docset] = pdfs
    if not wanted:
        raise ValueError("no split to run: " + "; ".join(f"{k} {v}" for k, v in skipped.items()))

    console = console or Console(stderr=True)
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=console, transient=False, disable=not progress)
    runs: dict[str, dict[str, Run]] = {s.name: {} for s in wanted}
    indexes: dict[str, dict] = {}
    peer_info: dict[str, dict[str, dict]] = {}
    rss_after: dict[str, float] = {}
    with bar:
        for group in dict.fromkeys(s.index for s in wanted):
            in_group = {s.name: questions[s.name] for s in wanted if s.index == group}
            label = "+".join(in_group)
            if group == "corpus" and index_dir is not None:
                from index import STORE_FILE

                where = Path(index_dir)
                if not (where / STORE_FILE).exists():
                    raise FileNotFoundError(f"no index at {where}; run `policyqa ingest` first")
                indexes[group] = {"index_dir": str(where), "ingest_s": None}
            else:
                task = bar.add_task(f"index: {group} (cached per code version)", total=1)
                where, indexes[group] = cached_index(cache_dir, group, sources[group])
                bar.advance(task)
            for name in names:
                task = bar.add_task(f"{label}: {name}", total=sum(map(len, in_group.values())))
                advance = lambda task=task: bar.advance(task)
                if name in PEERS:
                    from .peers import open_peer

                    t0 = time.perf_counter()
                    peer = open_peer(name, where, cache_dir / "peers", sources[group])
                    peer_info.setdefault(group, {})[name] = {**peer.info, "open_s": time.perf_counter() - t0}
                    got = _run_peer(peer, in_group, advance)
                    del peer
                else:
                    got = _run_engine(name, where, in_group, advance)
                for split, run in got.items():
                    runs[split][name] = run
                rss_after[f"{group}:{name}"] = _rss_mb()

    thresholds = dict(ABSTAIN_BELOW)
    results = {}
    for s in wanted:
        scored = {n: score_run(runs[s.name][n], questions[s.name], thresholds if n in ENGINE_MODES else None)
                  for n in names}
        results[s.name] = {
            "gold": {**gold_summary(s.gold, questions[s.name]), "path": _shown(s.gold)},
            "index": s.index,
            "aggregates": {n: r["aggregates"] for n, r in scored.items()},
            "latency_ms": {n: r["latency_ms"] for n, r in scored.items()},
            "seconds": {n: r["seconds"] for n, r in scored.items()},
            "refusal_tradeoff": {n: r["refusal_tradeoff"] for n, r in scored.items() if r["refusal_tradeoff"]},
            "questions": [row for n in names for row in scored[n]["questions"]],
        }
    metrics = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "policyqa eval " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["eval"] else None,
        "configs": names,
        "splits": [s.name for s in wanted],
        "skipped": skipped,
        "k": K,
        "thresholds": thresholds,
        "indexes": indexes,
        "peers": peer_info,
        "memory": {"peak_rss_mb": _rss_mb(), "peak_rss_mb_after": rss_after,
                   "children_peak_rss_mb": _rss_mb(resource.RUSAGE_CHILDREN)},
        "wall_s": time.perf_counter() - t_start,
        "load_average": {"start": [round(x, 2) for x in load_start], "end": [round(x, 2) for x in os.getloadavg()],
                         "cpus": os.cpu_count()},
        "results": results,
    }
    write_report(metrics, out_dir)
    return metrics
