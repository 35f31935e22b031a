"""The `policyqa` command: one front door to ingest, inspection, search and the app."""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

from .limits import MAX_K, MAX_QUESTION_CHARS, QuestionTooLong, check_k, check_question
from .settings import BUNDLED_CORPUS, DEFAULT_HOST, REPO_ROOT, Settings, SettingsError  # noqa: F401


def default_index_dir() -> Path:
    """``$POLICYQA_INDEX`` if set, else ``.policyqa/index`` under the current folder."""
    return Settings.load().index_dir


class UsageError(ValueError):
    """Bad input on the command line; its message is the one line the user sees (exit 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error on one line (``policyqa search: -k ...``) and exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _k(text: str) -> int:
    try:
        return check_k(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"-k must be a whole number from 1 to {MAX_K} (got {text})") from None


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="policyqa", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

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
    p.add_argument("-k", type=_k, default=5, help=f"how many passages, 1 to {MAX_K} (default 5)")
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
    p.add_argument("--host", "--address", dest="host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}: this machine only; 0.0.0.0 shares the app, "
                        "its unauthenticated upload page included, with the whole network)")
    p.add_argument("--headless", action="store_true", help="do not open a browser")
    p.set_defaults(func=cmd_app)

    p = sub.add_parser("eval", help="dev and test splits side by side, per configuration; "
                                    "write report.md, metrics.json and charts")
    p.add_argument("--splits", default=None,
                   help="comma-separated: dev, test, newdocs, unseen (default: all four; newdocs is skipped "
                        "when ../shared/realpdfs is absent)")
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
    command = f"policyqa {args.command}"
    debug = os.environ.get("POLICYQA_DEBUG", "") not in ("", "0")   # before Settings: it may be what fails
    shown_before, warnings.showwarning = warnings.showwarning, _one_line_warning
    try:
        args.settings = Settings.load(index_dir=getattr(args, "index", None),
                                      chroma_url=getattr(args, "chroma_url", None), llm=getattr(args, "llm", None))
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except _known_errors() as e:
        if debug:
            raise
        print(f"{command}: {_one_line(e)}", file=sys.stderr)
        return 2
    except Exception as e:      # noqa: BLE001 -- the last resort: one line, the traceback on request
        if debug:
            raise
        print(f"{command}: unexpected {type(e).__name__}: {_one_line(e)} "
              "(run with POLICYQA_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1
    finally:
        warnings.showwarning = shown_before     # main() may run inside another program (the tests)


def _known_errors() -> tuple[type[BaseException], ...]:
    """The errors that are the user's input or the machine's state, each told in one line with exit 2."""
    known: list[type[BaseException]] = [UsageError, SettingsError, QuestionTooLong, ValueError,
                                        FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError]
    try:    # the index's typed errors (a down Chroma server, an ingest running, a bad embedder)
        from index import IndexUnavailable
        known.append(IndexUnavailable)
    except (ImportError, AttributeError):
        pass
    return tuple(known)


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"policyqa: warning: {_one_line(message) if isinstance(message, Exception) else ' '.join(str(message).split())}",
          file=sys.stderr)


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
    index_dir = args.settings.index_dir
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
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
            report = ingest(paths, index_dir, workers=args.workers, on_file=on_file, chroma_url=args.settings.chroma_url,
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

    index_dir = args.settings.index_dir
    _require_index(index_dir)
    out = sys.stdout
    with ChunkStore(index_dir) as store:
        if args.doc is not None:
            _check_docs([d.doc_id for d in store.documents()], [args.doc])
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


def _require_index(index_dir: Path) -> None:
    from index.store import STORE_FILE

    if not (index_dir / STORE_FILE).exists():
        raise UsageError(f"no index at {index_dir}; run `policyqa ingest` first")


def _check_docs(known: list[str], wanted: list[str] | None) -> None:
    """Every --doc must name an indexed document (its id or three-digit prefix)."""
    from ingest.docid import doc_matches

    unknown = [w for w in wanted or [] if not any(doc_matches(d, w) for d in known)]
    if unknown:
        raise UsageError(f"no indexed document matches --doc {', '.join(unknown)} "
                         "(`policyqa chunks` or the app's Browse page lists them)")


def _one_input(single: str | None, many: Path | None) -> None:
    """Exactly one of a question on the command line or a --questions file; a question within the cap."""
    if bool(single) == bool(many):
        raise UsageError("give a question or --questions FILE (not both)")
    if single is not None:
        check_question(single)
    if many is not None and not many.is_file():
        raise UsageError(f"no questions file at {many}")


def _lines(path: Path):
    """(line number, question or None, why not) for each non-empty line of a questions file.

    Read line by line, never more than the cap (plus one) characters at a time, so a
    huge line costs no memory: it is skipped whole and reported.
    """
    with open(path, encoding="utf-8", errors="replace") as f:
        number = 0
        while True:
            line = f.readline(MAX_QUESTION_CHARS + 2)
            if not line:
                return
            number += 1
            if len(line.rstrip("\n")) > MAX_QUESTION_CHARS:
                while line and not line.endswith("\n"):      # skip the rest of the long line
                    line = f.readline(1 << 16)
                yield number, None, (f"line {number}: the question is over {MAX_QUESTION_CHARS:,} characters "
                                     f"long (the limit)")
                continue
            if line.strip():
                yield number, line.strip(), ""


def _each_question(command: str, path: Path, run) -> int:
    """Run ``run(question) -> dict`` for each line; a line over the cap gets an error object and exit 2."""
    status = 0
    for number, question, why in _lines(path):
        if question is None:
            print(f"{command}: {why}", file=sys.stderr)
            print(json.dumps({"line": number, "error": why}, ensure_ascii=False), flush=True)
            status = 2
            continue
        print(json.dumps(run(question), ensure_ascii=False), flush=True)
    return status


def _indexed_doc_ids(retriever) -> list[str]:
    return [d.doc_id for d in retriever.store.documents()]


def cmd_search(args) -> int:
    from index.retrieve import Retriever

    index_dir = args.settings.index_dir
    _require_index(index_dir)
    _one_input(args.query, args.questions)
    retriever = Retriever(index_dir, chroma_url=args.settings.chroma_url)  # models load once for every query
    try:
        _check_docs(_indexed_doc_ids(retriever), args.doc)
        run = lambda q: retriever.search(check_question(q), args.k, mode=args.mode, docs=args.doc,
                                         section=args.section)
        if args.questions:
            return _each_question("policyqa search", args.questions,
                                  lambda q: {"query": q, "passages": [p.as_json() for p in run(q)]})
        passages = run(args.query)
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

    index_dir = args.settings.index_dir
    _require_index(index_dir)
    _one_input(args.question, args.questions)
    engine = AnswerEngine(index_dir, chroma_url=args.settings.chroma_url, llm=llm_from_config(args.settings.llm, args.settings.llm_model))
    try:
        _check_docs(_indexed_doc_ids(engine.retriever), args.doc)
        if args.questions:
            return _each_question("policyqa ask", args.questions,
                                  lambda q: engine.ask(q, docs=args.doc).as_json())
        answer = engine.ask(args.question, docs=args.doc)
    finally:
        engine.close()
    if args.json:
        print(json.dumps(answer.as_json(), ensure_ascii=False))
        return 0
    print(answer.answer + "\n")
    for note in answer.notes:
        print(f"  ({note})")
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

    settings = args.settings.with_index(args.settings.index_dir.resolve())
    index_dir = settings.index_dir
    if not (index_dir / STORE_FILE).exists():
        print(f"policyqa app: no index at {index_dir}; ingesting the bundled corpus first", file=sys.stderr)
        ingest_args = argparse.Namespace(paths=[], index=index_dir, workers=None, timings=False, chroma_url=None,
                                         settings=settings)
        if cmd_ingest(ingest_args) != 0:
            print("policyqa app: some files failed to ingest; starting the app anyway", file=sys.stderr)
    cmd = [sys.executable, "-m", "streamlit", "run", str(Path(__file__).resolve().parent / "app.py"),
           "--server.port", str(args.port), "--server.headless", "true" if args.headless else "false",
           "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal",
           "--server.address", args.host]
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"policyqa app: listening on {args.host}: anyone who can reach port {args.port} can ask, browse "
              "and download the indexed PDFs, and add documents (there is no login)", file=sys.stderr)
    env = dict(os.environ, **settings.environment())     # the server reads the same settings back
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
    if args.index is not None:
        _require_index(args.index)
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
