"""Smoke test of the performance benchmarks' building blocks (no timing assertions).

The scale benchmark's corpus generator must give distinct documents that parse,
and bench_ingest_query's cold ingest measurement must return its stage split.
"""

from __future__ import annotations

import hashlib

from eval import bench_ingest_query, bench_scale
from ingest.parser import parse_pdf

from .conftest import all_text, corpus_pdf


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_scale_generator_gives_distinct_copies_that_parse(tmp_path):
    # Factor 1 is the original alone (the bundled document under a copy name): its bytes
    # match corpus/002_*.pdf. Factor 2 adds one perturbed copy, which must differ.
    one = bench_scale.generate(tmp_path, 1, docs=["002"], workers=1)
    assert len(one) == 1
    [(original, pages)] = one.items()
    assert _sha(corpus_pdf("002")) == _sha(tmp_path / "002_copy0.pdf")

    two = bench_scale.generate(tmp_path, 2, docs=["002"], workers=1)
    assert sorted(two) == sorted([original, str(tmp_path / "002_copy1.pdf")])
    copy0, copy1 = tmp_path / "002_copy0.pdf", tmp_path / "002_copy1.pdf"
    assert _sha(copy0) != _sha(copy1)
    doc0, doc1 = parse_pdf(str(copy0)), parse_pdf(str(copy1))
    assert doc0.pages and doc1.pages and two[str(copy1)] > 0
    text0, text1 = all_text(doc0), all_text(doc1)
    assert text0 and text1 and text0 != text1
    assert "複製1" in doc1.title and "複製" not in doc0.title


def test_perturbation_is_deterministic_and_keeps_the_original():
    bc = bench_scale.build_corpus_module()
    seed = bc.seed_file(bc.DEFAULT_SEEDS, "002").read_text(encoding="utf-8")
    assert bench_scale.perturb(seed, "002", 0) == seed
    a, b = bench_scale.perturb(seed, "002", 1), bench_scale.perturb(seed, "002", 2)
    assert a == bench_scale.perturb(seed, "002", 1)
    assert len({seed, a, b}) == 3


def test_ingest_measurement_returns_every_stage(tmp_path):
    res = bench_ingest_query.measure_ingest([corpus_pdf("002")], tmp_path / "index", workers=1)
    assert res["files"] == 1 and not res["failed"] and res["pages"] > 0 and res["chunks"] > 0
    assert set(bench_ingest_query.STAGES) <= set(res["stages"])
    for key in ("process_wall_s", "spawn_wall_s", "ingest_s", "pages_per_s", "maxrss_self_mb",
                "maxrss_children_mb"):
        assert res[key] >= 0
