"""The `policyqa` command: one front door to ingest, inspection, search and the app."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BUNDLED_CORPUS = REPO_ROOT / "corpus"


def default_index_dir() -> Path:
    """``$POLICYQA_INDEX`` if set, else ``.policyqa/index`` under the current folder."""
    return Path(os.environ.get("POLICYQA_INDEX", ".policyqa/index"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="policyqa", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="parse PDFs into chunks in the index (incremental, idempotent)")
    p.add_argument("paths", nargs="*", type=Path, help=f"PDF files or folders (default: {BUNDLED_CORPUS})")
    p.add_argument("--index", type=Path, default=None, help="index directory (default: $POLICYQA_INDEX or .policyqa/index)")
    p.add_argument("--workers", type=int, default=None, help="parallel parser processes (default: up to 2)")
    p.add_argument("--timings", action="store_true", help="print the time spent in each stage")
    p.add_argument("--chroma-url", help="Chroma server URL (default: $POLICYQA_CHROMA_URL, else embedded)")
    p.add_argument("--no-wait", action="store_true",
                   help="if another ingest is running in this index, say so and stop (default: wait for it)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("chunks", help="print every chunk in the index")
    p.add_argument("--index", type=Path, default=None)
    p.add_argument("--doc", default=None, help="only this document (doc_id or its three-digit id)")
    p.add_argument("--json", action="store_true", help="JSON Lines, one chunk per line")
    p.set_defaults(func=cmd_chunks)

    p = sub.add_parser("search", help="rank passages for a question (hybrid: dense + BM25)")
    p.add_argument("query", nargs="?", help="the question (or use --questions FILE)")
    p.add_argument("--questions", type=Path, help="one query per line; writes one JSON object per line")
    p.add_argument("-k", type=int, default=5, help="how many passages (default 5)")
    p.add_argument("--index", type=Path, default=None)
    p.add_argument("--doc", action="append", help="only this document (doc_id or three-digit id); repeatable")
    p.add_argument("--section", help="only chunks under this heading (any level)")
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    p.add_argument("--chroma-url", help="Chroma server URL (default: $POLICYQA_CHROMA_URL, else embedded)")
    p.add_argument("--json", action="store_true", help='one JSON object: {"query", "passages": [...]}')
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question with verbatim, cited quotes (or refuse)")
    p.add_argument("question", nargs="?", help="the question (or use --questions FILE)")
    p.add_argument("--questions", type=Path, help="one question per line; writes one JSON object per line")
    p.add_argument("--index", type=Path, default=None)
    p.add_argument("--doc", action="append", help="only this document (doc_id or three-digit id); repeatable")
    p.add_argument("--chroma-url", help="Chroma server URL (default: $POLICYQA_CHROMA_URL, else embedded)")
    p.add_argument("--llm", help="generative mode: an OpenAI-compatible base URL or ollama:MODEL "
                                 "(default: $POLICYQA_LLM; off when unset)")
    p.add_argument("--json", action="store_true", help="one JSON object per answer")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("app", help="the web app (Streamlit); builds the index of the bundled corpus if missing")
    p.add_argument("--index", type=Path, default=None, help="index directory (default: $POLICYQA_INDEX or .policyqa/index)")
    p.add_argument("--port", type=int, default=8501, help="port to serve on (default 8501)")
    p.add_argument("--address", default=None, help="address to bind (default: Streamlit's, all interfaces)")
    p.add_argument("--headless", action="store_true", help="do not open a browser")
    p.set_defaults(func=cmd_app)

    p = sub.add_parser("eval", help="dev and test splits side by side, per configuration; "
                                    "write report.md, metrics.json and charts")
    p.add_argument("--splits", default=None,
                   help="comma-separated: dev, test, newdocs (default: all three; newdocs is skipped when "
                        "../shared/realpdfs is absent)")
    p.add_argument("--configs", default=None,
                   help="comma-separated: default, bm25, dense, plain-hybrid, vanilla-llamaindex "
                        "(default: default,plain-hybrid,vanilla-llamaindex)")
    p.add_argument("--gold", type=Path, default=None,
                   help="a gold JSON Lines file of your own, run as one more split over the corpus index")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: eval/reports/latest/)")
    p.add_argument("--index", type=Path, default=None,
                   help="an ingested index for the corpus splits (default: the bundled corpus, ingested once "
                        "into the cache)")
    p.add_argument("--cache", type=Path, default=None,
                   help="where the evaluation's indexes and the peers are kept (default: .policyqa/eval/)")
    p.set_defaults(func=cmd_eval)

    args = parser.parse_args(argv)
    return args.func(args)


def cmd_ingest(args) -> int:
    from rich.console import Console
    from rich.progress import (BarColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)
    from rich.text import Text

    from index import IndexUnavailable
    from index.pipeline import ingest

    from .reports import ingest_summary, stage_timings

    class PagesPerSecond(ProgressColumn):
        def render(self, task) -> Text:
            return Text(f"{task.speed:.1f} pages/s" if task.speed else "… pages/s")

    console = Console(stderr=True)
    paths = args.paths or [BUNDLED_CORPUS]
    index_dir = args.index or default_index_dir()
    # The bar counts the pages to parse (known once unchanged files are set aside): pages/s and an ETA.
    with Progress(TextColumn("[bold]ingest"), BarColumn(),
                  TextColumn("{task.fields[pages]}"),
                  PagesPerSecond(), TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.description}"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("", total=None, pages="")

        def on_plan(pages: int) -> None:
            progress.update(task, total=pages or None, pages=f"0/{pages} pages")

        def on_file(result) -> None:
            done = progress.tasks[0].completed + result.pages
            total = progress.tasks[0].total
            progress.update(task, completed=done, description=f"{result.doc_id}: {result.status}",
                            pages=f"{done:.0f}/{total:.0f} pages" if total else "")

        try:
            report = ingest(paths, index_dir, workers=args.workers, on_file=on_file, chroma_url=args.chroma_url,
                            wait=not getattr(args, "no_wait", False),
                            on_wait=lambda m: console.print(m, soft_wrap=True, highlight=False, markup=False),
                            on_plan=on_plan)
        except IndexUnavailable as e:
            progress.stop()
            console.print(f"policyqa ingest: {e}", soft_wrap=True, highlight=False, markup=False)
            return 2
    console.print(ingest_summary(report, index_dir))
    # One unwrapped line per failure, whatever the terminal width, for logs and grep.
    for r in report.failed:
        console.print(f"[bold red]failed[/] {r.path}: {r.error}", soft_wrap=True, highlight=False)
    if args.timings:
        console.print(stage_timings(report))
    return 1 if report.failed else 0


def cmd_chunks(args) -> int:
    from index.store import ChunkStore
    from ingest.docid import doc_matches

    index_dir = args.index or default_index_dir()
    if not _require_index(index_dir):
        return 2
    out = sys.stdout
    with ChunkStore(index_dir) as store:
        for c in store.chunks():
            if args.doc is not None and not doc_matches(c.doc_id, args.doc):
                continue
            record = {
                "chunk_id": c.chunk_id, "doc_id": c.doc_id, "title": c.title,
                "page": c.page, "page_end": c.page_end, "section": c.section_path,
                "subject": c.subject, "context": c.context, "text": c.text,
                "bbox": [[p, *b.as_list()] for p, b in c.line_boxes],
                "char_start": c.char_start, "char_end": c.char_end,
                "footnotes": c.footnotes,
            }
            if args.json:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                out.write(f"[{c.chunk_id}] {c.doc_id} p.{c.page} {c.section_path}\n{c.text}\n\n")
    return 0


def _require_index(index_dir: Path) -> bool:
    from index.store import STORE_FILE

    if (index_dir / STORE_FILE).exists():
        return True
    print(f"policyqa: no index at {index_dir}; run `policyqa ingest` first", file=sys.stderr)
    return False


def _one_input(command: str, single: str | None, many: Path | None) -> bool:
    """Exactly one of a question on the command line or a --questions file."""
    if bool(single) != bool(many):
        return True
    print(f"policyqa {command}: give a question or --questions FILE (not both)", file=sys.stderr)
    return False


def _lines(path: Path):
    """The non-empty lines of a questions file, stripped, in order."""
    return (line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def cmd_search(args) -> int:
    from index.retrieve import Retriever

    index_dir = args.index or default_index_dir()
    if not _require_index(index_dir):
        return 2
    if not _one_input("search", args.query, args.questions):
        return 2
    retriever = Retriever(index_dir, chroma_url=args.chroma_url)  # models load once for every query
    try:
        run = lambda q: retriever.search(q, args.k, mode=args.mode, docs=args.doc, section=args.section)
        if args.questions:
            for query in _lines(args.questions):
                passages = [p.as_json() for p in run(query)]
                print(json.dumps({"query": query, "passages": passages}, ensure_ascii=False), flush=True)
            return 0
        passages = run(args.query)
    except ValueError as e:
        print(f"policyqa search: {e}", file=sys.stderr)
        return 2
    finally:
        retriever.close()
    if args.json:
        print(json.dumps({"query": args.query, "passages": [p.as_json() for p in passages]}, ensure_ascii=False))
        return 0
    if not passages:
        print("no passage found")
    for n, p in enumerate(passages, start=1):
        c = p.chunk
        about = f" — {c.subject}" if c.subject else ""
        print(f"[{n}] {c.title} ({c.doc_id}) p.{c.page} · {c.section_path}{about}")
        print(f"    {c.text}\n")
    return 0


def cmd_ask(args) -> int:
    from .engine import AnswerEngine
    from .generative import llm_from_config

    index_dir = args.index or default_index_dir()
    if not _require_index(index_dir):
        return 2
    if not _one_input("ask", args.question, args.questions):
        return 2
    engine = AnswerEngine(index_dir, chroma_url=args.chroma_url, llm=llm_from_config(args.llm))
    try:
        if args.questions:
            for question in _lines(args.questions):
                print(json.dumps(engine.ask(question, docs=args.doc).as_json(), ensure_ascii=False), flush=True)
            return 0
        answer = engine.ask(args.question, docs=args.doc)
    except ValueError as e:
        print(f"policyqa ask: {e}", file=sys.stderr)
        return 2
    finally:
        engine.close()
    if args.json:
        print(json.dumps(answer.as_json(), ensure_ascii=False))
        return 0
    print(answer.answer + "\n")
    shown = answer.citations or []
    for c in shown:
        about = f" — {c.subject}" if c.subject else ""
        print(f"[{c.n}] {c.title} ({c.doc_id}) p.{c.page} · {c.section}{about}")
    if not answer.answerable:
        for n, p in enumerate(answer.passages[:3], start=1):
            print(f"  · {p.chunk.title} p.{p.chunk.page}: {p.chunk.text[:80]}…")
    return 0


def cmd_app(args) -> int:
    """Build the index if missing, then exec `streamlit run qa_app/app.py`; the app reads $POLICYQA_INDEX."""
    from index.store import STORE_FILE

    index_dir = (args.index or default_index_dir()).resolve()
    if not (index_dir / STORE_FILE).exists():
        print(f"policyqa app: no index at {index_dir}; ingesting the bundled corpus first", file=sys.stderr)
        ingest_args = argparse.Namespace(paths=[], index=index_dir, workers=None, timings=False, chroma_url=None)
        if cmd_ingest(ingest_args) != 0:
            print("policyqa app: some files failed to ingest; starting the app anyway", file=sys.stderr)
    cmd = [sys.executable, "-m", "streamlit", "run", str(Path(__file__).resolve().parent / "app.py"),
           "--server.port", str(args.port), "--server.headless", "true" if args.headless else "false",
           "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal"]
    if args.address:
        cmd += ["--server.address", args.address]
    env = dict(os.environ, POLICYQA_INDEX=str(index_dir))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, cmd, env)
    return 0  # not reached



def cmd_eval(args) -> int:
    from rich.console import Console

    from eval import DEFAULT_OUT, parse_configs, parse_splits, run_eval, summary_console_table

    console = Console(stderr=True)
    try:
        configs = parse_configs(args.configs)
        splits = parse_splits(args.splits) if args.splits or args.gold is None else None
    except ValueError as e:
        print(f"policyqa eval: {e}", file=sys.stderr)
        return 2
    if args.index is not None and not _require_index(args.index):
        return 2
    out = args.out or DEFAULT_OUT
    metrics = run_eval(splits, configs, out, index_dir=args.index, gold=args.gold, cache_dir=args.cache,
                       console=console)
    Console(width=max(console.width, 240)).print(summary_console_table(metrics))   # never wrap the labels
    for split, why in metrics["skipped"].items():
        console.print(f"[yellow]{split} {why}[/]")
    console.print(f"report: {out / 'report.md'}  ·  figures: {out / 'metrics.json'}  ·  "
                  f"{metrics['wall_s']:.0f} s", soft_wrap=True, highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
