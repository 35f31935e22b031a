"""A question that names an edition of a yearly document ("the 2019 white paper", 「令和元年版」) is searched
in that edition (index/editions.py, Retriever.named_edition), and the answer says so.

Real parts: two editions of a real white paper rendered to PDF and ingested; the strings below are written
for these tests, not taken from the gold sets.
"""

from __future__ import annotations

import pytest

from eval import distractors
from index.editions import document_year, named_editions
from index.pipeline import ingest
from index.retrieve import Retriever
from qa_app.engine import AnswerEngine


@pytest.mark.parametrize("title, doc_id, year", [
    ("情報通信白書令和元年版", "", 2019),
    ("情報通信白書　平成１３年版", "", 2001),       # full-width digits and a blank, as titles are typed
    ("エネルギー白書2023", "", 2023),
    ("年次報告書", "annual_report_2015", 2015),     # no year in the title: the file name's
    ("平成30年度 事業報告（2019年3月）", "", 2018),  # the first year the title names
    ("知的クラスター創成事業", "002_knowledge_cluster", None),
])
def test_a_documents_year_is_the_one_its_title_or_file_name_names(title, doc_id, year):
    assert document_year(title, doc_id) == year


@pytest.mark.parametrize("question, years", [
    ("According to the 2017 white paper, how many households had a tablet?", {2017}),
    ("What did the 2015 ICT white paper say about drones?", {2015}),
    ("In the annual report for FY2012, what was the budget?", {2012}),
    ("2016年版の白書では、テレワークの導入率は？", {2016}),
    ("平成28年版によると、光回線の契約数は？", {2016}),
    ("令和元年度の報告書で挙げられた課題は？", {2019}),
    # a year that dates a fact, or a survey's year, names no edition
    ("How many households had a tablet in 2017?", set()),
    ("What did the 2013 survey find about cloud services?", set()),
    ("2016年の光回線の契約数は？", set()),
])
def test_a_question_names_an_edition_only_with_a_publication_word(question, years):
    assert named_editions(question) == years


@pytest.fixture(scope="module")
def two_editions(tmp_path_factory):
    if not distractors.SOURCE_DIR.is_dir():
        pytest.skip(f"no distractor texts at {distractors.SOURCE_DIR} (shared data is outside the repo)")
    pdfs = tmp_path_factory.mktemp("pdfs")
    editions = [distractors.render_edition(e, pdfs, max_chars=15000).path for e in ("h13", "h14")]
    index_dir = tmp_path_factory.mktemp("editions")
    report = ingest(editions, index_dir)
    assert not report.failed
    with Retriever(index_dir) as r:
        docs = {d.doc_id: document_year(d.title, d.doc_id) for d in r.store.documents()}
    assert sorted(docs.values()) == [2001, 2002], docs
    return index_dir, {year: doc for doc, year in docs.items()}


def test_a_question_naming_an_edition_is_searched_in_that_edition_only(two_editions):
    index_dir, doc_of = two_editions
    with Retriever(index_dir) as r:
        unnamed = {p.chunk.doc_id for p in r.search("インターネットの利用者数は？", k=20)}
        assert unnamed == set(doc_of.values())     # both editions answer a question that names neither
        for question, year in (("平成13年版の白書で、インターネットの利用者数は？", 2001),
                               ("How many internet users were there, according to the 2002 white paper?", 2002)):
            assert {p.chunk.doc_id for p in r.search(question, k=20)} == {doc_of[year]}, question
        # an edition the index does not hold keeps nothing out
        assert {p.chunk.doc_id for p in r.search("2010年版の白書で、インターネットの利用者数は？", k=20)} == unnamed
        assert r.named_edition("2010年版の白書で、インターネットの利用者数は？") is None


def test_the_answer_says_which_edition_it_kept_to(two_editions):
    index_dir, doc_of = two_editions
    with AnswerEngine(index_dir) as engine:
        named = engine.ask("How many internet users were there, according to the 2002 white paper?")
        plain = engine.ask("How many internet users were there?")
        title = {d.doc_id: d.title for d in engine.retriever.store.documents()}[doc_of[2002]]
    assert any(title in n and "edition the question names" in n for n in named.notes), named.notes
    assert {p.chunk.doc_id for p in named.passages} == {doc_of[2002]}
    assert not any("edition" in n for n in plain.notes), plain.notes
