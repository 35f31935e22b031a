"""評価 / Evaluation: the latest `policyqa eval` report — splits side by side, charts, per question.

Reads the report `policyqa eval` saved (``metrics.json`` and the chart PNGs) from
``eval/reports/latest/`` (or ``$POLICYQA_EVAL_DIR`` through the settings, or the folder typed on
the page) through the application service (`PolicyQA.evaluation_report`). Nothing is computed here and nothing of the evaluation is
imported: the page only shows what the harness wrote.
"""

from __future__ import annotations

import streamlit as st

from qa_app.reports import DEFAULT_EVAL_REPORT
from qa_app.views.shared import md, service

LANG_LABEL = {"ja": "日本語 (ja)", "en": "英語 (en)", "all": "全体 (all)"}

st.title("評価 / Evaluation")

svc = service()
default_dir = str(svc.settings.eval_dir or DEFAULT_EVAL_REPORT)
folder = st.text_input("レポートのフォルダ / Report folder", value=default_dir, key="eval_dir").strip() or default_dir

try:
    report = svc.evaluation_report(folder)
except ValueError as e:
    st.error(f"レポートを読めません / The report cannot be read: {md(str(e))}")
    st.stop()
if report is None:
    st.info(f"評価レポートがありません / No evaluation report in {md(folder)}.  \n"
            "Run the evaluation first (dev, test and the new-document split, three configurations):")
    st.code("policyqa eval                                   # every split, default vs the two peers\n"
            "policyqa eval --splits dev --configs default,bm25 --out "
            f"{folder}", language="sh")
    st.stop()

metrics = report.metrics
names: list[str] = metrics["configs"]
splits: list[str] = metrics["splits"]
st.caption(f"{metrics.get('created', '')} · splits: {', '.join(splits)} · configurations: {', '.join(names)} · "
           f"{metrics.get('wall_s', 0):.0f} s")
for split, why in metrics.get("skipped", {}).items():
    st.warning(md(f"{split} {why}"))

summary_tab, charts_tab, questions_tab = st.tabs(["概要 / Summary", "グラフ / Charts", "質問別 / Per question"])

with summary_tab:
    table = metrics["table"]
    header = ["metric", *[f"{s} · {n}" for s, n in table["columns"]]]
    st.dataframe([dict(zip(header, row)) for row in table["rows"]], hide_index=True, width="stretch")
    st.caption("Quote the test splits as results: dev is what the settings were tuned on. Answer metrics at the "
               f"engine's default refusal thresholds {metrics.get('thresholds', {})}; the peers never refuse.")
    c1, c2 = st.columns(2)
    split = c1.selectbox("分割 / Split", splits, index=0, key="eval_split")
    group = c2.radio("言語 / Language", ["ja", "en", "all"], index=2, format_func=LANG_LABEL.get,
                     horizontal=True, key="eval_summary_lang")
    st.dataframe([dict(zip(["metric", *names], row)) for row in metrics["summaries"][split][group]],
                 hide_index=True, width="stretch")
    if report.report_md:
        st.download_button("report.md をダウンロード / Download report.md", report.report_md.read_bytes(),
                           file_name="report.md", mime="text/markdown", key="eval_report_md")

with charts_tab:
    charts = report.charts()
    captions = {"splits": "分割ごとの指標 / Each configuration on each split",
                "refusal": "拒否のトレードオフ / Refusal trade-off"}
    for key, png in charts.items():
        st.image(str(png), caption=captions.get(key, key))
    if not charts:
        st.warning(f"グラフがありません / No chart PNGs in {md(folder)}.")

with questions_tab:
    c0, c1, c2, c3 = st.columns(4)
    chosen_splits = c0.multiselect("分割 / Split", splits, default=splits, key="eval_q_splits")
    rows = [{**r, "split": s} for s in chosen_splits for r in metrics["results"][s]["questions"]]
    configs = c1.multiselect("設定 / Configuration", names, default=names, key="eval_configs")
    languages = c2.multiselect("言語 / Language", ["ja", "en"], default=["ja", "en"], format_func=LANG_LABEL.get,
                               key="eval_langs")
    types = sorted({r["type"] for r in rows})
    chosen_types = c3.multiselect("種類 / Type", types, default=types, key="eval_types")
    misses = st.checkbox("回答の誤りだけ / Only misses (no hit in the top 10, a fact missed, or a wrong refusal)",
                         key="eval_misses")

    def is_miss(r: dict) -> bool:
        if r.get("fact_recall") is None:           # unanswerable: answering it is the miss
            return bool(r["answered"])
        return r.get("first_hit_rank") is None or (r.get("fact_recall") or 0) < 1 or not r["answered"]

    shown = [
        {"split": r["split"], "id": r["id"], "config": r["config"], "lang": r["language"], "type": r["type"],
         "first hit rank": r.get("first_hit_rank"), "fact recall": r.get("fact_recall"),
         "evidence cited": r.get("evidence_cited"), "answered": r["answered"],
         "confidence": r.get("confidence"), "ms": round(r.get("latency_ms") or 0.0),
         "question": r.get("question", ""), "answer": r.get("answer", "")}
        for r in rows
        if r["config"] in configs and r["language"] in languages and r["type"] in chosen_types
        and (not misses or is_miss(r))
    ]
    st.caption(f"{len(shown)} rows")
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config={"fact recall": st.column_config.NumberColumn(format="%.2f"),
                                "confidence": st.column_config.NumberColumn(format="%.3f")})
