"""The evaluation harness: the new answer metrics (char F1, chrF) worked out by hand, the naive
answer of the vanilla peer, one end-to-end `policyqa eval` run on six gold questions, and the
評価 / Evaluation page reading what that run wrote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from eval.answers import char_f1, chrf, score_answer, summarise
from eval.harness import first_sentences, naive_answer, parse_configs
from eval.metrics import GoldQuestion

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "eval" / "gold" / "dev.jsonl"
PICK = ("dev-001", "dev-003", "dev-004", "dev-017", "dev-078", "dev-081")   # ja fact/list/number, en list, ja+en unanswerable
POLICYQA = Path(sys.executable).parent / "policyqa"


# ---------------------------------------------------------------- char F1


def test_char_f1_by_hand():
    # 産業クラスター vs クラスター計画: 7 and 7 characters, 5 shared (ク ラ ス タ ー) → P = R = F1 = 5/7
    assert char_f1("産業クラスター", "クラスター計画") == pytest.approx(5 / 7)
    # multiset overlap: ああ vs あ → overlap 1, P = 1/2, R = 1, F1 = 2/3
    assert char_f1("ああ", "あ") == pytest.approx(2 / 3)
    assert char_f1("産業", "知的") == 0.0
    assert char_f1("", "知的") == 0.0 and char_f1("知的", "") == 0.0


def test_char_f1_normalises_both_sides_and_ignores_whitespace():
    assert char_f1("ｸﾗｽﾀｰ", "クラスター") == 1.0            # NFKC: half-width katakana
    assert char_f1("１０万円", "10 万円") == 1.0             # full-width digits, a stray space
    assert char_f1("Sales Partner", "salespartner") == 1.0  # case-folded, no whitespace tokenisation
    # not a bag of words: one Japanese "token" differing in one character still scores high
    assert char_f1("販路開拓支援活動", "販路開拓支援策") == pytest.approx(2 * (6 / 8) * (6 / 7) / (6 / 8 + 6 / 7))


# ---------------------------------------------------------------- chrF


def test_chrf_by_hand_symmetric():
    # 産業クラスター vs クラスター計画, n = 1..6 matched / total (same on both sides):
    # 5/7, 4/6, 3/5, 2/4, 1/3, 0/2 → P = R = their mean, and F_β = P when P = R
    mean = (5 / 7 + 4 / 6 + 3 / 5 + 2 / 4 + 1 / 3 + 0 / 2) / 6
    assert chrf("産業クラスター", "クラスター計画") == pytest.approx(mean)
    assert chrf("産業クラスター", "クラスター計画") == pytest.approx(0.469047619)


def test_chrf_by_hand_recall_weighs_more():
    # prediction クラスター (5 chars) inside reference 産業クラスター (7): every n-gram of the
    # prediction matches, P_n = 1; R_n = 5/7, 4/6, 3/5, 2/4, 1/3; n = 6: the prediction has no
    # 6-gram, so that order does not count (effective order 5).
    p = 1.0
    r = (5 / 7 + 4 / 6 + 3 / 5 + 2 / 4 + 1 / 3) / 5
    expected = (1 + 4) * p * r / (4 * p + r)
    assert chrf("クラスター", "産業クラスター") == pytest.approx(expected)
    assert chrf("クラスター", "産業クラスター") == pytest.approx(0.616781, abs=1e-6)
    # β = 2: the same texts the other way round (P < R) score higher than this (R < P)
    assert chrf("産業クラスター", "クラスター") > chrf("クラスター", "産業クラスター")


def test_chrf_edges_and_normalisation():
    assert chrf("知的クラスター", "知的クラスター") == pytest.approx(1.0)
    assert chrf("ｸﾗｽﾀｰ 計画", "クラスター計画") == pytest.approx(1.0)
    assert chrf("産業", "知的") == 0.0
    assert chrf("", "知的") == 0.0
    assert chrf("あ", "あ") == pytest.approx(1.0)            # only the unigram order counts


def test_score_answer_char_metrics_only_where_a_reference_is_given():
    q = GoldQuestion("t-1", "?", "ja", "fact", ["004"], ["評価費用として１０万円"], [["10万円"]], "評価費用は10万円")
    answer = {"answer": "資料によると、「評価費用として10 万円」[1]", "answerable": True, "confidence": 0.5,
              "citations": [{"text": "評価費用として10 万円", "doc_id": "004_x"}]}
    s = score_answer(q, answer)
    assert s.has_reference and s.fact_recall == 1.0 and s.citation_precision == 1.0
    assert s.char_f1 == pytest.approx(char_f1(answer["answer"], q.reference))
    assert 0 < s.chrf < 1
    no_ref = score_answer(GoldQuestion("t-2", "?", "ja", "fact", ["004"], ["評価費用"], [["10万円"]]), answer)
    assert not no_ref.has_reference and no_ref.char_f1 == 0.0
    summary = summarise([s, no_ref])
    assert summary["all"]["char_f1"] == pytest.approx(s.char_f1)    # the question without a reference is left out


# ---------------------------------------------------------------- the peer's naive answer


def test_naive_answer_quotes_the_first_two_sentences_of_the_top_passage():
    assert first_sentences("一文目です。二文目です。三文目。") == "一文目です。二文目です。"
    assert first_sentences("First one. Second one. Third.") == "First one. Second one."
    assert len(first_sentences("句点のない長いスライド" * 100)) == 240
    a = naive_answer("q?", "ja", ["甲である。乙である。丙。", "次"], ["004_x", "000_y"])
    assert a["answerable"] is True
    assert a["answer"] == "「甲である。乙である。」[1]"
    assert a["citations"] == [{"n": 1, "chunk_id": "", "doc_id": "004_x", "text": "甲である。乙である。"}]


def test_parse_configs():
    assert parse_configs("default, bm25,default") == ["default", "bm25"]
    assert parse_configs(None) == ["default", "bm25", "dense", "vanilla-llamaindex"]
    with pytest.raises(ValueError):
        parse_configs("default,hybrid")


# ---------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def eval_run(corpus_index, tmp_path_factory) -> Path:
    """`policyqa eval --configs default,bm25` on six dev questions, against the session index."""
    work = tmp_path_factory.mktemp("eval")
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    chosen = [r for r in rows if r["id"] in PICK]
    assert len(chosen) == len(PICK)
    gold = work / "small.jsonl"
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chosen), encoding="utf-8")
    out = work / "report"
    done = subprocess.run([str(POLICYQA), "eval", "--gold", str(gold), "--configs", "default,bm25",
                           "--out", str(out), "--index", str(corpus_index)],
                          capture_output=True, text=True, timeout=600, cwd=work)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "hit@5" in done.stderr            # the summary table is printed
    return out


def test_eval_writes_metrics_json(eval_run):
    m = json.loads((eval_run / "metrics.json").read_text(encoding="utf-8"))
    assert m["configs"] == ["default", "bm25"]
    assert m["gold"]["questions"] == 6 and m["gold"]["answerable"] == 4
    assert m["gold"]["by_language"] == {"ja": 4, "en": 2}
    expected_n = {"ja": 4, "en": 2, "all": 6}
    for name in ("default", "bm25"):
        for group, n in expected_n.items():
            a = m["aggregates"][name][group]
            assert a["n"] == n
            for key in ("hit@1", "hit@5", "hit@10", "mrr", "ndcg@10", "evidence@1000", "evidence@3000",
                        "fact_recall", "all_facts", "char_f1", "chrf", "citation_precision", "citation_recall",
                        "answerable_refused", "unanswerable_refused"):
                assert 0.0 <= a[key] <= 1.0, (name, group, key, a[key])
            assert a["hit@1"] <= a["hit@5"] <= a["hit@10"]
            assert a["evidence@1000"] <= a["evidence@3000"]
        assert m["aggregates"][name]["all"]["n_answerable"] == 4
        assert m["aggregates"][name]["all"]["hit@10"] >= 0.75       # the project finds these
        lat = m["latency_ms"][name]
        for stage in ("retrieve", "extract", "total"):
            assert 0 < lat[stage]["p50"] <= lat[stage]["p95"]
        assert lat["retrieve"]["p50"] <= lat["total"]["p95"]
        for lang in ("ja", "en"):
            t = m["refusal_tradeoff"][name][lang]
            assert t["n_unanswerable"] == 1 and t["table"] and t["curve"]
    assert m["memory"]["peak_rss_mb"] > 50
    rows = m["questions"]
    assert len(rows) == 12 and {(r["id"], r["config"]) for r in rows} == {(i, c) for i in PICK for c in ("default", "bm25")}
    for r in rows:
        assert {"id", "language", "type", "config", "first_hit_rank", "fact_recall", "citation_precision",
                "answered", "latency_ms"} <= set(r)
        if r["type"] == "unanswerable":
            assert r["first_hit_rank"] is None and r["fact_recall"] is None
        else:
            assert r["first_hit_rank"] is None or 1 <= r["first_hit_rank"] <= 10
            assert 0.0 <= r["fact_recall"] <= 1.0
        assert r["latency_ms"] > 0


def test_eval_writes_report_and_charts(eval_run):
    from PIL import Image

    report = (eval_run / "report.md").read_text(encoding="utf-8")
    for needle in ("default", "bm25", "Refusal trade-off", "How each metric is defined", "chrF", *PICK):
        assert needle in report, needle
    for png in ("metrics.png", "languages.png", "refusal.png"):
        path = eval_run / png
        with Image.open(path) as img:
            img.verify()
        with Image.open(path) as img:
            assert img.format == "PNG" and img.size[0] > 600 and img.size[1] > 300


def test_evaluation_page_shows_the_report(eval_run, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("POLICYQA_EVAL_DIR", str(eval_run))
    at = AppTest.from_file(str(ROOT / "qa_app" / "views" / "evaluation.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("評価")
    assert len(at.image) == 3
    summary, per_question = at.dataframe[0].value, at.dataframe[1].value
    assert list(summary.columns) == ["metric", "default", "bm25"]
    assert "hit@5" in set(summary["metric"])
    assert len(per_question) == 12
    at.multiselect(key="eval_configs").set_value(["bm25"]).run()
    at.multiselect(key="eval_langs").set_value(["en"]).run()
    assert not at.exception, at.exception
    per_question = at.dataframe[1].value
    assert set(per_question["config"]) == {"bm25"} and set(per_question["lang"]) == {"en"}
    assert len(per_question) == 2


def test_evaluation_page_without_a_report(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("POLICYQA_EVAL_DIR", str(tmp_path / "none"))
    at = AppTest.from_file(str(ROOT / "qa_app" / "views" / "evaluation.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert "policyqa eval" in at.code[0].value
    assert len(at.image) == 0


def test_eval_rejects_an_unknown_configuration(tmp_path):
    done = subprocess.run([str(POLICYQA), "eval", "--configs", "default,nope", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "nope" in done.stderr
