"""One settings object: the environment and the command line's flags, read in one place.

    settings = Settings.load()                              # the environment only (the app)
    settings = Settings.load(index_dir=args.index, ...)     # flags win over the environment (the CLI)

Every ``POLICYQA_*`` variable this package uses is read here and nowhere else in
``qa_app``; a flag given on the command line wins over its variable. Values are
checked when loaded, so a malformed one is one line for the user (`SettingsError`),
not a traceback from deep inside a client library.

The index stage sits below this package and cannot import it, so when it is used on its
own (the evaluation, the benchmarks) it reads its two variables itself:
``POLICYQA_EMBEDDER`` (index/embeddings.py) and ``POLICYQA_CHROMA_URL``
(index/vectors.py, only when no URL is passed). ``OPENAI_API_KEY`` is passed on to the
OpenAI-compatible client as that library expects.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping
from urllib.parse import urlparse

REPO_ROOT = Path(__file__).resolve().parents[1]
BUNDLED_CORPUS = REPO_ROOT / "corpus"           # what `policyqa ingest` and `policyqa app` index by default
DEFAULT_INDEX = Path(".policyqa/index")
DEFAULT_HOST = "127.0.0.1"      # the app is local unless asked to share (`policyqa app --host 0.0.0.0`)

# variable -> what it sets
ENVIRONMENT = {
    "POLICYQA_INDEX": "the index directory (default .policyqa/index)",
    "POLICYQA_CHROMA_URL": "a Chroma server, http://host:port (default: embedded in the index directory)",
    "POLICYQA_EMBEDDER": "the embedder: the default USE model, or st:/path/to/model",
    "POLICYQA_LLM": "generative answers: an OpenAI-compatible base URL or ollama:MODEL (default off)",
    "POLICYQA_LLM_MODEL": "the model name sent to that server (default: default)",
    "POLICYQA_EVAL_DIR": "the evaluation report the app shows (default eval/reports/latest)",
    "POLICYQA_DEBUG": "1: show the traceback of an unexpected error",
}


class SettingsError(ValueError):
    """A setting that cannot be used; the message is one line naming the flag or variable."""


@dataclass(frozen=True)
class Settings:
    index_dir: Path = DEFAULT_INDEX
    chroma_url: str | None = None
    embedder: str | None = None
    llm: str | None = None
    llm_model: str = "default"
    eval_dir: Path | None = None
    debug: bool = False

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, *, index_dir: str | Path | None = None,
             chroma_url: str | None = None, llm: str | None = None) -> "Settings":
        """The environment (``os.environ`` unless given), overridden by any flag that is not None."""
        env = os.environ if environ is None else environ
        settings = cls(
            index_dir=Path(index_dir if index_dir is not None else env.get("POLICYQA_INDEX") or DEFAULT_INDEX),
            chroma_url=chroma_url if chroma_url is not None else (env.get("POLICYQA_CHROMA_URL") or None),
            embedder=env.get("POLICYQA_EMBEDDER") or None,
            llm=llm if llm is not None else (env.get("POLICYQA_LLM") or None),
            llm_model=env.get("POLICYQA_LLM_MODEL") or "default",
            eval_dir=Path(env["POLICYQA_EVAL_DIR"]) if env.get("POLICYQA_EVAL_DIR") else None,
            debug=env.get("POLICYQA_DEBUG", "") not in ("", "0"),
        )
        settings.check()
        return settings

    def check(self) -> None:
        if self.chroma_url is not None:
            check_chroma_url(self.chroma_url)
        if self.index_dir.exists() and not self.index_dir.is_dir():
            raise SettingsError(f"the index {self.index_dir} is a file, not a directory "
                                "(--index or POLICYQA_INDEX names the folder `policyqa ingest` fills)")
        if self.embedder and self.embedder.startswith("st:") and not Path(self.embedder[3:]).is_dir():
            raise SettingsError(f"POLICYQA_EMBEDDER={self.embedder}: no model folder at {self.embedder[3:]}")

    def with_index(self, index_dir: str | Path) -> "Settings":
        return replace(self, index_dir=Path(index_dir))

    def environment(self) -> dict[str, str]:
        """These settings as the variables a child process (the app's server) reads them from."""
        env = {"POLICYQA_INDEX": str(self.index_dir)}
        if self.chroma_url:
            env["POLICYQA_CHROMA_URL"] = self.chroma_url
        if self.embedder:
            env["POLICYQA_EMBEDDER"] = self.embedder
        if self.llm:
            env["POLICYQA_LLM"] = self.llm
            env["POLICYQA_LLM_MODEL"] = self.llm_model
        return env


def check_chroma_url(url: str) -> str:
    """``http(s)://host:port`` or ``host:port``; anything else is a SettingsError naming it."""
    bad = SettingsError(f"--chroma-url / POLICYQA_CHROMA_URL {url!r} is not a server address "
                        "(expected http://host:port)")
    parsed = urlparse(url if "://" in url else f"http://{url}")
    try:
        port = parsed.port
    except ValueError:
        raise bad from None
    if parsed.scheme not in ("http", "https") or not parsed.hostname or any(c.isspace() for c in url):
        raise bad
    if parsed.path not in ("", "/") or parsed.query or parsed.fragment:
        raise bad
    if port is not None and not 0 < port < 65536:
        raise bad
    return url
