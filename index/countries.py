"""Countries named in English questions, and how Japanese documents name them.

JMdict translates a country badly for a keyword search: it names an entry by its first kanji spelling, so
"France" is 仏蘭西 and "Italy" 伊太利, which no modern document writes; a demonym is glossed as a loanword
("Italian" イタリアン, "German" ジャーマン) or worse ("Korean"); and sense choice by meaning can land on another
sense of the word altogether ("Japan" 漆, lacquer). A question about overseas partners ("which French region…",
"a German cluster") then searches for words its documents never use, and the refusal rules read the loanword as
something no document mentions.

The gazetteer is the ``countryinfo`` package's data (no network): each country's English name, its alternative
spellings, its demonym ("Italian", "South Korean") and its Japanese name (イタリア, 大韓民国). Its Japanese
spellings here are that name, the country morphemes Sudachi finds inside it (ロシア連邦 → ロシア), and the
headwords JMdict marks common and glosses first by the English name (South Korea → 韓国, United Kingdom →
英国); ``index.translate`` keeps those the index holds. ISO codes (US, IT) are names only where the index does not
hold them as Latin words itself (``index.translate``): "IT" is information technology in these documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from .tokenise import morphemes

MAX_WORDS = 4              # the longest name looked for: "United States of America"
COMMON_FIRST_GLOSS = 4.0   # translate.headwords' rank of a common headword whose sense the name glosses first


@dataclass(frozen=True)
class Country:
    code: str                          # ISO 3166 alpha-2
    english: tuple[str, ...]           # its English name and Latin alternative spellings (never a code)
    japanese: tuple[str, ...]          # how Japanese text names it, best first (before any index filter)
    population: int = 0


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[str, tuple[Country, ...]], dict[str, tuple[Country, ...]]]:
    """(English name or demonym, lower case → its country; ISO code, upper case → its country)."""
    try:
        from countryinfo import all_countries
    except ImportError:   # a declared dependency; without it country words are translated by JMdict alone
        return {}, {}
    by_name: dict[str, list[Country]] = {}
    by_code: dict[str, list[Country]] = {}
    for entry in all_countries():
        info = entry.info()
        iso = info.get("ISO") or {}
        code = str(iso.get("alpha2") or "").upper()
        if not code:
            continue
        codes = {code, str(iso.get("alpha3") or "").upper()} - {""}
        latin = [info["name"], *(info.get("altSpellings") or [])]
        english = tuple(dict.fromkeys(s for s in latin if _latin_name(s) and s.upper() not in codes))
        ja = re.sub(r"[（(].*", "", (info.get("translations") or {}).get("ja") or "").strip()
        country = Country(code, english, tuple(dict.fromkeys([ja] if ja else [])), int(info.get("population") or 0))
        for name in (*english, info.get("demonym") or ""):
            if name and _latin_name(name):
                by_name.setdefault(name.lower(), []).append(country)
        for c in codes:
            by_code.setdefault(c, []).append(country)
    # A demonym several territories share ("French": France, Martinique, Mayotte) means the most populous one.
    most = lambda found: (max(found, key=lambda c: c.population),)
    return ({k: most(v) for k, v in by_name.items()}, {k: most(v) for k, v in by_code.items()})


def _latin_name(text: str) -> bool:
    """A name in plain Latin letters of a few words (not 'Zhōngguó', not 'Korea, Republic of')."""
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z.'\- ]*[A-Za-z.]", text)) and len(text.split()) <= MAX_WORDS


def named(words: Sequence[str]) -> tuple[Country, ...]:
    """The countries ``words`` name as a whole: a name or demonym, matched case-blind but only when written
    capitalised (a question's "turkey" or "polish" is no country)."""
    if not words or not all(w[:1].isupper() for w in words if w.lower() not in ("of", "the", "and")):
        return ()
    return _gazetteer()[0].get(" ".join(words).lower(), ())


def by_code(code: str) -> tuple[Country, ...]:
    """The country whose ISO code (US, USA, GB) ``code`` is, written in capitals."""
    return _gazetteer()[1].get(code, ()) if code.isupper() and code.isalpha() else ()


@lru_cache(maxsize=512)
def spellings(country: Country) -> tuple[str, ...]:
    """Japanese spellings of a country: its Japanese name, the country names Sudachi finds inside it
    (アメリカ合衆国 → アメリカ), JMdict's common first-gloss headwords of its English names and its common headwords
    glossed with bracketed words (米国: "(United States of) America")."""
    from sudachipy import SplitMode

    from .translate import bracketed_headwords, headwords   # translate imports this module; JMdict is read there
    out = list(country.japanese)
    for name in country.japanese:
        out += [part.surface() for m in morphemes(name) for part in (m.split(SplitMode.A) or [m])
                if part.part_of_speech()[1:4] == ("固有名詞", "地名", "国")]
    for name in country.english:
        out += [hw for hw, rank in headwords(name) if rank >= COMMON_FIRST_GLOSS]
    out += bracketed_headwords(country.english)
    return tuple(dict.fromkeys(out))
