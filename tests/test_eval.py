"""The evaluation: answer metrics (char F1, chrF) and a run's scoring worked out by hand, the
peers' naive answers and the plain hybrid on a tiny index of its own, the report's round trip
and its side-by-side table, one end-to-end `policyqa eval` run on six gold questions, and the
評価 / Evaluation page reading what that run wrote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from eval.answers import char_f1, chrf, score_answer, summarise
from eval.metrics import GoldQuestion
from eval.peers import closest_sentences, first_sentences, naive_answer, rrf
from eval.run import parse_configs, parse_splits
from eval.scoring import Run, at_operating_point, score_run

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


def test_parse_configs_and_splits():
    assert parse_configs("default, bm25,default") == ["default", "bm25"]
    assert parse_configs(None) == ["default", "plain-hybrid", "vanilla-llamaindex"]
    with pytest.raises(ValueError):
        parse_configs("default,hybrid")
    assert parse_splits(None) == ["dev", "test", "newdocs", "unseen"]
    assert parse_splits("test,dev") == ["test", "dev"]
    with pytest.raises(ValueError):
        parse_splits("dev,train")


def test_newdocs_split_is_skipped_with_a_note_when_its_pdfs_are_absent(tmp_path, monkeypatch):
    import eval.run as run

    (tmp_path / "newdocs.json").write_text(json.dumps({"folder": "../nowhere-evalh", "files": ["a.pdf"]}),
                                           encoding="utf-8")
    monkeypatch.setattr(run, "GOLD_DIR", tmp_path)
    pdfs, why = run.docset_pdfs("newdocs")
    assert pdfs == [] and "absent" in why
    with pytest.raises(ValueError, match="newdocs skipped: .*absent"):
        run.run_eval(splits="newdocs", configs="default", out_dir=tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- the plain hybrid's parts


def test_rrf_by_hand():
    # 1: 1/61 + 1/62; 3: 1/63 + 1/61; 2: 1/62 → 1, 3, 2. Unweighted: swapping the legs changes nothing.
    assert rrf([[1, 2, 3], [3, 1]]) == [1, 3, 2]
    assert rrf([[3, 1], [1, 2, 3]]) == [1, 3, 2]
    assert rrf([[5], []]) == [5] and rrf([]) == []
    # a smaller k lets the head of one leg outweigh agreement lower down
    assert rrf([[7, 8], [9, 8]], k=60)[0] == 8
    assert rrf([[7, 8], [9, 8]], k=0)[0] in (7, 9)


def test_closest_sentences_by_hand():
    import numpy as np

    q = np.array([1.0, 0.0])
    sentences = [("東", "a"), ("西", "a"), ("南", "b"), ("東", "a")]
    vectors = np.array([[0.6, 0.8], [1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    assert closest_sentences(q, sentences, vectors, n=2) == [("西", "a"), ("東", "a")]
    # the repeat of 東 (overlapping chunks) is quoted once
    assert closest_sentences(q, sentences, vectors, n=3) == [("西", "a"), ("東", "a"), ("南", "b")]
    assert closest_sentences(q, [], np.zeros((0, 2))) == []


TINY_DOCS = [
    ("100_fisheries", "沿岸漁業の漁獲量は前年より減少した。養殖業ではホタテの生産が増えた。漁港の整備に三年をかける。"),
    ("101_rail", "地方鉄道の利用者は通学の高校生が中心である。新しい駅舎は二〇二五年に完成した。運賃は据え置かれた。"),
    ("102_forest", "森林の間伐を進めるため、補助金の対象を広げた。木材の輸出は東アジア向けが伸びている。"),
]


@pytest.fixture(scope="module")
def tiny_plain(tmp_path_factory):
    """The plain hybrid over three short documents written for this test (not the corpus)."""
    from eval.peers import PlainHybridPeer, PlainIndex, build_plain
    from index import get_embedder

    embedder = get_embedder()
    built = build_plain(TINY_DOCS, embedder)
    folder = tmp_path_factory.mktemp("plain")
    built.save(folder)
    return built, PlainHybridPeer(PlainIndex.load(folder), embedder, {})


def test_plain_hybrid_index_survives_its_cache(tiny_plain):
    import numpy as np

    built, peer = tiny_plain
    loaded = peer.index
    assert loaded.texts == built.texts and loaded.doc_ids == built.doc_ids and loaded.terms == built.terms
    assert len(built.texts) == 3          # each short document is one chunk of at most 1,024 tokens
    assert [len(s) for s in loaded.sentences] == [3, 3, 2]
    assert np.allclose(loaded.vectors, built.vectors)
    for a, b in zip(loaded.sentence_vectors, built.sentence_vectors):
        assert a.shape == b.shape and np.allclose(a, b)
    assert np.allclose(np.linalg.norm(loaded.vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("question, doc", [
    ("ホタテの養殖はどうなった？", "100_fisheries"),       # Japanese: both legs
    ("When was the new station building finished?", "101_rail"),  # English: the vectors carry it
    ("木材の輸出先は？", "102_forest"),
])
def test_plain_hybrid_finds_and_quotes_the_right_document(tiny_plain, question, doc):
    _, peer = tiny_plain
    language = "en" if question.isascii() else "ja"
    reply = peer.ask(question, language)
    assert reply.doc_ids[0] == doc, reply.doc_ids
    assert len(reply.texts) == 3 and set(reply.doc_ids) == {d for d, _ in TINY_DOCS}
    a = reply.answer
    assert a["answerable"] is True and len(a["citations"]) == 3     # three sentences from the top passages
    top = [t for d, t in TINY_DOCS if d == doc][0]
    assert a["citations"][0]["doc_id"] == doc and a["citations"][0]["text"] in top
    for c in a["citations"]:
        assert c["text"] in reply.texts[0] + reply.texts[1] + reply.texts[2]
        assert f"「{c['text']}」[{c['n']}]" in a["answer"]
    assert reply.timings["total"] >= reply.timings["retrieve"] > 0


def test_peer_cache_is_reused_per_index_content_and_never_half_built(tmp_path):
    from eval.peers import _fresh, _mark_done

    cache = tmp_path / "peers"
    folder, done = _fresh(cache, Path("/x/index"), "gen1", "plain-hybrid")
    assert not done
    folder.mkdir(parents=True)                       # a build interrupted before done.json
    again, done = _fresh(cache, Path("/x/index"), "gen1", "plain-hybrid")
    assert again == folder and not done and not folder.exists()
    folder.mkdir(parents=True)
    _mark_done(folder, {"chunks": 1})
    assert _fresh(cache, Path("/x/index"), "gen1", "plain-hybrid") == (folder, True)
    other, _ = _fresh(cache, Path("/y/index"), "gen1", "plain-hybrid")      # another index: its own place
    assert other != folder and folder.exists()
    newer, done = _fresh(cache, Path("/x/index"), "gen2", "plain-hybrid")   # the content changed
    assert newer != folder and not done and not folder.exists()


# ---------------------------------------------------------------- scoring a run, by hand


def _q(qid, lang, answerable=True):
    if not answerable:
        return GoldQuestion(qid, f"{qid}?", lang, "unanswerable")
    return GoldQuestion(qid, f"{qid}?", lang, "fact", ["004"], [f"証拠{qid}の文"], [[f"事実{qid}"]])


def _answer(lang, text, cited, confidence, answerable=True):
    return {"language": lang, "answer": text, "answerable": answerable, "confidence": confidence,
            "citations": [{"n": 1, "chunk_id": "", "doc_id": "004_x", "text": cited}]}


def _hand_run(name="default"):
    """Four questions: a hit at rank 1 stating its fact, a hit at rank 3 that misses its fact, an
    English question answered with low confidence, and an unanswerable one answered."""
    qs = [_q("a", "ja"), _q("b", "ja"), _q("c", "en"), _q("u", "ja", answerable=False)]
    run = Run(name)
    other = "関係のない文です。"
    run.answers = {
        "a": _answer("ja", "「証拠aの文、事実a」[1]", "証拠aの文", 0.9),
        "b": _answer("ja", "「別の話」[1]", other, 0.9),
        "c": _answer("en", "「証拠cの文、事実c」[1]", "証拠cの文", 0.1),       # below en's threshold
        "u": _answer("ja", "「何か」[1]", other, 0.5),
    }
    run.rankings = {
        "a": (["…証拠aの文…", other], ["004_x", "000_y"]),
        "b": ([other, other, "証拠bの文", other], ["000_y", "000_y", "004_x", "000_y"]),
        "c": (["証拠cの文"], ["000_y"]),            # the quote, but from a document that is not gold
        "u": ([other], ["000_y"]),
    }
    run.timings = {q.id: {"retrieve": 10.0 * (i + 1), "extract": 1.0, "total": 10.0 * (i + 1) + 1}
                   for i, q in enumerate(qs)}
    return qs, run


def test_score_run_by_hand():
    qs, run = _hand_run()
    scored = score_run(run, qs, {"ja": 0.3, "en": 0.2})
    a = scored["aggregates"]
    assert a["ja"]["n"] == 3 and a["ja"]["n_answerable"] == 2 and a["all"]["n_unanswerable"] == 1
    assert a["ja"]["hit@1"] == 0.5 and a["ja"]["hit@5"] == 1.0
    assert a["ja"]["mrr"] == pytest.approx((1 + 1 / 3) / 2)
    assert a["en"]["hit@5"] == 0.0                              # right text, wrong document
    assert a["all"]["hit@5"] == pytest.approx(2 / 3)
    # c is refused at the operating point (0.1 < 0.2): its facts and citation count 0, a wrong refusal
    assert a["en"]["all_facts"] == 0.0 and a["en"]["answerable_refused"] == 1.0
    assert a["ja"]["all_facts"] == 0.5 and a["all"]["all_facts"] == pytest.approx(1 / 3)
    assert a["all"]["evidence_cited"] == pytest.approx(1 / 3)
    assert a["all"]["unanswerable_refused"] == 0.0              # u was answered (0.5 ≥ 0.3)
    assert scored["latency_ms"]["retrieve"]["p50"] == pytest.approx(25.0)
    assert scored["refusal_tradeoff"]["ja"]["n_unanswerable"] == 1
    rows = {r["id"]: r for r in scored["questions"]}
    assert rows["b"]["first_hit_rank"] == 3 and rows["u"]["first_hit_rank"] is None
    assert rows["c"]["answered"] is False and rows["u"]["correct_refusal"] is False
    # without thresholds (a peer) nothing is refused and there is no trade-off
    peer = score_run(run, qs, None)
    assert peer["aggregates"]["en"]["all_facts"] == 1.0 and peer["refusal_tradeoff"] == {}


def test_at_operating_point_only_refuses_below_the_threshold():
    from eval.answers import score_answer

    q = _q("a", "ja")
    s = score_answer(q, _answer("ja", "事実a", "証拠aの文", 0.3))
    assert at_operating_point(s, 0.3) is s and at_operating_point(s, None) is s
    low = at_operating_point(s, 0.31)
    assert not low.answered and low.fact_recall == 0.0 and not low.evidence_cited


# ---------------------------------------------------------------- the report


def _hand_metrics():
    qs, run = _hand_run()
    _, peer_run = _hand_run("plain-hybrid")
    peer_run.refuses_by_score = False
    from eval.scoring import gold_summary

    gold = Path(__file__)          # any file: gold_summary hashes it
    results = {}
    for split in ("dev", "test"):
        scored = {"default": score_run(run, qs, {"ja": 0.3, "en": 0.2}), "plain-hybrid": score_run(peer_run, qs, None)}
        results[split] = {
            "gold": gold_summary(gold, qs), "index": "corpus",
            "aggregates": {n: r["aggregates"] for n, r in scored.items()},
            "latency_ms": {n: r["latency_ms"] for n, r in scored.items()},
            "seconds": {n: 1.0 for n in scored},
            "refusal_tradeoff": {n: r["refusal_tradeoff"] for n, r in scored.items() if r["refusal_tradeoff"]},
            "questions": [row for r in scored.values() for row in r["questions"]],
        }
    return {"created": "2026-11-30T00:00:00+00:00", "command": None, "configs": ["default", "plain-hybrid"],
            "splits": ["dev", "test"], "skipped": {"newdocs": "skipped: absent"}, "k": 10,
            "thresholds": {"ja": 0.3, "en": 0.2}, "indexes": {"corpus": {"index_dir": "x", "ingest_s": None}},
            "peers": {}, "memory": {}, "wall_s": 1.0, "results": results}


def test_side_by_side_table_shape():
    from eval.report import SEARCH_ROWS, SIDE_BY_SIDE, side_by_side, summary_console_table

    m = _hand_metrics()
    t = side_by_side(m)
    assert t["columns"] == [["dev", "default"], ["dev", "plain-hybrid"], ["test", "default"], ["test", "plain-hybrid"]]
    assert len(t["rows"]) == len(SIDE_BY_SIDE) + len(SEARCH_ROWS)
    assert all(len(r) == 1 + 4 for r in t["rows"])
    by_label = {r[0]: r[1:] for r in t["rows"]}
    assert by_label["hit@5 all"] == ["0.667"] * 4
    assert by_label["answers stating every fact (en)"] == ["0.000", "1.000", "0.000", "1.000"]
    assert by_label["unanswerable refused ↑"][0] == "0.000 (0/1)"
    assert by_label["search p50 ms"] == ["25"] * 4
    m["table"] = t
    table = summary_console_table(m)
    assert len(table.columns) == 5 and table.row_count == len(t["rows"])


def test_report_round_trip(tmp_path):
    from PIL import Image

    from eval.report import read_report, write_report

    m = _hand_metrics()
    write_report(m, tmp_path)
    back = read_report(tmp_path)
    assert back == json.loads(json.dumps(m, ensure_ascii=False))       # what was written is what is read
    assert back["table"]["columns"][0] == ["dev", "default"]
    assert set(back["summaries"]) == {"dev", "test"} and set(back["summaries"]["dev"]) == {"ja", "en", "all"}
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    for needle in ("## Side by side", "dev · default", "test · plain-hybrid", "skipped: absent",
                   "How each metric is defined", "Refusal trade-off of `default`"):
        assert needle in report, needle
    for png in back["charts"].values():
        with Image.open(tmp_path / png) as img:
            assert img.format == "PNG" and img.size[0] > 600


def test_read_eval_report_missing_and_foreign(tmp_path):
    from qa_app.reports import read_eval_report

    assert read_eval_report(tmp_path / "none") is None
    (tmp_path / "metrics.json").write_text('{"configs": []}', encoding="utf-8")
    with pytest.raises(ValueError):
        read_eval_report(tmp_path)
    (tmp_path / "metrics.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError):
        read_eval_report(tmp_path)


# ---------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def eval_run(corpus_index, tmp_path_factory) -> tuple[Path, str]:
    """`policyqa eval --gold small --splits dev --configs default,bm25` on six dev questions plus
    the whole dev split would be slow: the six questions run as their own split, against the
    session index; dev is not asked for, so only the small split runs."""
    work = tmp_path_factory.mktemp("eval")
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    chosen = [r for r in rows if r["id"] in PICK]
    assert len(chosen) == len(PICK)
    gold = work / "small.jsonl"
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chosen), encoding="utf-8")
    out = work / "report"
    done = subprocess.run([str(POLICYQA), "eval", "--gold", str(gold), "--configs", "default,bm25",
                           "--out", str(out), "--index", str(corpus_index), "--cache", str(work / "cache")],
                          capture_output=True, text=True, timeout=600, cwd=work)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done.stdout


def test_eval_prints_the_side_by_side_table(eval_run):
    _, stdout = eval_run
    for needle in ("small", "default", "bm25", "hit@5 ja", "hit@5 en", "MRR", "evidence within 1,000 chars",
                   "answers stating every fact", "citations holding the evidence", "unanswerable refused",
                   "wrong refusals", "search p50 ms", "search p95 ms"):
        assert needle in stdout, needle


def test_eval_writes_metrics_json(eval_run):
    out, _ = eval_run
    m = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert m["configs"] == ["default", "bm25"] and m["splits"] == ["small"]
    r = m["results"]["small"]
    assert r["gold"]["questions"] == 6 and r["gold"]["answerable"] == 4
    assert r["gold"]["by_language"] == {"ja": 4, "en": 2}
    expected_n = {"ja": 4, "en": 2, "all": 6}
    for name in ("default", "bm25"):
        for group, n in expected_n.items():
            a = r["aggregates"][name][group]
            assert a["n"] == n
            for key in ("hit@1", "hit@5", "hit@10", "mrr", "ndcg@10", "evidence@1000", "evidence@3000",
                        "fact_recall", "all_facts", "char_f1", "chrf", "citation_precision", "citation_recall",
                        "evidence_cited", "answerable_refused", "unanswerable_refused"):
                assert 0.0 <= a[key] <= 1.0, (name, group, key, a[key])
            assert a["hit@1"] <= a["hit@5"] <= a["hit@10"]
            assert a["evidence@1000"] <= a["evidence@3000"]
        assert r["aggregates"][name]["all"]["n_answerable"] == 4
        assert r["aggregates"][name]["all"]["hit@10"] >= 0.75       # the project finds these
        lat = r["latency_ms"][name]
        for stage in ("retrieve", "extract", "total"):
            assert 0 < lat[stage]["p50"] <= lat[stage]["p95"]
        for lang in ("ja", "en"):
            t = r["refusal_tradeoff"][name][lang]
            assert t["n_unanswerable"] == 1 and t["table"] and t["curve"]
    rows = r["questions"]
    assert len(rows) == 12 and {(q["id"], q["config"]) for q in rows} == {(i, c) for i in PICK for c in ("default", "bm25")}
    for q in rows:
        if q["type"] == "unanswerable":
            assert q["first_hit_rank"] is None and q["fact_recall"] is None
        else:
            assert q["first_hit_rank"] is None or 1 <= q["first_hit_rank"] <= 10
            assert 0.0 <= q["fact_recall"] <= 1.0
        assert q["latency_ms"] > 0
    assert (out / "report.md").is_file() and all((out / p).is_file() for p in m["charts"].values())


def test_evaluation_page_shows_the_report(eval_run, monkeypatch):
    from streamlit.testing.v1 import AppTest

    out, _ = eval_run
    monkeypatch.setenv("POLICYQA_EVAL_DIR", str(out))
    at = AppTest.from_file(str(ROOT / "qa_app" / "views" / "evaluation.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("評価")
    assert len(at.image) == 2
    side, summary, per_question = (d.value for d in at.dataframe)
    assert list(side.columns) == ["metric", "small · default", "small · bm25"]
    assert "hit@5 en" in set(side["metric"])
    assert list(summary.columns) == ["metric", "default", "bm25"]
    assert len(per_question) == 12
    at.multiselect(key="eval_configs").set_value(["bm25"]).run()
    at.multiselect(key="eval_langs").set_value(["en"]).run()
    assert not at.exception, at.exception
    per_question = at.dataframe[2].value
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


def test_eval_rejects_an_unknown_configuration_or_split(tmp_path):
    done = subprocess.run([str(POLICYQA), "eval", "--configs", "default,nope", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "nope" in done.stderr
    done = subprocess.run([str(POLICYQA), "eval", "--splits", "dev,train", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "train" in done.stderr
