"""質問 / Ask: a question in, an answer with citations out, each citation shown on its page."""

from __future__ import annotations

import time
from collections import OrderedDict

import streamlit as st

from qa_app.limits import MAX_QUESTION_CHARS
from qa_app.views import shared as S

st.title("質問 / Ask")

if not S.index_exists():
    S.no_index_message()
    st.stop()

state = st.session_state
state.setdefault("history", [])      # one dict per question asked in this session
state.setdefault("current", None)    # index into history of the answer on show

docs = S.documents()
doc_labels = {d.doc_id: d.label for d in docs}

with st.form("ask_form"):
    question = st.text_input(
        "質問（日本語または英語） / Question (Japanese or English)", key="question", max_chars=MAX_QUESTION_CHARS,
        placeholder="例 / e.g. セールスパートナーを活用しているクラスターは？ — Which clusters use sales partners?")
    chosen = st.multiselect("資料で絞り込む（任意） / Only these documents (optional)", list(doc_labels),
                            format_func=lambda d: doc_labels.get(d, d), key="doc_filter")
    submitted = st.form_submit_button("質問する / Ask", type="primary")

# The models and the index load once per server, as soon as this page is first opened.
host = S.get_host()

if submitted:
    if not question.strip():
        st.warning("質問を入力してください / Type a question first.")
    else:
        try:
            with st.spinner("回答を探しています… / Looking for the answer…"):
                asked = host.ask(question, list(chosen))
        except Exception as e:  # noqa: BLE001 -- one line for the user; the traceback goes to the server log
            S.log.exception("question failed: %r", question[:200])
            st.error("質問に答えられませんでした / Could not answer: " + S.md(S.one_line(e)))
        else:
            state.history.append({"question": asked.answer.question, "docs": list(chosen), "answer": asked.answer,
                                  "ms": asked.ms, "nth": asked.nth, "warning": asked.warning,
                                  "at": time.strftime("%H:%M:%S"), "selected": None})
            state.current = len(state.history) - 1


def _reopen(i: int) -> None:
    st.session_state.current = i


def _select(i: int, n: int) -> None:
    entry = st.session_state.history[i]
    entry["selected"] = None if entry["selected"] == n else n


with st.sidebar:
    if state.history:
        st.markdown("**履歴 / History**")
        for i in range(len(state.history) - 1, -1, -1):
            h = state.history[i]
            mark = "▶ " if i == state.current else ""
            st.button(f"{mark}{S.md(h['question'][:60])}", key=f"history_{i}", on_click=_reopen, args=(i,),
                      help=S.md(f"{h['at']} · {h['ms']:.0f} ms"), width="stretch")

if state.current is None:
    st.info("質問を入力して「質問する / Ask」を押してください。回答の各文には根拠の資料・ページが付きます。"
            " / Ask a question; every answer cites the document, page and lines it comes from.")
    st.stop()

idx = state.current
entry = state.history[idx]
answer = entry["answer"]
by_id = {d.doc_id: d for d in docs}

st.subheader(S.md(answer.question), anchor=False)
if entry["docs"]:
    st.caption("資料 / Documents: " + S.md(", ".join(doc_labels.get(d, d) for d in entry["docs"])))

if entry.get("warning"):
    st.warning("キーワード検索のみ / Keyword search only: " + S.md(entry["warning"]))
if answer.answerable:
    st.markdown(S.md(answer.answer))
    for note in answer.notes:     # e.g. the search kept to the edition the question names
        st.caption("注 / Note: " + S.md(note))
else:
    st.warning(S.md(answer.answer or "回答できません / No answer found in the documents."))
    for note in answer.notes:
        st.caption("理由 / Why: " + S.md(note))

# ---------------------------------------------------------------- citations

if answer.citations:
    st.markdown("#### 根拠 / Citations")
    for c in answer.citations:
        about = f" — {S.md(c.subject)}" if c.subject else ""
        st.button(f"[{c.n}] {S.md(c.title)} p.{c.page}{about}", key=f"cite_{idx}_{c.n}", on_click=_select,
                  args=(idx, c.n), type="primary" if entry["selected"] == c.n else "secondary", width="stretch")


def _chunk_text(chunk_id: str) -> tuple[str, object | None]:
    for p in answer.passages:
        if p.chunk.chunk_id == chunk_id:
            return p.chunk.text, p.chunk
    chunk = host.get_chunks([chunk_id]).get(chunk_id)
    return (chunk.text, chunk) if chunk else ("", None)


selected = next((c for c in answer.citations if c.n == entry["selected"]), None)
if selected is not None:
    c = selected
    doc = by_id.get(c.doc_id)
    pdf = doc.pdf if doc and doc.pdf and doc.pdf.exists() else S.find_pdf(c.doc_id, doc.path if doc else "")
    with st.container(border=True):
        about = f" — {S.md(c.subject)}" if c.subject else ""
        st.markdown(f"**\\[{c.n}\\] {S.md(c.title)}** p.{c.page}{about}")
        st.caption(f"{S.md(c.doc_id)} · 節 / Section: {S.md(c.section or '—')}")
        left, right = st.columns([3, 2])
        with left:
            if pdf is None:
                st.info(f"PDF が見つかりません / The PDF of {S.md(c.doc_id)} is not on this machine.")
            else:
                boxes = tuple((p, b.x0, b.top, b.x1, b.bottom) for p, b in c.boxes)
                t0 = time.perf_counter()
                rendered = S.highlighted_pages(str(pdf), pdf.stat().st_mtime, boxes, c.text)
                S.log.info("citation [%d] %s p.%d rendered in %.0f ms", c.n, c.doc_id, c.page,
                           (time.perf_counter() - t0) * 1000)
                if not rendered:
                    st.info("この引用の位置情報がありません / No position recorded for this quote.")
                for page, png, exact, note in rendered:
                    caption = S.md(f"{c.title} p.{page}" + ("" if exact else f" — {note}"))
                    st.image(png, caption=caption, width="stretch")
        with right:
            st.markdown("**引用 / Quote**")
            st.markdown("> " + S.md(c.text).replace("\n", "\n> "))
            text, chunk = _chunk_text(c.chunk_id)
            if text:
                st.markdown("**前後の文脈 / In context**")
                st.markdown(S.mark_quote(text, c.text, c.start))
                S.show_footnotes(chunk)
            if chunk is not None and getattr(chunk, "section", None):
                st.caption("節 / Section path: " + S.md(" > ".join(chunk.section)))
            if pdf is not None:
                st.download_button("PDF をダウンロード / Download the PDF", data=pdf.read_bytes(),
                                   file_name=pdf.name, mime="application/pdf", key=f"pdf_{idx}_{c.n}",
                                   icon=":material/download:")

# ---------------------------------------------------------------- closest passages

if answer.passages:
    with st.expander("関連する箇所 / Closest passages", expanded=not answer.answerable):
        for n, p in enumerate(answer.passages[:8], start=1):
            ch = p.chunk
            about = f" — {S.md(ch.subject)}" if ch.subject else ""
            st.markdown(f"**{n}\\. {S.md(ch.title)}** p.{ch.page}{about}")
            st.caption(f"{S.md(ch.doc_id)} · {S.md(ch.section_path)}")
            st.markdown(S.md(ch.text[:400]) + ("…" if len(ch.text) > 400 else ""))

# ---------------------------------------------------------------- export and timings

if answer.citations:
    row = st.container(horizontal=True)
    row.download_button("根拠を CSV で / Evidence as CSV", data=S.evidence_csv(answer),
                        file_name=S.export_name(answer.question, "csv"), mime="text/csv", key=f"csv_{idx}",
                        icon=":material/table:")
    row.download_button("根拠を Markdown で / Evidence as Markdown", data=S.evidence_markdown(answer),
                        file_name=S.export_name(answer.question, "md"), mime="text/markdown", key=f"md_{idx}",
                        icon=":material/article:")

parts = OrderedDict((k, v) for k, v in answer.timings_ms.items())
detail = " · ".join(f"{k} {v:.0f} ms" for k, v in parts.items())
which = (f"first answer of this server; models and index loaded once, in {host.load_ms:.0f} ms"
         if entry["nth"] == 1 else f"answer #{entry['nth']} of this server")
st.caption(f"時間 / Time: {entry['ms']:.0f} ms ({which}) — {detail}")
