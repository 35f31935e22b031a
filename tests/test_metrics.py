"""eval/metrics.py on hand-made rankings whose right answers are worked out by hand,
plus one smoke run of eval.bench_retrieval on a one-document index."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pytest

from eval.metrics import (
    GoldQuestion, aggregate, evaluate, evidence_within, first_hit_rank, load_gold, match_key,
    percentile, score_question,
)

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "eval" / "gold" / "dev.jsonl"

FILLER = "あ"   # a character no quote below contains


def q(evidence, *, docs=("004",), language="ja", type_="fact", id_="t-1") -> GoldQuestion:
    return GoldQuestion(id=id_, question="?", language=language, type=type_, docs=list(docs),
                        evidence=list(evidence), facts=[], reference="")


# -- match_key ---------------------------------------------------------------

def test_match_key_removes_damage_the_normaliser_leaves():
    # normalise() keeps the space between a digit and kana/kanji; match_key must not.
    assert match_key("平成 13 年度～平成 17 年度") == "平成13年度~平成17年度"
    assert match_key("１０，７００社") == "10,700社"
    assert match_key("ｸﾗｽﾀｰ") == "クラスター"
    assert match_key("TOHOKU ものづくり\u3000コリドー\n") == "tohokuものづくりコリドー"


def test_damaged_quotes_match_normalised_passages():
    question = q(["平成 13 年度～平成 17 年度を第 1 期", "１０，７００社"])
    passages = ["クラスターは平成13年度~平成17年度を第1期とし…",      # as the ingest writes it
                "参加企業は約10,700社に上る。"]
    assert first_hit_rank(question, passages) == 1
    assert first_hit_rank(question, passages[1:]) == 1
    assert first_hit_rank(question, ["平成13年度から平成17年度"]) is None   # a different wording is no match
    # case-folded: a full-width, upper-case Latin quote finds lower-case text
    assert first_hit_rank(q(["ＴＡＭＡ地域"]), ["tama地域では"]) == 1


# -- rank, hit@k, reciprocal rank ----------------------------------------------

def test_first_hit_rank_hit_at_k_and_rr():
    question = q(["産学官金連携の一環", "融資のための技術評価"])
    texts = ["販路開拓の話", "人材育成の話", "ここで融資のための技術評価を行う", "産学官金連携の一環として", "x"]
    s = score_question(question, texts)
    assert s.first_hit_rank == 3
    assert (s.hit_at(1), s.hit_at(5), s.hit_at(10)) == (0.0, 1.0, 1.0)
    assert s.rr == pytest.approx(1 / 3)
    assert s.relevant == [False, False, True, True, False]


def test_hit_beyond_five_counts_only_at_ten():
    question = q(["第2期は成長期"])
    texts = [FILLER] * 6 + ["第2期は成長期と位置づけ"]
    s = score_question(question, texts)
    assert s.first_hit_rank == 7
    assert (s.hit_at(1), s.hit_at(5), s.hit_at(10)) == (0.0, 0.0, 1.0)
    assert s.rr == pytest.approx(1 / 7)


def test_no_hit_scores_zero():
    s = score_question(q(["見つからない引用文です"]), ["a", "b"])
    assert s.first_hit_rank is None and s.rr == 0.0 and s.hit_at(10) == 0.0 and s.ndcg_at(10) == 0.0


def test_quote_in_a_non_gold_document_is_not_a_hit():
    question = q(["413億円"], docs=["000"])
    texts = ["予算は413億円", "総額413億円"]
    assert first_hit_rank(question, texts, ["003_regional_technology_policy", "000_industrial_cluster_formation"]) == 2
    assert first_hit_rank(question, texts) == 1   # without doc ids every passage is eligible


# -- evidence within the first N characters -------------------------------------

def test_evidence_within_n_with_a_quote_straddling_the_cut():
    quote = "知的クラスター創成事業"          # 11 characters
    question = q([quote])
    head = FILLER * 995                  # the quote starts at character 995 and ends at 1006
    texts = [head + quote + "。"]
    assert evidence_within(question, texts, 1000) is False
    assert evidence_within(question, texts, 1006) is True
    assert evidence_within(question, texts, 3000) is True
    s = score_question(question, texts)
    assert s.evidence_within == {1000: False, 3000: True}
    assert s.first_hit_rank == 1        # the passage holds it, even if the window does not


def test_evidence_window_spans_passages_in_rank_order():
    quote = "販路開拓支援活動"
    question = q([quote])
    texts = [FILLER * 600, FILLER * 300 + quote, FILLER * 5000 + quote]
    # 600 + 300 + 8 = 908 characters read before the quote ends: inside 1000
    assert evidence_within(question, texts, 1000) is True
    assert evidence_within(question, texts, 907) is False
    # the cut counts original characters, not match-key characters: spaces use up the budget
    spaced = [" " * 995 + quote]
    assert evidence_within(question, spaced, 1000) is False
    assert evidence_within(question, spaced, 1003) is True


def test_a_quote_split_across_two_passages_is_not_evidence():
    question = q(["販路開拓支援活動"])
    texts = ["…について販路開拓", "支援活動を行う"]
    assert evidence_within(question, texts, 3000) is False
    assert first_hit_rank(question, texts) is None


# -- nDCG@10 --------------------------------------------------------------------

def test_ndcg_binary_relevance_by_hand():
    question = q(["第一の引用文です", "第二の引用文です"])
    texts = ["第一の引用文です", FILLER, "第二の引用文です"] + [FILLER] * 7
    s = score_question(question, texts)
    dcg = 1 + 1 / math.log2(4)                     # relevant at ranks 1 and 3
    idcg = 1 + 1 / math.log2(3)                    # two quotes: two relevant passages on top
    assert s.ndcg_at(10) == pytest.approx(dcg / idcg)
    assert s.ndcg_at(10) == pytest.approx(0.91972, abs=1e-4)


def test_ndcg_with_overlapping_passages_stays_within_one():
    question = q(["ひとつだけの引用"])
    s = score_question(question, ["…ひとつだけの引用…", "ひとつだけの引用。", FILLER])
    assert s.ndcg_at(10) == pytest.approx(1.0)       # ideal = max(1 quote, 2 relevant) = 2
    late = score_question(question, [FILLER, FILLER, "ひとつだけの引用"])
    assert late.ndcg_at(10) == pytest.approx(1 / math.log2(4))
    assert late.ndcg_at(2) == 0.0


# -- aggregation ------------------------------------------------------------------

def test_unanswerable_excluded_and_languages_split():
    questions = [
        q(["日本語の引用です"], language="ja", id_="a"),
        q(["英語質問の引用です"], language="en", id_="b"),
        q([], docs=(), language="en", type_="unanswerable", id_="c"),
    ]
    rankings = {
        "a": (["日本語の引用です"], ["004_x"]),                   # rank 1
        "b": ([FILLER, "英語質問の引用です"], ["004_x", "004_x"]),  # rank 2
        "c": ([FILLER], ["004_x"]),                              # would be a miss if counted
    }
    agg, scores = evaluate(questions, rankings)
    assert [s.id for s in scores] == ["a", "b"]
    assert agg["all"]["n"] == 2 and agg["ja"]["n"] == 1 and agg["en"]["n"] == 1
    assert agg["ja"]["mrr"] == pytest.approx(1.0)
    assert agg["en"]["mrr"] == pytest.approx(0.5)
    assert agg["all"]["mrr"] == pytest.approx(0.75)
    assert agg["all"]["hit@1"] == pytest.approx(0.5)
    assert agg["all"]["hit@5"] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        score_question(questions[2], [FILLER])


def test_aggregate_of_an_empty_language_is_zero_not_an_error():
    agg = aggregate([score_question(q(["日本語の引用です"]), ["日本語の引用です"])])
    assert agg["en"]["n"] == 0 and agg["en"]["mrr"] == 0.0 and agg["ja"]["hit@1"] == 1.0


def test_percentile_interpolates():
    assert percentile([4, 1, 3, 2], 50) == pytest.approx(2.5)
    assert percentile(list(range(1, 21)), 95) == pytest.approx(19.05)
    assert percentile([], 50) == 0.0


# -- loading the gold set ----------------------------------------------------------

def test_load_gold_types_and_counts(tmp_path):
    gold = load_gold(DEV)
    raw = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(gold) == len(raw) >= 80   # the loader keeps every question, in file order
    assert [g.id for g in gold] == [r["id"] for r in raw]
    assert sum(g.type == "unanswerable" for g in gold) == sum(r["type"] == "unanswerable" for r in raw) >= 5
    assert sum(g.language == "en" for g in gold) == sum(r["language"] == "en" for r in raw)
    first = gold[0]
    assert isinstance(first, GoldQuestion) and first.id == "dev-001" and first.docs == ["004"]
    assert first.facts == [["立ち上げ期"], ["成長期"]]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.jsonl:1"):
        load_gold(bad)


# -- the benchmark, end to end on one document --------------------------------------

def test_bench_retrieval_smoke(tmp_path):
    from rich.console import Console

    from eval import bench_retrieval

    wanted = {"dev-060", "dev-061", "dev-063"}     # two ja, one en; all answered by 002
    lines = [ln for ln in DEV.read_text(encoding="utf-8").splitlines() if json.loads(ln)["id"] in wanted]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "figures.json"
    pdf = next((ROOT / "corpus").glob("002_*.pdf"))
    buf = io.StringIO()
    figures = bench_retrieval.main(["--gold", str(gold), "--chunk-sizes", "", "--corpus", str(pdf),
                                    "--out", str(out)], console=Console(file=buf, width=160))

    printed = buf.getvalue()
    assert "Retrieval benchmark" in printed and "Hybrid misses at rank 10" in printed
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(json.dumps(figures))
    assert set(figures["configs"]) == {"bm25", "dense", "hybrid", "vanilla-llamaindex"}
    assert figures["chunk_sizes"] == []
    for name, config in figures["configs"].items():
        m = config["metrics"]
        assert (m["ja"]["n"], m["en"]["n"], m["all"]["n"]) == (2, 1, 3), name
        for group in ("ja", "en", "all"):
            for metric in ("hit@1", "hit@5", "hit@10", "mrr", "ndcg@10", "evidence@1000", "evidence@3000"):
                assert 0.0 <= m[group][metric] <= 1.0, (name, group, metric)
            assert m[group]["hit@1"] <= m[group]["hit@5"] <= m[group]["hit@10"]
        assert config["latency_ms"]["n"] == 3 and config["latency_ms"]["p50"] > 0
    assert figures["cold_start"]["hybrid"]["wall_s"] > 0
    # one document, three questions about it: the hybrid must find something
    assert figures["configs"]["hybrid"]["metrics"]["all"]["hit@10"] > 0
