"""Checks on the development gold set, eval/gold/dev.jsonl.

The structural checks need only the file. The grounding checks (evidence found verbatim in the
seed texts, facts supported by them, 004's chapters covered) read the seed texts from
../shared/seeds beside the repository and skip when they are absent.
"""

from __future__ import annotations

import bisect
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "eval" / "gold" / "dev.jsonl"
SEEDS = Path(__file__).parents[1].parent / "shared" / "seeds"

DOC_IDS = ("000", "001", "002", "003", "004")
TYPES = {"list", "fact", "number", "how-why", "unanswerable"}
LANGUAGES = {"ja", "en"}
FIELDS = {"id", "question", "language", "type", "docs", "evidence", "facts"}
OPTIONAL = {"reference"}

# 004's body headings in order; matched against whole lines with whitespace removed, so the
# table of contents (「2．販路開拓支援活動\t1 2」) does not match but 「産 業 人 材 育 成 活 動」 does.
CHAPTERS_004 = (
    "はじめに",
    "産学官金の連携促進活動",
    "販路開拓支援活動",
    "国内広域連携活動",
    "海外展開支援活動",
    "産業人材育成活動",
    "クラスターの自立化に向けた活動",
    "まとめ",
)

MARKUP = ("**", "](#)", "[", "|", "\t", "\n")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")


def normalise(text: str) -> str:
    """How facts and evidence are matched: NFKC, whitespace removed, case-folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def load_gold() -> list[dict]:
    assert GOLD.exists(), f"{GOLD} is missing"
    records = []
    for number, line in enumerate(GOLD.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            pytest.fail(f"{GOLD.name} line {number} is not JSON: {exc}")
    return records


@pytest.fixture(scope="module")
def gold() -> list[dict]:
    return load_gold()


@pytest.fixture(scope="module")
def seeds() -> dict[str, list[str]]:
    """Seed text lines by document id."""
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} is absent: the seed texts live in ../shared/seeds beside the repo")
    found = {}
    for doc in DOC_IDS:
        paths = sorted(SEEDS.glob(f"{doc}_*.txt"))
        if not paths:
            pytest.skip(f"no seed text for document {doc} in {SEEDS}")
        found[doc] = paths[0].read_text(encoding="utf-8").splitlines()
    return found


def answerable(record: dict) -> bool:
    return record["type"] != "unanswerable"


# ---------------------------------------------------------------- structure


def test_file_parses_and_is_utf8_without_escapes(gold):
    raw = GOLD.read_text(encoding="utf-8")
    assert "\\u30" not in raw and "\\u4e" not in raw, "write with ensure_ascii=False"
    assert gold, "the gold file is empty"


def test_fields_types_and_values(gold):
    for r in gold:
        rid = r.get("id", "?")
        assert FIELDS <= set(r), f"{rid}: missing {FIELDS - set(r)}"
        assert set(r) <= FIELDS | OPTIONAL, f"{rid}: unknown fields {set(r) - FIELDS - OPTIONAL}"
        assert isinstance(r["id"], str) and re.fullmatch(r"dev-\d{3}", r["id"]), rid
        assert isinstance(r["question"], str) and r["question"].strip(), rid
        assert r["language"] in LANGUAGES, rid
        assert r["type"] in TYPES, rid
        assert isinstance(r["docs"], list) and all(d in DOC_IDS for d in r["docs"]), rid
        assert len(set(r["docs"])) == len(r["docs"]) <= 2, rid
        assert isinstance(r["evidence"], list) and all(isinstance(e, str) for e in r["evidence"]), rid
        assert isinstance(r["facts"], list), rid
        for group in r["facts"]:
            assert isinstance(group, list) and group, f"{rid}: empty fact group"
            assert all(isinstance(a, str) and a.strip() for a in group), f"{rid}: bad alternative in {group}"
        if "reference" in r:
            assert isinstance(r["reference"], str), rid


def test_ids_unique_and_sequential(gold):
    ids = [r["id"] for r in gold]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    assert ids == [f"dev-{n:03d}" for n in range(1, len(ids) + 1)]


def test_question_language_matches_label(gold):
    for r in gold:
        has_japanese = bool(JAPANESE.search(r["question"]))
        if r["language"] == "ja":
            assert has_japanese, f"{r['id']} is labelled ja but has no Japanese"
        else:
            assert not has_japanese, f"{r['id']} is labelled en but contains Japanese"


def test_unanswerable_and_answerable_shapes(gold):
    for r in gold:
        if answerable(r):
            assert r["docs"] and r["evidence"] and r["facts"], f"{r['id']}: answerable needs docs, evidence, facts"
        else:
            assert not r["docs"] and not r["evidence"] and not r["facts"], f"{r['id']}: unanswerable must be empty"


def test_size_and_mix(gold):
    assert len(gold) >= 80
    languages = Counter(r["language"] for r in gold)
    assert languages["en"] * 4 >= len(gold), languages
    assert languages["ja"] > languages["en"], languages
    types = Counter(r["type"] for r in gold)
    assert set(types) == TYPES, types
    assert types["unanswerable"] >= 5, types
    two_docs = [r for r in gold if len(r["docs"]) == 2]
    assert len(two_docs) >= 5, len(two_docs)


def test_every_document_covered(gold):
    covered = {d for r in gold for d in r["docs"]}
    assert covered == set(DOC_IDS), set(DOC_IDS) - covered


def test_evidence_quote_shape(gold):
    for r in gold:
        for quote in r["evidence"]:
            assert 3 <= len(quote) <= 40, f"{r['id']}: quote length {len(quote)}: {quote!r}"
            assert quote == quote.strip(), f"{r['id']}: quote has outer whitespace: {quote!r}"
            assert not any(m in quote for m in MARKUP), f"{r['id']}: quote carries markup: {quote!r}"
            assert not quote.startswith("- "), f"{r['id']}: quote starts with a bullet: {quote!r}"


# ---------------------------------------------------------------- grounding in the seeds


def lines_holding(quote: str, lines: list[str]) -> list[int]:
    """Indexes of the lines that hold the quote.

    A quote under 8 characters must be a whole table cell (cells split on tabs or Markdown
    pipes) or a whole line, so that 「498」 counts only where it stands alone.
    """
    hits = []
    for index, line in enumerate(lines):
        if quote not in line:
            continue
        if len(quote) < 8 and quote not in {cell.strip() for cell in re.split(r"[\t|]", line)}:
            continue
        hits.append(index)
    return hits


def test_evidence_verbatim_in_a_gold_seed(gold, seeds):
    problems = []
    for r in gold:
        supported = set()
        for quote in r["evidence"]:
            docs = [d for d in r["docs"] if lines_holding(quote, seeds[d])]
            if not docs:
                problems.append(f"{r['id']}: {quote!r} is not verbatim on one line of {r['docs']}")
            supported.update(docs)
        if supported != set(r["docs"]) and r["evidence"]:
            problems.append(f"{r['id']}: no evidence from {sorted(set(r['docs']) - supported)}")
    assert not problems, "\n".join(problems)


def test_facts_supported_by_gold_seeds(gold, seeds):
    problems = []
    for r in gold:
        if not answerable(r):
            continue
        text = normalise("\n".join(line for d in r["docs"] for line in seeds[d]))
        for group in r["facts"]:
            if not any(normalise(alt) in text for alt in group):
                problems.append(f"{r['id']}: no alternative of {group} in {r['docs']}")
    assert not problems, "\n".join(problems)


def chapter_starts(lines: list[str]) -> list[int]:
    squashed = [re.sub(r"\s+", "", line) for line in lines]
    starts = []
    for heading in CHAPTERS_004:
        assert heading in squashed, f"heading {heading!r} not found in 004's seed"
        starts.append(squashed.index(heading))
    assert starts == sorted(starts), "004's headings are out of order"
    return starts


def test_every_004_chapter_covered(gold, seeds):
    lines = seeds["004"]
    starts = chapter_starts(lines)
    covered = Counter()
    for r in gold:
        if "004" not in r["docs"]:
            continue
        for quote in r["evidence"]:
            hits = lines_holding(quote, lines)
            if hits:
                position = bisect.bisect_right(starts, hits[0]) - 1
                if position >= 0:
                    covered[CHAPTERS_004[position]] += 1
    missing = [c for c in CHAPTERS_004 if not covered[c]]
    assert not missing, f"004 chapters without evidence: {missing}"


def test_helpers_catch_bad_entries(seeds):
    """The checks above can fail: a quote across a line break, a short non-cell quote, an unsupported fact."""
    lines = seeds["001"]
    assert not lines_holding("金融機関227", lines)  # broken across lines in the seed
    assert lines_holding("関227、商社98等", lines)
    assert not lines_holding("227", lines)  # too short and not a whole cell
    assert lines_holding("567", seeds["002"])  # a whole table cell (tabs)
    assert lines_holding("413億円", seeds["000"])  # a whole table cell (Markdown pipes)
    assert normalise("１０，７００社") == "10,700社"
    assert normalise("TOHOKU ものづくりコリドー") == normalise("TOHOKUものづくりコリドー")
    assert normalise("sales partner") not in normalise("\n".join(seeds["004"]))
