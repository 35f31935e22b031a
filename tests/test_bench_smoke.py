"""Smoke tests of the performance benchmarks (figures are printed, never asserted as timings).

A white-paper edition renders to a PDF that our parser reads back as the text
it came from; the scale benchmark runs end to end on one document plus a slice
of one edition; bench_ingest_query's cold ingest measurement returns its stage split.
"""

from __future__ import annotations

import shutil

import pytest

from eval import bench_ingest_query, bench_scale, distractors
from ingest.normalise import normalise
from ingest.parser import parse_pdf

from .conftest import all_text, corpus_pdf


def _need_distractors() -> None:
    if not distractors.SOURCE_DIR.is_dir():
        pytest.skip(f"no distractor texts at {distractors.SOURCE_DIR} (shared data is outside the repo)")


def test_a_distractor_edition_renders_to_a_pdf_that_parses(tmp_path):
    _need_distractors()
    assert distractors.pick(1)[0] in distractors.pick(6)          # sizes nest
    assert len(set(distractors.pick(6))) == 6
    rendered = distractors.render_edition("h12", tmp_path, max_chars=3000)
    assert rendered.pages >= 2 and rendered.path.is_file()
    doc = parse_pdf(str(rendered.path))
    assert doc.title.replace(" ", "") == distractors.title("h12").replace(" ", "")
    source = (distractors.SOURCE_DIR / "h12.txt").read_text(encoding="utf-8")[:3000]
    sentence = max(source.split("。")[:10], key=len).strip()       # a long sentence of the first ones
    squash = lambda t: "".join(normalise(t).split())
    assert squash(sentence) in squash(all_text(doc))
    # A second call reuses the cached PDF; a changed source would be rendered again.
    mtime = rendered.path.stat().st_mtime_ns
    assert distractors.render_edition("h12", tmp_path, max_chars=3000).path.stat().st_mtime_ns == mtime


def test_scale_benchmark_smoke_run_on_one_edition_slice(tmp_path):
    _need_distractors()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(corpus_pdf("002"), corpus)
    # Server mode reads the +1 size's embedded store through `chroma run`; the 1x size is ingested into one.
    figures = bench_scale.main(["--sizes", "1", "--modes", "embedded,server", "--server-ingest-sizes", "0",
                                "--no-peer", "--corpus", str(corpus),
                                "--slice", "3000", "--max-questions", "3", "--splits", "dev",
                                "--cache", str(tmp_path / "cache"), "--work", str(tmp_path / "work")])
    rows = {(r["size"], r["mode"]): r for r in figures["rows"]}
    assert set(rows) == {(0, "embedded"), (1, "embedded"), (0, "server"), (1, "server")}
    alone, beside = rows[0, "embedded"], rows[1, "embedded"]
    assert (alone["how"], beside["how"]) == ("fresh", "incremental")
    assert beside["docs"] == alone["docs"] + 1 and beside["editions"] == distractors.pick(1)
    assert beside["pages"] > alone["pages"] and beside["chunks"] > alone["chunks"]
    # The second size only ingested its new edition: its step is part of the summed ingest time.
    assert 0 < beside["step_s"] < beside["ingest_s"] and beside["step_pages"] == beside["pages"] - alone["pages"]
    served = rows[1, "server"]
    assert served["how"] == "served" and served["chunks"] == beside["chunks"]
    # The same vectors through the server: the same retrieval (a keyword-only fallback fails the run).
    assert served["quality"]["dev"]["default"]["hit@5"] == beside["quality"]["dev"]["default"]["hit@5"]
    ingested = rows[0, "server"]
    assert ingested["how"] == "fresh" and ingested["chunks"] == alone["chunks"]
    # Chroma's own vacuum ran on the stopped server's data and the size after it was measured.
    assert 0 < ingested["vacuumed_bytes"] <= ingested["index_bytes"]
    for row in figures["rows"]:
        assert row["bytes_per_chunk"] > 0 and row["search_p95"] > 0 and row["ask_p95"] > 0
        assert isinstance(row["ingest_warnings"], list)
        assert 0.0 <= row["quality"]["dev"]["default"]["hit@5"] <= 1.0


def test_ingest_measurement_returns_every_stage(tmp_path):
    res = bench_ingest_query.measure_ingest([corpus_pdf("002")], tmp_path / "index", workers=1)
    assert res["files"] == 1 and not res["failed"] and res["pages"] > 0 and res["chunks"] > 0
    assert set(bench_ingest_query.STAGES) <= set(res["stages"])
    for key in ("process_wall_s", "spawn_wall_s", "ingest_s", "pages_per_s", "maxrss_self_mb",
                "maxrss_children_mb"):
        assert res[key] >= 0
