"""Japanese synonyms from the Sudachi dictionary the tokeniser already loads.

A question in a user's own words names things as people say them (スマホ, ネット通販, 地デジ, パソコン); a white
paper writes スマートフォン, 通信販売, 地上デジタル放送, パーソナルコンピューター. Each is its own BM25 term, so the
keyword leg finds none of the document's passages, and for Japanese questions that leg counts most.

SudachiDict tags many words with the synonym groups of Sudachi's synonym dictionary (``Morpheme.synonym_group_ids``:
スマホ and スマートフォン share one). The dictionary gives no way back from a group to its words, so the index's own
vocabulary is read once per keyword index (a fraction of a second for 18,000 terms) into group → terms; a question's
term then finds the terms of its groups that some passage uses. Nothing is downloaded and no list is written here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from .tokenise import morphemes

_LATIN = re.compile(r"[A-Za-z]")
MAX_GROUP = 12    # a group larger than this in one index is a loose theme, not synonyms (none was, in 24 editions)


@lru_cache(maxsize=50_000)
def groups(term: str) -> tuple[int, ...]:
    """The synonym groups of a term that Sudachi reads as one word (none for a phrase or an unknown word)."""
    found = morphemes(term) if term else []
    return tuple(found[0].synonym_group_ids() or ()) if len(found) == 1 else ()


class Synonyms:
    """An index's terms by synonym group."""

    def __init__(self, vocabulary: Iterable[str]):
        members: dict[int, set[str]] = {}
        for term in vocabulary:
            for gid in groups(term):
                members.setdefault(gid, set()).add(term)
        self._members = {gid: frozenset(terms) for gid, terms in members.items() if len(terms) <= MAX_GROUP}

    def of(self, term: str) -> list[str]:
        """The index's terms that share a synonym group with ``term``, other than itself, in a stable order.

        Not for one character (人, 網: a single kanji has too many senses for its group to be its meaning), and no
        Latin-script member (payment for 支払い): a Japanese document writes a Latin word only as a name."""
        if len(term) < 2:
            return []
        found: set[str] = set()
        for gid in groups(term):
            found |= self._members.get(gid, frozenset())
        return sorted(t for t in found if t != term and len(t) >= 2 and not _LATIN.search(t))
