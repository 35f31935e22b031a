"""Adding documents (the 取り込み / Add documents page) from uploaded bytes, without Streamlit.

`add_uploads` is the whole flow: check each upload (size, ``%PDF-`` magic),
give it a safe file name inside ``<index>/uploads/``, ingest the accepted files
with `index.ingest`, and report one `UploadOutcome` per upload.

Nothing already indexed is lost: ingest is atomic per document, a file name
never silently overwrites a different existing file (the upload is renamed
instead, unless ``replace`` is asked for), an upload whose document id clashes
with a document indexed from elsewhere (say, the bundled corpus) is renamed
too, and a file that fails to ingest is taken out of the uploads folder again
(with the earlier file of that name restored, when it replaced one).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

MAX_UPLOAD_MB = 50
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
PDF_MAGIC = b"%PDF-"
UPLOADS_DIR = "uploads"
_MAX_STEM = 100


def uploads_dir(index_dir: str | Path) -> Path:
    return Path(index_dir) / UPLOADS_DIR


def safe_filename(name: str) -> str:
    """A file name that is safe to write: no folders, only letters, digits, CJK and ``._-``, ending ``.pdf``.

    >>> safe_filename("../../etc/passwd")
    'passwd.pdf'
    >>> safe_filename("C:\\\\tmp\\\\報告書 (案) 2024.PDF")
    '報告書_案_2024.pdf'
    """
    name = re.split(r"[\\/]", name or "")[-1]                # strip any path, either separator
    # NFKC after the split: a full-width ／ (or ＼) is part of the name, not a folder; it becomes "_" below
    name = unicodedata.normalize("NFKC", name)
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    # str.isalnum covers Latin, digits, kana and kanji alike
    stem = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in stem)
    stem = re.sub(r"_+", "_", stem).strip("._-")
    stem = stem[:_MAX_STEM].rstrip("._-") or "upload"
    return stem + ".pdf"


def check_upload(name: str, data: bytes) -> str:
    """Why this upload cannot be taken ("" when it can)."""
    if not data:
        return "empty file"
    if len(data) > MAX_UPLOAD_BYTES:
        return f"too large: {len(data) / 1024 / 1024:.1f} MB (limit {MAX_UPLOAD_MB} MB per file)"
    if not data.startswith(PDF_MAGIC):
        return "not a PDF: the file does not start with %PDF-"
    return ""


@dataclass
class UploadOutcome:
    name: str                  # as uploaded
    saved_as: str = ""         # file name inside the uploads folder ("" when rejected)
    doc_id: str = ""
    status: str = "rejected"   # rejected | added | replaced | unchanged | failed
    pages: int = 0
    chunks: int = 0
    reason: str = ""           # why rejected or failed; or what was done about a name clash
    warnings: list[str] = field(default_factory=list)

    def row(self) -> dict:
        return {"file": self.name, "saved as": self.saved_as, "doc_id": self.doc_id, "status": self.status,
                "pages": self.pages, "chunks": self.chunks,
                "reason / note": "; ".join(x for x in [self.reason, *self.warnings] if x)}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _indexed_elsewhere(index_dir: Path, target: Path) -> dict[str, str]:
    """doc_id -> path, for indexed documents whose file is not in the uploads folder."""
    from index import list_documents

    return {d.doc_id: d.path for d in list_documents(index_dir)
            if Path(d.path).resolve().parent != target.resolve()}


def _free_name(folder: Path, name: str, taken: set[str]) -> str:
    stem = name[:-4]
    n = 2
    while True:
        candidate = f"{stem}-{n}.pdf"
        if not (folder / candidate).exists() and candidate[:-4] not in taken:
            return candidate
        n += 1


def save_uploads(files: Iterable[tuple[str, bytes]], index_dir: str | Path, *, replace: bool = False
                 ) -> tuple[list[UploadOutcome], list[tuple[UploadOutcome, Path, Path | None]]]:
    """Check and write uploads. Returns (every outcome in upload order, accepted as (outcome, path, backup))."""
    index_dir = Path(index_dir)
    folder = uploads_dir(index_dir)
    folder.mkdir(parents=True, exist_ok=True)
    elsewhere = _indexed_elsewhere(index_dir, folder)
    accepted: list[tuple[UploadOutcome, Path, Path | None]] = []
    outcomes: list[UploadOutcome] = []
    names_this_batch: set[str] = set()
    for original, data in files:
        outcome = UploadOutcome(name=original)
        outcomes.append(outcome)
        reason = check_upload(original, data)
        if reason:
            outcome.reason = reason
            continue
        name = safe_filename(original)
        notes: list[str] = []
        if name != Path(re.split(r"[\\/]", original)[-1]).name:
            notes.append(f"saved as {name}")
        if name[:-4] in elsewhere:
            # Same document id as, e.g., a bundled corpus document: never replace that one from here.
            name = _free_name(folder, name, set(elsewhere) | names_this_batch)
            notes.append(f"a document with this id is already indexed from {elsewhere[safe_filename(original)[:-4]]}; "
                         f"saved as {name}")
        target = folder / name
        backup: Path | None = None
        if name in names_this_batch:
            name = _free_name(folder, name, set(elsewhere) | names_this_batch)
            notes.append(f"two uploads share this name; saved as {name}")
            target = folder / name
        elif target.exists():
            if _sha(target.read_bytes()) == _sha(data):
                pass                                           # the same file again: ingest says "unchanged"
            elif replace:
                backup = folder / f".{name}.previous"
                shutil.copy2(target, backup)
                notes.append(f"replaces the earlier {name}")
            else:
                name = _free_name(folder, name, set(elsewhere) | names_this_batch)
                notes.append(f"a different {target.name} already exists; saved as {name}")
                target = folder / name
        names_this_batch.add(name[:-4])
        tmp = folder / f".{name}.part"
        tmp.write_bytes(data)
        os.replace(tmp, target)                               # whole file or nothing
        outcome.saved_as = name
        outcome.doc_id = name[:-4]
        outcome.reason = "; ".join(notes)
        accepted.append((outcome, target, backup))
    return outcomes, accepted


def add_uploads(files: Iterable[tuple[str, bytes]], index_dir: str | Path, *, replace: bool = False,
                on_file: Callable[[object], None] | None = None,
                chroma_url: str | None = None) -> list[UploadOutcome]:
    """Check, save and ingest uploads; one outcome per upload, in upload order."""
    from index import ingest

    index_dir = Path(index_dir)
    folder = uploads_dir(index_dir)
    before = {p.name for p in folder.glob("*.pdf")} if folder.exists() else set()
    outcomes, accepted = save_uploads(files, index_dir, replace=replace)
    by_path = {str(path): (outcome, path, backup) for outcome, path, backup in accepted}
    if accepted:
        # One worker: the app's server process is threaded, and forking it for a few files does not pay.
        report = ingest([path for _, path, _ in accepted], index_dir, workers=1, on_file=on_file,
                        chroma_url=chroma_url)
        for r in report.results:
            outcome, path, backup = by_path[r.path]
            outcome.status = r.status
            outcome.pages, outcome.chunks, outcome.warnings = r.pages, r.chunks, list(r.warnings)
            if r.status == "failed":
                outcome.reason = "; ".join(x for x in [r.error, outcome.reason] if x)
                # Take the bad file out again; put back the file it replaced, whose version stays indexed.
                if backup is not None:
                    os.replace(backup, path)
                elif path.name not in before:
                    path.unlink(missing_ok=True)
            elif backup is not None:
                backup.unlink(missing_ok=True)
    return outcomes
