"""eval/fit_select.py: the sentence-score weights fitted and judged across tuning sets.

A smoke run on a few dev questions over the bundled corpus index (the real engine, the real
features, the real answer metrics); the chosen behaviour itself is tested on passages written
for these tests in tests/test_answer_types.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa_app import extractive as ex

pytest.importorskip("sklearn", reason="scikit-learn not installed: pip install -e '.[test]'")

from eval import fit_select as fs  # noqa: E402  (after the skip: the fit needs scikit-learn)

DEV = Path(__file__).resolve().parents[1] / "eval" / "gold" / "dev.jsonl"


def test_fit_select_smoke_on_a_few_dev_questions(corpus_index):
    engines: dict = {}
    try:
        gold = fs.load_set(f"dev={DEV}@{corpus_index}", engines, limit=4)
        assert len(gold.questions) == 4
        for q in gold.questions:
            assert q.X.shape == (len(q.y), len(fs.FEATURES)) and len(q.y) > 0
        # The recorded features, weighed by the shipped constants, are the score the engine ranked by.
        last = gold.questions[-1]
        shipped_w = np.array([ex.weights()[f] for f in fs.FEATURES])
        assert np.allclose(last.X @ shipped_w, [c.score for c in last.engine.last])
        assert any(q.y.any() for q in gold.questions)     # the evidence is labelled somewhere

        weights = fs.fit(gold.questions)
        assert set(weights) == set(fs.FEATURES)
        assert sum(weights[f] for f in fs.SCALED) == pytest.approx(sum(ex.weights()[f] for f in fs.SCALED))

        before = dict(vars(ex))
        shipped = fs.answer_scores(gold.questions)
        fitted = fs.answer_scores(gold.questions, fs.as_constants(weights))
        assert shipped["n"] == fitted["n"] == 4
        assert all(0.0 <= m[k] <= 1.0 for m in (shipped, fitted) for k in ("evidence_cited", "all_facts"))
        assert {k: vars(ex)[k] for k in before} == before    # every patched constant is restored
    finally:
        for e in engines.values():
            e.close()


def test_labels_follow_the_gold_normalisation():
    from eval.metrics import GoldQuestion

    from .test_answer_types import _cands

    first, second = _cands("説明会には１２０社が参加した。会場は駅前にある。", [0.5, 0.5])
    q = GoldQuestion("x-1", "何社？", "ja", "number", [first.chunk.doc_id[:3]], ["120社が参加"], [["120社"]])
    assert fs.label(q, first) == 1 and fs.label(q, second) == 0
    assert fs.label(GoldQuestion("x-2", "何社？", "ja", "number", [], [], [["駅前"]]), second) == 1
