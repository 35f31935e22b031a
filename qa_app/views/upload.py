"""取り込み / Add documents: upload PDFs, ingest them, make them searchable."""

from __future__ import annotations

import streamlit as st

from qa_app.views import shared as S
from qa_app.uploads import MAX_UPLOAD_MB, check_upload

st.title("取り込み / Add documents")

svc = S.service()
st.markdown(
    f"PDF を追加すると索引に取り込まれ、質問と検索の対象になります。1 ファイル {MAX_UPLOAD_MB} MB まで。  \n"
    f"Add PDFs (up to **{MAX_UPLOAD_MB} MB per file**); they are saved in {S.md(svc.uploads_dir())} and ingested. "
    "A file must really be a PDF (start with “%PDF-”); names are made safe, and a different file never "
    "silently overwrites one already there. Documents already indexed are never lost: each document is "
    "ingested in one transaction, and a file that fails is reported and left out.")

state = st.session_state
state.setdefault("upload_gen", 0)          # bumped to empty the uploader after an ingest
state.setdefault("upload_results", None)

# No `type=`: with it, Streamlit raises for a file name holding a NUL byte and the page breaks;
# every upload is checked for the %PDF- signature instead (check_upload), and named safely.
files = st.file_uploader("PDF ファイル / PDF files", accept_multiple_files=True,
                         max_upload_size=MAX_UPLOAD_MB, key=f"uploader_{state.upload_gen}")
replace = st.checkbox("同じ名前の以前のアップロードを置き換える / Replace an earlier upload of the same name",
                      key="upload_replace")

if st.button("取り込む / Ingest", type="primary", disabled=not files, key="upload_go"):
    payload = [(f.name, f.getvalue()) for f in files]
    total = sum(not check_upload(name, data) for name, data in payload)
    bar = st.progress(0.0, text=f"0 / {total}")
    done = [0]

    def on_file(result) -> None:
        done[0] += 1
        bar.progress(min(done[0] / max(total, 1), 1.0), text=f"{done[0]} / {total} — {result.doc_id}: {result.status}")

    try:
        with st.spinner("取り込み中… / Ingesting…"):
            outcomes = svc.add_documents(payload, replace=replace, on_file=on_file)
    except Exception as e:  # noqa: BLE001 -- one line for the user (e.g. another ingest holds the index)
        S.log.exception("upload failed")
        st.error("取り込めませんでした / Could not ingest: " + S.md(S.one_line(e)))
        st.stop()
    bar.progress(1.0, text=f"{done[0]} / {total}")
    S.invalidate()
    state.upload_results = [o.row() for o in outcomes]
    state.upload_gen += 1
    st.rerun()

if state.upload_results:
    rows = state.upload_results
    ok = [r for r in rows if r["status"] in ("added", "replaced", "unchanged")]
    bad = [r for r in rows if r["status"] in ("failed", "rejected")]
    if ok:
        st.success(f"{len(ok)} file(s) in the index — added {sum(r['status'] == 'added' for r in ok)}, "
                   f"replaced {sum(r['status'] == 'replaced' for r in ok)}, "
                   f"unchanged {sum(r['status'] == 'unchanged' for r in ok)}.")
    if bad:
        st.error(f"{len(bad)} file(s) not added: " + S.md("; ".join(f"{r['file']}: {r['reason / note']}" for r in bad)))
    st.dataframe(rows, hide_index=True, width="stretch")
