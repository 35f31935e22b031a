"""Terms for keyword search: SudachiPy morphemes, normalised, content words only.

Indexing and querying both go through `terms`, so both sides agree on spelling
(NFKC through `ingest.normalise`, Sudachi's normalised form: 行っ → 行う,
sales → セールス). Long compounds also yield their short-unit parts, so that
販路開拓支援活動 matches a query for 販路開拓.
"""

from __future__ import annotations

from functools import lru_cache

from ingest.normalise import normalise

# Parts of speech that carry meaning; particles, auxiliaries, symbols and blanks do not.
_CONTENT_POS = {"名詞", "動詞", "形容詞", "形状詞", "副詞", "接頭辞", "代名詞", "連体詞"}
_MAX_BYTES = 40_000  # Sudachi refuses inputs over ~49 KB


@lru_cache(maxsize=1)
def _sudachi():
    from sudachipy import Dictionary, SplitMode

    return Dictionary().create(), SplitMode


def _pieces(text: str):
    """Cut text under Sudachi's byte limit, at sentence ends where possible."""
    while len(text.encode("utf-8")) > _MAX_BYTES:
        cut = text.rfind("。", 0, _MAX_BYTES // 3) + 1 or _MAX_BYTES // 3
        yield text[:cut]
        text = text[cut:]
    yield text


def terms(text: str) -> list[str]:
    tokenizer, mode = _sudachi()
    out: list[str] = []
    for piece in _pieces(normalise(text)):
        for m in tokenizer.tokenize(piece, mode.C):
            pos = m.part_of_speech()
            if pos[0] not in _CONTENT_POS or pos[1] == "非自立可能":
                continue
            out.append(m.normalized_form().lower())
            parts = m.split(mode.A)
            if len(parts) > 1:
                out += [p.normalized_form().lower() for p in parts]
    return out
