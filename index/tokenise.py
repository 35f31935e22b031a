"""Terms for keyword search: SudachiPy morphemes, normalised, content words only.

Indexing and querying both go through `terms`, so both sides agree on spelling
(NFKC through `ingest.normalise`, Sudachi's normalised form: 行っ → 行う,
sales → セールス). Long compounds also yield their short-unit parts, so that
販路開拓支援活動 matches a query for 販路開拓.
"""

from __future__ import annotations

import re
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


def morphemes(text: str) -> list:
    """Sudachi's morphemes of ``text`` (split mode C, cut under its byte limit), for whoever reads
    parts of speech (qa_app: proper nouns, a question's nouns) with the tokenizer the index uses."""
    tokenizer, mode = _sudachi()
    return [m for piece in _pieces(text) for m in tokenizer.tokenize(piece, mode.C)]


_LATIN = re.compile(r"[A-Za-z]+")
_KATAKANA_END = re.compile(r"[\u30A0-\u30FF]$")


def terms(text: str) -> list[str]:
    return _terms(text, asking_kept=True)


# What a question asks with, not what it asks about: pronouns (何, 誰, どこ, いつ), adnominals (どの, どういう) and the
# interrogative adverbs, nouns and adjectivals Sudachi tags as content words (normalised forms). As keywords they
# match a document's own rhetoric (「いつでも、どこでも、誰でも」) instead of its subject.
_ASKING_POS = ("代名詞", "連体詞")
_ASKING_WORDS = frozenset({"何", "どう", "何故", "如何に", "幾ら", "幾つ", "どんな", "如何"})


def question_terms(text: str) -> list[str]:
    """A Japanese question's keyword terms: ``terms`` less the words it asks with (what, who, where, when, which)."""
    return _terms(text, asking_kept=False)


def _terms(text: str, asking_kept: bool) -> list[str]:
    tokenizer, mode = _sudachi()
    out: list[str] = []
    asking: set[str] = set()
    for piece in _pieces(normalise(text)):
        previous = ""
        for m in tokenizer.tokenize(piece, mode.C):
            pos = m.part_of_speech()
            surface = m.surface()
            if not asking_kept and (pos[0] in _ASKING_POS or m.normalized_form() in _ASKING_WORDS):
                asking.add(m.normalized_form().lower())
            if pos[0] in _CONTENT_POS and pos[1] != "非自立可能":
                out.append(m.normalized_form().lower())
                parts = m.split(mode.A)
                if len(parts) > 1:
                    out += [p.normalized_form().lower() for p in parts]
                if _LATIN.fullmatch(surface) and m.normalized_form().lower() == surface.lower():
                    out += _loanword(surface, glued=bool(_KATAKANA_END.search(previous)))
            previous = surface
    return [t for t in out if t not in asking] if asking else out


def _loanword(word: str, glued: bool) -> list[str]:
    """The katakana loanword an unmapped English word stands for, if Sudachi knows one.

    Sudachi already maps dictionary words (sales → セールス, partner → パートナー);
    this catches two misses: plurals (partners), and mixed-script garbles where
    a katakana word's tail leaked into the next word as Latin letters
    (セールspartner: drop a leading letter or two to find パートナー).
    """
    candidates = []
    if len(word) > 3 and word.lower().endswith("s"):
        candidates.append(word[:-1])
    if glued:
        candidates += [word[1:], word[2:]]
    tokenizer, mode = _sudachi()
    for candidate in candidates:
        morphemes = tokenizer.tokenize(candidate, mode.C)
        if len(morphemes) == 1 and len(candidate) > 3:
            norm = morphemes[0].normalized_form()
            if norm.lower() != candidate.lower():
                return [norm.lower()]
    return []
