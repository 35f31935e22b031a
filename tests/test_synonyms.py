"""Japanese synonyms from Sudachi's dictionary (index/synonyms.py): a question in a user's words finds the passage
in the document's words, on a document the code never saw (printed by Chromium)."""

from __future__ import annotations

import pytest

from index import retrieve
from index.synonyms import Synonyms, groups
from tests.conftest import chromium_pdf


def test_groups_come_from_the_dictionary():
    assert set(groups("スマホ")) & set(groups("スマートフォン"))
    assert groups("地デジ") and set(groups("地デジ")) & set(groups("地上デジタル放送"))
    assert groups("産学官連携の推進") == ()       # a phrase is no word: no group


def test_synonyms_are_the_index_own_terms():
    found = Synonyms(["スマートフォン", "地上デジタル放送", "世帯", "payment", "決済", "網", "ネットワーク"])
    assert found.of("スマホ") == ["スマートフォン"]
    assert found.of("地デジ") == ["地上デジタル放送"]
    assert "payment" not in found.of("支払い")      # a Latin-script member is no Japanese document's word
    assert found.of("人") == [] and "網" not in found.of("ネット")   # one character: too many senses
    assert found.of("世帯") == []                    # a term none of whose group the index holds


_HTML = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><style>
body { font-family: 'Noto Sans CJK JP', sans-serif; font-size: 11pt; width: 40em; }
h2 { font-size: 15pt; margin-top: 2em; }
</style></head><body>
<h1>家庭の情報機器に関する年次報告</h1>
<h2>第1節 スマートフォンの保有状況</h2>
<p>世帯におけるスマートフォンの保有率は、調査を開始した年から大きく伸び、直近の調査では84.2％の世帯が保有している。
年齢階層別に見ると、若年層ほど保有率が高い傾向が続いている。</p>
<h2>第2節 テレビ受像機の保有状況</h2>
<p>世帯におけるテレビ受像機の保有率は、長期にわたり95％前後で推移しており、近年はわずかに低下している。
単身世帯では保有しない世帯も見られる。</p>
<h2>第3節 固定電話の保有状況</h2>
<p>世帯における固定電話の保有率は低下が続き、携帯端末への移行が進んでいる。</p>
</body></html>"""


@pytest.fixture(scope="module")
def unseen_index(tmp_path_factory):
    from index.pipeline import ingest

    work = tmp_path_factory.mktemp("synonyms")
    html = work / "household_devices.html"
    html.write_text(_HTML, encoding="utf-8")
    pdf = chromium_pdf(html, work)
    index_dir = work / "index"
    report = ingest([pdf], index_dir)
    assert not report.failed, [(r.doc_id, r.error) for r in report.failed]
    return index_dir


def _top_bm25(index_dir, question: str) -> str:
    with retrieve.Retriever(index_dir) as r:
        return r.search(question, 3, mode="bm25")[0].chunk.text


def test_colloquial_question_finds_the_documents_word(unseen_index, monkeypatch):
    question = "スマホを持っている世帯の割合は？"
    with retrieve.Retriever(unseen_index) as r:
        asked = dict(r.keyword_terms(question))
    assert asked.get("スマートフォン") == retrieve.SYNONYM_WEIGHT
    assert "スマートフォン" in _top_bm25(unseen_index, question)
    # The same question without synonyms: スマホ is in no passage, and nothing ranks the smartphone passage first.
    monkeypatch.setattr(retrieve, "SYNONYM_WEIGHT", 0.0)
    with retrieve.Retriever(unseen_index) as r:
        assert "スマートフォン" not in dict(r.keyword_terms(question))


def test_the_documents_own_word_is_not_replaced(unseen_index):
    # Asked in the documents' word, a rarer synonym of it is not added: it would only match paraphrases.
    with retrieve.Retriever(unseen_index) as r:
        asked = dict(r.keyword_terms("スマートフォンを持っている世帯の割合は？"))
    assert "スマホ" not in asked


def test_a_sentence_holding_the_documents_word_states_the_question_word():
    # The answer step's keyword share (qa_app/extractive.score): スマホ is stated by a sentence saying スマートフォン
    # when the documents' word for it is given, and only then.
    import numpy as np

    from ingest.records import Chunk
    from ingest.sentences import split_sentences
    from qa_app import extractive as ex
    from qa_app.question import analyse

    text = "世帯のスマートフォンの保有率は八割を超えた。世帯のテレビの保有率は九割台で推移した。"
    spans = split_sentences(text)
    chunk = Chunk("x-0", "999_sample", "見本", 1, 1, ["1．見本"], text, "1．見本", "", [], 0, len(text), spans)
    info = analyse("スマホを持っている世帯の割合は？")

    def keyword_shares(alike):
        cands = [ex.Candidate(chunk, i, s, e, 0, np.eye(8, dtype=np.float32)[i]) for i, (s, e) in enumerate(spans)]
        ex.score(cands, info, np.zeros(8, dtype=np.float32), ex.TermCache(), 1, alike=alike)
        return [c.keywords for c in cands]

    smartphone, tv = keyword_shares(lambda t: ["スマートフォン"] if t == "スマホ" else [])
    assert smartphone > tv
    smartphone, tv = keyword_shares(None)
    assert smartphone == tv


def test_engine_quotes_the_documents_word(unseen_index):
    from qa_app.engine import AnswerEngine

    with AnswerEngine(unseen_index) as engine:
        answer = engine.ask("スマホを持っている世帯の割合は？")
    assert answer.answerable and "スマートフォン" in answer.citations[0].text
