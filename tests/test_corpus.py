"""Tests of the bundled demo corpus (corpus/*.pdf, corpus/catalogue.json).

They read the real generated files with pdfplumber; nothing is mocked. The seed texts
come from ../shared/seeds (the renderer's input) for the faithfulness check.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pdfplumber
import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture
def seeds() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} is absent: the seed texts live in ../shared/seeds beside the repo")
    return SEEDS
CATALOGUE = json.loads((CORPUS / "catalogue.json").read_text(encoding="utf-8"))
BY_ID = {e["id"]: e for e in CATALOGUE}
A4 = (595.27, 841.89)


def pdf_path(doc: str) -> Path:
    return CORPUS / BY_ID[doc]["file"]


@lru_cache(maxsize=None)
def open_pdf(doc: str) -> pdfplumber.PDF:
    return pdfplumber.open(pdf_path(doc))


# --------------------------------------------------------------------------- catalogue

def test_catalogue_lists_exactly_the_pdfs_present() -> None:
    assert sorted(e["file"] for e in CATALOGUE) == sorted(p.name for p in CORPUS.glob("*.pdf"))
    assert [e["id"] for e in CATALOGUE] == ["000", "001", "002", "003", "004"]
    for e in CATALOGUE:
        assert e["file"] == e["doc_id"] + ".pdf"
        assert e["file"].startswith(e["id"] + "_")
        assert re.fullmatch(rf"{e['id']}_[0-9a-f]{{16}}\.txt", e["source_text"])
        if SEEDS.is_dir():
            assert (SEEDS / e["source_text"]).is_file()
        assert e["source_text"].startswith(e["id"] + "_")
        assert e["layout"] in ("slides", "report")
        for key in ("title", "publisher", "date"):
            assert e[key], key


@pytest.mark.parametrize("doc", sorted(BY_ID))
def test_page_count_size_and_metadata(doc: str) -> None:
    entry = BY_ID[doc]
    assert pdf_path(doc).stat().st_size < 2 * 1024 * 1024
    pdf = open_pdf(doc)
    assert len(pdf.pages) == entry["pages"]
    assert pdf.metadata.get("Title") == entry["title"]
    assert pdf.metadata.get("Author") == entry["publisher"]


# --------------------------------------------------------------------------- fonts, geometry

@pytest.mark.parametrize("doc", sorted(BY_ID))
def test_font_embedded_and_japanese_extracts(doc: str) -> None:
    assert b"/FontFile2" in pdf_path(doc).read_bytes()  # embedded TrueType program
    text = "".join((p.extract_text() or "") for p in open_pdf(doc).pages)
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]{20}", text)  # real Japanese, not (cid:..)
    assert "(cid:" not in text
    assert "クラスター" in text


def test_industrial_cluster_appears() -> None:
    assert "産業クラスター" in open_pdf("000").pages[0].extract_text()


@pytest.mark.parametrize("doc", ["000", "001", "002", "003"])
def test_slide_decks_are_landscape(doc: str) -> None:
    for page in open_pdf(doc).pages:
        assert page.width > page.height * 1.3


def test_report_is_a4_portrait() -> None:
    for page in open_pdf("004").pages:
        assert abs(page.width - A4[0]) < 1 and abs(page.height - A4[1]) < 1


def test_report_has_running_header_footer_and_numbered_chapters() -> None:
    pages = open_pdf("004").pages
    title = BY_ID["004"]["title"]
    for n, page in enumerate(pages[1:], start=2):
        text = page.extract_text()
        assert text.splitlines()[0].strip() == title
        assert text.splitlines()[-1].strip() == f"- {n} -"
    full = "\n".join(p.extract_text() for p in pages)
    assert "2．販路開拓支援活動" in full.replace("販路開拓支援活動\t", "")
    # links lose their markup
    assert "](#)" not in full and "[北海道バイオ産業成長戦略" not in full


# --------------------------------------------------------------------------- vertical text

def test_003_has_vertical_text() -> None:
    target = "単独での研究開発"
    best = 0
    for page in open_pdf("003").pages:
        chars = [c for c in page.chars if c["text"] in target]
        columns: dict[int, list[dict]] = {}
        for c in chars:
            columns.setdefault(round(c["x0"] * 2), []).append(c)  # same x0 within 0.5pt
        for col in columns.values():
            col.sort(key=lambda c: c["top"])
            run = [col[0]]
            for c in col[1:]:
                if 0 < c["top"] - run[-1]["top"] < 2 * c["size"] and "".join(
                        x["text"] for x in run + [c]) in target:
                    run.append(c)
                else:
                    run = [c]
                best = max(best, len(run))
    assert best >= 4


# --------------------------------------------------------------------------- tables

def test_004_caravan_table_is_ruled() -> None:
    for page in open_pdf("004").pages:
        if "キャラバン隊実績" not in (page.extract_text() or ""):
            continue
        for table in page.find_tables():
            rows = [[re.sub(r"\s", "", cell or "") for cell in row] for row in table.extract()]
            for r, row in enumerate(rows[:-1]):
                if "企業訪問回数" in row:
                    col = row.index("企業訪問回数")
                    assert rows[r + 1][col] == "498"
                    assert rows[r + 1] == ["498", "31", "40", "27", "216", "147"]
                    return
    pytest.fail("no ruled キャラバン隊実績 table found")


def test_000_pipe_table_is_ruled_and_separator_not_drawn() -> None:
    found = False
    for page in open_pdf("000").pages:
        assert "---" not in (page.extract_text() or "")
        for table in page.find_tables():
            rows = table.extract()
            # cell-exact match: the enclosing slide box is found as a 1-column "table" too
            if any(row == ["14年度補正予算", "91億円", '"', "6.4倍"] for row in rows):
                found = True
                assert ["14年度当初予算", "353億円", "実用化技術開発支援施策の公募競争倍率", "5.1倍"] in rows
    assert found


# --------------------------------------------------------------------------- doubled titles

def test_doubled_title_drawn_twice_with_small_offset() -> None:
    # seed line: 産業クラスター政策とは産業クラスター政策とは (a shadowed title flattened)
    page = next(p for p in open_pdf("001").pages if "政政策策ととはは" in (p.extract_text() or ""))
    chars = [c for c in page.chars if c["text"] in "産業クラスター政策とは"]
    pairs = 0
    for i, a in enumerate(chars):
        for b in chars[i + 1:]:
            d = max(abs(a["x0"] - b["x0"]), abs(a["top"] - b["top"]))
            if a["text"] == b["text"] and 0 < d < 2:
                pairs += 1
    assert pairs >= len("産業クラスター政策とは")


# --------------------------------------------------------------------------- faithfulness
#
# Metric: the set of character 8-grams of the seed (markup and whitespace removed) must
# be >= 97% contained in the 8-grams of the PDF's extracted text (whitespace removed).
# An 8-gram only survives if eight consecutive characters come out in the same order,
# so dropped, reordered or interleaved text all lower the score; added furniture
# (running headers, page numbers) costs at most a few grams per page.
#
# Vertical runs are compared separately: their lines are removed from the seed, and
# chars that the PDF stacks in a column (same x0 as the char above/below, nothing
# beside them) are removed before extraction, because pdfplumber reads such columns
# line by line across the page (test_003_has_vertical_text checks their order).
# Shadowed titles: the PDF draws s twice; duplicates within 2pt are dropped, and the
# seed's doubled line s+s is collapsed to s, so both sides carry s once.

GRAM = 8
MARKDOWN_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
PIPE_ROW = re.compile(r"^\s*(?:-\s+)?\|.*\|\s*$")
CJK = re.compile(r"^[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]$")


def vertical_line_numbers(lines: list[str]) -> set[int]:
    """Lines in runs of one-CJK-char lines (blank lines may split a run into columns)."""
    out: set[int] = set()
    i = 0
    while i < len(lines):
        if not CJK.match(lines[i].strip()):
            i += 1
            continue
        run, j, longest, cur = [], i, 0, 0
        while j < len(lines):
            if CJK.match(lines[j].strip()):
                run.append(j)
                cur += 1
                longest = max(longest, cur)
                j += 1
            elif not lines[j].strip() and j + 1 < len(lines) and (
                    CJK.match(lines[j + 1].strip())
                    or (not lines[j + 1].strip() and j + 2 < len(lines) and CJK.match(lines[j + 2].strip()))):
                cur = 0
                j += 1
            else:
                break
        if len(run) >= 3 and longest >= 2:
            out.update(run)
        i = max(j, i + 1)
    return out


def clean_seed(text: str) -> str:
    lines = text.split("\n")
    vertical = vertical_line_numbers(lines)
    out = []
    for n, line in enumerate(lines):
        if n in vertical or MARKDOWN_SEP.match(line) and "-" in line:
            continue
        if PIPE_ROW.match(line):
            line = re.sub(r"^\s*-\s+", "", line).replace("|", " ")
        line = re.sub(r"^\s*-\s", "", line)
        line = re.sub(r"^#{1,6}\s", "", line)
        line = re.sub(r"\[((?:\\.|[^\]\\])+)\]\(#\)", lambda m: re.sub(r"\\(.)", r"\1", m.group(1)), line)
        line = line.replace("**", "")
        t = line.strip()
        if len(t) % 2 == 0 and len(t) >= 4 and t[: len(t) // 2] == t[len(t) // 2:]:
            line = t[: len(t) // 2]
        out.append(line)
    return re.sub(r"\s+", "", "\n".join(out))


def drop_shadow_duplicates(chars: list[dict]) -> list[dict]:
    kept: list[dict] = []
    seen: dict[str, list[dict]] = {}
    for c in chars:
        if any(abs(c["x0"] - o["x0"]) < 2 and abs(c["top"] - o["top"]) < 2 for o in seen.get(c["text"], [])):
            continue
        seen.setdefault(c["text"], []).append(c)
        kept.append(c)
    return kept


def vertical_chars(chars: list[dict]) -> set[int]:
    """ids of chars stacked in a column: same x0 as a char directly above or below and no
    horizontal neighbour on their own line."""
    def neighbour_beside(c: dict) -> bool:
        return any(o is not c and abs(o["top"] - c["top"]) < c["size"] * 0.5
                   and (0 <= o["x0"] - c["x1"] < c["size"] * 0.3 or 0 <= c["x0"] - o["x1"] < c["size"] * 0.3)
                   for o in chars)

    def stacked(c: dict) -> bool:
        return any(o is not c and abs(o["x0"] - c["x0"]) < 0.5
                   and 0.8 * c["size"] < abs(o["top"] - c["top"]) < 1.4 * c["size"] for o in chars)

    return {id(c) for c in chars if c["text"].strip() and stacked(c) and not neighbour_beside(c)}


def pdf_text(doc: str) -> str:
    parts = []
    for page in open_pdf(doc).pages:
        kept = drop_shadow_duplicates(page.chars)
        drop = vertical_chars(kept)
        keep_ids = {id(c) for c in kept if id(c) not in drop}
        filtered = page.filter(lambda obj: obj.get("object_type") != "char" or id(obj) in keep_ids)
        parts.append(filtered.extract_text() or "")
    return re.sub(r"\s+", "", "".join(parts))


def grams(s: str) -> set[str]:
    return {s[i:i + GRAM] for i in range(len(s) - GRAM + 1)}


def coverage(seed: Iterable[str], pdf: set[str]) -> float:
    seed = set(seed)
    return len(seed & pdf) / len(seed)


@pytest.mark.parametrize("doc", sorted(BY_ID))
def test_faithful_to_seed_text(doc: str, seeds: Path) -> None:
    seed = clean_seed((SEEDS / BY_ID[doc]["source_text"]).read_text(encoding="utf-8"))
    got = pdf_text(doc)
    cov = coverage(grams(seed), grams(got))
    assert cov >= 0.97, f"{doc}: 8-gram coverage {cov:.3f}"


def test_faithfulness_metric_detects_reordering(seeds: Path) -> None:
    """The metric must be able to fail: swapping halves of lines of a text drops it far below 97%."""
    seed = clean_seed((SEEDS / BY_ID["004"]["source_text"]).read_text(encoding="utf-8"))
    shuffled = "".join(seed[i + 5:i + 10] + seed[i:i + 5] for i in range(0, len(seed), 10))
    assert coverage(grams(seed), grams(shuffled)) < 0.5


# --------------------------------------------------------------------------- determinism

def test_rebuild_is_byte_identical(tmp_path: Path, seeds: Path) -> None:
    subprocess.run([sys.executable, str(CORPUS / "build_corpus.py"), "--seeds", str(SEEDS),
                    "--out", str(tmp_path)], check=True, capture_output=True, timeout=60)
    for entry in CATALOGUE:
        assert (tmp_path / entry["file"]).read_bytes() == pdf_path(entry["id"]).read_bytes(), entry["file"]
    assert json.loads((tmp_path / "catalogue.json").read_text(encoding="utf-8")) == CATALOGUE
