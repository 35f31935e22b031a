"""Fit and judge the answer step's sentence-score weights across tuning sets — never on a test split.

    python -m eval.fit_select --set dev=eval/gold/dev.jsonl@IDX \\
        --set dev_ict=eval/gold/dev_ict.jsonl@IDX_A:devict-001-096,IDX_B:devict-097-154 [--C 1.0]
        [--levers] [--limit N]

Each set is a gold file asked of one index (or, per range of ids, of several). Every candidate
sentence the engine scores for an answerable question (``AnswerEngine.scored``: the real code
path, the features it records in ``Candidate.features``) is labelled 1 when it holds one of the
question's evidence quotes or one alternative of a fact (both through ``match_key``: NFKC, no
whitespace, case-folded). A pairwise ranker is fitted per question group: a logistic regression
(scikit-learn, no intercept) on the feature differences of every (labelled, unlabelled) pair of
one question, each question weighing the same. The weights are scaled so that meaning, keywords
and rank sum to what they sum to in ``qa_app/extractive.py`` (the keep ratios compare scores).

What it reports is held out and measured with the answer metrics of ``policyqa eval`` (evidence
cited, all facts, all facts of English questions; at the engine's own refusal thresholds):

- the shipped weights on each set;
- weights fitted on one set, asked on the other (both directions);
- leave-one-question-out within each set (each question answered with weights fitted without it);
- with ``--levers``: structural settings (MAX_SENTENCES, KEEP_RATIO) and each hand rule of
  ``pick``/``shape``/``pick_items`` switched off in turn, on every set.

Retrieval is run once per question and kept, so each variant reruns only the answer step.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa_app import extractive as ex
from qa_app import ABSTAIN_BELOW, AnswerEngine

from .answers import score_answer, summarise
from .metrics import GoldQuestion, _doc_matches, load_gold, match_key
from .scoring import at_operating_point

FEATURES = tuple(ex.weights())
SCALED = ("meaning", "keywords", "rank")   # their shipped sum is kept


class _Engine(AnswerEngine):
    """The shipped engine with its retrieval and question vectors kept per question, and the last
    scored candidates at hand."""

    def __init__(self, index: str | Path):
        super().__init__(index, abstain_below={"ja": 0.0, "en": 0.0})   # as policyqa eval asks it
        self.last: list[ex.Candidate] = []
        self._vectors: dict[str, list[float]] = {}
        search, memo = self.retriever.search, {}

        def kept(question, k, **kw):
            key = (question, k, repr(sorted(kw.items())))
            if key not in memo:
                memo[key] = search(question, k, **kw)
            return memo[key]
        self.retriever.search = kept

    def _query_vector(self, question: str) -> list[float]:
        if question not in self._vectors:
            self._vectors[question] = super()._query_vector(question)
        return self._vectors[question]

    def scored(self, question, info, passages):
        self.last = super().scored(question, info, passages)
        return self.last


@dataclass
class Question:
    gold: GoldQuestion
    engine: _Engine
    X: np.ndarray = field(default_factory=lambda: np.zeros((0, len(FEATURES))))
    y: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass
class GoldSet:
    name: str
    questions: list[Question]


def label(q: GoldQuestion, c: ex.Candidate, facts: bool = True) -> int:
    """1 when the sentence holds an evidence quote (from a gold document) or (``facts``) states a fact."""
    text = match_key(c.text)
    if any(match_key(e) in text for e in q.evidence) and _doc_matches(c.chunk.doc_id, q.docs):
        return 1
    return int(facts and any(match_key(alt) in text for group in q.facts for alt in group if match_key(alt)))


def _ranges(spec: str) -> tuple[str, tuple[int, int] | None]:
    """``IDX`` or ``IDX:prefix-001-096`` (the ids numbered 1…96)."""
    if ":" not in spec:
        return spec, None
    index, ids = spec.rsplit(":", 1)
    lo, hi = ids.rsplit("-", 2)[-2:]
    return index, (int(lo), int(hi))


def load_set(spec: str, engines: dict[str, _Engine], limit: int | None = None, facts: bool = True) -> GoldSet:
    """``name=GOLD@IDX[,IDX2:id-lo-hi]``: the set's answerable questions, their candidates labelled."""
    name, rest = spec.split("=", 1)
    gold, indexes = rest.split("@", 1)
    routes = [_ranges(s) for s in indexes.split(",")]
    out = []
    for g in load_gold(gold):
        if not g.answerable:
            continue
        n = int(g.id.rsplit("-", 1)[1])
        index = next((ix for ix, r in routes if r is None or r[0] <= n <= r[1]), None)
        if index is None:
            continue
        engine = engines.get(index) or engines.setdefault(index, _Engine(index))
        engine.ask(g.question)
        rows = [[c.features.get(f, 0.0) for f in FEATURES] for c in engine.last]
        out.append(Question(g, engine, np.array(rows, dtype=float).reshape(-1, len(FEATURES)),
                            np.array([label(g, c, facts) for c in engine.last], dtype=int)))
        if limit and len(out) >= limit:
            break
    return GoldSet(name, out)


def fit(questions: list[Question], C: float = 1.0) -> dict[str, float]:
    """Pairwise logistic regression: each (holds, does not hold) pair of one question; every
    question weighs the same. The weights, scaled as SCALED, by feature name."""
    from sklearn.linear_model import LogisticRegression  # the fit only; the engine reads plain numbers

    diffs, weights = [], []
    for q in questions:
        pos, neg = q.X[q.y == 1], q.X[q.y == 0]
        if not len(pos) or not len(neg):
            continue
        d = (pos[:, None, :] - neg[None, :, :]).reshape(-1, len(FEATURES))
        diffs.append(d)
        weights.append(np.full(len(d), 1.0 / len(d)))
    X = np.vstack(diffs)
    w = np.concatenate(weights)
    model = LogisticRegression(fit_intercept=False, C=C, max_iter=5000)
    model.fit(np.vstack([X, -X]), np.r_[np.ones(len(X)), np.zeros(len(X))], sample_weight=np.r_[w, w] * len(diffs))
    coef = dict(zip(FEATURES, model.coef_[0]))
    shipped = ex.weights()
    scale = sum(shipped[f] for f in SCALED) / sum(coef[f] for f in SCALED)
    return {f: float(coef[f] * scale) for f in FEATURES}


_CONSTANT = {"meaning": "W_MEANING", "keywords": "W_KEYWORDS", "rank": "W_RANK", "figure": "W_FIGURE",
             "type": "W_TYPE", "enumeration": "W_ENUMERATION", "explains": "W_EXPLAINS", "defines": "W_DEFINES",
             "fragment": "W_FRAGMENT"}


def as_constants(weights: dict[str, float]) -> dict[str, float]:
    """Feature weights as the module constants that hold them (fragment's is subtracted)."""
    return {_CONSTANT[f]: (-w if f == "fragment" else w) for f, w in weights.items()}


@contextlib.contextmanager
def patched(settings: dict):
    """qa_app.extractive with some constants (or functions) replaced, restored afterwards."""
    saved = {k: getattr(ex, k) for k in settings}
    try:
        for k, v in settings.items():
            setattr(ex, k, v)
        yield
    finally:
        for k, v in saved.items():
            setattr(ex, k, v)


def answer_scores(questions: list[Question], settings: dict | None = None, per_question=None) -> dict[str, float]:
    """The answer metrics of ``policyqa eval`` over the questions (answerable only), with the
    settings (or, per question, ``per_question(q)``'s) in force."""
    scores = []
    for q in questions:
        with patched(per_question(q) if per_question else (settings or {})):
            a = q.engine.ask(q.gold.question).as_json()
        s = at_operating_point(score_answer(q.gold, a), ABSTAIN_BELOW.get(a.get("language", q.gold.language)))
        scores.append(s)
    agg = summarise(scores)
    return {"n": agg["all"]["n"], "evidence_cited": agg["all"]["evidence_cited"], "all_facts": agg["all"]["all_facts"],
            "all_facts_en": agg["en"]["all_facts"], "fact_recall": agg["all"]["fact_recall"],
            "counts": (round(agg["all"]["evidence_cited"] * agg["all"]["n"]), round(agg["all"]["all_facts"] * agg["all"]["n"]))}


def _line(label: str, m: dict[str, float]) -> str:
    return (f"  {label:<34} evidence cited {m['evidence_cited']:.3f} ({m['counts'][0]:>3})  all facts "
            f"{m['all_facts']:.3f} ({m['counts'][1]:>3})  facts en {m['all_facts_en']:.3f}  recall {m['fact_recall']:.3f}  n={m['n']}")


def leave_one_out(questions: list[Question], C: float) -> dict[str, float]:
    fitted = {id(q): as_constants(fit([p for p in questions if p is not q], C)) for q in questions}
    return answer_scores(questions, per_question=lambda q: fitted[id(q)])


def _gain(m: dict, base: dict) -> int:
    return (m["counts"][0] - base["counts"][0]) + (m["counts"][1] - base["counts"][1])


def search(questions: list[Question], steps=(0.0, 0.5, 2.0), rounds: int = 2) -> dict[str, float]:
    """Coordinate search on the answer metrics themselves (evidence cited + all facts, in questions):
    each weight in turn is multiplied by each step, kept when the sum rises on ``questions``."""
    best = dict(as_constants(ex.weights()))
    top = answer_scores(questions, best)
    for _ in range(rounds):
        moved = False
        for name in list(best):
            for step in steps:
                trial = {**best, name: round(best[name] * step, 3) if best[name] else 0.05 * step}
                m = answer_scores(questions, trial)
                if _gain(m, top) > 0:
                    best, top, moved = trial, m, True
        if not moved:
            break
    return best


def _off_rules() -> dict[str, dict]:
    """Each hand rule of pick/shape/pick_items switched off (refusal branches are not touched)."""
    return {
        "continues bonus (pick)": {"CONTINUES_BONUS": 0.0},
        "near-duplicate skip (pick)": {"NEAR_DUPLICATE": 2.0, "_overlap": lambda a, b: False},
        "asking sentence -> following (shape)": {"_asks": lambda c: False},
        "how/why: following sentences (shape)": {"EXPLAIN_FOLLOWING": 0},
        "later clauses (shape)": {"_later_parts": lambda chosen, cands, info: chosen},
        "second figure nearby (shape)": {"PART_REACH": 0},
        "introduces bonus (pick_items)": {"INTRODUCES_BONUS": 0.0},
        "introducing quote (pick_items)": {"_introduces": lambda c: False},
        "entry states practice (pick_items)": {"ITEM_STATES_RATIO": 0.0},
    }


def _levers() -> dict[str, dict]:
    out = {f"MAX_SENTENCES={n}": {"MAX_SENTENCES": n} for n in (1, 3, 4)}
    out.update({f"KEEP_RATIO={r}": {"KEEP_RATIO": r} for r in (0.0, 0.5, 0.7, 0.8, 0.9, 0.95)})
    out.update({f"MAX_SENTENCES=3,KEEP_RATIO={r}": {"MAX_SENTENCES": 3, "KEEP_RATIO": r} for r in (0.7, 0.8, 0.9)})
    out.update({f"off: {k}": v for k, v in _off_rules().items()})
    return out


def _value(text: str):
    """A --try value: a number when it reads as one, else the text (a pattern)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", action="append", required=True, help="NAME=GOLD@IDX[,IDX2:prefix-lo-hi]")
    ap.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength")
    ap.add_argument("--limit", type=int, default=None, help="only the first N answerable questions of each set")
    ap.add_argument("--levers", action="store_true", help="also judge the structural settings and hand rules")
    ap.add_argument("--no-loo", action="store_true", help="skip leave-one-question-out")
    ap.add_argument("--evidence-only", action="store_true", help="label only sentences holding an evidence quote")
    ap.add_argument("--search", action="store_true",
                    help="also fit by coordinate search on one set's answer metrics, judged on the other")
    ap.add_argument("--try", dest="tries", action="append", default=[],
                    help="NAME=VALUE[,NAME=VALUE…]: extra settings of qa_app.extractive to judge on every set")
    args = ap.parse_args()
    engines: dict[str, _Engine] = {}
    sets = [load_set(s, engines, args.limit, not args.evidence_only) for s in args.set]
    for s in sets:
        pos = sum(int(q.y.sum()) for q in s.questions)
        print(f"{s.name}: {len(s.questions)} answerable questions, {sum(len(q.y) for q in s.questions)} candidates, "
              f"{pos} labelled, {sum(1 for q in s.questions if q.y.any())} questions with one")
    fitted = {s.name: fit(s.questions, args.C) for s in sets}
    everything = fit([q for s in sets for q in s.questions], args.C)
    print("shipped:", {k: round(v, 3) for k, v in as_constants(ex.weights()).items()})
    for name, w in [*fitted.items(), ("all sets", everything)]:
        print(f"fitted on {name}:", {k: round(v, 3) for k, v in as_constants(w).items()})
    for s in sets:
        print(f"{s.name}:")
        print(_line("shipped weights", answer_scores(s.questions)))
        for other, w in fitted.items():
            if other != s.name:
                print(_line(f"fitted on {other} (held out)", answer_scores(s.questions, as_constants(w))))
        if not args.no_loo:
            print(_line("leave-one-question-out", leave_one_out(s.questions, args.C)))
        print(_line(f"fitted on {s.name} (in sample)", answer_scores(s.questions, as_constants(fitted[s.name]))))
        if args.levers:
            for label, settings in _levers().items():
                print(_line(label, answer_scores(s.questions, settings)))
        for t in args.tries:
            settings = {k: _value(v) for k, v in (kv.split("=", 1) for kv in t.split(","))}
            print(_line(t, answer_scores(s.questions, settings)))
    if args.search:
        searched = {s.name: search(s.questions) for s in sets}
        for s in sets:
            for other, w in searched.items():
                kind = "in sample" if other == s.name else "held out"
                print(f"{s.name}: searched on {other} ({kind}):", {k: v for k, v in w.items() if v != as_constants(ex.weights())[k]})
                print(_line(f"searched on {other}", answer_scores(s.questions, w)))
    for e in engines.values():
        e.close()


if __name__ == "__main__":
    main()
