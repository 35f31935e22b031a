"""The reranker's features on passages written for the test (not from the gold sets or the corpus)."""

from __future__ import annotations

from index.retrieve import Passage
from index.tokenise import terms
from qa_app import rerank as rr
from qa_app.answer_types import asked_type

from .test_answer_types import _chunk


def _features(text: str, question: str, context: str = "", cosines=(0.5,), rank: int = 0,
              legs: tuple[int | None, int | None] = (None, None)) -> rr.Features:
    chunk = _chunk(text)
    wanted = {t: 1.0 for t in terms(question)}
    return rr.features(Passage(chunk, 0.0, dense_rank=legs[0], keyword_rank=legs[1]), rank, wanted, [frozenset(terms(s)) for s in chunk.sentence_texts()],
                       frozenset(terms(context)), list(cosines), asked_type(question))


QUESTION = "商談会には何社が参加した？"


def test_coverage_and_proximity_reward_the_window_holding_the_question_terms():
    near = _features("交流会の後に商談会を開いた。商談会には120社が参加した。", QUESTION)
    far = _features("会場は駅の近くにある。天気は晴れだった。", QUESTION)
    assert near.coverage > far.coverage and near.proximity > far.proximity


def test_answer_type_feature_needs_a_figure_in_the_asked_unit():
    assert _features("商談会には120社が参加した。", QUESTION).answer_type == 1.0
    assert _features("商談会には多くの企業が参加した。", QUESTION).answer_type == 0.0


def test_section_cosine_and_rank_features_and_the_score_order():
    a = _features("商談会には120社が参加した。", QUESTION, context="商談会の実績", cosines=(0.2, 0.7), rank=0)
    b = _features("商談会には120社が参加した。", QUESTION, context="その他", cosines=(0.1,), rank=9)
    assert a.section > b.section and a.cosine == 0.7 and a.fused > b.fused
    assert rr.score(a) > rr.score(b)
    assert rr.rerank(["b", "a"], [b, a]) == ["a", "b"]


def test_each_legs_rank_is_a_feature_of_its_own_and_absence_counts_zero():
    both = _features("商談会には120社が参加した。", QUESTION, legs=(1, 4))
    keyword_only = _features("商談会には120社が参加した。", QUESTION, legs=(None, 2))
    assert (both.dense, both.keyword) == (1.0, 0.25)
    assert (keyword_only.dense, keyword_only.keyword) == (0.0, 0.5)
    # With every other feature equal, the passage both legs found ranks first.
    assert rr.score(both) > rr.score(keyword_only)
