"""資料 / Browse: the documents in the index, their sections, and keyword-in-context search."""

from __future__ import annotations

import streamlit as st

from qa_app.views import shared as S
from qa_app.browse import document_sections, kwic

st.title("資料 / Browse")

if not S.index_exists():
    S.no_index_message()
    st.stop()

docs = S.documents()
labels = {d.doc_id: d.label for d in docs}
chunks = S.all_chunks()

catalogue_tab, search_tab = st.tabs(["目録 / Catalogue", "文脈検索 / Keyword in context"])

with catalogue_tab:
    st.caption(f"{len(docs)} documents, {sum(d.chunks for d in docs)} passages, "
               f"{sum(d.pages for d in docs)} pages")
    st.dataframe(
        [{"doc_id": d.doc_id, "title": d.title, "publisher": d.publisher, "date": d.date, "pages": d.pages,
          "chunks": d.chunks, "warnings": "; ".join(d.warnings), "file": d.pdf.name if d.pdf else "(missing)"}
         for d in docs],
        hide_index=True, width="stretch",
        column_config={"doc_id": "doc_id", "title": "資料名 / Title", "publisher": "発行 / Publisher",
                       "date": "日付 / Date", "pages": "頁 / Pages", "chunks": "箇所 / Chunks",
                       "warnings": "警告 / Warnings", "file": "PDF"})
    if docs:
        st.markdown("#### 目次 / Sections")
        doc_id = st.selectbox("資料 / Document", list(labels), format_func=lambda d: labels[d], key="browse_doc")
        doc = next(d for d in docs if d.doc_id == doc_id)
        sections = document_sections([c for c in chunks if c.doc_id == doc_id])
        st.dataframe(
            [{"heading": "\u3000" * (len(s.path) - 1) + (s.path[-1] if s.path else "(no heading)"),
              "page": s.first_page, "chunks": s.chunks, "path": " > ".join(s.path)} for s in sections],
            hide_index=True, width="stretch",
            column_config={"heading": "見出し / Heading", "page": "頁 / First page", "chunks": "箇所 / Chunks",
                           "path": "節 / Section path"})
        if doc.warnings:
            st.warning("警告 / Warnings: " + S.md("; ".join(doc.warnings)))
        if doc.pdf:
            st.download_button("PDF をダウンロード / Download the PDF", data=doc.pdf.read_bytes(),
                               file_name=doc.pdf.name, mime="application/pdf", key=f"browse_pdf_{doc_id}",
                               icon=":material/download:")

with search_tab:
    query = st.text_input("語句 / Words to find (exact, after normalisation: ｸﾗｽﾀｰ = クラスター)", key="kwic_query")
    f1, f2 = st.columns(2)
    only_docs = f1.multiselect("資料 / Documents", list(labels), format_func=lambda d: labels[d], key="kwic_docs")
    pool = [c for c in chunks if not only_docs or c.doc_id in only_docs]
    headings = sorted({h for c in pool for h in c.section})
    section = f2.selectbox("節 / Section (any heading of its path)", ["(all)", *headings], key="kwic_section")
    if query.strip():
        hits = kwic(pool, query, width=40, section=None if section == "(all)" else section)
        shown = hits[:200]
        by_id = {c.chunk_id: c for c in pool}
        st.caption(f"{len(hits)} hits" + (f" (first {len(shown)} shown)" if len(hits) > len(shown) else ""))
        for h in shown:
            pages = f"p.{h.page}" if h.page == h.page_end else f"pp.{h.page}–{h.page_end}"
            st.markdown(f"{'…' if h.cut_left else ''}{S.md(h.left)}**{S.md(h.match)}**"
                        f"{S.md(h.right)}{'…' if h.cut_right else ''}")
            st.caption(f"{S.md(h.doc_id)} · {S.md(h.title)} · {pages} · {S.md(h.section or '—')}")
            S.show_footnotes(by_id.get(h.chunk_id))
