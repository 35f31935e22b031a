"""Scale benchmark on real distractors: the bundled corpus alone, then beside 1, 6 and 24 white papers (prints figures).

    .venv/bin/python -m eval.bench_scale [--sizes 0,1,6,24] [--modes embedded,server] [--peer/--no-peer]
        [--server-ingest-sizes 0,1] [--cold] [--cache DIR] [--work DIR] [--out FILE.json]

**The corpus at each size.** Size 0 is the bundled corpus (``corpus/``), the
1× every figure is compared with. Size N adds N editions of 総務省「情報通信白書」
(``eval/distractors.py``: rendered to plain A4 PDFs and cached outside the
repo; the editions are spread over 平成12年–令和5年 and a smaller size's are part
of a larger one's). They are distinct real documents from a neighbouring field:
they share the corpus's vocabulary (産学官連携, 地域, ベンチャー) and none of its facts,
so a gold question's evidence is still only in the bundled documents.

**Embedded Chroma, every size.** The sizes nest, so each grows the previous
size's index: a fresh interpreter runs ``policyqa``'s incremental ingest over
the whole corpus of the size, which skips what is indexed and adds the new
editions (``--cold``: every size from nothing). Ingest seconds are the sum of
the steps; each step's seconds and the main and worker peak RSS are printed.
The largest size is thus ingested once, not once per size.

**Server mode.** At every size, a ``chroma run`` on 127.0.0.1 serves that
size's embedded store (the same files: Chroma's server and its embedded client
share the format) and the query side talks to it over HTTP, so quality and
latency are measured through the server without embedding everything twice. The
ingest into a server is measured from nothing at ``--server-ingest-sizes``
(default 0 and 1), with the server's own data directory.

**Per size and store:**

- *size on disk*: ``du`` of the index directory (plus the server's data
  directory when ingested into a server), and per chunk;
- *speed and memory*, in a fresh interpreter: warm hybrid search (k=10)
  and warm ``ask`` p50/p95 over the dev questions (one warm-up pass, one timed
  pass), and that process's peak RSS after them (*ask peak RSS*; the JSON also
  holds the peak after the quality runs);
- *quality* on the dev and the test split with ``policyqa eval``'s own scoring
  (``eval.run.run_eval``, default configuration): hit@5, MRR, all facts
  stated, citation precision — each beside the 1× figure. The test split is
  only reported, never tuned on.

The vanilla llama-index dense peer (``eval.peers.build_vanilla``) is
built over the same PDFs at the largest size (embedded) and scored the same way,
in a process of its own (its build would otherwise count as the engine's memory).

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
from .bench_ingest_query import _run_script, du_bytes
from .metrics import load_gold, percentile, save_figures

ROOT = Path(__file__).resolve().parents[1]
# dev_coord (a coordinator's questions over the bundled corpus, written blind) is the tuning set of the
# test's kind: its gap at the largest size is the one a setting may be chosen on
GOLD = {s: ROOT / "eval" / "gold" / f"{s}.jsonl" for s in ("dev", "dev_coord", "test")}
CORPUS = ROOT / "corpus"
ENGINE, PEER = "default", "vanilla-llamaindex"
QUALITY = (("hit@5", "hit@5"), ("MRR", "mrr"), ("facts", "all_facts"), ("citations", "citation_precision"))

# Run in a fresh interpreter, so its peak RSS is this size's query side alone (the engine's:
# the vanilla peer, which builds its own index, runs in a process of its own).
_QUERY_SCRIPT = r"""
import json, resource, sys, time
args = json.loads(sys.argv[1])
from pathlib import Path

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

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
search_ms = ask_ms = []
if args["latency"]:
    from index.retrieve import Retriever
    from qa_app.engine import AnswerEngine
    degraded = []   # keyword-only searches (vectors unreachable) would make every figure wrong
    def search(q):
        r.search(q, 10, mode="hybrid")
        if r.warning:
            degraded.append(r.warning)
    with Retriever(args["index"], chroma_url=args["chroma_url"]) as r:
        search_ms = timed(search, qs)
    if degraded:
        sys.exit("keyword-only search: " + degraded[0])
    with AnswerEngine(args["index"], chroma_url=args["chroma_url"]) as e:
        ask_ms = timed(e.ask, qs)
ask_peak = peak_mb()
from eval.run import run_eval
quality = {}
for split, gold in args["gold"].items():
    m = run_eval(None, args["configs"], args["out"] + "/" + split, args["index"], gold=gold,
                 cache_dir=args["out"] + "/cache", progress=False)
    res = m["results"][Path(gold).stem]
    quality[split] = {c: {"aggregates": res["aggregates"][c]["all"], "latency": res["latency_ms"][c]}
                      for c in m["configs"]}
    quality[split]["_peer_index"] = m["peers"].get("corpus", {}).get("vanilla-llamaindex")
print("@@RESULT@@" + json.dumps({"search_ms": search_ms, "ask_ms": ask_ms, "quality": quality,
                                 "ask_peak_mb": ask_peak, "maxrss_mb": peak_mb()}))
"""

# Ingest in a fresh interpreter, into an index that may already hold the previous size:
# only the files not yet indexed are parsed and embedded (the ingest is incremental).
_INGEST_SCRIPT = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from index.pipeline import ingest
from index.catalogue import list_documents
args = json.loads(sys.argv[1])
report = ingest(args["paths"], args["index_dir"], chroma_url=args["chroma_url"])
wall = time.perf_counter() - t0
docs = list_documents(args["index_dir"])
print("@@RESULT@@" + json.dumps({
    "process_wall_s": wall, "ingest_s": report.seconds,
    "added": sum(r.status in ("added", "replaced") for r in report.results),
    "added_pages": sum(r.pages for r in report.results if r.status in ("added", "replaced")),
    "failed": [(r.doc_id, r.error) for r in report.failed],
    "warnings": [(r.doc_id, w) for r in report.results for w in r.warnings],
    "files": len(docs), "pages": sum(d.pages for d in docs), "chunks": sum(d.chunks for d in docs),
    "maxrss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "maxrss_children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _chroma_command() -> Path:
    """The ``chroma`` command installed beside this Python with chromadb."""
    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists():
        raise SystemExit("the chroma command is not installed with chromadb: run with --modes embedded")
    return exe


def chroma_vacuum(data_dir: Path) -> bool:
    """Chroma's own ``chroma vacuum`` on a stopped server's data directory, as its operator would run it
    after a large ingest: the server purges its write-ahead log but keeps the freed pages in the file
    (the embedded store is vacuumed by ``policyqa ingest`` itself, index/vectors.py ``compact_embedded``)."""
    done = subprocess.run([str(_chroma_command()), "vacuum", "--path", str(data_dir), "--force"], capture_output=True, timeout=600)
    return done.returncode == 0


class ChromaServer:
    """``chroma run`` on loopback with its own data directory, for one measurement."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def __enter__(self) -> "ChromaServer":
        exe = _chroma_command()
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
                chroma_url: str | None, latency: bool = True) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    if chroma_url:
        env["POLICYQA_CHROMA_URL"] = chroma_url    # run_eval's engine finds the server this way
    payload = json.dumps({"index": str(index_dir), "chroma_url": chroma_url, "questions": questions,
                          "gold": gold, "configs": configs, "out": str(out), "latency": latency})
    proc = subprocess.run([sys.executable, "-c", _QUERY_SCRIPT, payload], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=7200)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("@@RESULT@@")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"query subprocess failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(line[len("@@RESULT@@"):])


def _ingest(paths: list[Path], index_dir: Path, chroma_url: str | None) -> dict:
    payload = json.dumps({"paths": [str(p) for p in paths], "index_dir": str(index_dir), "chroma_url": chroma_url})
    out = json.loads(_run_script(_INGEST_SCRIPT, payload, timeout=7200))
    if out["failed"]:
        raise RuntimeError(f"ingest failed: {out['failed'][:5]}")
    return out


def _gold_subset(split: str, limit: int | None, work: Path) -> str:
    """The split's gold file, or its first ``limit`` questions (for a smoke run)."""
    if not limit:
        return str(GOLD[split])
    lines = [ln for ln in GOLD[split].read_text(encoding="utf-8").splitlines() if ln.strip()][:limit]
    path = work / f"gold-{split}-{limit}.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _row(size: int, mode: str, how: str, ing: dict, ingest_s: float | None, size_bytes: int, q: dict) -> dict:
    """One table row. ``how``: "fresh" (ingested from nothing), "incremental" (this size's new files
    added to the previous size's index; ``ingest_s`` is then the sum of the steps) or "served"
    (server mode reading the embedded store through ``chroma run``: no ingest of its own)."""
    served = how == "served"
    pages = ing["pages"]
    return {"size": size, "mode": mode, "how": how, "docs": ing["files"], "pages": pages, "chunks": ing["chunks"],
            # A page the parser skipped (e.g. its per-file time budget ran out on a loaded machine)
            # changes the corpus under the quality figures: show every warning beside them.
            "ingest_warnings": ing.get("warnings", []),
            "ingest_s": None if served else ingest_s,
            "pages_per_s": None if served or not ingest_s else pages / ingest_s,
            "step_s": None if served else ing["ingest_s"], "step_pages": None if served else ing["added_pages"],
            "ingest_rss_main_mb": None if served else ing["maxrss_self_mb"],
            "ingest_rss_worker_mb": None if served else ing["maxrss_children_mb"],
            "index_bytes": size_bytes, "bytes_per_chunk": size_bytes / max(ing["chunks"], 1),
            "search_p50": percentile(q["search_ms"], 50), "search_p95": percentile(q["search_ms"], 95),
            "ask_p50": percentile(q["ask_ms"], 50), "ask_p95": percentile(q["ask_ms"], 95),
            "ask_rss_mb": q["ask_peak_mb"], "query_rss_mb": q["maxrss_mb"], "loadavg": os.getloadavg()[0],
            "quality": {split: {c: {label: v["aggregates"].get(key) for label, key in QUALITY}
                                for c, v in res.items() if not c.startswith("_")}
                        for split, res in q["quality"].items()}}


def _peer(index_dir: Path, out: Path, questions: list[str], gold: dict[str, str]) -> dict:
    """The vanilla llama-index peer over the same PDFs, built and scored in a process of its own."""
    t0 = time.perf_counter()
    q = _query_side(index_dir, out, questions, gold, PEER, None, latency=False)
    dev = q["quality"].get("dev") or next(iter(q["quality"].values()))
    return {"search_p50": dev[PEER]["latency"]["retrieve"]["p50"], "search_p95": dev[PEER]["latency"]["retrieve"]["p95"],
            "nodes": (dev.get("_peer_index") or {}).get("nodes"), "rss_mb": q["maxrss_mb"],
            "build_and_score_s": time.perf_counter() - t0,
            "quality": {split: {label: res[PEER]["aggregates"].get(key) for label, key in QUALITY}
                        for split, res in q["quality"].items()}}


def _d(x: float | None, base: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3f}" + ("" if base is None else f" ({x - base:+.3f})")


def _f(x: float | None, fmt: str = ".0f") -> str:
    return "–" if x is None else format(x, fmt)


def print_report(console: Console, rows: list[dict], splits: list[str]) -> None:
    for mode in dict.fromkeys(r["mode"] for r in rows):
        mrows = sorted((r for r in rows if r["mode"] == mode), key=lambda r: (r["size"], r.get("how") == "served"))
        base = next((r for r in mrows if r["size"] == 0), None)
        name = "embedded Chroma" if mode == "embedded" else "Chroma server (chroma run on 127.0.0.1)"
        t = Table(title=f"{name} — ingest, size on disk, speed and memory")
        for c in ("size", "docs", "pages", "chunks", "ingest s", "pages/s", "ingest peak RSS MB main/worker",
                  "index MB", "KB/chunk", "search p50/p95 ms", "ask p50/p95 ms", "ask peak RSS MB", "load"):
            t.add_column(c, justify="right")
        for r in mrows:
            how = r.get("how", "fresh")
            if how == "served":
                ingest = ("served", "", "")
            else:
                step = f" (+{r['step_s']:.0f})" if how == "incremental" and r.get("step_s") is not None else ""
                ingest = (f"{r['ingest_s']:.0f}{step}", _f(r["pages_per_s"], ".1f"),
                          f"{_f(r['ingest_rss_main_mb'])}/{_f(r['ingest_rss_worker_mb'])}")
            t.add_row(_label(r["size"]), str(r["docs"]), f"{r['pages']:,}", f"{r['chunks']:,}", *ingest,
                      f"{r['index_bytes'] / 2**20:.1f}", f"{r['bytes_per_chunk'] / 1024:.1f}",
                      f"{r['search_p50']:.0f}/{r['search_p95']:.0f}", f"{r['ask_p50']:.0f}/{r['ask_p95']:.0f}",
                      f"{r.get('ask_rss_mb', r['query_rss_mb']):.0f}", f"{r['loadavg']:.1f}")
            if "peer" in r:
                p = r["peer"]
                t.add_row(f"  peer at {_label(r['size'])}", "", "", f"{p['nodes'] or '?'} nodes",
                          f"{p.get('build_and_score_s', 0):.0f} (build+score)", "", "", "", "",
                          f"{p['search_p50']:.0f}/{p['search_p95']:.0f}", "", _f(p.get("rss_mb")), "")
        console.print(t)
        if any(r.get("how") == "incremental" for r in mrows):
            console.print("  ingest s: each size adds its new editions to the previous size's index; the figure "
                          "is the sum of the steps (this step's seconds in brackets), pages/s over the sum.")
        for r in mrows:
            if r.get("vacuumed_bytes"):
                console.print(f"  {_label(r['size'])} ingested into the server: {r['bytes_per_chunk'] / 1024:.1f} KB/chunk as "
                              f"written, {r['vacuumed_bytes'] / max(r['chunks'], 1) / 1024:.1f} KB/chunk after "
                              "`chroma vacuum --path DATA_DIR` (the server keeps its purged log's pages until then).")
        if any(r.get("how") == "served" for r in mrows):
            console.print("  served: `chroma run` serving the embedded store of the same size (the same vectors), "
                          "so its ingest is the embedded row's; server ingest is measured at the sizes shown with seconds.")
        for r in mrows:
            for doc_id, warning in r.get("ingest_warnings", []):
                console.print(f"  {_label(r['size'])}: ingest warning in {doc_id}: {warning}")
        for split in splits:
            t = Table(title=f"{name} — quality on the {split} split (Δ against 1×: the bundled corpus alone)")
            t.add_column("size")
            for label, _ in QUALITY:
                t.add_column(label, justify="right")
            seen: set[int] = set()
            for r in mrows:
                if r["size"] in seen:     # a size measured both ingested and served: one quality row
                    continue
                seen.add(r["size"])
                b = base["quality"].get(split, {}).get(ENGINE, {}) if base else {}
                vals = r["quality"].get(split, {}).get(ENGINE, {})
                t.add_row(_label(r["size"]), *(_d(vals.get(label), b.get(label) if r is not base else None)
                                               for label, _ in QUALITY))
                peer = r.get("peer", {}).get("quality", {}).get(split) or r["quality"].get(split, {}).get(PEER)
                if peer:
                    t.add_row(f"  peer at {_label(r['size'])}", *(_d(peer.get(label), None) for label, _ in QUALITY))
            console.print(t)


def _label(size: int) -> str:
    return "1× (bundled)" if size == 0 else f"+{size} edition{'s' if size > 1 else ''}"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="0,1,6,24", help="editions added to the bundled corpus (0: alone)")
    ap.add_argument("--modes", default="embedded,server", help="embedded, server, or embedded,server (both)")
    ap.add_argument("--server-ingest-sizes", default="0,1",
                    help="sizes whose ingest into the server is measured (the others: server mode reads the "
                         "embedded store of that size through `chroma run`)")
    ap.add_argument("--cold", action="store_true",
                    help="ingest every embedded size from nothing (default: add each size's new editions to the "
                         "previous size's index)")
    ap.add_argument("--peer", action=argparse.BooleanOptionalAction, default=True,
                    help="score the vanilla llama-index peer at the largest size (in its own process)")
    ap.add_argument("--splits", default="dev,dev_coord,test")
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
    if not modes or set(modes) - {"embedded", "server"}:
        ap.error(f"--modes takes embedded, server or embedded,server; got {args.modes!r}")  # not a silent empty run
    server_ingest = sorted({int(s) for s in args.server_ingest_sizes.split(",") if s.strip()} & set(sizes))
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
    done = {(r["size"], r["mode"], r.get("how", "fresh") == "served") for r in rows}
    started = time.perf_counter()

    def keep(row: dict) -> None:
        rows.append(row)
        r = row
        console.print(f"  {_label(r['size'])} {r['mode']} ({r['how']}): {r['pages']:,} pages, {r['chunks']:,} chunks, "
                      + (f"ingest {r['ingest_s']:.0f} s, " if r["ingest_s"] is not None else "")
                      + f"{r['bytes_per_chunk'] / 1024:.1f} KB/chunk, search p95 {r['search_p95']:.0f} ms, "
                      f"ask p95 {r['ask_p95']:.0f} ms, ask peak RSS {r['ask_rss_mb']:.0f} MB, "
                      + ", ".join(f"{s} hit@5 {r['quality'][s][ENGINE]['hit@5']:.3f}" for s in splits))
        if args.out:   # keep what is measured even if a later size fails
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps({"rows": rows}, ensure_ascii=False, indent=1) + "\n")

    def pdfs_of(size: int) -> list[Path]:
        t0 = time.perf_counter()
        wanted = distractors.pick(size) if size else []
        rendered = ([distractors.render_edition(e, cache, max_chars=args.slice) for e in wanted]
                    if args.slice else distractors.ensure(wanted, cache))
        if wanted:
            console.print(f"{_label(size)}: {', '.join(r.edition for r in rendered)} — "
                          f"{sum(r.pages for r in rendered):,} pages rendered or reused in "
                          f"{time.perf_counter() - t0:.0f} s (not counted as ingest)")
        return [r.path for r in rendered]

    serve = "server" in modes
    try:
        # Server ingest first: small sizes, so a run cut short still has both stores' rows.
        for size in server_ingest if serve else []:
            if (size, "server", False) in done:
                continue
            pdfs = pdfs_of(size)
            run = work / f"server-{size}"
            shutil.rmtree(run, ignore_errors=True)
            index_dir, data_dir = run / "index", run / "server-data"
            with ChromaServer(data_dir) as server:
                ing = _ingest([args.corpus, *pdfs], index_dir, server.url)
                size_bytes = du_bytes(index_dir, data_dir)
                q = _query_side(index_dir, run / "eval", questions, gold, ENGINE, server.url)
            row = _row(size, "server", "fresh", ing, ing["ingest_s"], size_bytes, q)
            row["vacuumed_bytes"] = du_bytes(index_dir, data_dir) if chroma_vacuum(data_dir) else None
            row["editions"] = distractors.pick(size) if size else []
            keep(row)
            shutil.rmtree(run, ignore_errors=True)
        # Embedded: each size grows the previous size's index (the ingest is incremental), and
        # server mode then reads that same store through `chroma run`: quality and speed at every
        # size without ingesting everything twice. Server ingest itself is measured at the small sizes.
        previous: Path | None = None
        total_s = 0.0
        for size in sizes:
            need_embedded = "embedded" in modes and (size, "embedded", False) not in done
            need_served = serve and size not in server_ingest and (size, "server", True) not in done
            index_dir = work / f"embedded-{size}" / "index"
            if not (need_embedded or need_served):
                if (index_dir / "chunks.sqlite").exists():      # resumed: grow the next size from this one
                    previous = index_dir
                    total_s = next((r["ingest_s"] or 0.0 for r in rows
                                    if (r["size"], r["mode"]) == (size, "embedded")), 0.0)
                continue
            pdfs = pdfs_of(size)
            if (index_dir / "chunks.sqlite").exists() and not need_embedded:
                ing = None   # resumed: this size's store is still in the work folder
            else:
                shutil.rmtree(index_dir.parent, ignore_errors=True)
                incremental = previous is not None and not args.cold
                if incremental:
                    shutil.copytree(previous, index_dir)
                else:
                    total_s = 0.0
                ing = _ingest([args.corpus, *pdfs], index_dir, None)
                total_s += ing["ingest_s"]
                how = "incremental" if incremental else "fresh"
            size_bytes = du_bytes(index_dir)
            if ing is None:
                from index.catalogue import list_documents
                docs = list_documents(index_dir)
                ing = {"files": len(docs), "pages": sum(d.pages for d in docs), "chunks": sum(d.chunks for d in docs)}
            if need_embedded:
                q = _query_side(index_dir, work / f"eval-embedded-{size}", questions, gold, ENGINE, None)
                row = _row(size, "embedded", how, ing, total_s, size_bytes, q)
                row["editions"] = distractors.pick(size) if size else []
                keep(row)
            if need_served:
                with ChromaServer(index_dir / "chroma") as server:
                    q = _query_side(index_dir, work / f"eval-served-{size}", questions, gold, ENGINE, server.url)
                row = _row(size, "server", "served", ing, None, size_bytes, q)
                row["editions"] = distractors.pick(size) if size else []
                keep(row)
            if previous is not None and previous != index_dir:
                shutil.rmtree(previous.parent, ignore_errors=True)   # keep one store at a time on disk
            previous = index_dir
        # The peer last: it parses and embeds the largest size's PDFs again, its own way.
        largest = next((r for r in rows if (r["size"], r["mode"]) == (sizes[-1], "embedded")), None)
        if args.peer and largest is not None and "peer" not in largest and previous is not None:
            largest["peer"] = _peer(previous, work / f"eval-peer-{sizes[-1]}", questions, gold)
            console.print(f"  peer at {_label(sizes[-1])}: built and scored in {largest['peer']['build_and_score_s']:.0f} s")
            if args.out:
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
