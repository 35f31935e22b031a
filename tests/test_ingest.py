"""`policyqa ingest` and `policyqa chunks` end to end, on the bundled corpus and on bad files.

Everything here goes through the real parser, chunker and SQLite store; the
command-line tests run the installed `policyqa` entry point in a subprocess.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path


from index.pipeline import ingest
from index.store import ChunkStore
from ingest import doc_id_for

from .conftest import CORPUS, REPO, corpus_pdf


# The installed console script, as a user runs it.
POLICYQA = str(Path(sys.executable).with_name("policyqa"))


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([POLICYQA, *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def chunks_json(index_dir: Path) -> list[dict]:
    out = run_cli("chunks", "--index", str(index_dir), "--json")
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


# -- the bundled corpus -------------------------------------------------------

def test_corpus_ingests_five_documents_and_reingest_adds_nothing(corpus_index):
    with ChunkStore(corpus_index) as store:
        docs = store.documents()
        before = store.count_chunks()
    assert [d.doc_id[:3] for d in docs] == ["000", "001", "002", "003", "004"]
    assert all(d.chunks > 0 and d.pages > 0 for d in docs)

    report = ingest([CORPUS], corpus_index)
    assert [r.status for r in report.results] == ["unchanged"] * 5
    with ChunkStore(corpus_index) as store:
        assert store.count_chunks() == before


def test_chunks_json_shows_the_repairs(corpus_index):
    chunks = chunks_json(corpus_index)
    required = {"chunk_id", "doc_id", "title", "page", "section", "text", "bbox"}
    assert all(required <= c.keys() for c in chunks)
    assert len({c["chunk_id"] for c in chunks}) == len(chunks)
    by_doc = lambda prefix: [c for c in chunks if c["doc_id"].startswith(prefix)]
    everything = "\n".join(c["text"] + "\n" + c["section"] for c in chunks)

    assert not re.search(r"[\uFF65-\uFF9F]", everything), "half-width katakana survived"
    assert not re.search(r"[\uFF10-\uFF19\uFF0C]", everything), "full-width digits or commas survived"
    assert "10,700社" in "".join(c["text"] for c in by_doc("003"))
    assert "単独での研究開発" in "".join(c["text"] for c in by_doc("003"))
    # Shadowed titles are drawn twice; nothing should read doubled.
    for c in by_doc("001"):
        for part in c["section"].split(" > "):
            half = len(part) // 2
            assert not (len(part) >= 4 and len(part) % 2 == 0 and part[:half] == part[half:]), part


def test_sales_partner_passages_are_attributed_to_their_cluster(corpus_index):
    chunks = [c for c in chunks_json(corpus_index) if c["doc_id"].startswith("004")]
    partner = [c for c in chunks if "セールspartner" in c["text"]]
    assert partner, "the sales-partner passage is missing from 004"
    for c in partner:
        assert c["subject"] == "TOHOKU ものづくりコリドー", (c["subject"], c["text"][:60])
        assert "販路開拓支援活動" in c["section"]


def test_caravan_table_keeps_its_cells(corpus_index):
    chunks = [c for c in chunks_json(corpus_index) if c["doc_id"].startswith("004")]
    tables = [c for c in chunks if c["text"].startswith("|") and "企業訪問回数" in c["text"]]
    assert tables, "the キャラバン隊実績 table did not come out as a Markdown table"
    rows = [[cell.strip() for cell in row.strip("|").split("|")] for row in tables[0]["text"].splitlines()]
    header = next(r for r in rows if "企業訪問回数" in r)
    col = header.index("企業訪問回数")
    below = rows[rows.index(header) + 1:]
    below = [r for r in below if not set("".join(r)) <= set("-: ")]
    assert below[0][col] == "498"


def test_chunk_boxes_lie_on_their_pages(corpus_index):
    import pdfplumber

    chunks = chunks_json(corpus_index)
    sizes = {}
    for c in chunks:
        path = CORPUS / f"{c['doc_id']}.pdf"
        if path not in sizes:
            with pdfplumber.open(path) as pdf:
                sizes[path] = [(p.width, p.height) for p in pdf.pages]
        for page, x0, top, x1, bottom in c["bbox"]:
            assert c["page"] <= page <= c["page_end"]
            w, h = sizes[path][page - 1]
            assert 0 <= x0 < x1 <= w + 1 and 0 <= top < bottom <= h + 1


# -- bad input ----------------------------------------------------------------

def make_bad_files(folder: Path) -> dict[str, str]:
    """Write one file of each kind of bad input; return name → a word its error must contain."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen import canvas

    good = corpus_pdf("002").read_bytes()
    (folder / "truncated.pdf").write_bytes(good[: len(good) // 3])
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "notes.pdf").write_text("これはPDFではありません。\n", encoding="utf-8")

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(good)))
    writer.encrypt(user_password="secret", owner_password="owner")
    with open(folder / "locked.pdf", "wb") as f:
        writer.write(f)

    # An image-only PDF: a scanned page, as far as any text extractor can tell.
    from PIL import Image

    img = folder / "scan.png"
    Image.new("RGB", (200, 120), (200, 200, 200)).save(img)
    c = canvas.Canvas(str(folder / "scanned.pdf"))
    c.drawImage(str(img), 100, 500, width=300, height=180)
    c.showPage()
    c.save()
    img.unlink()
    return {"truncated.pdf": "truncated", "empty.pdf": "empty", "notes.pdf": "not a pdf",
            "locked.pdf": "encrypt", "scanned.pdf": "image"}


def test_bad_files_are_reported_by_name_and_the_good_ones_ingested(corpus_copy, tmp_path):
    expected = make_bad_files(corpus_copy)
    index_dir = tmp_path / "index"
    out = run_cli("ingest", str(corpus_copy), "--index", str(index_dir))
    assert out.returncode == 1, out.stderr
    report = out.stderr + out.stdout
    for name, word in expected.items():
        line = next((l for l in report.splitlines() if l.startswith("failed") and name in l), "")
        assert "failed" in line, f"{name} not reported as failed:\n{report}"
        assert word in line.lower(), f"{name}: reason should mention {word!r}: {line}"
    with ChunkStore(index_dir) as store:
        assert sorted(d.doc_id[:3] for d in store.documents()) == ["000", "002"]
        assert store.count_chunks() > 0


def test_changed_file_replaces_its_old_version_whole(corpus_copy, tmp_path):
    index_dir = tmp_path / "index"
    target = next(corpus_copy.glob("002_*.pdf"))
    ingest([target], index_dir)
    with ChunkStore(index_dir) as store:
        old_ids = {c.chunk_id for c in store.chunks()}
    shutil.copy(corpus_pdf("000"), target)  # same name, different content
    report = ingest([target], index_dir)
    assert [r.status for r in report.results] == ["replaced"]
    with ChunkStore(index_dir) as store:
        new = list(store.chunks())
    assert new and not ({c.chunk_id for c in new} & old_ids)
    assert all(c.doc_id == doc_id_for(target) for c in new)


def test_a_pdf_not_named_pdf_is_unchanged_the_second_time(tmp_path):
    """The parser names the document and the ingest looks it up by one rule (ingest.docid),
    so a second ingest of a PDF saved under another suffix adds nothing."""
    target = tmp_path / "minutes.v2"
    shutil.copy(corpus_pdf("002"), target)
    index_dir = tmp_path / "index"
    planned: list[int] = []   # pages to parse, as the progress bar hears them
    first = ingest([target], index_dir, on_plan=planned.append)
    assert [(r.doc_id, r.status) for r in first.results] == [("minutes.v2", "added")]
    second = ingest([target], index_dir, on_plan=planned.append)
    assert [(r.doc_id, r.status) for r in second.results] == [("minutes.v2", "unchanged")]
    assert planned == [first.results[0].pages, 0] and planned[0] > 0
    with ChunkStore(index_dir) as store:
        assert [d.doc_id for d in store.documents()] == ["minutes.v2"]


# Kills mid-ingest (asserting each landed mid-write), races and readers: tests/test_faults.py.


def test_chunks_without_an_index_says_so(tmp_path):
    out = run_cli("chunks", "--index", str(tmp_path / "nowhere"), "--json")
    assert out.returncode == 2 and "policyqa ingest" in out.stderr


def test_an_incremental_ingest_refreshes_the_stored_sense_vectors(corpus_copy, tmp_path):
    # English questions compare the senses of their words by stored headword vectors (index/sense_vectors.py):
    # a document added later brings new terms, so new searchable headwords, and these must be embedded too.
    from index import sense_vectors
    from index.embeddings import get_embedder
    from index.keyword import KeywordIndex
    from index.pipeline import ingest
    from index.store import ChunkStore
    from index.translate import searchable_headwords

    later = next(corpus_copy.glob("002_*.pdf"))
    later.rename(tmp_path / later.name)
    index_dir = tmp_path / "index"
    name = get_embedder().model_name

    def searchable() -> set[str]:
        with ChunkStore(index_dir, readonly=True) as store:
            return set(searchable_headwords(KeywordIndex.load(store).frequency))

    ingest([corpus_copy], index_dir)
    first = set(sense_vectors.load(index_dir, name))
    assert first and first == searchable()
    (tmp_path / later.name).rename(corpus_copy / later.name)
    ingest([corpus_copy], index_dir)
    second = sense_vectors.load(index_dir, name)
    assert set(second) == searchable() and set(second) > first
    assert all(abs(float(v @ v) - 1.0) < 5e-3 for v in second.values())   # int8 codes: unit within rounding


def test_sense_vectors_are_stored_as_int8_codes_that_keep_their_cosines(tmp_path):
    # The headword vectors were the largest part of a big index (136 MB of 307 beside 24 white papers):
    # stored as int8 with a scale per row, a quarter of that, cosines kept within rounding, and a float32
    # file of an older ingest still read.
    import numpy as np
    from index import sense_vectors

    rng = np.random.default_rng(7)
    matrix = rng.normal(size=(300, 512)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    words = [f"w{i}" for i in range(len(matrix))]
    path = sense_vectors.sense_file(tmp_path, "some-model")
    path.parent.mkdir(parents=True)
    codes, scales = sense_vectors.encode(matrix)
    np.savez(path, words=np.array(words), vectors=codes, scales=scales)
    stored = sense_vectors.load(tmp_path, "some-model")
    assert codes.dtype == np.int8 and len(stored) == 300 and "w5" in stored and "nope" not in stored
    decoded = np.stack([stored[w] for w in words])
    assert np.abs(decoded @ decoded.T - matrix @ matrix.T).max() < 3e-3
    assert (sense_vectors.encode(decoded)[0] == codes).all()          # rewriting the file does not drift
    np.savez(path, words=np.array(words), vectors=matrix)               # an older ingest's float32 file
    assert np.allclose(sense_vectors.load(tmp_path, "some-model")["w9"], matrix[9])
