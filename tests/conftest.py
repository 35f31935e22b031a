from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REAL = ROOT.parent / "shared" / "realpdfs"
CORPUS = ROOT / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def real_pdf(name: str) -> Path:
    p = REAL / name
    if not p.exists():
        pytest.skip(f"real PDF {p} not present (shared/realpdfs is outside the repo)")
    return p


def chromium_pdf(html: Path, out_dir: Path) -> Path:
    exe = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if not exe:
        pytest.skip("chromium not installed: cannot produce PDFs from a second producer")
    out = out_dir / (html.stem + ".pdf")
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={out_dir / 'profile'}", "--no-pdf-header-footer",
           f"--print-to-pdf={out}", html.resolve().as_uri()]
    subprocess.run(cmd, check=False, timeout=120, capture_output=True)
    if not out.exists() or out.stat().st_size == 0:
        pytest.skip("chromium ran but produced no PDF")
    return out


def all_text(doc) -> str:
    return "\n".join(b.text for p in doc.pages for b in p.blocks)


# -- the bundled corpus, ingested ------------------------------------------

REPO = ROOT


def corpus_pdf(prefix: str) -> Path:
    """The bundled corpus PDF whose name starts with the three-digit id."""
    found = sorted(CORPUS.glob(f"{prefix}_*.pdf"))
    if not found:
        pytest.fail(f"no corpus PDF for id {prefix} in {CORPUS}; run `make corpus`")
    return found[0]


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory) -> Path:
    """The bundled corpus ingested once into a fresh index directory."""
    from index.pipeline import ingest

    index_dir = tmp_path_factory.mktemp("index")
    report = ingest([CORPUS], index_dir)
    assert not report.failed, [(r.doc_id, r.error) for r in report.failed]
    return index_dir


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A scratch folder holding two of the corpus PDFs, for tests that add or spoil files."""
    folder = tmp_path / "pdfs"
    folder.mkdir()
    for prefix in ("000", "002"):
        shutil.copy(corpus_pdf(prefix), folder)
    return folder
