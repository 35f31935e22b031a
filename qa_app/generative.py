"""Optional generative answers through llama-index's LLM interface.

Off by default: nothing here runs unless an LLM is configured with
``--llm`` or ``$POLICYQA_LLM``:

- ``http://host:port/v1`` — any OpenAI-compatible server (llama.cpp, vLLM,
  LM Studio, …) through ``llama-index-llms-openai-like``; the model name comes
  from ``$POLICYQA_LLM_MODEL`` (default ``default``), a key from ``$OPENAI_API_KEY``.
- ``ollama:MODEL`` — a local Ollama through ``llama-index-llms-ollama``
  (install it yourself).

The model must quote its evidence as 「…」[n]. Every quote is checked against
passage n, character for character after normalisation; a claim without a
quote that checks out is dropped and the answer says so. If the model fails or
nothing survives the check, the extractive answer stands, with a note.
"""

from __future__ import annotations

import os
import re

from index.retrieve import Passage
from ingest.normalise import normalise

from .question import QuestionInfo
from .records import Answer, Citation

PASSAGES_SHOWN = 6
_CLAIM = re.compile(r"[^。\n]*?「(?P<quote>[^」]+)」\s*\[(?P<n>\d+)\][^。\n]*[。]?")

SYSTEM_PROMPT = """You answer questions about Japanese government policy documents using ONLY the numbered passages given.
Rules:
- Answer in the language of the question ({language}).
- Every statement must quote its evidence verbatim from one passage, in Japanese brackets 「...」, followed by the passage number in square brackets, e.g. 「会員数は120名である」[2] (an invented example, not from the documents).
- Copy quotes exactly, character for character; do not translate or shorten inside the brackets.
- If the passages do not answer the question, reply exactly: NO_ANSWER"""


def llm_from_config(spec: str | None = None, model: str = "default"):
    """The LLM `spec` names (Settings.llm, Settings.llm_model), or None: extractive answers only.

    ``OPENAI_API_KEY`` is the client library's own variable, read here only to pass it on."""
    if not spec:
        return None
    if spec.startswith("ollama:"):
        from llama_index.llms.ollama import Ollama  # optional: pip install llama-index-llms-ollama

        return Ollama(model=spec.split(":", 1)[1], request_timeout=120.0)
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(model=model, api_base=spec,
                      api_key=os.environ.get("OPENAI_API_KEY", "not-needed"), is_chat_model=True,
                      timeout=60.0, max_retries=1, temperature=0.0)


def prompt_messages(question: str, info: QuestionInfo, passages: list[Passage]):
    from llama_index.core.llms import ChatMessage

    numbered = "\n\n".join(f"[{n}] {p.chunk.title} p.{p.chunk.page} ({p.chunk.section_path})\n{p.chunk.text}"
                           for n, p in enumerate(passages[:PASSAGES_SHOWN], start=1))
    language = "Japanese" if info.language == "ja" else "English"
    return [ChatMessage(role="system", content=SYSTEM_PROMPT.format(language=language)),
            ChatMessage(role="user", content=f"Passages:\n\n{numbered}\n\nQuestion: {question}")]


def generate(llm, question: str, info: QuestionInfo, passages: list[Passage], fallback: Answer) -> Answer:
    try:
        reply = llm.chat(prompt_messages(question, info, passages)).message.content or ""
    except Exception as e:  # noqa: BLE001 - any failure of the remote service means: use the extractive answer
        fallback.notes.append(f"LLM failed ({type(e).__name__}); extractive answer shown")
        return fallback
    if reply.strip() == "NO_ANSWER":
        fallback.notes.append("the LLM found no answer in the passages; extractive answer shown")
        return fallback

    citations: list[Citation] = []
    kept: list[str] = []
    dropped = 0
    for m in _CLAIM.finditer(reply):
        n = int(m.group("n"))
        located = _locate(m.group("quote"), passages[n - 1]) if 1 <= n <= min(len(passages), PASSAGES_SHOWN) else None
        if located is None:
            dropped += 1
            continue
        citation = _citation(len(citations) + 1, passages[n - 1], *located)
        citations.append(citation)
        kept.append(m.group().replace(f"[{n}]", f"[{citation.n}]", 1).strip())
    if not citations:
        fallback.notes.append("no statement of the LLM's answer could be tied to a passage; extractive answer shown")
        return fallback
    notes = [f"dropped {dropped} statement(s) whose quotes are not in the cited passage"] if dropped else []
    return Answer(question, info.language, info.kind, "".join(kept), True, citations,
                  mode="generative", confidence=fallback.confidence, notes=notes)


def _locate(quote: str, passage: Passage) -> tuple[int, int] | None:
    """Where the quote stands in the passage's text, ignoring whitespace and normalisation differences."""
    wanted = re.sub(r"\s+", "", normalise(quote))
    if len(wanted) < 4:
        return None  # too short to stand as evidence
    pattern = r"\s*".join(map(re.escape, wanted))
    m = re.search(pattern, passage.chunk.text)
    return (m.start(), m.end()) if m else None


def _citation(n: int, passage: Passage, start: int, end: int) -> Citation:
    chunk = passage.chunk
    boxes = chunk.boxes_for(start, end)
    return Citation(n=n, chunk_id=chunk.chunk_id, doc_id=chunk.doc_id, title=chunk.title,
                    page=boxes[0][0] if boxes else chunk.page, section=chunk.section_path,
                    text=chunk.text[start:end], start=start, boxes=boxes, subject=chunk.subject)
