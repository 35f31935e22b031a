"""The evaluation report: ``metrics.json`` (everything measured), ``report.md`` (for people) and
the charts, written to one folder; and the side-by-side table the command prints.

``metrics.json`` carries the tables already laid out (``table``: the side-by-side summary;
``summaries``: per split and language group, one row per metric), so a reader such as the
評価 / Evaluation page shows them without any of the evaluation's code
(``qa_app.reports.read_eval_report`` reads the folder back).
"""

from __future__ import annotations

import json
from pathlib import Path

from .metrics import EVIDENCE_WINDOWS, LANGUAGES, NDCG_K
from .peers import PLAIN, PLAIN_PASSAGES, PLAIN_SENTENCES, VANILLA, VANILLA_MAX_QUOTE, VANILLA_SENTENCES
from .scoring import GROUPS, STAGES, THRESHOLDS

LANG_LABEL = {"ja": "日本語 (ja)", "en": "英語 (en)", "all": "全体 (all)"}

# The side-by-side table: (label, aggregate key, language group); "search" rows are latency.
SIDE_BY_SIDE = (
    ("hit@5 ja", "hit@5", "ja"), ("hit@5 en", "hit@5", "en"), ("hit@5 all", "hit@5", "all"),
    ("MRR", "mrr", "all"),
    ("evidence within 1,000 chars", "evidence@1000", "all"),
    ("answers stating every fact", "all_facts", "all"),
    ("answers stating every fact (en)", "all_facts", "en"),
    ("citations holding the evidence", "evidence_cited", "all"),
    ("unanswerable refused ↑", "unanswerable_refused", "all"),
    ("wrong refusals ↓", "answerable_refused", "all"),
)
SEARCH_ROWS = (("search p50 ms", "p50"), ("search p95 ms", "p95"))

SUMMARY_ROWS = (
    ("hit@1", "hit@1"), ("hit@5", "hit@5"), ("hit@10", "hit@10"), ("mrr", "MRR"), ("ndcg@10", "nDCG@10"),
    ("evidence@1000", "evidence@1000"), ("evidence@3000", "evidence@3000"),
    ("fact_recall", "fact recall"), ("all_facts", "all facts"), ("char_f1", "char F1"), ("chrf", "chrF"),
    ("citation_precision", "citation precision"), ("citation_recall", "citation recall"),
    ("evidence_cited", "evidence cited"), ("answerable_refused", "answerable refused ↓"),
    ("unanswerable_refused", "unanswerable refused ↑"),
)


def _f(x, digits: int = 3) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


# ---------------------------------------------------------------- tables

def side_by_side(metrics: dict) -> dict:
    """The command's table: rows = metrics, columns = split × configuration.

    Returns {"columns": [[split, config], ...], "rows": [[label, cell, ...], ...]}."""
    columns = [[s, n] for s in metrics["splits"] for n in metrics["configs"]]
    rows = []
    for label, key, group in SIDE_BY_SIDE:
        cells = []
        for s, n in columns:
            a = metrics["results"][s]["aggregates"][n][group]
            cell = _f(a[key])
            if key == "unanswerable_refused" and a.get("n_unanswerable"):
                cell += f" ({round(a[key] * a['n_unanswerable'])}/{a['n_unanswerable']})"
            cells.append(cell)
        rows.append([label, *cells])
    for label, p in SEARCH_ROWS:
        rows.append([label, *[f"{metrics['results'][s]['latency_ms'][n]['retrieve'][p]:.0f}" for s, n in columns]])
    return {"columns": columns, "rows": rows}


def summary_table(split: dict, configs: list[str], group: str = "all") -> list[list[str]]:
    """One split's rows: [metric, value per config...], every metric, and each stage's latency."""
    agg = split["aggregates"]
    rows = [[label, *[_f(agg[n][group][key]) for n in configs]] for key, label in SUMMARY_ROWS]
    for stage in STAGES:
        for p in ("p50", "p95"):
            rows.append([f"latency {stage} {p} (ms)", *[f"{split['latency_ms'][n][stage][p]:.1f}" for n in configs]])
    return rows


def summary_console_table(metrics: dict):
    """The side-by-side table as a rich Table, for the command line."""
    from rich.table import Table

    t = metrics["table"]
    sizes = ", ".join(f"{s} {metrics['results'][s]['gold']['questions']}" for s in metrics["splits"])
    table = Table(title=f"policyqa eval — questions: {sizes}")
    table.add_column("metric", style="bold")
    previous = None
    for split, config in t["columns"]:
        table.add_column(f"{split if split != previous else ''}\n{config}", justify="right")
        previous = split
    for row in t["rows"]:
        table.add_row(*row)
    return table


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]], align_right_from: int = 1) -> str:
    out = ["| " + " | ".join(_md_cell(h) for h in header) + " |",
           "| " + " | ".join("---" if i < align_right_from else "---:" for i in range(len(header))) + " |"]
    out += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# ---------------------------------------------------------------- report.md

def render_report(metrics: dict) -> str:
    names, splits = metrics["configs"], metrics["splits"]
    L: list[str] = ["# policyqa evaluation report\n"]
    L.append(f"Generated {metrics['created']} in {metrics['wall_s']:.0f} s"
             + (f" by `{metrics['command']}`" if metrics.get("command") else "")
             + f". Splits: {', '.join(f'`{s}`' for s in splits)}; configurations: "
             f"{', '.join(f'`{n}`' for n in names)}. Quote the test splits' figures as results; "
             "`dev` is what the settings were tuned on.\n")
    for split, why in metrics.get("skipped", {}).items():
        L.append(f"- **`{split}` {why}**")
    if metrics.get("skipped"):
        L.append("")

    L.append("## Side by side\n")
    t = metrics["table"]
    L.append(_table(["metric", *[f"{s} · {n}" for s, n in t["columns"]]], t["rows"]))
    L.append("")
    L.append("Retrieval rows are over answerable questions; answer rows at each configuration's operating "
             f"point (the engine's refusal thresholds {metrics['thresholds']}; the peers never refuse). "
             "'search' is the retrieval stage's warm latency. ↑ higher is better, ↓ lower is better, "
             "otherwise higher is better. Definitions at the end.\n")
    load = metrics.get("load_average")
    if load:
        L.append(f"Load average (1, 5, 15 min) at the start {tuple(load['start'])} and the end {tuple(load['end'])} "
                 f"on {load['cpus']} CPUs: the latency rows are indicative; compare configurations within a run.\n")
    L.append(f"![dev vs test per configuration]({metrics['charts']['splits']})\n")

    for split in splits:
        r = metrics["results"][split]
        gold = r["gold"]
        L.append(f"## Split `{split}`\n")
        langs = ", ".join(f"{k} {v}" for k, v in sorted(gold["by_language"].items()))
        types = ", ".join(f"{k} {v}" for k, v in sorted(gold["by_type"].items()))
        idx = metrics["indexes"][r["index"]]
        L.append(f"- gold: `{gold['path']}` (sha256 `{gold['sha256'][:12]}…`): {gold['questions']} questions, "
                 f"{gold['answerable']} answerable; by language: {langs}; by type: {types}")
        L.append(f"- index: `{idx['index_dir']}`" + (f" (ingest {idx['ingest_s']:.1f} s: {idx.get('ingested', 0)} "
                                                   f"ingested, {idx.get('unchanged', 0)} unchanged)"
                                                   if idx.get("ingest_s") is not None else ""))
        for n, info in metrics.get("peers", {}).get(r["index"], {}).items():
            built = "from the cache" if info.get("cached") else f"built in {info.get('build_s', 0):.1f} s"
            size = (f"{info['pages']} pages → {info['nodes']} nodes" if n == VANILLA
                    else f"{info.get('chunks')} chunks, {info.get('sentences')} sentences")
            L.append(f"- `{n}`: {size}, {built}")
        L.append("")
        L.append(_table(["metric", *names], summary_table(r, names, "all")))
        L.append("")
        keys = ("hit@5", "mrr", "evidence@1000", "fact_recall", "all_facts", "evidence_cited",
                "answerable_refused", "unanswerable_refused")
        rows = [[n, g, str(r["aggregates"][n][g]["n"]), *[_f(r["aggregates"][n][g][k]) for k in keys]]
                for n in names for g in GROUPS]
        L.append("By language:\n")
        L.append(_table(["config", "lang", "n", *keys], rows, align_right_from=2))
        L.append("")
        for n, by_lang in r["refusal_tradeoff"].items():
            L.append(f"Refusal trade-off of `{n}` (answers below the threshold refused; counts of unanswerable "
                     "questions answered wrongly and answerable ones refused wrongly; the default in bold):\n")
            header = ["threshold"]
            for lang in LANGUAGES:
                tl = by_lang[lang]
                header += [f"{lang}: answered wrongly (of {tl['n_unanswerable']})",
                           f"{lang}: refused wrongly (of {tl['n_answerable']})"]
            trows = []
            for i, th in enumerate(THRESHOLDS):
                cells = []
                for lang in LANGUAGES:
                    row = by_lang[lang]["table"][i]
                    cells += [str(row["wrongly_answered"]), str(row["wrongly_refused"])]
                mark = any(abs(th - (by_lang[lang]["default_threshold"] or -1)) < 1e-9 for lang in LANGUAGES)
                trows.append([f"**{th:.3f}**" if mark else f"{th:.3f}", *cells])
            L.append(_table(header, trows))
            L.append("")
        L.append("<details><summary>Per question</summary>\n")
        L.append(_per_question(r, names, metrics["k"]))
        L.append("\n</details>\n")

    if metrics["charts"].get("refusal"):
        L.append(f"![refusal trade-off]({metrics['charts']['refusal']})\n")
    L.append("## How each metric is defined\n")
    L.append(METRIC_DEFINITIONS.format(
        k=metrics["k"], ndcg=NDCG_K, windows=" and ".join(f"{w:,}" for w in EVIDENCE_WINDOWS),
        sentences=VANILLA_SENTENCES, limit=VANILLA_MAX_QUOTE, plain=PLAIN, vanilla=VANILLA,
        passages=PLAIN_PASSAGES, plain_sentences=PLAIN_SENTENCES))
    return "\n".join(L) + "\n"


def _per_question(r: dict, names: list[str], k: int) -> str:
    by_q: dict[str, dict[str, dict]] = {}
    for row in r["questions"]:
        by_q.setdefault(row["id"], {})[row["config"]] = row
    header = ["id", "lang", "type"]
    for n in names:
        header += [f"{n} rank", f"{n} facts", f"{n} cited", f"{n} ans"]
    rows = []
    for qid, per in by_q.items():
        first = next(iter(per.values()))
        cells = [qid, first["language"], first["type"]]
        for n in names:
            row = per.get(n)
            if row is None:
                cells += ["", "", "", ""]
                continue
            unans = row["fact_recall"] is None
            rank = "" if unans else (str(row["first_hit_rank"]) if row["first_hit_rank"] else "—")
            cells += [rank, "" if unans else _f(row["fact_recall"], 2),
                      "" if unans else ("✓" if row.get("evidence_cited") else "✗"),
                      "✓" if row["answered"] else "✗"]
        rows.append(cells)
    return (f"First hit rank (— = no gold quote in the top {k}), fact recall, evidence cited, answered "
            "(for unanswerable questions ✗ is right).\n\n" + _table(header, rows, align_right_from=3))


METRIC_DEFINITIONS = """\
All text comparisons use `eval.metrics.match_key` on both sides: the project's NFKC normalisation,
every whitespace character removed, case-folded. Nothing is tokenised on whitespace, so Japanese is
compared as written. Means are plain means over questions, split by the gold `language` (ja, en, all).

**Configurations.** `default`: `AnswerEngine` (hybrid retrieval, extractive answer).
`bm25` / `dense`: the same engine with one retrieval leg. `{plain}`: the documents' clean text (as
the index stored it) cut by llama-index's `SentenceSplitter()` defaults (1,024 tokens, 200 overlap),
BM25 over the same Sudachi terms (`index.terms`) and the same USE vectors, fused by unweighted
reciprocal rank fusion (k = 60), one weight for every language; its answer quotes the
{plain_sentences} sentences of its top {passages} passages closest to the question by USE cosine.
`{vanilla}`: pdfplumber page text, `SentenceSplitter()` defaults, `VectorStoreIndex` over Chroma,
the same embedder; its answer is the first {sentences} sentences of the top passage (at most
{limit} characters). Both peers search k={k} and always answer.

**Retrieval** (answerable questions; the ranking behind the answer: the engine's top {k}
`Answer.passages`, a peer's top {k}). A passage is a *hit* when it contains a gold evidence quote
and comes from a gold document. *hit@k*: the first hit is at rank ≤ k. *MRR*: mean of 1 / rank of
the first hit (0 if none). *nDCG@{ndcg}*: binary relevance, gain 1/log2(rank+1). *evidence@N*
(N = {windows}; "evidence within 1,000 chars"): reading the passages in rank order and stopping
after N characters, a gold quote lies wholly inside what was read.

**Answers** (at the operating point: an engine answer whose confidence is below its language's
threshold counts as a refusal and scores 0). *fact recall*: share of the question's fact groups
with an alternative in the answer text. *all facts* ("answers stating every fact"): share of
answerable questions whose answer states every group. *evidence cited* ("citations holding the
evidence"): share of answerable questions whose answer cites a quote that holds a gold quote from a
gold document. *citation precision*: share of an answer's citations that do, over answers given.
*char F1*, *chrF* (n = 1..6, β = 2): against the `reference` answer, as characters.
*answerable refused* ("wrong refusals", ↓) and *unanswerable refused* (↑): refusal rates.

**Cost.** Latency per question from `Answer.timings_ms` (retrieve = search, extract, total), one
warm process per configuration after one untimed warm-up question; p50/p95 linearly interpolated.
Timings are indicative: other work may share the CPU.
"""


# ---------------------------------------------------------------- the folder

def write_report(metrics: dict, out_dir: str | Path) -> dict:
    """Lay out the tables, draw the charts, and write metrics.json and report.md into ``out_dir``."""
    from .charts import CHARTS, write_charts

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics["table"] = side_by_side(metrics)
    metrics["summaries"] = {s: {g: summary_table(metrics["results"][s], metrics["configs"], g) for g in GROUPS}
                            for s in metrics["splits"]}
    metrics["charts"] = dict(CHARTS)
    write_charts(metrics, out_dir)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1) + "\n",
                                          encoding="utf-8")
    (out_dir / "report.md").write_text(render_report(metrics), encoding="utf-8")
    return metrics


def read_report(out_dir: str | Path) -> dict:
    """What ``write_report`` wrote, read back the way the app reads it."""
    from qa_app.reports import read_eval_report

    report = read_eval_report(out_dir)
    if report is None:
        raise FileNotFoundError(f"no metrics.json in {out_dir}")
    return report.metrics
