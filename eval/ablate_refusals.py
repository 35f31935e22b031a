"""What each refusal rule alone decides: every rule switched in turn, the questions counted.

    python -m eval.ablate_refusals --set dev=eval/gold/dev.jsonl@.policyqa/eval/index-corpus-<version> \
        --set dev_coord=eval/gold/dev_coord.jsonl@.policyqa/eval/index-corpus-<version> \
        --set dev_ict=eval/gold/dev_ict.jsonl@IDX_ICT [--show]

For each set it asks every question with the rules as shipped, then once more with one rule
switched (a rule that is on, off; a rule written but off, on) and counts the questions whose
refusal changes: unanswerable / answerable. For a rule that is on, those are the questions it
alone refuses; for one that is off, those it would refuse. README, "Answers", judges each rule
on these counts ("refuses at least 2 more unanswerable than answerable, at most 3 % of any set's
answerable"). ``--show`` prints, per set, each refused answerable and each answered unanswerable
question with the reason the engine gave (the first rule that decided). ``--sweep`` prints, per
language and over all sets, what the relevance threshold alone would refuse at other values.

The refusal by relevance is applied as the evaluation applies it (``eval/run.py``): the engine
answers with its threshold at 0 and an answer whose confidence is below ``ABSTAIN_BELOW`` for its
language counts as refused; switching that rule off drops the comparison.
"""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from qa_app import extractive, refusal
from qa_app.engine import ABSTAIN_BELOW, AnswerEngine

from .metrics import GoldQuestion, load_gold

THRESHOLD = "relevance threshold (ABSTAIN_BELOW)"
# label -> (module, flag, the value that switches the rule off; a bool flag is simply turned over)
FLAGS = {
    "a named year no retrieved passage mentions (YEARS)": (refusal, "YEARS", False),
    "an asked attribute no retrieved passage names (ATTRIBUTE)": (refusal, "ATTRIBUTE", True),
    "an unknown loanword (LOANWORDS)": (refusal, "LOANWORDS", False),
    "an English question mostly about unknown words (UNKNOWN_SHARE_EN)": (refusal, "UNKNOWN_SHARE_EN", 0.0),
    "topic in the quote's scope (TOPIC_MIN)": (refusal, "TOPIC_MIN", 0.0),
    "who/when needs a person/date (SOLE_ENTITY)": (refusal, "SOLE_ENTITY", False),
    "names in the quote's scope (NAME_MIN 0.25)": (refusal, "NAME_MIN", 0.25),
    "shape: no figure in the asked unit (UNIT_REFUSAL)": (extractive, "UNIT_REFUSAL", False),
    "shape: figures for other years (OTHER_YEARS_REFUSAL)": (extractive, "OTHER_YEARS_REFUSAL", True),
    "shape: a sum beside its attribute (SUM_REFUSAL)": (extractive, "SUM_REFUSAL", False),
}


SWEEP = (0.0, 0.1, 0.15, 0.175, 0.2, 0.225, 0.25, 0.275, 0.3, 0.325, 0.35, 0.4)


@dataclass(frozen=True)
class Outcome:
    refused: bool
    reason: str        # the engine's note, or the threshold's, when refused
    confidence: float = 0.0
    language: str = "ja"


@contextmanager
def switched(module, flag: str, value):
    old = getattr(module, flag)
    setattr(module, flag, value)
    try:
        yield
    finally:
        setattr(module, flag, old)


def ask_all(engine: AnswerEngine, questions: list[GoldQuestion], threshold: bool = True) -> dict[str, Outcome]:
    out = {}
    for q in questions:
        a = engine.ask(q.question)
        limit = ABSTAIN_BELOW[a.language] if threshold else 0.0
        if not a.answerable:
            out[q.id] = Outcome(True, "; ".join(a.notes), a.confidence, a.language)
        elif a.confidence < limit:
            out[q.id] = Outcome(True, f"relevance {a.confidence:.3f} below {limit}", a.confidence, a.language)
        else:
            out[q.id] = Outcome(False, "", a.confidence, a.language)
    return out


def changed(base: dict[str, Outcome], other: dict[str, Outcome], questions: list[GoldQuestion],
            label: str = "", show: bool = False) -> tuple[int, int]:
    """Questions whose refusal differs: (unanswerable, answerable)."""
    flips = [q for q in questions if base[q.id].refused != other[q.id].refused]
    if show and flips:
        print(f"  {label}: " + ", ".join(f"{q.id}{'' if q.type == 'unanswerable' else ' (answerable)'}" for q in flips))
    return sum(q.type == "unanswerable" for q in flips), sum(q.type != "unanswerable" for q in flips)


def ablate(gold: Path, index: Path, show: bool, sweep: dict) -> dict[str, tuple[int, int]]:
    questions = load_gold(gold)
    counts: dict[str, tuple[int, int]] = {}
    with AnswerEngine(index, abstain_below={"ja": 0.0, "en": 0.0}) as engine:
        base = ask_all(engine, questions)
        unthresholded = ask_all(engine, questions, threshold=False)
        counts[THRESHOLD] = changed(base, unthresholded, questions, THRESHOLD, show)
        for q in questions:   # what the threshold alone would refuse at each value, per language
            o = unthresholded[q.id]
            for t in SWEEP:
                key = (o.language, t, q.type == "unanswerable")
                sweep[key] = sweep.get(key, 0) + (not o.refused and o.confidence < t)
        for label, (module, flag, value) in FLAGS.items():
            current = getattr(module, flag)
            value = (not current) if isinstance(current, bool) else value   # a switch turns the other way
            with switched(module, flag, value):
                counts[label] = changed(base, ask_all(engine, questions), questions, label, show)
    una = [q for q in questions if q.type == "unanswerable"]
    ans = [q for q in questions if q.type != "unanswerable"]
    counts["refused as shipped"] = (sum(base[q.id].refused for q in una), sum(base[q.id].refused for q in ans))
    counts["questions"] = (len(una), len(ans))
    if show:
        for q in ans:
            if base[q.id].refused:
                print(f"  wrongly refused {q.id}: {base[q.id].reason}")
        for q in una:
            if not base[q.id].refused:
                print(f"  answered unanswerable {q.id}")
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", action="append", required=True, metavar="NAME=GOLD@INDEX")
    parser.add_argument("--show", action="store_true")
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args(argv)
    table: dict[str, dict[str, tuple[int, int]]] = {}
    sweep: dict[tuple[str, float, bool], int] = {}
    for spec in args.set:
        name, rest = spec.split("=", 1)
        gold, index = rest.split("@", 1)
        print(f"{name}:")
        table[name] = ablate(Path(gold), Path(index), args.show, sweep)
    names = list(table)
    print("| rule | " + " | ".join(names) + " | all |")
    for label in next(iter(table.values())):
        cells = [table[n][label] for n in names]
        total = (sum(c[0] for c in cells), sum(c[1] for c in cells))
        print(f"| {label} | " + " | ".join(f"{u} / {a}" for u, a in cells) + f" | {total[0]} / {total[1]} |")
    if args.sweep:
        print("relevance threshold alone, all sets (unanswerable / answerable refused):")
        for language in ("ja", "en"):
            print(f"  {language}: " + ", ".join(f"{t}: {sweep.get((language, t, True), 0)} / "
                                               f"{sweep.get((language, t, False), 0)}" for t in SWEEP))


if __name__ == "__main__":
    main()
