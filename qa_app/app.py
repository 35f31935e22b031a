"""policyqa in the browser: ask, browse the documents, add PDFs.

    streamlit run qa_app/app.py            # index: $POLICYQA_INDEX, else .policyqa/index
    policyqa app [--index DIR] [--port N]  # builds the index of the bundled corpus if missing, then runs this

The index directory reaches the app through ``$POLICYQA_INDEX`` (``policyqa app``
sets it for the server it starts). Pages live in ``qa_app/views/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:          # `streamlit run qa_app/app.py` puts only qa_app/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from qa_app.views import shared as S  # noqa: E402
from qa_app.views.shared import documents, index_dir, index_exists  # noqa: E402

st.set_page_config(page_title="policyqa", page_icon="📄", layout="wide")   # an emoji icon is drawn locally

try:
    S.service()
except ValueError as e:          # a malformed setting (SettingsError): one line, not a traceback
    st.error("設定が正しくありません / A setting is wrong: " + S.md(S.one_line(e)))
    st.stop()

pages = [
    st.Page("views/ask.py", title="質問 / Ask", icon=":material/question_answer:", default=True),  # served at /
    st.Page("views/browse.py", title="資料 / Browse", icon=":material/menu_book:", url_path="browse"),
    st.Page("views/upload.py", title="取り込み / Add documents", icon=":material/upload_file:", url_path="add"),
    st.Page("views/evaluation.py", title="評価 / Evaluation", icon=":material/analytics:", url_path="evaluation"),
]
current = st.navigation(pages)

with st.sidebar:
    index = index_dir()
    if index_exists():
        docs = documents()
        st.caption(f"索引 / Index: {S.md(index)} — {len(docs)} documents, {sum(d.chunks for d in docs)} passages")
    else:
        st.caption(f"索引 / Index: {S.md(index)} (not built yet)")

current.run()
