"""Fit the reranker's weights (qa_app/rerank.py) on the development gold set — never on a test split.

    python -m eval.fit_rerank [--index DIR] [--gold eval/gold/dev.jsonl] [--features fused,cosine,...]

Every answerable, non-list dev question's fused candidates (the reranker's
depth) are labelled 1 when the passage holds one of the question's gold
evidence quotes, as the retrieval metrics judge it; a logistic regression
(scikit-learn, balanced classes) over the features gives the weights.

What it reports is **out-of-fold**: the questions are split into folds by
question (leave-one-question-out by default, ``--folds K`` for K folds), each
fold's candidates are reranked by weights fitted on the other folds only, and
MRR / hit@5 over the first ten are printed beside the fused order's. An
in-sample figure would flatter the reranker: it has seen the very labels it is
scored on. The weights to copy into ``qa_app/rerank.py`` are then fitted on all
the questions.
"""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path

import numpy as np

from qa_app import RERANK_DEPTH, AnswerEngine, RerankFeatures

from .metrics import load_gold, score_question

TOP = 10   # the passages the answer step reads


def _first(rel: list[bool]) -> int | None:
    return next((i + 1 for i, r in enumerate(rel[:TOP]) if r), None)


def _mrr_hit5(ranks: list[int | None]) -> tuple[float, float]:
    return (float(np.mean([1 / r if r else 0 for r in ranks])), float(np.mean([bool(r and r <= 5) for r in ranks])))


def _fit(X: np.ndarray, y: np.ndarray, C: float):
    from sklearn.linear_model import LogisticRegression  # the fit only; the engine reads plain numbers

    return LogisticRegression(class_weight="balanced", C=C, max_iter=2000).fit(X, y)


def out_of_fold(rows: list[tuple[np.ndarray, np.ndarray]], folds: int, C: float) -> list[int | None]:
    """The first-hit rank of each question when reranked by weights fitted without its fold."""
    n = len(rows)
    fold_of = np.arange(n) % folds if folds < n else np.arange(n)
    ranks: list[int | None] = [None] * n
    for f in np.unique(fold_of):
        train = [i for i in range(n) if fold_of[i] != f]
        model = _fit(np.vstack([rows[i][0] for i in train]), np.concatenate([rows[i][1] for i in train]), C)
        for i in np.flatnonzero(fold_of == f):
            X, y = rows[i]
            scores = model.decision_function(X)
            order = sorted(range(len(y)), key=lambda j: (-scores[j], j))
            ranks[i] = _first([bool(y[j]) for j in order])
    return ranks


def collect(index: str, gold: str) -> tuple[list[str], list[tuple[list, np.ndarray]]]:
    engine = AnswerEngine(index)
    ids, rows = [], []
    for q in load_gold(gold):
        if not q.answerable or q.type == "list":
            continue  # list questions read a wider, unreranked candidate set
        fused = engine.retriever.search(q.question, RERANK_DEPTH)
        feats = engine.rerank_features(q.question, fused)
        relevant = score_question(q, [p.chunk.text for p in fused], [p.chunk.doc_id for p in fused]).relevant
        ids.append(q.id)
        rows.append((feats, np.array(relevant, dtype=int)))
    engine.close()
    return ids, rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=".policyqa/index")
    ap.add_argument("--gold", default=str(Path(__file__).parent / "gold" / "dev.jsonl"))
    ap.add_argument("--folds", type=int, default=0, help="K folds by question (default: leave one question out)")
    ap.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength")
    ap.add_argument("--features", default="", help="comma-separated subset of the features (default: all)")
    args = ap.parse_args()
    names = [f.name for f in fields(RerankFeatures)]
    chosen = args.features.split(",") if args.features else names
    idx = [names.index(n) for n in chosen]
    ids, raw = collect(args.index, args.gold)
    rows = [(np.array([f.vector() for f in feats])[:, idx], y) for feats, y in raw]
    folds = args.folds or len(rows)
    fused = [_first(list(map(bool, y))) for _, y in rows]
    oof = out_of_fold(rows, folds, args.C)
    model = _fit(np.vstack([X for X, _ in rows]), np.concatenate([y for _, y in rows]), args.C)
    print("features:", ",".join(chosen))
    print("WEIGHTS =", {n: round(float(w), 3) for n, w in zip(chosen, model.coef_[0])})
    print("BIAS =", round(float(model.intercept_[0]), 3))
    halves = {"odd": [i for i, q in enumerate(ids) if int(q.rsplit("-", 1)[1]) % 2],
              "even": [i for i, q in enumerate(ids) if not int(q.rsplit("-", 1)[1]) % 2]}
    label = "leave-one-question-out" if folds == len(rows) else f"{folds}-fold by question"
    print(f"dev non-list answerable (n={len(rows)}), {label}, MRR/hit@5 over the first {TOP}:")
    print("  all:  fused %.3f/%.3f -> reranked %.3f/%.3f (out of fold)" % (*_mrr_hit5(fused), *_mrr_hit5(oof)))
    for half, members in halves.items():
        print("  %-5s fused %.3f/%.3f -> reranked %.3f/%.3f" % (
            half + ":", *_mrr_hit5([fused[i] for i in members]), *_mrr_hit5([oof[i] for i in members])))


if __name__ == "__main__":
    main()
