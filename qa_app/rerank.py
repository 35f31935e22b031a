"""Rerank the fused candidates with a few explainable features and learned weights.

Fusion (index/retrieve.py) only knows where each leg ranked a chunk. This stage
looks inside the candidates, per passage:

- ``fused``: the fusion's own verdict, as 1 / (1 + rank);
- ``keyword`` / ``dense``: where each retrieval leg ranked the passage, as
  1 / rank (0 when the leg did not return it): the fused rank hides which leg
  found it, and the two legs are not equally right for every question;
- ``coverage``: the share of the question's terms (JMdict translations for
  English, index/translate.py) found in the best window of two adjacent sentences;
- ``proximity``: how close together those terms stand in that window
  (matched terms / window length in terms);
- ``cosine``: the best sentence's USE similarity to the question;
- ``section``: the share of the question's terms in the section path and subject;
- ``answer_type``: whether a sentence holds what the question asks for
  (a figure in the asked unit, a date, a person …; qa_app/answer_types.py).

The score is a logistic regression over them; ``WEIGHTS`` were fitted on the
development gold set only (``python -m eval.fit_rerank``, scikit-learn), labels
"this passage holds a gold evidence quote", and judged out of fold (the fit
script reranks each question with weights fitted without it). They are plain
numbers: each says how much a feature counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from index.retrieve import Passage

from .answer_types import AskedType, holds

# Fitted by eval/fit_rerank.py on eval/gold/dev.jsonl, all eight features, C=1 (every feature is
# already in [0, 1], so none is standardised). Out of fold (leave one question out, 59 answerable
# non-list dev questions) MRR over the first ten goes 0.834 -> 0.839 and hit@5 0.966 -> 0.983, but
# the odd ids rise (0.828 -> 0.843) while the even fall (0.841 -> 0.834), and 5 folds give 0.829:
# within one question's noise. That is why the engine leaves it off (qa_app/engine.py).
WEIGHTS = {"fused": 3.029, "keyword": 2.674, "dense": 1.59, "coverage": 0.025, "proximity": 0.721, "cosine": 2.692,
           "section": 0.778, "answer_type": 0.804}
BIAS = -4.749
DEPTH = 20        # fused candidates the reranker reads
RERANK_DEPTH = DEPTH


@dataclass
class Features:
    fused: float
    keyword: float
    dense: float
    coverage: float
    proximity: float
    cosine: float
    section: float
    answer_type: float

    def vector(self) -> list[float]:
        return [getattr(self, f.name) for f in fields(self)]


def features(passage: Passage, rank: int, wanted: dict[str, float], sentence_terms: list[frozenset[str]],
             context_terms: frozenset[str], sentence_cosines: list[float], asked: AskedType) -> Features:
    """The features of one passage (``wanted``: question term → weight)."""
    total = sum(wanted.values()) or 1.0
    best_cov, best_prox = 0.0, 0.0
    windows = [sentence_terms[i] | (sentence_terms[i + 1] if i + 1 < len(sentence_terms) else frozenset())
               for i in range(len(sentence_terms))] or [frozenset()]
    for window in windows:
        hit = [t for t in wanted if t in window]
        cov = sum(wanted[t] for t in hit) / total
        if cov > best_cov:
            best_cov, best_prox = cov, len(hit) / max(len(window), 1)
    section = sum(w for t, w in wanted.items() if t in context_terms) / total
    texts = passage.chunk.sentence_texts()
    if asked.units:
        typed = any(holds(t, "number", asked.units[0]) for t in texts)
    elif asked.entity:
        typed = any(holds(t, asked.entity) for t in texts)
    else:
        typed = True
    leg = lambda r: 1.0 / r if r else 0.0   # noqa: E731  (1-based leg ranks; None: not returned)
    return Features(1.0 / (1 + rank), leg(passage.keyword_rank), leg(passage.dense_rank), best_cov, min(best_prox * 5, 1.0), max(sentence_cosines, default=0.0),
                    section, float(typed))


def score(f: Features) -> float:
    z = BIAS + sum(w * getattr(f, name) for name, w in WEIGHTS.items())   # a feature with no weight counts 0
    return 1.0 / (1.0 + math.exp(-z))


def rerank(passages: list[Passage], feats: list[Features]) -> list[Passage]:
    """The passages by reranker score, best first (ties keep the fused order)."""
    scores = np.array([score(f) for f in feats])
    order = sorted(range(len(passages)), key=lambda i: (-scores[i], i))
    return [passages[i] for i in order]


RerankFeatures = Features
rerank_score = score
