"""Hybrid retrieval end to end: the search contract, filters, index consistency, Chroma server mode.

Real parts throughout: the USE embedder, Chroma (embedded, and a `chroma run`
server on loopback), bm25s, the installed `policyqa` command.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from index.keyword import KeywordIndex, indexed_text
from index.pipeline import ingest
from index.retrieve import Retriever
from index.store import ChunkStore
from index.tokenise import terms
from index.embeddings import get_embedder
from index.vectors import VectorIndex

from .conftest import corpus_pdf
from .test_ingest import POLICYQA, run_cli

SALES_PARTNER = "セールspartner"


def search_json(index_dir: Path, *args: str) -> dict:
    out = run_cli("search", "--index", str(index_dir), "--json", *args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def index_ids(index_dir: Path, chroma_url: str | None = None) -> tuple[set, set, set]:
    """Chunk ids as the store, Chroma and the BM25 index each hold them."""
    with ChunkStore(index_dir) as store:
        return (store.chunk_ids(), VectorIndex(index_dir, get_embedder(), chroma_url).all_ids(),
                set(KeywordIndex.load(store).ids))


# -- the search contract --------------------------------------------------------

@pytest.mark.parametrize("question", ["Which clusters use sales partners?",
                                      "セールスパートナーを活用しているクラスターは？"])
def test_sales_partner_passage_ranks_in_top_3(corpus_index, question):
    result = search_json(corpus_index, question, "-k", "3")
    assert result["query"] == question
    top = result["passages"]
    assert len(top) == 3
    assert set(top[0]) >= {"chunk_id", "doc_id", "title", "page", "section", "text", "score"}
    assert [p["score"] for p in top] == sorted((p["score"] for p in top), reverse=True)
    hits = [p for p in top if p["doc_id"].startswith("004") and SALES_PARTNER in p["text"]]
    assert hits, [p["text"][:40] for p in top]


def test_questions_file_gives_one_line_per_query_in_order(corpus_index, tmp_path):
    questions = ["知的クラスター創成事業とは", "Which clusters use sales partners?", "キャラバン隊の企業訪問回数"]
    qfile = tmp_path / "q.txt"
    qfile.write_text("\n".join(questions) + "\n", encoding="utf-8")
    out = run_cli("search", "--index", str(corpus_index), "--questions", str(qfile), "-k", "4", "--json")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["query"] for line in lines] == questions
    assert all(len(line["passages"]) == 4 for line in lines)


def test_document_and_section_filters(corpus_index):
    only_003 = search_json(corpus_index, "産業クラスター計画の参加企業数", "--doc", "003", "-k", "10")["passages"]
    assert only_003 and all(p["doc_id"].startswith("003_") for p in only_003)

    section = "2.販路開拓支援活動"
    hits = search_json(corpus_index, "大企業とのマッチング", "--section", section, "--mode", "bm25", "-k", "10")["passages"]
    assert hits and all(section in p["section"].split(" > ") for p in hits)
    # Every leg honours the filter; in-process, since the command line's flags are checked above.
    with Retriever(corpus_index) as r:
        for mode in ("hybrid", "dense", "bm25"):
            found = r.search("大企業とのマッチング", 10, mode=mode, section=section)
            assert found, mode
            assert all(section in p.chunk.section_path.split(" > ") for p in found), mode


def test_unknown_document_filter_is_a_clear_error(corpus_index):
    out = run_cli("search", "--index", str(corpus_index), "--doc", "999", "クラスター")
    assert out.returncode == 2 and "999" in out.stderr


def test_english_question_finds_japanese_passages(corpus_index):
    with Retriever(corpus_index) as r:
        top = r.search("How many companies took part in the industrial cluster plan?", 10)
    assert any("10,700社" in p.chunk.text or "10,200社" in p.chunk.text for p in top)


def test_english_words_reach_the_keyword_leg_as_japanese_terms(corpus_index):
    """An English question's words are looked up in JMdict and searched as the index's Japanese terms."""
    question = "Which regions hold overseas trade fairs?"  # written for this test, not a gold question
    with Retriever(corpus_index) as r:
        weighted = dict(r.keyword_terms(question))
        keyword_only = r.search(question, 5, mode="bm25")
        hybrid = r.search(question, 10)
    assert "海外" in weighted and all(r.keyword.frequency(t) > 0 for t in weighted)
    # BM25 reads the section path with the passage (index.keyword.indexed_text): a term may stand in either.
    assert keyword_only and all(any(t in terms(indexed_text(p.chunk)) for t in weighted) for p in keyword_only)
    assert any(p.keyword_rank is not None for p in hybrid)  # the keyword leg votes for English too


# -- the indexes agree ----------------------------------------------------------

def test_store_vectors_and_keywords_hold_the_same_chunks(corpus_index):
    store_ids, vector_ids, keyword_ids = index_ids(corpus_index)
    assert store_ids and store_ids == vector_ids == keyword_ids


def test_changed_file_leaves_no_stale_vectors_or_terms(corpus_copy, tmp_path):
    index_dir = tmp_path / "index"
    target = next(corpus_copy.glob("002_*.pdf"))
    ingest([corpus_copy], index_dir)
    before, _, _ = index_ids(index_dir)
    shutil.copy(corpus_pdf("001"), target)
    report = ingest([corpus_copy], index_dir)
    assert sorted(r.status for r in report.results) == ["replaced", "unchanged"]
    store_ids, vector_ids, keyword_ids = index_ids(index_dir)
    assert store_ids == vector_ids == keyword_ids
    assert before - store_ids, "the old version's chunks should be gone"
    # The old document's words no longer find it; the new content does.
    with ChunkStore(index_dir) as store:
        assert all(c.doc_id != target.stem or c.chunk_id not in before for c in store.chunks())


def test_killed_ingest_leaves_indexes_consistent(corpus_copy, tmp_path):
    index_dir = tmp_path / "index"
    for delay in (2.0, 5.0):
        proc = subprocess.Popen([POLICYQA, "ingest", str(corpus_copy), "--index", str(index_dir), "--workers", "1"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        # Whatever Chroma holds, search only ever returns chunks the store holds.
        if (index_dir / "chunks.sqlite").exists():
            with Retriever(index_dir) as r:
                live = r.store.chunk_ids()
                assert all(p.chunk.chunk_id in live for p in r.search("クラスター", 20))
    report = ingest([corpus_copy], index_dir)
    assert not report.failed
    store_ids, vector_ids, keyword_ids = index_ids(index_dir)
    assert store_ids == vector_ids == keyword_ids
    # Whatever the kills did to Chroma's files, the next ingest left it searchable.
    with Retriever(index_dir) as r:
        assert r.search("クラスター", 5, mode="dense")


# -- server mode ----------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists():
        pytest.skip("the chroma command is not installed with chromadb")
    port = _free_port()
    proc = subprocess.Popen([str(exe), "run", "--path", str(tmp_path / "server-data"),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("chroma run did not answer its heartbeat within 20 s")
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_server_mode_ingest_and_search(chroma_server, corpus_copy, tmp_path):
    index_dir = tmp_path / "index"
    out = run_cli("ingest", str(corpus_copy), "--index", str(index_dir), "--chroma-url", chroma_server)
    assert out.returncode == 0, out.stderr
    assert not (index_dir / "chroma").exists(), "server mode must not write an embedded Chroma"
    store_ids, vector_ids, keyword_ids = index_ids(index_dir, chroma_server)
    assert store_ids == vector_ids == keyword_ids

    # The environment variable points every command at the server too.
    env = {**os.environ, "POLICYQA_CHROMA_URL": chroma_server}
    out = subprocess.run([POLICYQA, "search", "--index", str(index_dir), "--json", "-k", "3", "--mode", "dense",
                          "知的クラスター創成事業の目的"], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    passages = json.loads(out.stdout)["passages"]
    assert passages and all(p["chunk_id"] in store_ids for p in passages)

    # A second ingest against the server adds nothing.
    report = ingest([corpus_copy], index_dir, chroma_url=chroma_server)
    assert [r.status for r in report.results] == ["unchanged", "unchanged"]
    assert index_ids(index_dir, chroma_server)[1] == store_ids


def test_moving_an_index_to_a_server_fills_it(chroma_server, corpus_copy, tmp_path):
    """An index built embedded, then pointed at an empty server, gets its vectors there."""
    index_dir = tmp_path / "index"
    ingest([corpus_copy], index_dir)
    ingest([corpus_copy], index_dir, chroma_url=chroma_server)  # files unchanged: only reconciliation runs
    store_ids, vector_ids, _ = index_ids(index_dir, chroma_server)
    assert store_ids == vector_ids
