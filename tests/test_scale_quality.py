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


# -- titles and IDF inside the question's own document (index/keyword.py, index/retrieve.py) --

def _tiny(rows: list[tuple[int, list[str]]]):
    """A real BM25 index of hand-made chunks: (document number, terms) each."""
    from index.keyword import KeywordIndex

    index = KeywordIndex.build((f"c{i}", t) for i, (_, t) in enumerate(rows))
    return index, np.array([d for d, _ in rows])


def test_a_term_in_a_documents_title_counts_as_held_by_a_share_of_its_chunks():
    # Document 0 is titled by the term but uses it in one chunk of four; document 1 in one of two.
    index, row_doc = _tiny([(0, ["白書", "a"]), (0, ["b"]), (0, ["c"]), (0, ["d"]), (1, ["白書"]), (1, ["e"])])
    titles = [frozenset({"白書"}), frozenset({"f"})]
    without = index.document_topic([("白書", 1.0)], row_doc)
    with_titles = index.document_topic([("白書", 1.0)], row_doc, titles, title_share=0.75)
    assert without.argmax() == 1 and with_titles.argmax() == 0
    # A share at least, never less: document 1, untitled by the term, keeps its own.
    assert with_titles[1] > 0 and index.document_topic([("白書", 1.0)], row_doc, titles, 0.0).tolist() == without.tolist()


def test_idf_inside_a_document_discounts_the_word_it_uses_everywhere():
    # "subject" is in every chunk of document 0 and nowhere else: rarer across the index than "detail",
    # which the other documents use too, but inside document 0 it tells no passage apart.
    rows = [(0, ["subject", "detail"]), (0, ["subject", "x"]), (0, ["subject", "y"]), (0, ["subject", "z"])]
    rows += [(d, ["detail", f"w{d}{i}"]) for d in (1, 2) for i in range(4)]
    index, row_doc = _tiny(rows)
    assert index.frequency("subject") < index.frequency("detail")
    inside = index.idf_within(["subject", "detail", "absent"], row_doc, 0)
    assert inside[0] < inside[1] < inside[2]


def test_a_japanese_questions_terms_are_weighted_by_their_rarity_inside_its_document(crowded_index, monkeypatch):
    index_dir, ours, _ = crowded_index
    question = "クラスター事業に参加した企業と大学の数は？"   # written for this test
    with Retriever(index_dir) as r:
        wanted = r.keyword_terms(question)
        row_doc, topic = r._topic(wanted)
        names = [d.doc_id for d in r.store.documents()]
        assert names[int(topic.argmax())] == ours
        local = dict(r._local_weights(wanted))
        inside = dict(zip([t for t, _ in wanted], r.keyword.idf_within([t for t, _ in wanted], row_doc,
                                                                      int(topic.argmax()))))
        # The term the document uses most keeps the least of its weight, the rarest inside it all of it.
        assert min(local, key=local.get) == min(inside, key=inside.get)
        assert local[max(inside, key=inside.get)] == 1.0
        assert all(1 - retrieve.LOCAL_IDF <= w <= 1.0 for w in local.values())
        # and search ranks the keyword leg by them
        monkeypatch.setattr(retrieve, "LOCAL_IDF", 0.0)
        plain = {p.chunk.chunk_id: p.keyword_rank for p in r.search(question, 30)}
        monkeypatch.setattr(retrieve, "LOCAL_IDF", 0.25)
        weighted = {p.chunk.chunk_id: p.keyword_rank for p in r.search(question, 30)}
        by_local = [h.chunk_id for h in r.keyword.search_terms(list(local.items()), 30)]
    assert plain != weighted, "the local weights changed no keyword ranking"
    assert all(by_local.index(c) + 1 == k for c, k in weighted.items() if k is not None and k <= 30)


# -- the question's neighbourhood, fused again by itself (index/retrieve.py, NEIGHBOURHOOD) --

def test_bm25_within_some_rows_ranks_them_as_an_index_of_those_rows_alone():
    # Inside document 0, "x" (one passage) is rarer than "y" (two): passage A first. Document 1 uses "x"
    # in every passage, which over the whole index makes "x" the commoner term and puts B first.
    # Every passage has two terms, so BM25's length normalisation is the same either way.
    ours = [(0, ["x", "f1"]), (0, ["y", "f2"]), (0, ["y", "f3"]), (0, ["f4", "f5"])]
    crowd = [(1, ["x", f"g{i}"]) for i in range(4)]
    index, row_doc = _tiny(ours + crowd)
    alone, _ = _tiny(ours)
    query = [("x", 1.0), ("y", 1.0)]
    whole = [h.chunk_id for h in index.search_terms(query, 10)]
    assert whole.index("c1") < whole.index("c0"), "the crowd should flip the two passages over the whole index"
    within = index.search_within(query, row_doc == 0, 10)
    expected = alone.search_terms(query, 10)
    assert [h.chunk_id for h in within] == [h.chunk_id for h in expected] and within[0].chunk_id == "c0"
    assert [round(h.score, 6) for h in within] == [round(h.score, 6) for h in expected]
    assert not index.search_within(query, np.zeros(len(row_doc), dtype=bool), 10)


@pytest.mark.parametrize("question", ["知的クラスター創成事業の成果は？", "What did the knowledge cluster initiative achieve?",
                                      "産業クラスター計画の支援策"])
def test_an_index_no_larger_than_the_neighbourhood_ranks_as_the_plain_fusion(corpus_index, monkeypatch, question):
    with Retriever(corpus_index) as r:
        assert len(r.store.documents()) <= retrieve.NEIGHBOURHOOD
        monkeypatch.setattr(retrieve, "NEIGHBOURHOOD", 0)
        plain = [p.chunk.chunk_id for p in r.search(question, 20)]
        monkeypatch.undo()
        assert retrieve.NEIGHBOURHOOD > 0
        near = r.search(question, 20)
    assert [p.chunk.chunk_id for p in near] == plain


def test_the_neighbourhood_lifts_the_passages_of_the_documents_most_about_the_question(crowded_index, monkeypatch):
    index_dir, ours, edition = crowded_index
    question = "知的クラスター創成事業で大学と企業が行った共同研究"   # written for this test
    monkeypatch.setattr(retrieve, "NEIGHBOURHOOD", 1)      # two documents: a neighbourhood of one leaves one out
    monkeypatch.setattr(retrieve, "NEIGHBOURHOOD_SHARE", 1.0)
    with Retriever(index_dir) as r:
        names = [d.doc_id for d in r.store.documents()]
        _, topic = r._topic(r.keyword_terms(question))
        assert names[int(topic.argmax())] == ours
        with_near = {p.chunk.chunk_id: p.score for p in r.search(question, 40)}
        monkeypatch.setattr(retrieve, "NEIGHBOURHOOD", 0)
        plain = {p.chunk.chunk_id: (p.score, p.chunk.doc_id) for p in r.search(question, 40)}
    gained = {cid: with_near[cid] / score for cid, (score, _) in plain.items() if cid in with_near}
    by_doc = {d: [g for cid, g in gained.items() if plain[cid][1] == d] for d in (ours, edition)}
    assert by_doc[ours] and by_doc[edition], by_doc
    assert min(by_doc[ours]) > 1.0 and max(by_doc[edition]) == pytest.approx(1.0), by_doc


def test_the_neighbourhood_widens_to_every_document_nearly_as_much_about_the_question(monkeypatch):
    monkeypatch.setattr(retrieve, "NEIGHBOURHOOD", 2)
    monkeypatch.setattr(retrieve, "NEIGHBOURHOOD_SHARE", 0.5)
    # Documents that stand apart: the two best, however many others there are.
    assert retrieve.neighbourhood(np.array([0.1, 2.0, 0.2, 1.8, 0.0, 0.3])) == [1, 3]
    # Many alike (editions of one series): all those with at least half the best one's topic, best first.
    assert retrieve.neighbourhood(np.array([0.9, 2.0, 1.2, 1.8, 0.0, 1.0])) == [1, 3, 2, 5]
    # Never a document the question's terms are not in, nor any when none holds them.
    assert retrieve.neighbourhood(np.array([0.0, 3.0, 0.0])) == [1]
    assert retrieve.neighbourhood(np.zeros(4)) == []


# -- beside many alike documents (issue 13, fourth pass): NEIGHBOURHOOD_SHARED_TERMS, NEARBY_DENSE_ALL --

def test_without_shared_terms_a_term_every_document_holds_adds_nothing_to_the_topic():
    # "common" is in every document (every chunk of all four); "own" only in document 0, in half its chunks.
    rows = [(0, ["own", "common"]), (0, ["common"])] + [(d, ["common", f"w{d}"]) for d in (1, 2, 3) for _ in range(2)]
    index, row_doc = _tiny(rows)
    query = [("own", 1.0), ("common", 1.0)]
    plain = index.document_topic(query, row_doc)
    sharp = index.document_topic(query, row_doc, shared_terms=False)
    # With log 2 for "common" every document gets the same lift, and the others sit near the best one.
    assert plain.argmax() == 0 and plain[1:] == pytest.approx([np.log(2)] * 3) and plain[1] / plain[0] > 0.4
    # Without it the others hold nothing of the question's that tells documents apart.
    assert sharp.argmax() == 0 and sharp[1:].tolist() == [0.0, 0.0, 0.0]
    assert sharp[0] == pytest.approx(plain[0] - np.log(2) * (1.0 + 0.5))    # each term's IDF, times its share
    assert index.document_topic([("common", 1.0)], row_doc, shared_terms=False).tolist() == [0.0] * 4


def test_the_neighbourhood_keeps_documents_holding_the_terms_when_the_sharp_topic_is_zero(monkeypatch):
    monkeypatch.setattr(retrieve, "NEIGHBOURHOOD", 3)
    monkeypatch.setattr(retrieve, "NEIGHBOURHOOD_SHARE", 0.5)
    sharp = np.array([0.0, 2.0, 0.0, 0.0])
    held = np.array([True, True, False, True])
    # The three best by the sharp topic, ties by number: 1, 0, 2; document 2 holds none of the terms.
    assert retrieve.neighbourhood(sharp, held) == [1, 0]
    assert retrieve.neighbourhood(np.zeros(4), held) == [0, 1]      # no term that tells documents apart
    assert retrieve.neighbourhood(np.zeros(4), np.zeros(4, dtype=bool)) == []
    assert retrieve.neighbourhood(sharp) == [1]                      # by default: a topic above 0


def test_the_neighbourhoods_dense_leg_scores_passages_the_plain_dense_leg_did_not_reach(crowded_index, monkeypatch):
    index_dir, ours, edition = crowded_index
    question = "What joint research did universities and firms carry out in the knowledge cluster?"  # for this test
    monkeypatch.setattr(retrieve, "CANDIDATES", 3)     # a plain dense leg too shallow to reach the other document
    with Retriever(index_dir) as r:
        rows, ids = r._row_documents(), r.keyword.ids
        names = [d.doc_id for d in r.store.documents()]
        inside = rows == names.index(edition)          # a neighbourhood of the document the question is not about
        theirs = [ids[i] for i in np.flatnonzero(inside)]
        assert retrieve.NEARBY_DENSE_ALL >= len(theirs) > 3
        dense = r._dense(question, None, None, required=True)
        kept = [c for c in dense if c in set(theirs)]
        ranked = r._dense_within(question, dense, inside)
        # Every passage of the neighbourhood was scored, wherever (or whether) the plain leg had it.
        everyone = r.vectors.rank_within(question, theirs, len(theirs))
        assert sorted(everyone) == sorted(theirs)
        assert ranked == everyone[:3] and len(kept) < 3, (ranked, kept)
        v = r.vectors.query_vector(question)
        sentences = r.vectors.sentences.get(theirs)
        best = max(theirs, key=lambda c: float((sentences[c] @ v).max()))
        assert everyone.index(best) < len(theirs) // 2, "the best sentence should put its passage high"
        # Above the limit, the plain leg's ranking with other documents' passages left out, as before.
        monkeypatch.setattr(retrieve, "NEARBY_DENSE_ALL", len(theirs) - 1)
        assert r._dense_within(question, dense, inside) == kept
