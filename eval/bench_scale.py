"""Scale benchmark on real distractors: the bundled corpus alone, then beside 1, 6 and 24 white papers (prints figures).

    .venv/bin/python -m eval.bench_scale [--sizes 0,1,6,24] [--modes embedded,server] [--peer/--no-peer]
        [--cache DIR] [--work DIR] [--out FILE.json]

**The corpus at each size.** Size 0 is the bundled corpus (``corpus/``), the
1× every figure is compared with. Size N adds N editions of 総務省「情報通信白書」
(``eval/distractors.py``: rendered to plain A4 PDFs and cached outside the
repo; the editions are spread over 平成12年–令和5年 and a smaller size's are part
of a larger one's). They are distinct real documents from a neighbouring field:
they share the corpus's vocabulary (産学官連携, 地域, ベンチャー) and none of its facts,
so a gold question's evidence is still only in the bundled documents.

**Per size and store** (embedded Chroma; a ``chroma run`` server on 127.0.0.1
with its own data directory, started and stopped here):

- *ingest*, cold, in a fresh interpreter on a fresh index (``bench_ingest_query.measure_ingest``):
  pages, chunks, seconds inside ``ingest()``, pages/s, peak RSS of the main
  process and of the largest parse worker;
- *size on disk*: ``du`` of the index directory (plus the server's data
  directory in server mode), and per chunk;
- *speed and memory*, in another fresh interpreter: warm hybrid search (k=10)
  and warm ``ask`` p50/p95 over the dev questions (one warm-up pass, one timed
  pass), and that process's peak RSS;
- *quality* on the dev and the test split with ``policyqa eval``'s own scoring
  (``eval.run.run_eval``, default configuration): hit@5, MRR, all facts
  stated, citation precision — each beside the 1× figure. The test split is
  only reported, never tuned on.

The vanilla llama-index dense peer (``eval.peers.build_vanilla``) is
built over the same PDFs at the largest size (embedded) and scored the same way.

Figures are indicative: other work may share the two cores (the load average
is printed per row), so read the ratios more than the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from rich.console import Console
from rich.table import Table

from . import distractors
from .bench_ingest_query import du_bytes, measure_ingest
from .metrics import load_gold, percentile, save_figures

ROOT = Path(__file__).resolve().parents[1]
GOLD = {"dev": ROOT / "eval" / "gold" / "dev.jsonl", "test": ROOT / "eval" / "gold" / "test.jsonl"}
CORPUS = ROOT / "corpus"
ENGINE, PEER = "default", "vanilla-llamaindex"
QUALITY = (("hit@5", "hit@5"), ("MRR", "mrr"), ("facts", "all_facts"), ("citations", "citation_precision"))

# Run in a fresh interpreter, so its peak RSS is this size's query side alone.
_QUERY_SCRIPT = r"""
import json, resource, sys, time
args = json.loads(sys.argv[1])
from eval.run import run_eval
from pathlib import Path
from index.retrieve import Retriever
from qa_app.engine import AnswerEngine

def timed(fn, questions):
    for q in questions:
        fn(q)
    out = []
    for q in questions:
        t0 = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t0) * 1000)
    return out

qs = args["questions"]
with Retriever(args["index"], chroma_url=args["chroma_url"]) as r:
    search_ms = timed(lambda q: r.search(q, 10, mode="hybrid"), qs)
with AnswerEngine(args["index"], chroma_url=args["chroma_url"]) as e:
    ask_ms = timed(e.ask, qs)
quality = {}
for split, gold in args["gold"].items():
    m = run_eval(None, args["configs"], args["out"] + "/" + split, args["index"], gold=gold,
                 cache_dir=args["out"] + "/cache", progress=False)
    res = m["results"][Path(gold).stem]
    quality[split] = {c: {"aggregates": res["aggregates"][c]["all"], "latency": res["latency_ms"][c]}
                      for c in m["configs"]}
    quality[split]["_peer_index"] = m["peers"].get("corpus", {}).get("vanilla-llamaindex")
print("@@RESULT@@" + json.dumps({"search_ms": search_ms, "ask_ms": ask_ms, "quality": quality,
                                 "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    """``chroma run`` on loopback with its own data directory, for one measurement."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def __enter__(self) -> "ChromaServer":
        exe = Path(sys.executable).with_name("chroma")
        if not exe.exists():
            raise SystemExit("the chroma command is not installed with chromadb: run with --modes embedded")
        port = _free_port()
        self.proc = subprocess.Popen([str(exe), "run", "--path", str(self.data_dir), "--host", "127.0.0.1",
                                      "--port", str(port)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        self.url = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1)
                return self
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("chroma run did not answer its heartbeat within 30 s")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def _query_side(index_dir: Path, out: Path, questions: list[str], gold: dict[str, str], configs: str,
                chroma_url: str | None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    if chroma_url:
        env["POLICYQA_CHROMA_URL"] = chroma_url    # run_eval's engine finds the server this way
    payload = json.dumps({"index": str(index_dir), "chroma_url": chroma_url, "questions": questions,
                          "gold": gold, "configs": configs, "out": str(out)})
    proc = subprocess.run([sys.executable, "-c", _QUERY_SCRIPT, payload], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=7200)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("@@RESULT@@")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"query subprocess failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(line[len("@@RESULT@@"):])


def _gold_subset(split: str, limit: int | None, work: Path) -> str:
    """The split's gold file, or its first ``limit`` questions (for a smoke run)."""
    if not limit:
        return str(GOLD[split])
    lines = [ln for ln in GOLD[split].read_text(encoding="utf-8").splitlines() if ln.strip()][:limit]
    path = work / f"gold-{split}-{limit}.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def measure(size: int, mode: str, corpus: Path, pdfs: list[Path], work: Path, questions: list[str],
            gold: dict[str, str], peer: bool) -> dict:
    run = work / f"run-{mode}-{size}"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    index_dir, data_dir = run / "index", run / "server-data"
    server = ChromaServer(data_dir) if mode == "server" else None
    if server:
        server.__enter__()
    try:
        url = server.url if server else None
        ing = measure_ingest([corpus, *pdfs], index_dir, chroma_url=url)
        if ing["failed"]:
            raise RuntimeError(f"ingest failed: {ing['failed'][:5]}")
        size_bytes = du_bytes(index_dir, data_dir)
        q = _query_side(index_dir, run / "eval", questions, gold, f"{ENGINE},{PEER}" if peer else ENGINE, url)
    finally:
        if server:
            server.__exit__()
    row = {"size": size, "mode": mode, "docs": ing["files"], "pages": ing["pages"], "chunks": ing["chunks"],
           # A page the parser skipped (e.g. its per-file time budget ran out on a loaded machine)
           # changes the corpus under the quality figures: show every warning beside them.
           "ingest_warnings": ing.get("warnings", []),
           "ingest_s": ing["ingest_s"], "pages_per_s": ing["pages"] / ing["ingest_s"],
           "ingest_rss_main_mb": ing["maxrss_self_mb"], "ingest_rss_worker_mb": ing["maxrss_children_mb"],
           "index_bytes": size_bytes, "bytes_per_chunk": size_bytes / max(ing["chunks"], 1),
           "search_p50": percentile(q["search_ms"], 50), "search_p95": percentile(q["search_ms"], 95),
           "ask_p50": percentile(q["ask_ms"], 50), "ask_p95": percentile(q["ask_ms"], 95),
           "query_rss_mb": q["maxrss_mb"], "loadavg": os.getloadavg()[0],
           "quality": {split: {c: {label: v["aggregates"].get(key) for label, key in QUALITY}
                               for c, v in res.items() if not c.startswith("_")}
                       for split, res in q["quality"].items()}}
    if peer:
        row["peer"] = {"search_p50": q["quality"]["dev"][PEER]["latency"]["retrieve"]["p50"],
                       "search_p95": q["quality"]["dev"][PEER]["latency"]["retrieve"]["p95"],
                       "nodes": (q["quality"]["dev"].get("_peer_index") or {}).get("nodes")}
    shutil.rmtree(run, ignore_errors=True)
    return row


def _d(x: float | None, base: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3f}" + ("" if base is None else f" ({x - base:+.3f})")


def print_report(console: Console, rows: list[dict], splits: list[str]) -> None:
    for mode in dict.fromkeys(r["mode"] for r in rows):
        mrows = sorted((r for r in rows if r["mode"] == mode), key=lambda r: r["size"])
        base = next((r for r in mrows if r["size"] == 0), None)
        name = "embedded Chroma" if mode == "embedded" else "Chroma server (chroma run on 127.0.0.1)"
        t = Table(title=f"{name} — ingest, size on disk, speed and memory")
        for c in ("size", "docs", "pages", "chunks", "ingest s", "pages/s", "ingest peak RSS MB main/worker",
                  "index MB", "KB/chunk", "search p50/p95 ms", "ask p50/p95 ms", "ask-side peak RSS MB", "load"):
            t.add_column(c, justify="right")
        for r in mrows:
            t.add_row(_label(r["size"]), str(r["docs"]), f"{r['pages']:,}", f"{r['chunks']:,}", f"{r['ingest_s']:.0f}",
                      f"{r['pages_per_s']:.1f}", f"{r['ingest_rss_main_mb']:.0f}/{r['ingest_rss_worker_mb']:.0f}",
                      f"{r['index_bytes'] / 2**20:.1f}", f"{r['bytes_per_chunk'] / 1024:.1f}",
                      f"{r['search_p50']:.0f}/{r['search_p95']:.0f}", f"{r['ask_p50']:.0f}/{r['ask_p95']:.0f}",
                      f"{r['query_rss_mb']:.0f}", f"{r['loadavg']:.1f}")
            if "peer" in r:
                p = r["peer"]
                t.add_row(f"  peer at {_label(r['size'])}", "", "", f"{p['nodes'] or '?'} nodes", "", "", "", "", "",
                          f"{p['search_p50']:.0f}/{p['search_p95']:.0f}", "", "", "")
        console.print(t)
        for r in mrows:
            for doc_id, warning in r.get("ingest_warnings", []):
                console.print(f"  {_label(r['size'])}: ingest warning in {doc_id}: {warning}")
        for split in splits:
            t = Table(title=f"{name} — quality on the {split} split (Δ against 1×: the bundled corpus alone)")
            t.add_column("size")
            for label, _ in QUALITY:
                t.add_column(label, justify="right")
            for r in mrows:
                q = r["quality"].get(split, {})
                b = base["quality"].get(split, {}).get(ENGINE, {}) if base else {}
                for config, vals in q.items():
                    who = _label(r["size"]) if config == ENGINE else f"  peer at {_label(r['size'])}"
                    t.add_row(who, *(_d(vals.get(label), b.get(label) if config == ENGINE and r is not base else None)
                                     for label, _ in QUALITY))
            console.print(t)


def _label(size: int) -> str:
    return "1× (bundled)" if size == 0 else f"+{size} edition{'s' if size > 1 else ''}"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="0,1,6,24", help="editions added to the bundled corpus (0: alone)")
    ap.add_argument("--modes", default="embedded,server", help="embedded, server or both")
    ap.add_argument("--peer", action=argparse.BooleanOptionalAction, default=True,
                    help="score the vanilla llama-index peer at the largest size (embedded)")
    ap.add_argument("--splits", default="dev,test")
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="the 1× corpus (default: the bundled one)")
    ap.add_argument("--cache", type=Path, default=None, help="rendered distractor PDFs (default: "
                    "$POLICYQA_DISTRACTORS_CACHE or ~/.cache/policyqa/distractors)")
    ap.add_argument("--slice", type=int, default=None,
                    help="render only the first N characters of each edition (smoke runs)")
    ap.add_argument("--max-questions", type=int, default=None, help="first N questions of each split (smoke runs)")
    ap.add_argument("--work", type=Path, help="working folder (kept); default: a temporary one, removed")
    ap.add_argument("--out", type=Path, help="write the figures as JSON here (after every row)")
    ap.add_argument("--resume", type=Path, help="a JSON an earlier run wrote with --out: its rows are kept "
                    "and their (size, store) not measured again")
    args = ap.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()} | {0})   # every Δ is against 1×
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    splits = [s.strip() for s in args.splits.split(",") if s.strip()]
    console = Console() if Console().is_terminal else Console(width=200)
    work = args.work or Path(tempfile.mkdtemp(prefix="policyqa-bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    gold = {s: _gold_subset(s, args.max_questions, work) for s in splits}
    questions = [q.question for q in load_gold(gold.get("dev") or next(iter(gold.values())))]
    cache = args.cache or distractors.default_cache()
    console.print(f"[bold]policyqa scale benchmark[/bold] — sizes {sizes} (white-paper editions beside the bundled "
                  f"corpus), stores {modes}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    rows: list[dict] = json.loads(args.resume.read_text())["rows"] if args.resume else []
    done = {(r["size"], r["mode"]) for r in rows}
    started = time.perf_counter()
    try:
        # Every size in the first store before any in the next: the default store's table
        # is whole first if the run is cut short.
        for mode in modes:
            for size in sizes:
                if (size, mode) in done:
                    continue
                t0 = time.perf_counter()
                wanted = distractors.pick(size) if size else []
                rendered = ([distractors.render_edition(e, cache, max_chars=args.slice) for e in wanted]
                            if args.slice else distractors.ensure(wanted, cache))
                if wanted:
                    console.print(f"{_label(size)}: {', '.join(r.edition for r in rendered)} — "
                                  f"{sum(r.pages for r in rendered):,} pages rendered or reused in "
                                  f"{time.perf_counter() - t0:.0f} s (not counted as ingest)")
                peer = args.peer and size == sizes[-1] and mode == "embedded"
                row = measure(size, mode, args.corpus, [r.path for r in rendered], work, questions, gold, peer)
                row["editions"] = wanted
                rows.append(row)
                console.print(f"  {_label(size)} {mode}: {row['pages']:,} pages, {row['chunks']:,} chunks in "
                              f"{row['ingest_s']:.0f} s, {row['bytes_per_chunk'] / 1024:.1f} KB/chunk, search p95 "
                              f"{row['search_p95']:.0f} ms, ask p95 {row['ask_p95']:.0f} ms, "
                              + ", ".join(f"{s} hit@5 {row['quality'][s][ENGINE]['hit@5']:.3f}" for s in splits))
                if args.out:   # keep what is measured even if a later size fails
                    args.out.parent.mkdir(parents=True, exist_ok=True)
                    args.out.write_text(json.dumps({"rows": rows}, ensure_ascii=False, indent=1) + "\n")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print_report(console, rows, splits)
    total = time.perf_counter() - started
    console.print(f"Total {total / 60:.1f} min; load average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs.")
    figures = {"sizes": sizes, "modes": modes, "rows": rows, "total_s": total, "cpu_count": os.cpu_count()}
    save_figures(figures, args.out, console)
    return figures


if __name__ == "__main__":
    main()
