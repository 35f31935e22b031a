"""Stage 3, the application: the answer layer, the pages on top of it, and the CLI.

- The answer layer (every module here but ``app``, ``views`` and ``cli``) turns a
  question into an ``Answer`` with verified ``Citation``s, and a citation into
  highlights on the page. ``__all__`` is what the pages and the evaluation may use.
- The pages (``app.py`` and ``views/``) are the Streamlit app: they use the answer
  layer only, and they are the only modules that import Streamlit.
- The CLI (``cli.py``, the ``policyqa`` command) may use every stage.

Checked by tests/test_architecture.py against pyproject.toml's ``[tool.importlinter]``.
Import a public name from here (``from qa_app import AnswerEngine``) or from the
module named beside it; names load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    # question in, answer out
    "AnswerEngine": "engine", "ABSTAIN_BELOW": "engine",
    "Answer": "records", "Citation": "records", "ListItem": "records",
    "llm_from_config": "generative",
    # the reranker's features and weights (eval/fit_rerank.py fits them on dev)
    "RerankFeatures": "rerank", "rerank_score": "rerank", "RERANK_DEPTH": "rerank",
    # a citation on its page
    "Highlight": "highlight", "citation_highlights": "highlight", "render_page": "highlight",
    # what the app's pages use: the application service, its settings, the bounds on input
    "PolicyQA": "service", "DocInfo": "service", "Settings": "settings", "SettingsError": "settings",
    "MAX_QUESTION_CHARS": "limits", "QuestionTooLong": "limits",
    # an ingest report as tables
    "ingest_summary": "reports", "stage_timings": "reports",
    # the saved evaluation report (`policyqa eval` writes it, the Evaluation page reads it)
    "read_eval_report": "reports", "EvalReport": "reports", "DEFAULT_EVAL_REPORT": "reports",
}

# Whole modules the evaluation may use: the answer step's weights and settings, which
# eval/fit_select.py records, fits and switches in turn, and the refusal rules' switches, which
# eval/ablate_refusals.py turns one at a time.
_MODULES = ("extractive", "refusal")

__all__ = [*_WHERE, *_MODULES]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    if name in _MODULES:
        return import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
