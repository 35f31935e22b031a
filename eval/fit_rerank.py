"""Fit the reranker's weights (qa_app/rerank.py) on the development gold set — never on a test split.

    python -m eval.fit_rerank [--index DIR] [--gold eval/gold/dev.jsonl]

Every answerable dev question's fused candidates (the reranker's depth) are
labelled 1 when the passage holds one of the question's gold evidence quotes,
as the retrieval metrics judge it; a logistic regression (scikit-learn,
balanced classes) over the features gives the weights to copy into
``qa_app/rerank.py``. Prints them and dev MRR / hit@5 before and after.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from dataclasses import fields

from qa_app import RERANK_DEPTH, AnswerEngine, RerankFeatures

from .metrics import load_gold, score_question


def _mrr(ranks: list[int | None]) -> tuple[float, float]:
    return (float(np.mean([1 / r if r else 0 for r in ranks])), float(np.mean([bool(r and r <= 5) for r in ranks])))


def main() -> None:
    from sklearn.linear_model import LogisticRegression  # the fit only; the engine reads plain numbers

    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=".policyqa/index")
    ap.add_argument("--gold", default=str(Path(__file__).parent / "gold" / "dev.jsonl"))
    args = ap.parse_args()
    engine = AnswerEngine(args.index)
    rows = []
    for q in load_gold(args.gold):
        if not q.answerable or q.type == "list":
            continue  # list questions read a wider, unreranked candidate set
        fused = engine.retriever.search(q.question, RERANK_DEPTH)
        feats = engine.rerank_features(q.question, fused)
        relevant = score_question(q, [p.chunk.text for p in fused], [p.chunk.doc_id for p in fused]).relevant
        rows.append((feats, relevant))
    X = np.array([f.vector() for feats, _ in rows for f in feats])
    y = np.array([r for _, rel in rows for r in rel], dtype=int)
    model = LogisticRegression(class_weight="balanced", C=1.0, max_iter=1000).fit(X, y)
    names = [f.name for f in fields(RerankFeatures)]
    weights = {n: round(float(w), 3) for n, w in zip(names, model.coef_[0])}
    bias = round(float(model.intercept_[0]), 3)
    print("WEIGHTS =", weights)
    print("BIAS =", bias)

    def score(f) -> float:
        return bias + sum(weights[n] * v for n, v in zip(names, f.vector()))

    def first(rel: list[bool]) -> int | None:
        return next((i + 1 for i, r in enumerate(rel) if r), None)

    before = [first(rel[:10]) for _, rel in rows]
    after = []
    for feats, rel in rows:
        order = sorted(range(len(feats)), key=lambda i: (-score(feats[i]), i))
        after.append(first([rel[i] for i in order][:10]))
    print("dev (non-list answerable, n=%d) MRR/hit@5 fused %.3f/%.3f -> reranked %.3f/%.3f (in-sample)"
          % (len(rows), *_mrr(before), *_mrr(after)))


if __name__ == "__main__":
    main()
