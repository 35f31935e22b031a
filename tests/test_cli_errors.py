"""Bad input on the command line: one line on stderr, exit 2, never a traceback.

Runs `policyqa` in this process (qa_app.cli.main) against a one-document index.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from qa_app.cli import main
from qa_app.limits import MAX_QUESTION_CHARS
from tests.test_app_hostile import hostile_pdf


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    from index import ingest

    folder = tmp_path_factory.mktemp("cli_pdfs")
    (folder / "hokuriku.pdf").write_bytes(hostile_pdf(title="北陸", heading="北陸センサー", lines=[
        "北陸センサークラスターでは、MEMS設計の技術者を育成している。",
        "地域の大学と中小企業が共同で試作ラインを運営している。"]))
    index = tmp_path_factory.mktemp("cli_index")
    report = ingest([folder], index)
    assert not report.failed
    return index


def run(capsys, *argv) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:          # argparse exits; main() returns
        raise SystemExit(main(list(argv)))
    out, err = capsys.readouterr()
    return exited.value.code, out, err


def cli(*argv, env=None) -> tuple[int, str, str]:
    """`policyqa` in a fresh process, for what a process keeps (the embedder, Chroma's clients)."""
    p = subprocess.run([sys.executable, "-m", "qa_app.cli", *argv], capture_output=True, text=True, timeout=300,
                       env={**os.environ, **(env or {})})
    return p.returncode, p.stdout, p.stderr


def one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("k", ["0", "-1", "201", "many"])
def test_k_is_bounded(capsys, index, k):
    code, out, err = run(capsys, "search", "クラスター", "--index", str(index), "-k", k)
    assert code == 2 and not out
    assert "1 to 200" in one_line(err)


@pytest.mark.parametrize("command", [["search", "MEMS"], ["ask", "MEMS"], ["chunks"]])
def test_unknown_doc_is_an_error(capsys, index, command):
    code, out, err = run(capsys, *command, "--index", str(index), "--doc", "nonexistent")
    assert code == 2 and not out
    assert "nonexistent" in one_line(err)


def test_known_doc_still_works(capsys, index):
    code, out, _ = run(capsys, "chunks", "--index", str(index), "--doc", "hokuriku", "--json")
    assert code == 0 and "MEMS" in out


def test_question_over_the_cap(capsys, index):
    code, out, err = run(capsys, "ask", "あ" * (MAX_QUESTION_CHARS + 1), "--index", str(index))
    assert code == 2 and not out
    assert "2,000" in one_line(err)


def test_questions_file_is_read_line_by_line_with_the_cap(capsys, index, tmp_path):
    import json

    questions = tmp_path / "q.txt"
    with open(questions, "w", encoding="utf-8") as f:
        f.write("MEMS設計\n" + "あ" * 3_000_000 + "\n\n" + "試作ライン\n")
    code, out, err = run(capsys, "search", "--questions", str(questions), "--index", str(index), "-k", "1")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r.get("query") for r in rows] == ["MEMS設計", None, "試作ライン"]
    assert rows[1]["line"] == 2 and "2,000" in rows[1]["error"]
    assert code == 2 and "line 2" in one_line(err)


def test_missing_questions_file(capsys, index, tmp_path):
    code, _, err = run(capsys, "ask", "--questions", str(tmp_path / "none.txt"), "--index", str(index))
    assert code == 2 and "none.txt" in one_line(err)


def test_index_that_is_a_file(capsys, tmp_path):
    f = tmp_path / "not_an_index"
    f.write_text("x")
    for command in (["search", "x"], ["ask", "x"], ["chunks"], ["ingest"]):
        code, _, err = run(capsys, *command, "--index", str(f))
        assert code == 2 and "not a directory" in one_line(err), command


def test_malformed_chroma_url(capsys, index):
    for url in ("not a url", "http://host:99999", "ftp://host:1"):
        code, _, err = run(capsys, "search", "x", "--index", str(index), "--chroma-url", url)
        assert code == 2 and "not a server address" in one_line(err), url


def test_bad_embedder(index):
    code, _, err = cli("search", "x", "--index", str(index), env={"POLICYQA_EMBEDDER": "no-such-embedder"})
    assert code == 2 and "no-such-embedder" in one_line(err)


def test_chroma_server_down(index, tmp_path):
    """Nothing listens on port 1: the ingest stops with one line; a search says so in one line.

    Fresh processes, as a user runs them (chromadb keeps clients per process).
    """
    (tmp_path / "pdfs").mkdir()
    (tmp_path / "pdfs" / "a.pdf").write_bytes(hostile_pdf())
    code, _, err = cli("ingest", str(tmp_path / "pdfs"), "--index", str(tmp_path / "idx"),
                       "--chroma-url", "http://127.0.0.1:1")
    assert code == 2 and one_line(err)
    code, out, err = cli("search", "MEMS", "--index", str(index), "--chroma-url", "http://127.0.0.1:1")
    # keyword-only results with a warning (the index's fallback), or one line and exit 2
    assert (code == 0 and out and "warning" in one_line(err)) or (code == 2 and not out and one_line(err)), err


def test_unexpected_error_is_one_line_with_a_hint(capsys, index, monkeypatch):
    from index.retrieve import Retriever

    def broken(*a, **k):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(Retriever, "search", broken)
    code, _, err = run(capsys, "search", "MEMS", "--index", str(index))
    line = one_line(err)
    assert code == 1 and "disk on fire second line" in line and "POLICYQA_DEBUG=1" in line
    monkeypatch.setenv("POLICYQA_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["search", "MEMS", "--index", str(index)])


def test_app_listens_on_this_machine_only_unless_asked(capsys, index, monkeypatch):
    """`policyqa app` hands Streamlit 127.0.0.1; --host 0.0.0.0 shares it, with a warning about the upload page."""
    started = []

    def execve(path, cmd, env):      # stands in for the exec that would replace this test process
        started.append((cmd, env))
        raise SystemExit(0)

    monkeypatch.setattr(os, "execve", execve)
    for extra in ([], ["--host", "0.0.0.0"]):
        code, _, err = run(capsys, "app", "--index", str(index), "--headless", "--port", "8599", *extra)
        cmd, env = started[-1]
        host = cmd[cmd.index("--server.address") + 1]
        assert env["POLICYQA_INDEX"] == str(index.resolve())
        if extra:
            assert host == "0.0.0.0" and "no login" in one_line(err)
        else:
            assert host == "127.0.0.1" and not err
