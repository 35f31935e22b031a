"""Stage 4, evaluation: a gold question set in; retrieval and answer metrics, a
Markdown report and charts out. It drives the answer layer and the index's
public API like any other client, and nothing but the CLI drives it.

Modules: ``run`` (splits × configurations, the entry point), ``peers`` (plain-hybrid and
vanilla llama-index), ``metrics`` and ``answers`` (the measures), ``scoring`` (a run scored),
``report`` (metrics.json, report.md, the side-by-side table), ``charts``.

``__all__`` is what the CLI uses (``policyqa eval``). The benchmark scripts
(``bench_*.py``) are run, never imported. Checked by tests/test_architecture.py
against pyproject.toml's ``[tool.importlinter]``. Names load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "run_eval": "run", "parse_configs": "run", "parse_splits": "run", "SPLITS": "run", "CONFIGS": "run",
    "DEFAULT_OUT": "run", "summary_console_table": "report",
}

__all__ = list(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
