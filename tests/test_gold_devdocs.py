"""Checks on ``eval/gold/dev_docs.jsonl``: a development set over three documents written for it.

The documents are ``eval/devdocs/*.html`` — an agency's case collection of regional open-innovation
hubs, a white-paper chapter on regional startups and a prefecture's evaluation report of an
industry–academia–finance programme, all invented — printed by Chromium to the PDFs beside them
(``eval/gold/devdocs.json`` names the PDFs; the doc ids are their stems). The questions were written
from the documents alone, so answer selection can be tuned on documents and questions outside the
bundled corpus.

Evidence and facts are checked against the HTML's visible text (``<rt>`` readings, ``<head>``,
``<style>`` excluded), block by block: a quote is a contiguous piece of one block (paragraph,
heading, list item, table cell, caption, footnote, chart label; a ``<br>`` ends a line), 8–40
characters, or a whole table cell or chart label of at least 3 characters. The parsed PDF is not
consulted for quotes; the PDFs are checked for their page count, size and that they were printed
from their HTML (every heading of the HTML is in the PDF's text).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .test_gold import (
    read_jsonl,
    FIELDS,
    FIGURE_OR_NAME,
    JAPANESE,
    LANGUAGES,
    MARKUP,
    OPTIONAL,
    PARAPHRASE_RUN,
    TYPES,
    assert_apart_from,
    assert_protocol_mix,
    copied_run,
    normalise,
    shares_evidence,
)

REPO = Path(__file__).resolve().parents[1]
GOLD_DIR = REPO / "eval" / "gold"
GOLD = GOLD_DIR / "dev_docs.jsonl"
MANIFEST = GOLD_DIR / "devdocs.json"
FOLDER = REPO / "eval" / "devdocs"
PREFIX = "devdocs"
PAGES = range(4, 7)          # each PDF prints to 4-6 A4 pages
MAX_PDF_BYTES = 400_000
SHORTEST, LONGEST, SHORTEST_CELL = 8, 40, 3

BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "caption", "figcaption",
          "dt", "dd", "text", "title"}
CELLS = {"td", "th", "text"}   # a whole table cell or SVG chart label may be quoted when short
HIDDEN = {"head", "style", "script", "rt", "rp"}
BREAK = "\x00"


# ---------------------------------------------------------------- reading the files


def load_gold(path: Path = GOLD) -> list[dict]:
    return read_jsonl(path)


def manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def doc_ids() -> list[str]:
    return [Path(name).stem for name in manifest()["files"]]


class VisibleBlocks(HTMLParser):
    """The visible text of an HTML page, one entry per innermost block: (tag, lines)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[list[str]] = []     # [tag, text] of the blocks being read, innermost last
        self.hidden = 0
        self.blocks: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self.hidden += 1
        elif tag == "br" and self.open:
            self.open[-1][1] += BREAK
        elif tag in BLOCKS:
            self.open.append([tag, ""])

    def handle_startendtag(self, tag, attrs):
        if tag == "br" and self.open:
            self.open[-1][1] += BREAK

    def handle_endtag(self, tag):
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in BLOCKS and self.open and self.open[-1][0] == tag:
            kind, text = self.open.pop()
            lines = [" ".join(part.split()) for part in text.split(BREAK)]
            lines = [line for line in lines if line]
            if lines:
                self.blocks.append((kind, lines))

    def handle_data(self, data):
        if not self.hidden and self.open:
            self.open[-1][1] += data


def visible_blocks(html: str) -> list[tuple[str, list[str]]]:
    parser = VisibleBlocks()
    parser.feed(html)
    parser.close()
    return parser.blocks


@pytest.fixture(scope="module")
def blocks() -> dict[str, list[tuple[str, list[str]]]]:
    """Each gold document's visible blocks, by doc id."""
    return {doc: visible_blocks((FOLDER / f"{doc}.html").read_text(encoding="utf-8")) for doc in doc_ids()}


def doc_text(doc_blocks: list[tuple[str, list[str]]]) -> str:
    return normalise("\n".join(line for _, lines in doc_blocks for line in lines))


# ---------------------------------------------------------------- the checks, as functions that list problems


def structure_problems(records: list[dict], docs: set[str]) -> list[str]:
    problems = []
    ids = [r.get("id") for r in records]
    if ids != [f"{PREFIX}-{n:03d}" for n in range(1, len(ids) + 1)]:
        problems.append(f"ids are not {PREFIX}-001… in order: {ids[:3]}…")
    for r in records:
        rid = r.get("id", "?")
        if not FIELDS <= set(r) or not set(r) <= FIELDS | OPTIONAL:
            problems.append(f"{rid}: fields {sorted(set(r))}")
            continue
        if not isinstance(r["question"], str) or not r["question"].strip():
            problems.append(f"{rid}: empty question")
        if r["language"] not in LANGUAGES or r["type"] not in TYPES:
            problems.append(f"{rid}: language {r['language']!r} or type {r['type']!r}")
        elif (r["language"] == "ja") != bool(JAPANESE.search(r["question"])):
            problems.append(f"{rid}: labelled {r['language']} but the question says otherwise")
        if not (isinstance(r["docs"], list) and all(d in docs for d in r["docs"])
                and len(set(r["docs"])) == len(r["docs"]) <= 2):
            problems.append(f"{rid}: docs {r['docs']!r}")
        if not (isinstance(r["evidence"], list) and all(isinstance(e, str) for e in r["evidence"])):
            problems.append(f"{rid}: evidence must be a list of strings")
        if not (isinstance(r["facts"], list) and all(
                isinstance(g, list) and g and all(isinstance(a, str) and a.strip() for a in g) for g in r["facts"])):
            problems.append(f"{rid}: facts must be non-empty lists of strings")
        if "reference" in r and not isinstance(r["reference"], str):
            problems.append(f"{rid}: reference must be a string")
        empty = not r["docs"] and not r["evidence"] and not r["facts"]
        full = bool(r["docs"]) and bool(r["evidence"]) and bool(r["facts"])
        if (r["type"] == "unanswerable" and not empty) or (r["type"] != "unanswerable" and not full):
            problems.append(f"{rid}: a {r['type']} question with docs/evidence/facts {bool(r['docs'])}"
                            f"/{bool(r['evidence'])}/{bool(r['facts'])}")
    return problems


def quote_found(quote: str, doc_blocks: list[tuple[str, list[str]]]) -> bool:
    """Verbatim in one line of one block (8-40 characters), or a whole cell or chart label (≥3)."""
    for kind, lines in doc_blocks:
        for line in lines:
            if SHORTEST <= len(quote) <= LONGEST and quote in line:
                return True
            if kind in CELLS and len(quote) >= SHORTEST_CELL and quote == line:
                return True
    return False


def evidence_problems(records: list[dict], blocks: dict[str, list[tuple[str, list[str]]]]) -> list[str]:
    """Every quote in a gold document's visible text (one block, see quote_found) and shaped as the
    README asks; every gold document backed by at least one quote."""
    problems = []
    for r in records:
        backed = set()
        for quote in r["evidence"]:
            if quote != quote.strip() or any(m in quote for m in MARKUP) or quote.startswith("- "):
                problems.append(f"{r['id']}: badly shaped quote {quote!r}")
            found = [d for d in r["docs"] if d in blocks and quote_found(quote, blocks[d])]
            if not found:
                problems.append(f"{r['id']}: {quote!r} is not one block's visible text in {r['docs']}")
            backed.update(found)
        if r["evidence"] and backed != set(r["docs"]):
            problems.append(f"{r['id']}: no quote from {sorted(set(r['docs']) - backed)}")
    return problems


def fact_problems(records: list[dict], texts: dict[str, str]) -> list[str]:
    """Each fact group has an alternative in the gold documents' visible text (normalised)."""
    problems = []
    for r in records:
        text = "\n".join(texts.get(d, "") for d in r["docs"])
        for group in r["facts"]:
            if not any(normalise(alt) in text for alt in group):
                problems.append(f"{r['id']}: no alternative of {group} in {r['docs']}")
    return problems


def paraphrase_problems(records: list[dict]) -> list[str]:
    """No Japanese question shares PARAPHRASE_RUN characters with its evidence (figures and
    Latin-script names aside)."""
    copied = []
    for r in records:
        if r["language"] != "ja":
            continue
        run = copied_run(r["question"], r["evidence"])
        if len(run) >= PARAPHRASE_RUN and not FIGURE_OR_NAME.fullmatch(run):
            copied.append(f"{r['id']}: {run!r}")
    return copied


def other_gold_sets() -> list[dict]:
    """Every other gold file's questions (test splits included). Read by the program only: nothing of
    theirs is printed, only dev_docs ids."""
    records = []
    for path in sorted(GOLD_DIR.glob("*.jsonl")):
        if path.resolve() != GOLD.resolve():
            records.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return records


def page_problems(pages: dict[str, int], sizes: dict[str, int]) -> list[str]:
    problems = [f"{name}: {n} pages, not {PAGES.start}-{PAGES.stop - 1}" for name, n in pages.items() if n not in PAGES]
    problems += [f"{name}: {size} bytes, over {MAX_PDF_BYTES}" for name, size in sizes.items() if size > MAX_PDF_BYTES]
    return problems


def pairing_problems(html_stems: set[str], pdf_stems: set[str], listed: list[str]) -> list[str]:
    problems = []
    if html_stems != pdf_stems:
        problems.append(f"HTML without PDF {sorted(html_stems - pdf_stems)}, PDF without HTML {sorted(pdf_stems - html_stems)}")
    if sorted(listed) != sorted(f"{s}.pdf" for s in pdf_stems):
        problems.append(f"devdocs.json lists {listed}, the folder holds {sorted(pdf_stems)}")
    problems += [f"{s}: stem is not lowercase ASCII" for s in sorted(html_stems | pdf_stems)
                 if not re.fullmatch(r"[a-z0-9_]+", s)]
    return problems


def headings_missing(doc_blocks: list[tuple[str, list[str]]], pdf_text: str) -> list[str]:
    """The HTML's headings that the PDF's text lacks: a PDF printed from another version of its HTML."""
    return [line for kind, lines in doc_blocks if kind in {"h1", "h2", "h3", "h4"}
            for line in lines if normalise(line) not in pdf_text]


def pdf_text(path: Path) -> tuple[int, str]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return len(pdf.pages), normalise("\n".join(page.extract_text() or "" for page in pdf.pages))


# ---------------------------------------------------------------- the gold file


def test_file_parses_utf8_without_escapes():
    raw = GOLD.read_text(encoding="utf-8")
    assert "\\u30" not in raw and "\\u4e" not in raw, "write with ensure_ascii=False"
    assert load_gold()


def test_structure_ids_fields_and_types():
    problems = structure_problems(load_gold(), set(doc_ids()))
    assert not problems, "\n".join(problems)


def test_size_and_mix():
    """≥60 questions, ≥35 % English, ≥15 % unanswerable, every type in both languages; every document
    asked about."""
    gold = load_gold()
    assert_protocol_mix(gold, 60)
    covered = Counter(d for r in gold for d in r["docs"])
    assert set(covered) == set(doc_ids()), covered


def test_evidence_in_visible_html_text(blocks):
    problems = evidence_problems(load_gold(), blocks)
    assert not problems, "\n".join(problems)


def test_facts_in_visible_html_text(blocks):
    problems = fact_problems(load_gold(), {d: doc_text(b) for d, b in blocks.items()})
    assert not problems, "\n".join(problems)


def test_questions_paraphrase_their_evidence():
    copied = paraphrase_problems(load_gold())
    assert not copied, "questions copying their evidence: " + ", ".join(copied)


def test_shares_no_evidence_or_question_with_other_gold_sets():
    """Written after every other gold file: it quotes none of their evidence and repeats none of their
    questions (test splits included; only dev_docs ids are reported)."""
    try:
        assert_apart_from(load_gold(), other_gold_sets(), "dev_docs")
    except AssertionError as exc:   # no traceback: its frame holds the other sets' questions
        pytest.fail(str(exc).splitlines()[0], pytrace=False)


# ---------------------------------------------------------------- the documents


def test_html_and_pdf_in_pairs_and_listed():
    data = manifest()
    assert data["folder"] == "eval/devdocs" and data.get("about"), data
    problems = pairing_problems({p.stem for p in FOLDER.glob("*.html")}, {p.stem for p in FOLDER.glob("*.pdf")},
                                data["files"])
    assert not problems, "\n".join(problems)
    assert len(data["files"]) == 3


def test_pdfs_pages_size_and_printed_from_their_html(blocks):
    pages, sizes, stale = {}, {}, []
    for doc in doc_ids():
        path = FOLDER / f"{doc}.pdf"
        pages[path.name], text = pdf_text(path)
        sizes[path.name] = path.stat().st_size
        stale += [f"{doc}: heading {h!r} not in the PDF" for h in headings_missing(blocks[doc], text)]
    problems = page_problems(pages, sizes) + stale
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- every check can fail


GOOD = {"id": "devdocs-001", "question": "How many?", "language": "en", "type": "number",
        "docs": ["d"], "evidence": ["令和５年度決算額"], "facts": [["令和5年度"]]}


def test_structure_check_can_fail():
    assert not structure_problems([GOOD], {"d"})
    assert structure_problems([{**GOOD, "id": "devdocs-002"}], {"d"})                 # not sequential
    assert structure_problems([{**GOOD, "language": "ja"}], {"d"})                    # label vs text
    assert structure_problems([{**GOOD, "docs": ["other"]}], {"d"})                   # unknown doc
    assert structure_problems([{**GOOD, "type": "unanswerable"}], {"d"})              # must be empty
    assert structure_problems([{**GOOD, "facts": [[]]}], {"d"})                       # empty group
    assert structure_problems([{**GOOD, "extra": 1}], {"d"})                          # unknown field


def test_mix_check_can_fail():
    gold = load_gold()
    with pytest.raises(AssertionError):
        assert_protocol_mix([r for r in gold if r["language"] == "ja"], 60)
    with pytest.raises(AssertionError):
        assert_protocol_mix([r for r in gold if r["type"] != "unanswerable"], 60)
    with pytest.raises(AssertionError):
        assert_protocol_mix(gold[:30], 60)


def test_evidence_check_can_fail():
    html = ("<html><head><title>見出しではない題名</title></head><body>"
            "<p>第一の段落は十分に長い文章である。</p><p>第二の段落も長い文章である。</p>"
            "<p><ruby>宮之原<rt>みやのはら</rt></ruby>慶一氏が委員長を務めた。</p>"
            "<p>一行目の文章はここまで<br>二行目の文章はここから</p>"
            "<table><tr><td>63件</td><td>12</td></tr></table><svg><text>117社</text></svg></body></html>")
    doc = {"d": visible_blocks(html)}

    def check(*quotes):
        return evidence_problems([{**GOOD, "evidence": list(quotes)}], doc)

    assert not check("第一の段落は十分に長い", "宮之原慶一氏が委員長", "63件", "117社", "一行目の文章はここまで")
    assert check("段落は十分に長い文章である。第二の段落")                       # across two blocks
    assert check("宮之原みやのはら慶一氏")                                      # ruby reading is not visible
    assert check("十分に")                                                     # short, not a whole cell
    assert check("12")                                                          # a cell under 3 characters
    assert check("63")                                                          # part of a cell, short
    assert check("ここまで二行目の文章")                                        # across a <br>
    assert check("見出しではない題名")                                          # <head> is not visible
    assert check("|第一の段落は十分に長い")                                     # markup
    assert check("この文は文書のどこにも存在しない")                            # absent
    assert evidence_problems([{**GOOD, "docs": ["d", "e"], "evidence": ["第一の段落は十分に長い"]}],
                             {**doc, "e": []})                                  # a gold doc without a quote


def test_fact_check_can_fail():
    texts = {"d": normalise("令和５年度決算額。人件費を含み")}
    assert not fact_problems([GOOD], texts)
    assert fact_problems([{**GOOD, "facts": [["FY2023", "2023年度"]]}], texts)   # translations only


def test_paraphrase_check_can_fail():
    copying = {**GOOD, "language": "ja", "question": "令和５年度決算額はいくら？"}
    assert paraphrase_problems([copying])
    figure_only = {**GOOD, "language": "ja", "question": "12,345は何の数？", "evidence": ["合計12,345件に上る"]}
    assert not paraphrase_problems([figure_only])


def test_apart_check_can_fail():
    later = [{"id": "devdocs-001", "question": "新しい問い", "evidence": ["あいうえおかきくけこさしすせそ"]}]
    assert shares_evidence(later[0]["evidence"], ["うえおかきくけこさしすせそたち"])
    with pytest.raises(AssertionError):
        assert_apart_from(later, [{"question": "別の問い", "evidence": ["うえおかきくけこさしすせそたち"]}], "dev_docs")
    with pytest.raises(AssertionError):
        assert_apart_from(later, [{"question": "新しい問い", "evidence": []}], "dev_docs")
    assert_apart_from(later, [{"question": "別の問い", "evidence": ["まったく違う引用の文字列です"]}], "dev_docs")


def test_document_checks_can_fail(blocks):
    assert page_problems({"a.pdf": 3}, {}) and page_problems({"a.pdf": 7}, {})
    assert not page_problems({"a.pdf": 5}, {"a.pdf": 300_000})
    assert page_problems({}, {"a.pdf": MAX_PDF_BYTES + 1})
    assert pairing_problems({"a", "b"}, {"a"}, ["a.pdf"])
    assert pairing_problems({"a"}, {"a"}, ["a.pdf", "b.pdf"])
    assert pairing_problems({"A"}, {"A"}, ["A.pdf"])
    assert not pairing_problems({"a"}, {"a"}, ["a.pdf"])
    doc = next(iter(blocks))
    assert headings_missing(blocks[doc] + [("h2", ["印刷されていない見出し"])], normalise("本文だけ"))
