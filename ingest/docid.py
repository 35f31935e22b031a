"""Document ids: one rule for naming a document, one for picking documents by id.

The parser names a document, the ingest looks it up to skip an unchanged file,
the search filters by it and the evaluation matches gold documents against it:
all of them call these two functions, so they cannot disagree.
"""

from __future__ import annotations

from pathlib import Path


def doc_id_for(path: str | Path) -> str:
    """The file name less a ``.pdf`` suffix (any case); another name is kept whole.

    Kept whole, not cut at its last dot, so that ``report.v2`` and ``report.v3``
    stay two documents.
    """
    name = Path(path).name
    return name[:-4] if name.lower().endswith(".pdf") else name


def doc_matches(doc_id: str, wanted: str) -> bool:
    """Whether ``wanted`` names this document: its id, or the prefix before an underscore.

    ``004`` picks ``004_cluster_best_practices_2010``; ``00`` picks nothing.
    """
    return doc_id == wanted or doc_id.startswith(wanted + "_")
