"""The stage boundaries of ARCHITECTURE.md, checked.

The allowed arrows are import-linter contracts in pyproject.toml's
``[tool.importlinter]``; each package's ``__all__`` says what the other stages
may use. Here: the contracts hold on this tree; they fail on a copy of the tree
with a forbidden import added (so the check can fail); the answer layer's list
of modules is whole; every public name exists; and no stage reaches past
another's ``__all__``.
"""

from __future__ import annotations

import ast
import importlib
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("ingest", "index", "qa_app", "eval")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
CONTRACTS = {c["id"]: c for c in CONFIG["contracts"]}
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """Run import-linter on the packages under ``root``, with the contracts of ``root``/pyproject.toml."""
    if not LINT_IMPORTS.exists():
        pytest.fail("import-linter is not installed: pip install -e '.[test]'")
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo", "pyproject.toml"], cwd=root,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
                          capture_output=True, text=True, timeout=120)


def test_the_contracts_hold():
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{len(CONTRACTS)} kept, 0 broken" in run.stdout, run.stdout


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory) -> Path:
    """The four packages and pyproject.toml, copied: a place to break the rules."""
    root = tmp_path_factory.mktemp("tree")
    for stage in STAGES:
        shutil.copytree(ROOT / stage, root / stage, ignore=shutil.ignore_patterns("__pycache__", "gold", "reports"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.mark.parametrize("module, line, contract", [
    ("ingest/records.py", "from index.retrieve import Passage", "stages"),             # ingest -> a later stage
    ("index/keyword.py", "import qa_app.engine", "stages"),                          # index -> the answer layer
    ("qa_app/engine.py", "from eval.metrics import load_gold", "stages"),            # answer -> evaluation
    ("qa_app/views/browse.py", "from index.retrieve import Retriever", "pages-ask-the-answer-layer"),
    ("eval/metrics.py", "from index.store import ChunkStore", "index-internals"),
    ("index/tokenise.py", "from ingest.layout import build_runs", "ingest-internals"),
    ("qa_app/highlight.py", "import streamlit", "streamlit-in-pages-only"),
])
def test_a_forbidden_import_breaks_its_contract(tree_copy, module, line, contract):
    path = tree_copy / module
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(original + f"\n{line}\n", encoding="utf-8")
        run = lint_imports(tree_copy)
    finally:
        path.write_text(original, encoding="utf-8")
    assert run.returncode != 0, run.stdout
    assert "1 broken" in run.stdout, run.stdout
    broken = " ".join(run.stdout.split("Broken contracts", 1)[-1].split())   # undo the report's line wrapping
    assert " ".join(CONTRACTS[contract]["name"].split()) in broken, broken
    importer = module.removesuffix(".py").replace("/", ".")
    assert importer in broken, broken


def test_every_qa_app_module_has_a_layer():
    """A new module of qa_app must be placed: the CLI, the pages, or the answer layer."""
    named = {m.strip() for layer in CONTRACTS["stages"]["layers"] for m in layer.replace("|", ":").split(":")}
    modules = {f"qa_app.{p.stem}" for p in (ROOT / "qa_app").glob("*.py") if p.stem != "__init__"}
    modules |= {f"qa_app.{p.name}" for p in (ROOT / "qa_app").iterdir()
                if p.is_dir() and (p / "__init__.py").exists()}
    unplaced = sorted(modules - named)
    assert not unplaced, (f"{unplaced}: add each to a layer of the 'stages' contract in pyproject.toml "
                          "(the answer layer, unless it is a page or the CLI)")
    # and the streamlit contract names the same answer layer
    answer = {m.strip() for m in CONTRACTS["stages"]["layers"][3].split(":")}
    assert answer <= set(CONTRACTS["streamlit-in-pages-only"]["source_modules"])


@pytest.mark.parametrize("stage", STAGES)
def test_every_public_name_exists(stage):
    package = importlib.import_module(stage)
    assert package.__all__, f"{stage}/__init__.py declares no public names"
    for name in package.__all__:
        assert getattr(package, name, None) is not None, f"{stage}.__all__ names {name}, which does not exist"


def _ignored() -> set[tuple[str, str]]:
    """(importer, imported) pairs the contracts let pass for now: known violations, each being removed."""
    out = set()
    for contract in CONTRACTS.values():
        for expr in contract.get("ignore_imports", []):
            importer, imported = (s.strip() for s in expr.split("->"))
            out.add((importer, imported))
    return out


def test_stages_use_only_each_others_public_names():
    """``from index.retrieve import X`` in another stage: X must be in ``index.__all__``.

    The CLI may use anything; an import the contracts ignore for now is let pass.
    """
    public = {stage: set(importlib.import_module(stage).__all__) for stage in STAGES}
    ignored = _ignored()
    offences = []
    for stage in STAGES:
        for path in sorted((ROOT / stage).rglob("*.py")):
            importer = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            if importer == "qa_app.cli":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.ImportFrom) and node.module and node.level == 0):
                    continue
                target = node.module.split(".")[0]
                if target not in STAGES or target == stage or (importer, node.module) in ignored:
                    continue
                offences += [f"{importer}: from {node.module} import {a.name}"
                             for a in node.names if a.name not in public[target]]
    assert not offences, "names other stages may not use (add to __all__ only if they are meant to):\n" + \
        "\n".join(offences)
