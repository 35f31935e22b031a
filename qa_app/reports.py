"""What the pipeline and the evaluation report: terminal renderings of an ingest (rich tables),
and the saved evaluation report read back for the pages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table

if TYPE_CHECKING:          # only a type here: reading a report must not load the index
    from index.pipeline import IngestReport

# Where `policyqa eval` writes its report and the 評価 / Evaluation page looks for it.
DEFAULT_EVAL_REPORT = Path(__file__).resolve().parents[1] / "eval" / "reports" / "latest"

_STYLE = {"added": "green", "replaced": "cyan", "unchanged": "dim", "failed": "bold red"}


def ingest_summary(report: IngestReport, index_dir: Path) -> Table:
    ok = [r for r in report.results if r.status != "failed"]
    table = Table(title=(
        f"{len(ok)} documents, {sum(r.pages for r in ok)} pages, {sum(r.chunks for r in ok)} new chunks, "
        f"{len(report.failed)} failed — {report.seconds:.1f} s → {index_dir}"
    ))
    for col in ("document", "status", "pages", "chunks", "warnings / error"):
        table.add_column(col)
    for r in report.results:
        detail = r.error or "; ".join(r.warnings[:3]) + (f" (+{len(r.warnings) - 3} more)" if len(r.warnings) > 3 else "")
        table.add_row(r.doc_id, f"[{_STYLE[r.status]}]{r.status}[/]",
                      str(r.pages or ""), str(r.chunks or ""), detail)
    return table


def stage_timings(report: IngestReport) -> Table:
    totals: dict[str, float] = dict(report.timings)
    for r in report.results:
        for stage, seconds in r.timings.items():
            totals[stage] = totals.get(stage, 0.0) + seconds
    pages = sum(r.pages for r in report.results if r.status in ("added", "replaced"))
    table = Table(title=f"stage times (summed over files; wall clock {report.seconds:.2f} s, "
                        f"{pages / report.seconds if report.seconds else 0:.1f} pages/s)")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    for stage, seconds in sorted(totals.items()):
        table.add_row(stage, f"{seconds:.2f}")
    return table


@dataclass
class EvalReport:
    """A saved evaluation report: ``metrics.json`` as written by ``policyqa eval``, and its files."""
    folder: Path
    metrics: dict

    @property
    def report_md(self) -> Path | None:
        path = self.folder / "report.md"
        return path if path.is_file() else None

    def charts(self) -> dict[str, Path]:
        """The chart PNGs the report names and the folder holds, by name."""
        named = self.metrics.get("charts", {})
        return {k: self.folder / v for k, v in named.items() if (self.folder / v).is_file()}


def read_eval_report(folder: str | Path) -> EvalReport | None:
    """The report in ``folder``; None when there is none; ValueError when it cannot be read."""
    folder = Path(folder).expanduser()
    path = folder / "metrics.json"
    if not path.is_file():
        return None
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ValueError(f"{path}: {e}") from e
    missing = [k for k in ("configs", "splits", "results", "table", "summaries") if k not in metrics]
    if missing:
        raise ValueError(f"{path}: not a report of this version of `policyqa eval` (no {', '.join(missing)})")
    return EvalReport(folder, metrics)
