"""Quality among other documents (issue 13): what the answer says when its citations come from more
than one document, and the retrieval rules that keep a question's own document ahead of a crowd.

Real parts: the bundled corpus ingested once (the shared ``corpus_index`` fixture), real chunks.
"""

from __future__ import annotations

import numpy as np

from index.store import ChunkStore
from qa_app import extractive as ex
from qa_app.engine import _fact_answer, _list_answer
from qa_app.question import analyse


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
