"""Quality among other documents (issue 13): what the answer says when its citations come from more
than one document, and the retrieval rules that keep a question's own document ahead of a crowd.

Real parts: the bundled corpus ingested once (the shared ``corpus_index`` fixture), real chunks.
"""

from __future__ import annotations

import numpy as np
import pytest

from eval import distractors
from index import retrieve
from index.pipeline import ingest
from index.retrieve import Retriever
from index.store import ChunkStore
from qa_app import extractive as ex
from qa_app.engine import _fact_answer, _list_answer
from qa_app.question import analyse

from .conftest import corpus_pdf


def _candidate(chunk, rank: int) -> ex.Candidate:
    sentence = chunk.sentence_texts()[0]
    start = chunk.text.index(sentence)
    return ex.Candidate(chunk, 0, start, start + len(sentence), rank, np.zeros(512, dtype=np.float32))


def _two_documents(index_dir):
    with ChunkStore(index_dir, readonly=True) as store:
        docs = [d.doc_id for d in store.documents()][:2]
        return [next(c for c in store.chunks(d) if c.sentence_texts()) for d in docs]


def test_an_answer_quoting_two_documents_says_so_and_names_both(corpus_index):
    a, b = _two_documents(corpus_index)
    assert a.doc_id != b.doc_id and a.title != b.title
    for question in ("産業クラスター計画の目的は？", "What is the aim of the cluster plan?"):
        info = analyse(question)
        mixed = _fact_answer(question, info, [_candidate(a, 0), _candidate(b, 1)])
        single = _fact_answer(question, info, [_candidate(a, 0), _candidate(a, 1)])
        assert a.title in mixed.answer and b.title in mixed.answer, mixed.answer
        assert ("2つの異なる資料" if info.language == "ja" else "2 different documents") in mixed.answer
        assert b.title not in single.answer
        assert "異なる資料" not in single.answer and "different documents" not in single.answer
        items = _list_answer(question, info, [("A", _candidate(a, 0)), ("B", _candidate(b, 1))])
        assert a.title in items.answer and b.title in items.answer, items.answer
        one = _list_answer(question, info, [("A", _candidate(a, 0)), ("B", _candidate(a, 1))])
        assert a.title not in one.answer


# -- a question's own document among others: the document topic (index/retrieve.py, TOPIC_WEIGHT) --

@pytest.fixture(scope="module")
def crowded_index(tmp_path_factory):
    """One corpus PDF beside the first part of a rendered white-paper edition, ingested for real."""
    if not distractors.SOURCE_DIR.is_dir():
        pytest.skip(f"no distractor texts at {distractors.SOURCE_DIR} (shared data is outside the repo)")
    pdfs = tmp_path_factory.mktemp("pdfs")
    edition = distractors.render_edition("h12", pdfs, max_chars=20000).path
    index_dir = tmp_path_factory.mktemp("crowded")
    report = ingest([corpus_pdf("002"), edition], index_dir)
    assert not report.failed
    return index_dir, "002_knowledge_cluster_initiative", edition.stem


def _topic(r: Retriever, query_terms: list[tuple[str, float]]) -> dict[str, float]:
    rows = r._row_documents()
    topic = r.keyword.document_topic(query_terms, rows)
    names = [d.doc_id for d in r.store.documents()]
    return {names[n]: float(topic[n]) for n in range(len(names))}


def test_the_document_about_the_terms_has_the_higher_topic(crowded_index):
    index_dir, ours, edition = crowded_index
    with Retriever(index_dir) as r:
        cluster = _topic(r, r.keyword_terms("知的クラスター創成事業の成果は？"))
        internet = _topic(r, r.keyword_terms("インターネットの普及と情報通信の動向"))
    assert max(cluster, key=cluster.get) == ours, cluster
    assert max(internet, key=internet.get) == edition, internet


def test_a_document_that_is_about_a_term_beats_a_longer_one_that_mentions_it_more_often(crowded_index):
    """Shares, not counts: more chunks holding the term in a longer document must not win."""
    index_dir, ours, edition = crowded_index
    with Retriever(index_dir) as r:
        rows = r._row_documents()
        names = [d.doc_id for d in r.store.documents()]
        a, b = names.index(ours), names.index(edition)
        sizes = np.bincount(rows)
        found = None
        for term in r.keyword._bm25.vocab_dict:
            held = np.bincount(rows[r.keyword.rows_holding(term)], minlength=len(sizes))
            small, large = (a, b) if sizes[a] < sizes[b] else (b, a)
            if held[large] > held[small] > 0 and held[small] / sizes[small] > held[large] / sizes[large]:
                found = (term, names[small])
                break
        assert found, "no term to tell a share from a count in these two documents"
        term, small_doc = found
        topic = _topic(r, [(term, 1.0)])
        assert max(topic, key=topic.get) == small_doc, (term, topic)


def test_search_lifts_the_passages_of_the_document_about_the_question(crowded_index, monkeypatch):
    index_dir, ours, edition = crowded_index
    question = "地域の産業と研究機関の連携による情報通信技術の研究開発"
    with Retriever(index_dir) as r:
        topic = _topic(r, r.keyword_terms(question))
        about = max(topic, key=topic.get)
        monkeypatch.setattr(retrieve, "TOPIC_WEIGHT", 0.0)
        before = [(p.chunk.chunk_id, p.chunk.doc_id) for p in r.search(question, 30)]
        monkeypatch.setattr(retrieve, "TOPIC_WEIGHT", 0.5)
        after = [(p.chunk.chunk_id, p.chunk.doc_id) for p in r.search(question, 30)]
    assert {d for _, d in before} == {ours, edition}, "the question should find passages of both documents"
    # Among the passages found both times, those of the document the question is about only move up
    # relative to the others' (their order within one document is the legs' own), and some do.
    common = [c for c in after if c in before]
    doc_of = dict(common)
    order_before = [c for c, _ in before if c in doc_of]
    order_after = [c for c, _ in common]
    assert [c for c in order_before if doc_of[c] == about] == [c for c in order_after if doc_of[c] == about]
    lifted = 0
    for i, x in enumerate(order_after):
        for y in order_after[i + 1:]:
            if order_before.index(x) > order_before.index(y):      # x overtook y
                assert doc_of[x] == about and doc_of[y] != about, (x, y)
                lifted += 1
    assert lifted, "the topic rule changed no order"
