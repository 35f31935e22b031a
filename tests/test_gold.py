"""Checks on the gold sets in eval/gold/: the development set and the two frozen test splits.

- ``dev.jsonl``: tuning questions over the five bundled documents.
- ``test.jsonl``: frozen test split over the same documents, for reporting only.
- ``test_newdocs.jsonl``: frozen test split over documents the settings never saw
  (``eval/gold/newdocs.json`` names them; they live in ../shared/realpdfs, outside the repo).
- ``dev_ict.jsonl``: a second development set over four editions of 総務省「情報通信白書」, whose
  texts live in ../shared/distractors (never in the repo); its grounding checks skip without them.
- ``dev_para.jsonl``: a third development set over three more editions, its Japanese questions
  written strictly in other words than their evidence (checked here); same grounding checks.
- ``dev_coord.jsonl``: a fourth development set over the bundled corpus, a new coordinator's
  questions in their own words (checked as dev_para's are), off-subject ones among the
  unanswerable; grounded in the seeds as dev and test are, and sharing no evidence with test.
- ``dev_real.jsonl``: a fifth development set over six published PDFs in ../shared/realpdfs (the
  three MEXT chapters of test_newdocs and three pdfminer samples), never copied into the repo; its
  grounding checks read the parser's text of those PDFs and skip without them, and it shares no
  evidence or question with either test split.
- ``test_unseen.jsonl``: a frozen test split over three documents written for it and kept in the repo
  (``eval/unseen/*.html``, printed to PDF with Chromium; ``eval/gold/unseen.json`` names the PDFs); its
  quotes and facts are checked against the HTML sources' visible text, never the parsed PDF.

The structural checks need only the files. The grounding checks read the seed texts in
../shared/seeds (evidence verbatim on one line of a gold document's seed, facts supported, 004's
chapters covered) and the text the parser produces from the PDFs (every evidence quote present in
what the index holds, after the evaluation's normalisation); they skip when the files are absent.
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
GOLD_DIR = REPO / "eval" / "gold"
SEEDS = REPO.parent / "shared" / "seeds"
NEWDOCS_MANIFEST = GOLD_DIR / "newdocs.json"

# split name -> (file, id prefix)
SPLITS = {
    "dev": ("dev.jsonl", "dev"),
    "test": ("test.jsonl", "test"),
    "newdocs": ("test_newdocs.jsonl", "newdoc"),
    "dev_ict": ("dev_ict.jsonl", "devict"),
    "dev_para": ("dev_para.jsonl", "devpara"),
    "dev_coord": ("dev_coord.jsonl", "devcoord"),
    "dev_real": ("dev_real.jsonl", "devreal"),
    "unseen": ("test_unseen.jsonl", "unseen"),
}
CORPUS_SPLITS = ("dev", "test", "dev_coord")   # the splits over the bundled corpus
# dev_ict's documents: doc id (the PDF's stem as the index names it) -> its text in ../shared
ICT_TEXTS = REPO.parent / "shared" / "distractors" / "soumu_ict_white_paper"
ICT_DOCS = {"ict_white_paper_h17": "h17.txt", "ict_white_paper_r4": "r4.txt",
            "ict_white_paper_r1": "r1.txt", "ict_white_paper_h23": "h23.txt"}
# dev_para's documents: three editions no other gold file uses
PARA_DOCS = {"ict_white_paper_h21": "h21.txt", "ict_white_paper_h26": "h26.txt", "ict_white_paper_r3": "r3.txt"}
# dev_real's documents: the PDFs' stems in ../shared/realpdfs (as the index names them)
REALPDFS = REPO.parent / "shared" / "realpdfs"
REAL_DOCS = ("mext_st_whitepaper_r6_ch1", "mext_st_whitepaper_r6_ch2", "mext_st_whitepaper_r6_ch5",
             "pdfminer_jo_vertical", "pdfminer_kampo_gazette_vertical", "pdfminer_nlp2004slides")

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


def load_split(split: str) -> list[dict]:
    return read_jsonl(GOLD_DIR / SPLITS[split][0])


def read_jsonl(path: Path) -> list[dict]:
    """A gold file's records; a line that is not JSON fails the test with its number."""
    assert path.exists(), f"{path} is missing"
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            pytest.fail(f"{path.name} line {number} is not JSON: {exc}")
    return records


def newdoc_ids() -> list[str]:
    manifest = json.loads(NEWDOCS_MANIFEST.read_text(encoding="utf-8"))
    return [Path(name).stem for name in manifest["files"]]


def newdoc_paths() -> list[Path]:
    manifest = json.loads(NEWDOCS_MANIFEST.read_text(encoding="utf-8"))
    folder = (REPO / manifest["folder"]).resolve()
    return [folder / name for name in manifest["files"]]


def allowed_docs(split: str) -> set[str]:
    if split == "dev_ict":
        return set(ICT_DOCS)
    if split == "dev_para":
        return set(PARA_DOCS)
    if split == "dev_real":
        return set(REAL_DOCS)
    if split == "unseen":
        return set(unseen_ids())
    return set(newdoc_ids()) if split == "newdocs" else set(DOC_IDS)


@pytest.fixture(scope="module", params=list(SPLITS))
def split(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def gold(split) -> list[dict]:
    return load_split(split)


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


def parsed_text(paths: list[Path], key) -> dict[str, str]:
    """The normalised passage text the index would hold for each PDF (parser + chunker, no embedding)."""
    from ingest.chunker import chunk_document
    from ingest.parser import parse_pdf

    texts: dict[str, str] = {}
    for path in paths:
        _, chunks = chunk_document(parse_pdf(path))
        texts[key(path)] = "\n".join(normalise(c.text) for c in chunks)
    return texts


@pytest.fixture(scope="module")
def corpus_text() -> dict[str, str]:
    """Indexed text of the bundled corpus by three-digit id."""
    paths = sorted((REPO / "corpus").glob("[0-9][0-9][0-9]_*.pdf"))
    if len(paths) < len(DOC_IDS):
        pytest.skip("the bundled corpus PDFs are missing; run `make corpus`")
    return parsed_text(paths, lambda p: p.name[:3])


@pytest.fixture(scope="module")
def newdocs_text() -> dict[str, str]:
    """Indexed text of the new-document split's PDFs by doc id (file stem)."""
    paths = newdoc_paths()
    missing = [p for p in paths if not p.exists()]
    if missing:
        pytest.skip(f"new-document PDFs absent ({missing[0].parent}): they are never copied into the repo")
    return parsed_text(paths, lambda p: p.stem)


def answerable(record: dict) -> bool:
    return record["type"] != "unanswerable"


# ---------------------------------------------------------------- structure (every split)


def test_file_parses_and_is_utf8_without_escapes(split, gold):
    raw = (GOLD_DIR / SPLITS[split][0]).read_text(encoding="utf-8")
    assert "\\u30" not in raw and "\\u4e" not in raw, "write with ensure_ascii=False"
    assert gold, "the gold file is empty"


def test_fields_types_and_values(split, gold):
    docs_allowed = allowed_docs(split)
    prefix = SPLITS[split][1]
    for r in gold:
        rid = r.get("id", "?")
        assert FIELDS <= set(r), f"{rid}: missing {FIELDS - set(r)}"
        assert set(r) <= FIELDS | OPTIONAL, f"{rid}: unknown fields {set(r) - FIELDS - OPTIONAL}"
        assert isinstance(r["id"], str) and re.fullmatch(rf"{prefix}-\d{{3}}", r["id"]), rid
        assert isinstance(r["question"], str) and r["question"].strip(), rid
        assert r["language"] in LANGUAGES, rid
        assert r["type"] in TYPES, rid
        assert isinstance(r["docs"], list) and all(d in docs_allowed for d in r["docs"]), rid
        assert len(set(r["docs"])) == len(r["docs"]) <= 2, rid
        assert isinstance(r["evidence"], list) and all(isinstance(e, str) for e in r["evidence"]), rid
        assert isinstance(r["facts"], list), rid
        for group in r["facts"]:
            assert isinstance(group, list) and group, f"{rid}: empty fact group"
            assert all(isinstance(a, str) and a.strip() for a in group), f"{rid}: bad alternative in {group}"
        if "reference" in r:
            assert isinstance(r["reference"], str), rid


def test_ids_unique_and_sequential(split, gold):
    prefix = SPLITS[split][1]
    ids = [r["id"] for r in gold]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    assert ids == [f"{prefix}-{n:03d}" for n in range(1, len(ids) + 1)]


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


def test_evidence_quote_shape(gold):
    for r in gold:
        for quote in r["evidence"]:
            assert 3 <= len(quote) <= 40, f"{r['id']}: quote length {len(quote)}: {quote!r}"
            assert quote == quote.strip(), f"{r['id']}: quote has outer whitespace: {quote!r}"
            assert not any(m in quote for m in MARKUP), f"{r['id']}: quote carries markup: {quote!r}"
            assert not quote.startswith("- "), f"{r['id']}: quote starts with a bullet: {quote!r}"


def test_every_document_covered(split, gold):
    covered = {d for r in gold for d in r["docs"]}
    assert covered == allowed_docs(split), allowed_docs(split) - covered


# ---------------------------------------------------------------- size and mix, per split


def shares(gold: list[dict]) -> tuple[Counter, Counter]:
    return Counter(r["language"] for r in gold), Counter(r["type"] for r in gold)


def assert_protocol_mix(gold: list[dict], least: int, unanswerable: float = 0.15) -> None:
    """The test protocol's floor (issue 9): ``least`` questions, ≥35 % English, ``unanswerable`` of them
    unanswerable, every type asked in both languages."""
    languages, types = shares(gold)
    assert len(gold) >= least, len(gold)
    assert languages["en"] >= 0.35 * len(gold), languages
    assert types["unanswerable"] >= unanswerable * len(gold), types
    assert set(types) == TYPES, types
    for kind in TYPES:
        assert {r["language"] for r in gold if r["type"] == kind} == LANGUAGES, kind


def test_dev_size_and_mix():
    gold = load_split("dev")
    languages, types = shares(gold)
    assert len(gold) >= 80
    assert languages["en"] * 4 >= len(gold), languages
    assert languages["ja"] > languages["en"], languages
    assert set(types) == TYPES, types
    assert types["unanswerable"] >= 5, types
    assert sum(len(r["docs"]) == 2 for r in gold) >= 5


def test_test_split_size_and_mix():
    """The protocol's floor: ≥100 questions, ≥35 % English, ≥15 % unanswerable, every type."""
    gold = load_split("test")
    assert_protocol_mix(gold, 100)
    assert sum(len(r["docs"]) == 2 for r in gold) >= 3


def test_newdocs_split_size_and_mix():
    gold = load_split("newdocs")
    languages, types = shares(gold)
    assert len(gold) >= 20, len(gold)
    assert types["unanswerable"] >= 3, types
    assert languages["en"] >= 5 and languages["ja"] >= 5, languages


def test_test_splits_share_no_question_with_dev():
    dev = {normalise(r["question"]) for r in load_split("dev")}
    for split in ("test", "newdocs"):
        repeated = [r["id"] for r in load_split(split) if normalise(r["question"]) in dev]
        assert not repeated, f"{split} repeats development questions: {repeated}"


FROZEN_AFTER = 84   # dev questions past dev-084 were written after the test split was frozen
SHARED_RUN = 12     # characters two evidence quotes may share before they are the same evidence


def shares_evidence(a: list[str], b: list[str], run: int = SHARED_RUN) -> bool:
    """Whether a quote of ``a`` and a quote of ``b`` share ``run`` consecutive characters."""
    for x in a:
        for y in b:
            short, long_ = (x, y) if len(x) <= len(y) else (y, x)
            if any(short[i:i + run] in long_ for i in range(max(1, len(short) - run + 1))):
                return True
    return False


def test_later_dev_questions_share_no_evidence_with_test():
    """Tuning on a dev question that quotes a test question's evidence is tuning on the test."""
    test = load_split("test")
    leaks = [(r["id"], t["id"]) for r in load_split("dev")[FROZEN_AFTER:]
             for t in test if shares_evidence(r["evidence"], t["evidence"])]
    assert not leaks, f"dev questions quoting test evidence: {leaks}"


def test_dev_coord_shares_no_evidence_or_question_with_test():
    """dev_coord was written after the test split was frozen, over the same five documents. Only
    dev_coord ids are reported: the test questions' text is never printed."""
    assert_apart_from(load_split("dev_coord"), load_split("test"), "dev_coord")


def assert_apart_from(later: list[dict], frozen: list[dict], name: str) -> None:
    """No question of ``later`` quotes a frozen question's evidence or repeats it; only ``later``'s ids are
    printed, never a frozen question's text."""
    asked = {normalise(t["question"]) for t in frozen}
    leaks = sorted({r["id"] for r in later for t in frozen if shares_evidence(r["evidence"], t["evidence"])})
    repeated = [r["id"] for r in later if normalise(r["question"]) in asked]
    assert not leaks, f"{name} questions quoting test evidence: {leaks}"
    assert not repeated, f"{name} questions repeating a test question: {repeated}"


def test_shared_evidence_check_can_fail():
    assert shares_evidence(["ベンチャー企業へセールspartnerという人材"], ["企業へセールspartnerという人材を派遣"])
    assert not shares_evidence(["ベンチャー企業へ"], ["企業へセールs"])


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


@pytest.mark.parametrize("name", CORPUS_SPLITS)
def test_evidence_verbatim_in_a_gold_seed(name, seeds):
    problems = []
    for r in load_split(name):
        supported = set()
        for quote in r["evidence"]:
            docs = [d for d in r["docs"] if lines_holding(quote, seeds[d])]
            if not docs:
                problems.append(f"{r['id']}: {quote!r} is not verbatim on one line of {r['docs']}")
            supported.update(docs)
        if supported != set(r["docs"]) and r["evidence"]:
            problems.append(f"{r['id']}: no evidence from {sorted(set(r['docs']) - supported)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", CORPUS_SPLITS)
def test_facts_supported_by_gold_seeds(name, seeds):
    problems = []
    for r in load_split(name):
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


@pytest.mark.parametrize("name", CORPUS_SPLITS)
def test_every_004_chapter_covered(name, seeds):
    lines = seeds["004"]
    starts = chapter_starts(lines)
    covered = Counter()
    for r in load_split(name):
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


# ---------------------------------------------------------------- grounding in the indexed text


def missing_from_index(records: list[dict], texts: dict[str, str]) -> list[str]:
    problems = []
    for r in records:
        for quote in r["evidence"]:
            if not any(normalise(quote) in texts.get(d, "") for d in r["docs"]):
                problems.append(f"{r['id']}: {quote!r} is not in the indexed text of {r['docs']}")
    return problems


@pytest.mark.parametrize("name", ("test", "dev_coord"))
def test_evidence_in_indexed_corpus_text(name, corpus_text):
    """What the evaluation matches: a quote must be findable in the passages the index holds."""
    problems = missing_from_index(load_split(name), corpus_text)
    assert not problems, "\n".join(problems)


def test_newdocs_evidence_and_facts_in_indexed_text(newdocs_text):
    records = load_split("newdocs")
    problems = missing_from_index(records, newdocs_text)
    for r in records:
        text = "\n".join(newdocs_text[d] for d in r["docs"])
        for group in r["facts"]:
            if not any(normalise(alt) in text for alt in group):
                problems.append(f"{r['id']}: no alternative of {group} in {r['docs']}")
    assert not problems, "\n".join(problems)


def test_index_check_can_fail(corpus_text):
    """A quote that spans a page's furniture or is simply absent is reported."""
    fake = [{"id": "x", "docs": ["004"], "evidence": ["このクラスターは存在しない架空の文"]}]
    assert missing_from_index(fake, corpus_text)
    real = [{"id": "y", "docs": ["001"], "evidence": ["関227、商社98等"]}]
    assert not missing_from_index(real, corpus_text)


# ---------------------------------------------------------------- dev_ict (second development set)


def test_dev_ict_size_and_mix():
    gold = load_split("dev_ict")
    languages, types = shares(gold)
    assert sum(answerable(r) for r in gold) >= 45, types
    assert types["unanswerable"] >= 12, types
    assert languages["en"] >= 0.4 * len(gold), languages
    assert set(types) == TYPES, types


def ict_grounding_problems(split: str, docs: dict[str, str]) -> list[str]:
    """Every quote on one line of its white paper's text; a fact alternative in that text."""
    if not all((ICT_TEXTS / name).exists() for name in docs.values()):
        pytest.skip(f"{ICT_TEXTS} is absent: the white papers' texts are never copied into the repo")
    lines = {doc: (ICT_TEXTS / name).read_text(encoding="utf-8").splitlines() for doc, name in docs.items()}
    problems = []
    for r in load_split(split):
        for quote in r["evidence"]:
            if not any(lines_holding(quote, lines[d]) for d in r["docs"]):
                problems.append(f"{r['id']}: {quote!r} is not verbatim on one line of {r['docs']}")
        text = normalise("\n".join(line for d in r["docs"] for line in lines[d]))
        for group in r["facts"]:
            if not any(normalise(alt) in text for alt in group):
                problems.append(f"{r['id']}: no alternative of {group} in {r['docs']}")
    return problems


def test_dev_ict_evidence_verbatim_and_facts_supported():
    problems = ict_grounding_problems("dev_ict", ICT_DOCS)
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- dev_para (third development set)


def test_dev_para_size_and_mix():
    """Enough of each kind to judge a refusal rule: ≥35 % English, about a quarter near misses."""
    gold = load_split("dev_para")
    languages, types = shares(gold)
    assert sum(answerable(r) for r in gold) >= 60, types
    assert types["unanswerable"] >= 0.2 * len(gold), types
    assert languages["en"] >= 0.35 * len(gold), languages
    assert set(types) == TYPES, types


def test_dev_para_evidence_verbatim_and_facts_supported():
    problems = ict_grounding_problems("dev_para", PARA_DOCS)
    assert not problems, "\n".join(problems)


PARAPHRASE_RUN = 6   # characters a Japanese question may not share with its evidence
# A shared run that is only a figure or a Latin-script name (2019, 9,091万 is not: 万 is kanji) is
# how anyone would write it, not copied phrasing.
FIGURE_OR_NAME = re.compile(r"[0-9a-z,.%~～\-/／・()（）]+")


def copied_run(question: str, quotes: list[str]) -> str:
    """The longest run of characters (after the evaluation's normalisation) a question shares with
    any of its quotes."""
    from difflib import SequenceMatcher

    q, best = normalise(question), ""
    for quote in quotes:
        e = normalise(quote)
        m = SequenceMatcher(None, q, e, autojunk=False).find_longest_match(0, len(q), 0, len(e))
        if m.size > len(best):
            best = q[m.a:m.a + m.size]
    return best


@pytest.mark.parametrize("name", ("dev_para", "dev_coord", "dev_real"))
def test_questions_paraphrase_their_evidence(name):
    """dev_para and dev_coord exist to judge the rules on questions in a user's own words: no
    Japanese question shares a run of PARAPHRASE_RUN characters with its evidence, unless the run
    is a figure or a Latin-script name."""
    copied = []
    for r in load_split(name):
        if r["language"] != "ja":
            continue
        run = copied_run(r["question"], r["evidence"])
        if len(run) >= PARAPHRASE_RUN and not FIGURE_OR_NAME.fullmatch(run):
            copied.append(f"{r['id']}: {run!r}")
    assert not copied, "questions copying their evidence: " + ", ".join(copied)


def test_paraphrase_check_can_fail():
    assert copied_run("迷惑メールを受信した世帯は？", ["「迷惑メールを受信」が36.3％"]) == "迷惑メールを受信"
    assert copied_run("自宅で迷惑メールが届いた世帯は？", ["「迷惑メールを受信」が36.3％"]) == "迷惑メール"
    assert FIGURE_OR_NAME.fullmatch("9,091") and FIGURE_OR_NAME.fullmatch("ftth")
    assert not FIGURE_OR_NAME.fullmatch("9,091万人")


# ---------------------------------------------------------------- dev_coord (fourth development set)


def test_dev_coord_size_and_mix():
    """The test split's kind over the same documents: ≥35 % English, ≥20 % unanswerable, every type
    in both languages, a few questions needing two documents."""
    gold = load_split("dev_coord")
    assert_protocol_mix(gold, 60, unanswerable=0.2)
    assert sum(answerable(r) for r in gold) >= 40
    assert sum(len(r["docs"]) == 2 for r in gold) >= 2


# ---------------------------------------------------------------- dev_real (fifth development set)


def test_dev_real_size_and_mix():
    """≥35 questions, ≥35 % English, ≥15 % unanswerable, every type in both languages, most over the
    three MEXT chapters."""
    gold = load_split("dev_real")
    assert_protocol_mix(gold, 35)
    answered = [r for r in gold if answerable(r)]
    mext = [r for r in answered if any(d.startswith("mext_") for d in r["docs"])]
    assert len(mext) * 2 > len(answered), (len(mext), len(answered))


@pytest.fixture(scope="module")
def realpdfs_parsed() -> tuple[dict[str, list[str]], dict[str, str]]:
    """dev_real's PDFs as the ingest reads them: each one's text lines (block by block, as the parser
    gives them) and its normalised indexed text (parser + chunker), by doc id."""
    paths = [REALPDFS / f"{doc}.pdf" for doc in REAL_DOCS]
    missing = [p for p in paths if not p.exists()]
    if missing:
        pytest.skip(f"{missing[0]} is absent: dev_real's PDFs live in ../shared/realpdfs, never in the repo")
    from ingest.chunker import chunk_document
    from ingest.parser import parse_pdf

    lines: dict[str, list[str]] = {}
    texts: dict[str, str] = {}
    for path in paths:
        document = parse_pdf(path)
        lines[path.stem] = [line for page in document.pages for block in page.blocks
                            for line in block.text.splitlines()]
        _, chunks = chunk_document(document)
        texts[path.stem] = "\n".join(normalise(c.text) for c in chunks)
    return lines, texts


def test_dev_real_evidence_and_facts_in_indexed_text(realpdfs_parsed):
    """Every quote verbatim on one line of a gold PDF's parsed text (a quote under 8 characters only as
    a whole line) and, after normalisation, in the passages the index holds; every fact group has an
    alternative in the gold PDFs' indexed text."""
    lines, texts = realpdfs_parsed
    records = load_split("dev_real")
    problems = missing_from_index(records, texts)
    for r in records:
        for quote in r["evidence"]:
            if not any(lines_holding(quote, lines[d]) for d in r["docs"]):
                problems.append(f"{r['id']}: {quote!r} is not verbatim on one parsed line of {r['docs']}")
        text = "\n".join(texts[d] for d in r["docs"])
        for group in r["facts"]:
            if not any(normalise(alt) in text for alt in group):
                problems.append(f"{r['id']}: no alternative of {group} in {r['docs']}")
    assert not problems, "\n".join(problems)


def test_dev_real_shares_no_evidence_or_question_with_test():
    """dev_real was written after both test splits were frozen, three of its PDFs being test_newdocs'.
    Only dev_real ids are reported: the test questions' text is never printed."""
    assert_apart_from(load_split("dev_real"), load_split("test") + load_split("newdocs"), "dev_real")


# ---------------------------------------------------------------- test_unseen (frozen test over new documents)
#
# Three documents written for this split (eval/unseen/<stem>.html, printed to <stem>.pdf by Chromium
# with conftest's chromium_pdf flags), listed in eval/gold/unseen.json. Evidence and facts are checked
# against the HTML's visible text, never the parsed PDF: a parser fault must show as a failed question,
# not as an edited quote.

UNSEEN_MANIFEST = GOLD_DIR / "unseen.json"
UNSEEN_PAGES = (4, 7)          # pages each printed document must have
UNSEEN_MAX_BYTES = 400 * 1024  # a PDF the repository can carry
UNSEEN_MIN_QUOTE = 8           # characters; shorter only as a whole table cell of at least 3
# block elements: a quote never runs from one into another (nor across a <br>)
HTML_BLOCKS = {"html", "body", "div", "section", "article", "header", "footer", "main", "aside", "nav",
               "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "blockquote",
               "figure", "figcaption", "table", "caption", "thead", "tbody", "tfoot", "tr", "td", "th",
               "svg", "g", "text", "pre", "address"}
# not printed in the running text: the head (title, style), scripts and ruby readings, which the PDF
# prints apart, above their base characters
HTML_HIDDEN = {"head", "style", "script", "template", "rt", "rp"}
CELL_TAGS = {"td", "th"}


def unseen_manifest() -> dict:
    return json.loads(UNSEEN_MANIFEST.read_text(encoding="utf-8"))


def unseen_folder() -> Path:
    return (REPO / unseen_manifest()["folder"]).resolve()


def unseen_ids() -> list[str]:
    return [Path(name).stem for name in unseen_manifest()["files"]]


def html_blocks(source: str) -> list[tuple[str, str]]:
    """The visible text of an HTML document as (tag, text) pieces, one per block element's own text
    (split where a child block or a <br> interrupts it), whitespace collapsed; <rt>/<rp> and the head
    left out."""
    from html.parser import HTMLParser

    class Blocks(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.pieces: list[tuple[str, str]] = []
            self.open: list[tuple[str, list[str]]] = []
            self.hidden = 0

        def flush(self) -> None:
            if self.open:
                tag, parts = self.open[-1]
                text = re.sub(r"\s+", " ", "".join(parts)).strip()
                if text:
                    self.pieces.append((tag, text))
                parts.clear()

        def handle_starttag(self, tag, attrs):
            if tag in HTML_HIDDEN:
                self.hidden += 1
            elif tag == "br":
                self.flush()
            elif tag in HTML_BLOCKS:
                self.flush()
                self.open.append((tag, []))

        def handle_endtag(self, tag):
            if tag in HTML_HIDDEN:
                self.hidden = max(0, self.hidden - 1)
            elif tag in HTML_BLOCKS and any(t == tag for t, _ in self.open):
                while self.open:
                    self.flush()
                    if self.open.pop()[0] == tag:
                        break

        def handle_data(self, data):
            if not self.hidden and self.open:
                self.open[-1][1].append(data)

        def close(self):
            super().close()
            while self.open:
                self.flush()
                self.open.pop()

    parser = Blocks()
    parser.feed(source)
    parser.close()
    return parser.pieces


def quote_in_blocks(quote: str, blocks: list[tuple[str, str]]) -> bool:
    """Whether the quote stands in one block as written (whitespace aside) and, normalised, as the
    evaluation matches; under UNSEEN_MIN_QUOTE characters only as a whole table cell of 3 or more."""
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    for tag, text in blocks:
        if len(quote) >= UNSEEN_MIN_QUOTE:
            if squash(quote) in squash(text) and normalise(quote) in normalise(text):
                return True
        elif tag in CELL_TAGS and len(quote) >= 3 and squash(quote) == squash(text):
            return True
    return False


def blocks_text(blocks: list[tuple[str, str]]) -> str:
    """All visible text, normalised, blocks kept apart (no match runs from one block into the next)."""
    return "\x00".join(normalise(text) for _, text in blocks)


@pytest.fixture(scope="module")
def unseen_html() -> dict[str, list[tuple[str, str]]]:
    """Visible-text blocks of each unseen document's HTML source, by doc id."""
    folder = unseen_folder()
    return {doc: html_blocks((folder / f"{doc}.html").read_text(encoding="utf-8")) for doc in unseen_ids()}


def unseen_grounding_problems(records: list[dict], html: dict[str, list[tuple[str, str]]]) -> list[str]:
    """Every quote in one block of a gold document's HTML, every gold document backed by a quote, every
    fact group with an alternative in the gold documents' visible text."""
    problems = []
    for r in records:
        supported = set()
        for quote in r["evidence"]:
            docs = [d for d in r["docs"] if quote_in_blocks(quote, html.get(d, []))]
            if not docs:
                problems.append(f"{r['id']}: {quote!r} is not in one block of {r['docs']}' HTML")
            supported.update(docs)
        if r["evidence"] and supported != set(r["docs"]):
            problems.append(f"{r['id']}: no evidence from {sorted(set(r['docs']) - supported)}")
        text = "\x01".join(blocks_text(html.get(d, [])) for d in r["docs"])
        for group in r["facts"]:
            if not any(normalise(alt) in text for alt in group):
                problems.append(f"{r['id']}: no alternative of {group} in {r['docs']}")
    return problems


def test_unseen_size_and_mix():
    """The protocol's floor: ≥45 questions, ≥35 % English, ≥15 % unanswerable, every type in both
    languages, every document asked about."""
    gold = load_split("unseen")
    assert_protocol_mix(gold, 45)
    answered = Counter(d for r in gold for d in r["docs"])
    assert all(answered[d] >= 8 for d in unseen_ids()), answered


def test_unseen_evidence_and_facts_in_html(unseen_html):
    problems = unseen_grounding_problems(load_split("unseen"), unseen_html)
    assert not problems, "\n".join(problems)


def test_unseen_questions_paraphrase_their_evidence():
    """No question shares PARAPHRASE_RUN characters with its evidence unless the run is a figure or a
    Latin-script name (dev_para's rule, applied to every question here)."""
    copied = []
    for r in load_split("unseen"):
        run = copied_run(r["question"], r["evidence"])
        if len(run) >= PARAPHRASE_RUN and not FIGURE_OR_NAME.fullmatch(run):
            copied.append(f"{r['id']}: {run!r}")
    assert not copied, "questions copying their evidence: " + ", ".join(copied)


def test_unseen_shares_no_evidence_or_question_with_other_sets():
    """Written after every other set: it quotes no evidence of theirs and repeats none of their questions.
    Only unseen ids are reported, never another set's text."""
    others = [r for name in SPLITS if name != "unseen" for r in load_split(name)]
    assert_apart_from(load_split("unseen"), others, "unseen")


def unseen_file_problems(folder: Path, files: list[str], pages: dict[str, int]) -> list[str]:
    """The manifest's PDFs exist with their HTML sources, within the page range and size; no HTML or PDF
    in the folder outside the manifest. ``pages`` maps a PDF's name to its page count."""
    problems = []
    stems = {Path(f).stem for f in files}
    for name in files:
        pdf = folder / name
        if pdf.suffix != ".pdf" or not pdf.exists():
            problems.append(f"{name}: no such PDF in {folder}")
            continue
        if not pdf.with_suffix(".html").exists():
            problems.append(f"{name}: no HTML source beside it")
        if not UNSEEN_PAGES[0] <= pages.get(name, 0) <= UNSEEN_PAGES[1]:
            problems.append(f"{name}: {pages.get(name, 0)} pages, not {UNSEEN_PAGES[0]}-{UNSEEN_PAGES[1]}")
        if pdf.stat().st_size > UNSEEN_MAX_BYTES:
            problems.append(f"{name}: {pdf.stat().st_size} bytes")
    for path in sorted(folder.glob("*.html")) + sorted(folder.glob("*.pdf")):
        if path.stem not in stems:
            problems.append(f"{path.name}: in {folder.name}/ but not in the manifest")
    return problems


def pdf_pages(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return len(pdf.pages)


def test_unseen_pdfs_and_html_in_pairs():
    manifest = unseen_manifest()
    assert manifest["folder"] == "eval/unseen" and len(manifest["files"]) == 3, manifest
    folder = unseen_folder()
    pages = {name: pdf_pages(folder / name) for name in manifest["files"] if (folder / name).exists()}
    problems = unseen_file_problems(folder, manifest["files"], pages)
    assert not problems, "\n".join(problems)


def test_unseen_checks_can_fail(tmp_path):
    """Each check above reports a bad entry: a quote across blocks, inside a ruby reading, short and not
    a cell; an unsupported fact; a document without evidence; a thin mix; a copied question; a missing,
    unpaired, too short or stray file."""
    html = ("<html><head><title>見出しの題</title><style>p{}</style></head><body>"
            "<p>補助率は<ruby>三分<rt>さんぶ</rt></ruby>の二で、上限は年間３，０００万円とする。</p>"
            "<p>次の段落では別の話をする。</p><table><tr><td>18,650</td><td>令和5～6年度まで</td></tr></table>"
            "<p>二行目の<br>文です。</p></body></html>")
    blocks = {"d": html_blocks(html)}
    assert ("td", "18,650") in blocks["d"]
    assert quote_in_blocks("補助率は三分の二で、上限", blocks["d"])           # ruby base kept
    assert not quote_in_blocks("三分さんぶの二で", blocks["d"])               # reading left out
    assert not quote_in_blocks("見出しの題", blocks["d"])                     # the head is not printed
    assert not quote_in_blocks("万円とする。次の段落", blocks["d"])             # two blocks
    assert not quote_in_blocks("二行目の文です", blocks["d"])                 # across a <br>
    assert not quote_in_blocks("年間3,000万円とする", blocks["d"])            # not as written
    assert quote_in_blocks("18,650", blocks["d"]) and not quote_in_blocks("650", blocks["d"])
    assert not quote_in_blocks("上限は年", blocks["d"])                       # short, not a cell
    bad = [{"id": "u1", "docs": ["d"], "evidence": ["補助率は三分の二で、上限"], "facts": [["3,000万円"], ["2分の1"]]},
           {"id": "u2", "docs": ["d", "e"], "evidence": ["次の段落では別の話"], "facts": [["別の話"]]}]
    problems = unseen_grounding_problems(bad, {**blocks, "e": [("p", "他の文書")]})
    assert any("u1" in p and "2分の1" in p for p in problems)
    assert not any("u1" in p and "3,000万円" in p for p in problems)
    assert any("u2" in p and "no evidence from ['e']" in p for p in problems)
    thin = [{"language": "ja", "type": "fact"}] * 50
    with pytest.raises(AssertionError):
        assert_protocol_mix(thin, 45)
    assert len(copied_run("補助率は三分の二で上限はいくら", ["補助率は三分の二で、上限"])) >= PARAPHRASE_RUN
    folder = tmp_path / "unseen"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(b"%PDF")
    (folder / "b.html").write_text("<p>x</p>", encoding="utf-8")
    (folder / "c.pdf").write_bytes(b"%PDF")
    (folder / "c.html").write_text("<p>x</p>", encoding="utf-8")
    problems = unseen_file_problems(folder, ["a.pdf", "c.pdf", "z.pdf"], {"a.pdf": 5, "c.pdf": 3})
    assert any(p.startswith("a.pdf: no HTML") for p in problems)
    assert any(p.startswith("c.pdf: 3 pages") for p in problems)
    assert any(p.startswith("z.pdf: no such PDF") for p in problems)
    assert any(p.startswith("b.html: in unseen/") for p in problems)
    assert not any(p.startswith("a.pdf: 5 pages") for p in problems)
