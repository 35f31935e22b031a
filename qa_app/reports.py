"""Terminal renderings of what the pipeline reports (rich tables)."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from index.pipeline import IngestReport

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
