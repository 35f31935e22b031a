"""評価 / Evaluation: the latest `policyqa eval` report — summary, charts, per-question results.

Reads ``metrics.json`` and the PNG charts that ``policyqa eval`` writes, from
``eval/reports/latest/`` (or ``$POLICYQA_EVAL_DIR``, or the folder typed on the page).
Nothing is computed here; the page only shows what the harness wrote.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import streamlit as st

from eval.harness import DEFAULT_OUT, GROUPS, LANG_LABEL, summary_table

st.title("評価 / Evaluation")

default_dir = os.environ.get("POLICYQA_EVAL_DIR") or str(DEFAULT_OUT)
folder = Path(st.text_input("レポートのフォルダ / Report folder", value=default_dir, key="eval_dir").strip()
              or default_dir).expanduser()
metrics_file = folder / "metrics.json"

if not metrics_file.is_file():
    st.info(f"評価レポートがありません / No evaluation report in `{folder}`.  \n"
            "Run the evaluation first (about 2–3 minutes on the bundled development set):")
    st.code("policyqa eval                       # all four configurations on eval/gold/dev.jsonl\n"
            "policyqa eval --gold my_gold.jsonl --configs default,bm25 --out "
            f"{folder}", language="sh")
    st.stop()

try:
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    names: list[str] = metrics["configs"]
except (OSError, ValueError, KeyError) as e:
    st.error(f"`{metrics_file}` を読めません / cannot be read: {e}")
    st.stop()

gold = metrics.get("gold", {})
st.caption(f"{metrics.get('created', '')} · gold `{gold.get('path', '?')}` — {gold.get('questions', '?')} questions "
           f"({gold.get('answerable', '?')} answerable) · configurations: {', '.join(names)} · "
           f"{metrics.get('wall_s', 0):.0f} s")

summary_tab, charts_tab, questions_tab = st.tabs(["概要 / Summary", "グラフ / Charts", "質問別 / Per question"])

with summary_tab:
    group = st.radio("言語 / Language", list(GROUPS), index=len(GROUPS) - 1, format_func=LANG_LABEL.get,
                     horizontal=True, key="eval_summary_lang")
    st.dataframe([dict(zip(["metric", *names], row)) for row in summary_table(metrics, group)],
                 hide_index=True, width="stretch")
    mem = metrics.get("memory", {})
    st.caption(f"Peak memory (maxrss): {mem.get('peak_rss_mb', 0):.0f} MB; retrieval metrics over answerable "
               "questions, answer metrics at the engine's default refusal thresholds "
               f"{metrics.get('thresholds', {})}. Definitions: `report.md` in the report folder.")
    report = folder / "report.md"
    if report.is_file():
        st.download_button("report.md をダウンロード / Download report.md", report.read_bytes(),
                           file_name="report.md", mime="text/markdown", key="eval_report_md")

with charts_tab:
    shown = 0
    for key, caption in (("metrics", "設定別の指標 / Metrics by configuration"),
                         ("languages", "言語別 / By language"),
                         ("refusal", "拒否のトレードオフ / Refusal trade-off")):
        png = folder / metrics.get("charts", {}).get(key, f"{key}.png")
        if png.is_file():
            st.image(str(png), caption=caption)
            shown += 1
    if not shown:
        st.warning(f"グラフがありません / No chart PNGs in `{folder}`.")

with questions_tab:
    rows = metrics.get("questions", [])
    c1, c2, c3 = st.columns(3)
    configs = c1.multiselect("設定 / Configuration", names, default=names, key="eval_configs")
    languages = c2.multiselect("言語 / Language", ["ja", "en"], default=["ja", "en"], format_func=LANG_LABEL.get,
                               key="eval_langs")
    types = sorted({r["type"] for r in rows})
    chosen_types = c3.multiselect("種類 / Type", types, default=types, key="eval_types")
    misses = st.checkbox("回答の誤りだけ / Only misses (no hit in the top 10, a fact missed, or a wrong refusal)",
                         key="eval_misses")

    def is_miss(r: dict) -> bool:
        if r["type"] == "unanswerable" or r.get("fact_recall") is None:
            return bool(r["answered"])
        return r.get("first_hit_rank") is None or (r.get("fact_recall") or 0) < 1 or not r["answered"]

    table = [
        {"id": r["id"], "config": r["config"], "lang": r["language"], "type": r["type"],
         "first hit rank": r.get("first_hit_rank"), "fact recall": r.get("fact_recall"),
         "citation precision": r.get("citation_precision"), "answered": r["answered"],
         "confidence": r.get("confidence"), "ms": round(r.get("latency_ms") or 0.0),
         "question": r.get("question", ""), "answer": r.get("answer", "")}
        for r in rows
        if r["config"] in configs and r["language"] in languages and r["type"] in chosen_types
        and (not misses or is_miss(r))
    ]
    st.caption(f"{len(table)} rows")
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"fact recall": st.column_config.NumberColumn(format="%.2f"),
                                "citation precision": st.column_config.NumberColumn(format="%.2f"),
                                "confidence": st.column_config.NumberColumn(format="%.3f")})
