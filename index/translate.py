"""English question words as weighted Japanese keyword terms, offline, through JMdict.

The keyword leg indexes Sudachi terms of Japanese text, so an English question
("export support for venture firms") finds nothing there unless its words are
turned into Japanese first. JMdict (the EDRDG's Japanese–English dictionary,
shipped as a SQLite file by the ``jamdict-data`` package, read here with the
standard ``sqlite3`` module, read-only) maps an English gloss to the Japanese
headwords it translates. Each headword is cut into BM25 terms by the same
``index.tokenise.terms`` the index uses, so both sides agree on spelling.

Which headwords to keep: a word like "support" glosses thirty entries. We keep
those that (a) the indexed corpus actually uses (``known``: the BM25
vocabulary), then prefer (b) entries JMdict marks as common (priority tags
news1/ichi1/spec1/gai1) and (c) senses where the word is the sense's first gloss,
both counting alike, and (d) earlier senses of an entry; at most ``PER_WORD``
headwords per English word, their weights summing to 1 so that a word with many
translations does not outvote a word with one. A headword ranked more than ``RANK_TIER``
(one whole signal) below the word's best is not kept even when the index holds
it: which senses a word has is the dictionary's call, not the index's, so a
common first-gloss translation keeps its whole vote beside distractor documents
that happen to use a rare sense (dev, English, beside six white papers: hit@5
0.880 → 0.920, MRR 0.818 → 0.823; bundled corpus: hit@5 0.960 either way, MRR
0.886 → 0.888, facts 0.760 either way).

Beside many other documents the index's vocabulary still added senses: "cluster"
shared its vote three ways beside the white papers (クラスター, the first gloss,
ranks level with 塊 and 林 whose later senses are "cluster"). Sharing the vote by
dictionary rank (2^rank, 4^rank, 16^rank), keeping only the best rank tier, or a
bonus for a sense glossed by the word alone each cost the bundled corpus. What
the retriever does instead (``similarity``): ask the cross-lingual embedder how
close each sense is to the English word and keep those within SENSE_MARGIN of
the closest (README, "Fusion": dev English beside 24 editions hit@5 0.880 →
0.960, MRR 0.755 → 0.799; bundled corpus MRR 0.888 → 0.889).

An English word is looked up as written and as its lemmas (lemminflect's lexicon, no model: took → take, paid →
pay), and a verb with its particle or preposition as JMdict's verb gloss before its words are (``_phrasal_verb``:
"took part in" → "to take part in" → 携わる; alone, "take" and "part" are stop words and "took" is 取る).

Latin-script names and acronyms (K-RIP, MFCA, Neo) stand in the Japanese
documents as they are: they are kept as keyword terms themselves. A capitalised
romanised Japanese name (a city, a region, an organisation) is looked up in
JMnedict, the names dictionary shipped in the same file, long vowels spelt both
ways (Kyushu / Kyuushuu); only kanji spellings the corpus uses are kept.

On the development set the name lookup changes no ranking, on the bundled
corpus or beside six white-paper editions (the dense leg already matches most
such names); it is there for the names the dense leg misses.
"""

from __future__ import annotations

import re
import sqlite3
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Sequence

from ingest.normalise import normalise

from . import countries
from .tokenise import terms

NAMES = True                   # romanised Japanese place/organisation names looked up in JMnedict
# A Latin-script word that looks like a name (R&D, regional-resources) but that the index does not hold is
# translated instead: a hyphenated one as its parts sharing its one vote, an abbreviation through the gloss as written.
# Issue 9 (README, "Fusion"): dev MRR 0.820 -> 0.828, dev_coord hit@5 0.722 -> 0.759; dev_para MRR 0.585 -> 0.573.
UNHELD_NAMES_TRANSLATED = True
# English phrasal verbs looked up whole, before their words, the verb in any inflection (took part in → "to take part
# in" → 携わる, not 取る), and words as their lemmas (paid → pay). Issue 9, bundled corpus: dev unchanged (hit@5 0.975,
# MRR 0.828, facts 0.747); dev_coord MRR 0.595 -> 0.607, evidence within 1,000 chars 0.611 -> 0.630, the rest unchanged;
# dev_ict (+ h17, r4, h23, r1) MRR 0.727 -> 0.722, facts 0.738 -> 0.730 (devict-032); dev_para unchanged (README, "Fusion").
PHRASAL_VERBS = True
# Countries and their demonyms (France, Italian, South Korea, the US) as the names Japanese documents write
# (index/countries.py), not JMdict's ateji or loanwords (仏蘭西, イタリアン) or another sense (Japan → 漆).
COUNTRIES = True
# A romanised place name JMnedict knows also as its katakana readings (Java → ジャワ, Seattle → シアトル), not only its
# kanji spellings: a foreign place is written in katakana, its kanji (瓜哇) is an ateji no modern document uses.
FOREIGN_PLACES = True
# A capitalised word the index holds as written (Sudachi reads "Swallow" as スワロー, "Tay" as tay) is a name the documents
# also write (a model, a product, a firm): kept as a keyword term beside its translations, which alone read the model
# 「Swallow」 as 燕子 and called it unknown. Issue 9 (README, "Fusion").
CAPITALISED_NAMES = True
# Tried, not kept (README, "Fusion"; measured before retrieve.py's 359acbe); the mechanisms stay, tested:
# a sense whose English side is another part of speech than the word's form is not its translation ("firms" is no
# adjective: not 強固). The corpus holds no noun sense JMdict glosses "firm" (企業 is glossed "company"), so "firms"
# was left with no term: dev facts 0.747 -> 0.734, citations 0.797 -> 0.785, dev_coord MRR 0.607 -> 0.608.
POS_SENSES = False
# a verb also looked up as the noun English derives from it (adopted → adoption → 採択, installed → installation →
# 導入), a する-noun's senses only: dev unchanged; dev_coord hit@5 0.778 -> 0.759 (devcoord-025: cite → 提示), MRR
# 0.607 -> 0.608, evidence 0.630 -> 0.648; dev_ict MRR 0.722 -> 0.726, facts 0.730 -> 0.738, citations 0.680 -> 0.689;
# dev_para MRR 0.591 -> 0.588.
DERIVED_NOUNS = False
DERIVED_PENALTY = 1.0          # a derived noun's translations rank one signal below the word's own
PER_WORD = 3                   # Japanese headwords kept per English word or phrase
RANK_TIER = 2.0                # translations ranked more than this below a word's best are not kept
SENSE_MARGIN = 0.15            # with an embedder: senses this far (cosine) below the closest are not kept
SENSE_RANK_TIER = 4.0          # with an embedder: the dictionary's rank still bounds which senses compete
SENSE_POOL = 12                # with an embedder: at most this many senses (best ranked) are compared (when each word
                               # was embedded on its own, at +24 search p95 38 -> 76 ms with 12, 46 -> 114 ms with
                               # all, load 8.5; now a question's new senses are embedded in one call, ~10 ms for ~18
                               # texts; 7 lost +24 English hit@5 0.960 -> 0.920). Now the ingest stores every
                               # searchable headword's vector (index/sense_vectors.py): only English words remain
# Senses JMdict marks as slurs or slang: no policy document writes them, and a question must never be read as one
# ("Korean" has two slurs among its senses). Its misc tags, as jamdict spells them.
_UNWRITTEN_SENSES = ("derogatory", "vulgar expression or word", "slang", "Internet slang", "manga slang")
# A common word (JMdict priority tag) or a gloss that opens its sense is the usual translation.
_COMMON_TAGS = ("news1", "ichi1", "spec1", "gai1", "spec2", "news2", "ichi2", "gai2")

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-'’&.]*[A-Za-z0-9]|[A-Za-z]")
# A name or acronym: an upper-case letter after the first, a digit, or a hyphen (K-RIP, MFCA, iPS, R&D).
_NAME = re.compile(r"^(?=.*[A-Z].*)(?:.+[A-Z]|.*\d|.*-).*$")
_KATAKANA_WORD = re.compile(r"[\u30A1-\u30FAー・]+")   # a foreign place's reading (place_names)


# JMnedict name types that a policy document names in its text (people's given names and surnames are too
# ambiguous in romaji: Suwa is a place and thirty surnames).
_PLACE_TYPES = {"place", "station", "organization", "company", "product", "work"}


@dataclass(frozen=True)
class WeightedTerm:
    term: str
    weight: float
    source: str               # the English word or phrase it came from


@lru_cache(maxsize=1)
def _db() -> sqlite3.Connection | None:
    try:
        from jamdict_data import JAMDICT_DB_PATH
    except ImportError:  # a declared dependency; without it English keywords are names only, and answers weaker
        warnings.warn("jamdict-data is not installed: English questions get no Japanese keyword terms "
                      "(pip install -e . installs it)", RuntimeWarning, stacklevel=2)
        return None
    con = sqlite3.connect(f"file:{JAMDICT_DB_PATH}?mode=ro", uri=True, check_same_thread=False)
    return con


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS  # a plain list; no model is loaded

    # Question words and the corpus-independent filler of questions about documents.
    return frozenset(STOP_WORDS) | {"did", "does", "say", "says", "said", "document", "documents", "according",
                                    "give", "given", "mention", "mentioned", "describe", "described", "example",
                                    "examples", "kind", "kinds", "way", "ways", "number", "many", "much"}


def _forms(word: str) -> list[str]:
    """The dictionary forms an inflected English word may stand for (plural, -ing, -ed, -ies; irregular ones,
    took → take, by the lemmatiser where it knows the word)."""
    w = word.lower()
    # Nouns and verbs only: an adjective's base form is another word's translation (biggest 最大, not big 大きい).
    out = [w] + [lemma for pos, lemmas in (_lemmas(w) or {}).items() if pos in ("NOUN", "VERB") for lemma in lemmas]
    if w.endswith("ies") and len(w) > 4:
        out.append(w[:-3] + "y")
    if w.endswith("es") and len(w) > 4:
        out.append(w[:-2])
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        out.append(w[:-1])
    if w.endswith("ing") and len(w) > 5:
        out += [w[:-3], w[:-3] + "e"]
    if w.endswith("ed") and len(w) > 4:
        out += [w[:-2], w[:-1], w[:-2] + "e"]
    return list(dict.fromkeys(out))


# Parts of speech, as the lemmatiser names them, that a sense's English glosses can be read as.
_CLASSES = ("NOUN", "VERB", "ADJ", "ADV")


@lru_cache(maxsize=50_000)
def _lemmas(word: str) -> dict[str, tuple[str, ...]] | None:
    """The parts of speech an English word form can be, each with its lemmas (firms: NOUN firm, VERB firm; never
    ADJ), by lemminflect's lexicon (no model, nothing downloaded); None when it does not know the word."""
    try:
        from lemminflect import getAllLemmas
    except ImportError:   # a declared dependency; without it words are looked up as written and by suffix rules only
        warnings.warn("lemminflect is not installed: English words are not lemmatised and phrasal verbs are not "
                      "looked up (pip install -e . installs it)", RuntimeWarning, stacklevel=2)
        return None
    found = {pos: lemmas for pos, lemmas in getAllLemmas(word).items() if pos in _CLASSES}
    return found or None


def word_classes(word: str) -> dict[str, frozenset[str]] | None:
    """Per dictionary form of an English word, the parts of speech it stands for in that form: "taking" is the
    VERB take or the NOUN taking; "firms" the NOUN or VERB firm, so no adjective sense of "firm" translates it.
    None when the lemmatiser does not know the word (then no sense is ruled out)."""
    lemmas = _lemmas(word.lower())
    if lemmas is None:
        return None
    out: dict[str, set[str]] = {}
    for pos, forms in lemmas.items():
        for form in forms:
            out.setdefault(form, set()).add(pos)
    return {form: frozenset(pos) for form, pos in out.items()}


def _sense_classes(glosses: Sequence[str], matched: str, jmdict_pos: Sequence[str]) -> frozenset[str] | None:
    """What part of speech a JMdict sense's English side is: a verb when the gloss it matched reads "to ...";
    otherwise the parts of speech its glosses most likely are, each gloss voting 1 shared among the parts of
    speech it can be (強固: firm, strong, solid, stable → ADJ; 商会: firm, company → NOUN), an adjectival
    JMdict tag voting ADJ. A noun that takes する (連携, 支援) also translates a verb ("linked", "supported").
    None when no gloss is a word the lemmatiser knows."""
    if matched.startswith("to "):
        return frozenset({"VERB"})
    votes: dict[str, float] = {}
    for gloss in glosses:
        lemmas = {"VERB": ()} if gloss.startswith("to ") else _lemmas(gloss.lower()) if " " not in gloss else None
        for pos in lemmas or ():
            votes[pos] = votes.get(pos, 0.0) + 1.0 / len(lemmas)
    if not votes:
        return None
    if any(tag.startswith(_ADJECTIVAL_TAGS) for tag in jmdict_pos):
        votes["ADJ"] = votes.get("ADJ", 0.0) + 1.0
    top = max(votes.values())
    out = {pos for pos, n in votes.items() if n >= top - 1e-9}
    if any(tag.startswith(_SURU_TAGS) for tag in jmdict_pos):
        out.add("VERB")
    return frozenset(out)


# JMdict part-of-speech tags (as jamdict spells them) of an adjectival sense, and of a noun that takes する.
_ADJECTIVAL_TAGS = ("adjective (keiyoushi)", "adjectival nouns", "'taru' adjective", "pre-noun adjectival",
                    "noun or verb acting prenominally")
_SURU_TAGS = ("noun or participle which takes the aux. verb suru",)


@lru_cache(maxsize=20_000)
def headwords(gloss: str, classes: frozenset[str] | None = None, noted: bool = False) -> tuple[tuple[str, float], ...]:
    """JMdict headwords glossed exactly as ``gloss`` (or "to gloss"), best first, with a rank score.

    With ``noted``, also those glossed ``gloss (a note)``: JMdict glosses 北海道 "Hokkaido (island,
    prefectural-level administrative unit)", and "Hokkaido" alone only the rarer 北海.

    With ``classes`` (parts of speech, ``word_classes``), only senses whose English side can be one of them
    (``_sense_classes``) are kept: "firms" is no adjective, so not 強固 (firm, strong, solid)."""
    con = _db()
    if con is None:
        return ()
    rows = con.execute(
        """
        SELECT s.idseq, s.ID, g.text,
               (SELECT MIN(g2.rowid) FROM SenseGloss g2 WHERE g2.sid = s.ID) = g.rowid AS first_gloss,
               (SELECT COUNT(*) FROM Sense s2 WHERE s2.idseq = s.idseq AND s2.ID < s.ID) AS sense_no
        FROM SenseGloss g JOIN Sense s ON g.sid = s.ID
        WHERE (g.text IN (?, ?) OR g.text >= ? AND g.text < ?) AND +g.lang = 'eng'  -- + keeps SQLite on the text index
          AND NOT EXISTS (SELECT 1 FROM misc m WHERE m.sid = s.ID AND m.text IN (%s))
        """ % ",".join("?" * len(_UNWRITTEN_SENSES)),
        # "gloss (" up to "gloss )": every gloss that is ``gloss`` and a bracketed note (a range the text index serves)
        (gloss, f"to {gloss}", *((f"{gloss} (", f"{gloss} )") if noted else ("", "")), *_UNWRITTEN_SENSES)).fetchall()
    best: dict[str, float] = {}
    for idseq, sid, text, first_gloss, sense_no in rows:
        if classes is not None and POS_SENSES:
            sense = _sense_classes(
                [g for (g,) in con.execute("SELECT text FROM SenseGloss WHERE sid = ? AND lang = 'eng'", (sid,))],
                text, [p for (p,) in con.execute("SELECT text FROM pos WHERE sid = ?", (sid,))])
            if sense is not None and not sense & classes:
                continue
        kanji = con.execute(
            "SELECT k.text, EXISTS(SELECT 1 FROM KJP p WHERE p.kid = k.ID AND p.text IN (%s)) FROM Kanji k "
            "WHERE k.idseq = ? ORDER BY k.ID" % ",".join("?" * len(_COMMON_TAGS)), (*_COMMON_TAGS, idseq)).fetchall()
        if kanji:
            forms = kanji[:1]
        else:
            forms = con.execute(
                "SELECT k.text, EXISTS(SELECT 1 FROM KNP p WHERE p.kid = k.ID AND p.text IN (%s)) FROM Kana k "
                "WHERE k.idseq = ? ORDER BY k.ID" % ",".join("?" * len(_COMMON_TAGS)),
                (*_COMMON_TAGS, idseq)).fetchall()[:1]
        for text, common in forms:
            # Being common and being the sense's first gloss count alike: "cluster" is the first gloss of
            # クラスター but the sixth of the common 塊, and 'match' the first of マッチング.
            rank = 2.0 * bool(common) + 2.0 * bool(first_gloss) - 0.25 * min(sense_no, 2)
            best[text] = max(best.get(text, -9.0), rank)
    return tuple(sorted(best.items(), key=lambda kv: -kv[1]))


def bracketed_headwords(names: Sequence[str]) -> list[str]:
    """Common JMdict headwords whose gloss reads as one of the names once its bracketed words are taken as
    written: JMdict glosses 米国 "(United States of) America", which no exact lookup of either name finds."""
    con = _db()
    if con is None or not names:
        return []
    rows = con.execute(
        "SELECT DISTINCT s.idseq FROM SenseGloss g JOIN Sense s ON g.sid = s.ID WHERE g.lang = 'eng' AND g.text LIKE '(%%' "
        "AND replace(replace(g.text, '(', ''), ')', '') IN (%s)" % ",".join("?" * len(names)), list(names)).fetchall()
    out = []
    for (idseq,) in rows:
        kanji = con.execute(
            "SELECT k.text FROM Kanji k WHERE k.idseq = ? AND EXISTS(SELECT 1 FROM KJP p WHERE p.kid = k.ID AND p.text IN "
            "(%s)) ORDER BY k.ID LIMIT 1" % ",".join("?" * len(_COMMON_TAGS)), (idseq, *_COMMON_TAGS)).fetchone()
        if kanji:
            out.append(kanji[0])
    return out


@lru_cache(maxsize=20_000)
def _candidates(english: str) -> tuple[tuple[tuple[str, tuple[str, ...], float], ...], ...]:
    """Per dictionary form of an English word or phrase, its headwords with their BM25 terms and rank.

    A headword Sudachi keeps whole (金融機関) is its own term; one it cuts into parts
    (当初予算 → 当初, 予算) stands for all of them, not for its first part alone."""
    out = []
    classes = word_classes(english) if " " not in english else None
    for form in _forms(english) if " " not in english else [english]:
        found = []
        # A form the lemmatiser does not give (the word as written, a suffix stripped by rule) keeps all senses.
        # Classes only where they filter: each value is another ``headwords`` cache entry and query.
        for headword, rank in headwords(form, classes.get(form) if classes and POS_SENSES else None):
            parts = _parts(headword)
            if parts:
                found.append((headword, parts, rank))
        out.append(tuple(found))
    if DERIVED_NOUNS and classes:
        for verb in (form for form, pos in classes.items() if "VERB" in pos):
            found = []
            for noun in _nominalisations(verb):
                found += [(hw, parts, rank - DERIVED_PENALTY) for hw, rank in suru_nouns(noun) if (parts := _parts(hw))]
            out.append(tuple(found))
    return tuple(out)


def _parts(headword: str) -> tuple[str, ...] | None:
    """A headword's BM25 terms as the keyword leg searches them (see ``_candidates``)."""
    hw_terms = terms(headword)
    if not hw_terms:
        return None
    return (hw_terms[0],) if hw_terms[0] == normalise(headword) or len(hw_terms) == 1 else tuple(hw_terms)


def searchable_headwords(frequency: Callable[[str], int]) -> list[str]:
    """Every JMdict headword ``headwords`` can return whose terms all occur in the index (df > 0, as ``_ranked``
    requires): the only ones whose senses the embedder is ever asked about (index/sense_vectors.py)."""
    out = []
    for name, joined in _headword_parts():
        parts = joined.split("\t") if joined else (name,)
        if min(frequency(t) for t in parts) > 0:
            out.append(name)
    return out


@lru_cache(maxsize=1)
def _headword_parts() -> tuple[tuple[str, str], ...]:
    """Every headword ``headwords`` can return, with its BM25 terms tab-joined ("" when the term is the headword
    itself). Cutting all 190k with Sudachi takes 5–8 s, so it is done once per process, not at every ingest (the
    test suite ingests dozens of times); kept compact, ~34 MB (tracemalloc)."""
    con = _db()
    if con is None:
        return ()
    # ``headwords`` names an entry by its first kanji spelling, else its first kana one.
    kanji = dict(con.execute("SELECT idseq, text FROM Kanji WHERE ID IN (SELECT MIN(ID) FROM Kanji GROUP BY idseq)").fetchall())
    kana = dict(con.execute("SELECT idseq, text FROM Kana WHERE ID IN (SELECT MIN(ID) FROM Kana GROUP BY idseq)").fetchall())
    names = sorted({kanji.get(i) or kana.get(i) for i in set(kanji) | set(kana)} - {None})
    return tuple((name, "" if parts == (name,) else "\t".join(parts)) for name in names if (parts := _parts(name)))


# How close in meaning Japanese headwords are to English words, by the cross-lingual embedder:
# [(English word, its headwords), ...] -> one cosine per headword, per word. A question asks it once for all of
# its words, so that the embedder embeds every new text of the question in one call (index/retrieve.py).
Similarity = Callable[[Sequence[tuple[str, Sequence[str]]]], Sequence[Sequence[float]]]

# A word's translations the corpus uses: BM25 terms of a headword -> (rank, df, headword).
_Ranked = dict[tuple[str, ...], tuple[float, int, str]]


def _nominalisations(verb: str) -> list[str]:
    """The nouns English derives from a verb by suffix (adopt → adoption, participate → participation, develop →
    development, apply → application), those JMdict glosses: a Japanese する-noun is glossed by the English noun
    (採択 "adoption", 参加 "participation"), not by the verb."""
    stem = verb[:-1] if verb.endswith("e") else verb
    out = [stem + "ion", stem + "ation", verb + "ment", stem + "al", stem + "ance", stem + "ence"]
    if verb.endswith("y"):
        out.append(verb[:-1] + "ication")
    return [n for n in dict.fromkeys(out) if n != verb and _lemmas(n) and "NOUN" in _lemmas(n)]


@lru_cache(maxsize=20_000)
def suru_nouns(noun: str) -> tuple[tuple[str, float], ...]:
    """``headwords`` of an English noun, only those of senses JMdict marks as nouns that take する (verbs)."""
    con = _db()
    if con is None:
        return ()
    keep = {idseq for (idseq,) in con.execute(
        "SELECT s.idseq FROM SenseGloss g JOIN Sense s ON g.sid = s.ID JOIN pos p ON p.sid = s.ID "
        "WHERE g.text = ? AND +g.lang = 'eng' AND p.text LIKE ?", (noun, _SURU_TAGS[0] + "%"))}
    if not keep:
        return ()
    kanji = dict(con.execute("SELECT idseq, text FROM Kanji WHERE idseq IN (%s) GROUP BY idseq HAVING ID = MIN(ID)"
                             % ",".join("?" * len(keep)), tuple(keep)).fetchall())
    return tuple((hw, rank) for hw, rank in headwords(noun) if hw in kanji.values())


def _ranked(english: str, frequency: Callable[[str], int] | None) -> _Ranked:
    """The translations of a word or phrase the corpus uses, with their dictionary rank and corpus use.

    All dictionary forms of the word count (exports → export). A headword cut into parts is kept only when the
    corpus uses every part."""
    return _held([c for found in _candidates(english) for c in found], frequency)


def _ranked_gloss(gloss: str, frequency: Callable[[str], int] | None, noted: bool = False) -> _Ranked:
    """``_ranked`` for one gloss looked up exactly as written, with no other forms: capitals kept (JMdict glosses
    研究開発 as "R&D"), or a verb's gloss as a whole ("to take part")."""
    return _held([(hw, parts, rank) for hw, rank in headwords(gloss, noted=noted) if (parts := _parts(hw))], frequency)


def _held(found: Iterable[tuple[str, tuple[str, ...], float]], frequency: Callable[[str], int] | None) -> _Ranked:
    """Of (headword, its BM25 terms, rank), those whose every term the corpus uses, each term tuple at its best rank."""
    ranked: _Ranked = {}
    for headword, parts, rank in found:
        df = min(frequency(t) for t in parts) if frequency is not None else 1
        if df > 0 and (parts not in ranked or ranked[parts][0] < rank):
            ranked[parts] = (rank, df, headword)
    return ranked


def _sense_pool(ranked: _Ranked) -> list[tuple[str, ...]]:
    """The senses the embedder compares: up to SENSE_POOL, best ranked, within SENSE_RANK_TIER of the best."""
    if not ranked:
        return []
    best_rank = max(r for r, _, _ in ranked.values())
    return sorted((p for p in ranked if ranked[p][0] >= best_rank - SENSE_RANK_TIER),
                  key=lambda p: (-ranked[p][0], -ranked[p][1]))[:SENSE_POOL]


def _japanese_terms(ranked: _Ranked, cosines: dict[tuple[str, ...], float] | None = None) -> list[tuple[str, float]]:
    """Up to PER_WORD translations the corpus uses, best first, as (term, weight) with weights summing to 1.

    Among equally ranked translations the one the corpus uses most is the likely
    sense. A headword cut into parts shares its share of the word's vote among them.

    With ``cosines`` (the embedder's cosine between the English word and each
    headword of its ``_sense_pool``), the senses are chosen by meaning instead: those within SENSE_MARGIN
    of the closest, closest first. Which words the index holds then decides only
    whether a sense can be searched, not which senses win: "cluster" stays クラスター
    beside documents that also use 林 or 塊 (see README, "Fusion").

    (Sharing the vote by corpus use instead of equally helped English questions on
    the bundled corpus and hurt them beside six white papers, whose vocabulary
    then picks the senses: dev hit@5 en 0.870 → 0.739–0.826. Equal shares it is.)
    """
    if cosines is not None and ranked:
        top = max(cosines.values())
        kept = sorted((p for p in cosines if cosines[p] >= top - SENSE_MARGIN), key=lambda p: -cosines[p])[:PER_WORD]
    else:
        kept = sorted(ranked, key=lambda t: (-ranked[t][0], -ranked[t][1]))[:PER_WORD]
        # A sense more than a whole signal (common, first gloss) below the best is another word's sense: dropped,
        # so that an index which happens to hold it does not take the usual translation's vote.
        kept = [p for p in kept if ranked[p][0] >= ranked[kept[0]][0] - RANK_TIER] if kept else kept
    out: dict[str, float] = {}
    for parts in kept:
        for t in parts:
            out[t] = out.get(t, 0.0) + 1.0 / len(kept) / len(parts)
    return list(out.items())


def _choose_senses(words: list[tuple[str, _Ranked]], similarity: Similarity | None) -> list[list[tuple[str, float]]]:
    """Each word's translations (``_japanese_terms``), the senses of all the words compared in ONE ``similarity``
    call: the first sight of a question's words then costs one embedder call, not one per word (dev, 1×: search
    p95 with one call per word 50 ms against 31 ms without the embedder)."""
    if similarity is None:
        return [_japanese_terms(ranked) for _, ranked in words]
    pools = [_sense_pool(ranked) for _, ranked in words]
    asked = [i for i, pool in enumerate(pools) if len(pool) > 1]     # a lone sense needs no embedding
    answers = similarity([(words[i][0], [words[i][1][p][2] for p in pools[i]]) for i in asked]) if asked else []
    cosines: dict[int, dict[tuple[str, ...], float]] = {i: {p: 1.0 for p in pool} for i, pool in enumerate(pools)}
    for i, answer in zip(asked, answers):
        cosines[i] = dict(zip(pools[i], answer))
    return [_japanese_terms(ranked, cosines[i]) for i, (_, ranked) in enumerate(words)]


def _romaji_variants(word: str) -> list[str]:
    """Spellings of a romanised Japanese name as JMnedict writes long vowels (Kyushu → Kyuushuu, Tokai → Toukai)."""
    w = word.lower()
    out = [""]
    for ch in w:
        out = [v + ch for v in out] + ([v + ch + ("u" if ch in "ou" else "") for v in out] if ch in "ou" else [])
        if len(out) > 64:
            return [w]
    return list(dict.fromkeys(v[:1].upper() + v[1:] for v in out))


@lru_cache(maxsize=20_000)
def place_names(word: str) -> tuple[str, ...]:
    """Kanji spellings of a romanised Japanese place or organisation name (JMnedict), most specific type first."""
    if _db() is None or not word.isalpha():
        return ()
    variants = tuple(_romaji_variants(word))
    kept = [text for text, kinds in _named_as(variants, "NEKanji") if set(kinds) & _PLACE_TYPES]
    if FOREIGN_PLACES:
        # A foreign place is written in katakana (ジャワ; JMnedict's kanji 瓜哇 is an old ateji): its katakana readings.
        kept += [text for text, kinds in _named_as(variants, "NEKana") if "place" in kinds and _KATAKANA_WORD.fullmatch(text)]
    return tuple(dict.fromkeys(kept))


def _named_as(glosses: Sequence[str], table: str) -> list[tuple[str, tuple[str, ...]]]:
    """(spelling, its name types) of the JMnedict entries glossed by any of ``glosses``, spelt from ``table``
    (NEKanji or NEKana)."""
    rows = _db().execute(
        f"""
        SELECT k.text, (SELECT group_concat(tt.text) FROM NETransType tt WHERE tt.tid = g.tid)
        FROM NETransGloss g JOIN NETranslation t ON t.ID = g.tid JOIN {table} k ON k.idseq = t.idseq
        WHERE g.text IN (%s)""" % ",".join("?" * len(glosses)), list(glosses)).fetchall()
    return [(text, tuple(kinds.split(","))) for text, kinds in rows if kinds]


def english_words(question: str) -> list[str]:
    """The Latin-script words of a question, possessives dropped (K-RIP's → K-RIP)."""
    return [re.sub(r"['’]s$", "", w) for w in _WORD.findall(normalise(question))]


def is_name(word: str) -> bool:
    """A Latin-script name or acronym that documents write as it is (K-RIP, MFCA, iPS)."""
    return bool(_NAME.match(word)) and len(word) >= 2


def keyword_terms(question: str, frequency: Callable[[str], int] | None = None,
                  similarity: Similarity | None = None) -> list[WeightedTerm]:
    """The weighted Japanese (and Latin-name) keyword terms of an English question.

    Two-word phrases are looked up first ("trade fair" → 見本市); their words
    are then not looked up alone. ``frequency`` gives how many indexed chunks hold a term.
    """
    words, share = _unheld_compounds_split(english_words(question), frequency)
    stop = _stop_words()
    if MEASURE_WORDS_DROPPED:
        # "What share of households…" asks for a percentage (qa_app/answer_types.py); "share" names no subject,
        # and its senses (分ける, 株, 配当) match what the question is not about.
        stop = stop | {m.lower() for m in _ASKED_MEASURE.findall(question)}
        # "At the end of FY2013", "the start of 2020": the date's frame; the year terms search the date itself.
        stop = stop | {m.lower() for m in _DATE_FRAME.findall(question)}
        # "How large / long / often / widely…": the degree asked, not the subject (大きい, ロング, 長い matched anything).
        stop = stop | {w.lower() for w in re.findall(r"\bhow\s+(\w+)", question, re.I)
                       if {"ADJ", "ADV"} & set().union(*(word_classes(w.lower()) or {}).values())}
    out: list[WeightedTerm] = []
    used: set[int] = set()
    if CAPITALISED_NAMES and frequency is not None:
        out += _capitalised_names(words, stop, frequency)
    for i, word in enumerate(words):
        if is_name(word):
            held = [t for t in dict.fromkeys(terms(word)) if frequency is None or frequency(t) > 0]
            # A country's code the documents do not write in Latin letters (US, UK; not IT) is the country.
            found = _country_terms(countries.by_code(word), frequency) if not held and COUNTRIES else []
            out += [WeightedTerm(t, 1.0, word) for t in held] + [WeightedTerm(t, w, word) for t, w in found]
            if held or found or not UNHELD_NAMES_TRANSLATED:
                used.add(i)
    if COUNTRIES:
        for i in range(len(words)):
            for n in range(min(countries.MAX_WORDS, len(words) - i), 0, -1):
                span = range(i, i + n)
                found = [] if set(span) & used else _country_terms(countries.named(words[i:i + n]), frequency)
                if found:
                    source = " ".join(words[i:i + n])
                    out += [WeightedTerm(t, w * max(share[j] for j in span), source) for t, w in found]
                    used |= set(span)
                    break
    for i, word in enumerate(words):
        if i in used or not word[:1].isupper() or word.lower() in stop or not NAMES:
            continue
        found = _name_terms(word, frequency)
        if found:
            out += [WeightedTerm(t, w, word) for t, w in found]
            used.add(i)
    # Which words and phrases are translated does not depend on the senses chosen, only on whether the corpus
    # uses a translation: all are found first, and their senses then compared in one ``similarity`` call.
    asked: list[tuple[str, str, _Ranked]] = []      # (source as written, as looked up, its translations)
    if PHRASAL_VERBS:
        for i in range(len(words)):
            for n in (3, 2):
                span = range(i, i + n)
                if i + n > len(words) or set(span) & used:
                    continue
                found = _phrasal_verb(words[i:i + n], frequency)
                if found:
                    phrase, ranked = found
                    asked.append((" ".join(words[i:i + n]), phrase, ranked, max(share[j] for j in span)))
                    used |= set(span)
                    break
    for i in range(len(words) - 1):
        a, b = words[i], words[i + 1]
        if {i, i + 1} & used or a.lower() in stop or b.lower() in stop:
            continue
        ranked = _ranked(f"{a} {b}".lower(), frequency)
        if ranked:
            asked.append((f"{a} {b}", f"{a} {b}".lower(), ranked, max(share[i], share[i + 1])))
            used |= {i, i + 1}
    for i, word in enumerate(words):
        if i in used or word.lower() in stop or (len(word) < 3 and not is_name(word)):
            continue
        ranked = _ranked(word.lower(), frequency)
        if not ranked and word != word.lower():       # an abbreviation JMdict glosses as written: R&D -> 研究開発
            ranked = _ranked_gloss(word, frequency, noted=True)
        if ranked:
            asked.append((word, word.lower(), ranked, share[i]))
    chosen = _choose_senses([(english, ranked) for _, english, ranked, _ in asked], similarity)
    for (source, _, _, vote), found in zip(asked, chosen):
        out += [WeightedTerm(t, w * vote, source) for t, w in found]
    return _merge(out)


def written_names(question: str, frequency: Callable[[str], int]) -> frozenset[str]:
    """The names of an English question the index holds as it writes them: Latin-script names and acronyms (K-RIP),
    capitalised words and one-token runs (Swallow, Sakana AI). Not a title-case run's words alone, nor a word whose
    translation merely shares its spelling."""
    words, _ = _unheld_compounds_split(english_words(question), frequency)
    held = {wt.source for wt in _capitalised_names(words, _stop_words(), frequency)}
    return frozenset(held | {w for w in words if is_name(w) and any(frequency(t) > 0 for t in terms(w))})


_TITLE_JOINS = frozenset({"and", "of", "for", "the", "&"})


def _capitalised_names(words: list[str], stop: frozenset[str], frequency: Callable[[str], int]) -> list[WeightedTerm]:
    """A capitalised word, or a run of them as one ("Sakana AI", one token in the index), that the index holds as written.

    Their translations are still looked up (the words are not marked used); countries are left to their own
    terms ("Japan" would otherwise add ジャパン, which the documents write for brands, beside 日本)."""
    out: list[WeightedTerm] = []
    run: list[str] = []
    padded = [*words, ""]
    for i, word in enumerate(padded):
        if word[:1].isupper() and word.lower() not in stop and not countries.named([word]):
            run.append(word)
            continue
        if run and word in _TITLE_JOINS and padded[i + 1][:1].isupper():   # "Nippon Telegraph and Telephone …"
            run.append(word)
            continue
        # A run's words alone are title case ("the Industrial Cluster Plan": プラン, クラスター), not names; only the
        # run as one token can be ("Sakana AI" → sakana ai).
        spans = [run] if len(run) > 1 or (run and not is_name(run[0])) else []
        for span in spans:
            source = " ".join(span)
            found = list(dict.fromkeys(terms(source)))
            if len(found) == 1 and frequency(found[0]) > 0:     # read as one word: split, its parts are words again
                out.append(WeightedTerm(found[0], 1.0, source))
        run = []
    return out


_ASKED_MEASURE = re.compile(r"\b(?:what|which|how\s+(?:big|large|high)\s+(?:a|was|is|were|are)(?:\s+the)?)\s+"
                            r"(share|percentage|proportion|fraction)\s+of\b", re.I)
_DATE_FRAME = re.compile(r"\b(end|beginning|start|middle)\s+of\s+(?:the\s+)?(?:FY\s*|fiscal\s+(?:year\s+)?)?"
                         r"(?:\d{4}|January|February|March|April|May|June|July|August|September|October|November|December)",
                         re.I)
# The words an English question asks with rather than about — the measure ("what share of"), the degree after "how"
# and a date's frame ("at the end of FY2020") — are no keyword terms (README, "Fusion": dev_ict hit@5 0.877 -> 0.885,
# dev_para facts 0.615 -> 0.641 over the three).
MEASURE_WORDS_DROPPED = True


# Verbs that are auxiliaries before their phrase ("is in", "have to", "did so"), never its head.
_AUXILIARIES = frozenset({"be", "have", "do"})


def _phrasal_verb(words: Sequence[str], frequency: Callable[[str], int] | None) -> tuple[str, _Ranked] | None:
    """A verb with its particle or object that JMdict glosses as one verb ("to take part", "to set up", "to come
    up with"), the verb in any inflection (taking part, took part → take part), and the translations of it the
    corpus uses. Its words may be stop words each (take, part): the phrase is looked up before its words are,
    which would translate "taking" alone as 取る."""
    first = _lemmas(words[0].lower())
    # Not a word that can be an adverb (even though, close to): a phrasal verb's first word is its verb.
    if not first or "VERB" not in first or "ADV" in first or any(not w.isalpha() for w in words):
        return None
    rest = " ".join(w.lower() for w in words[1:])
    for lemma in first["VERB"]:
        if lemma in _AUXILIARIES:
            continue
        phrase = f"{lemma} {rest}"
        # Only as a verb's gloss ("to take part"): a noun glossed "take part" is no phrasal verb.
        ranked = _ranked_gloss(f"to {phrase}", frequency)
        if ranked:
            return phrase, ranked
    return None


# A year, or a fiscal year (FY2003): Japanese documents number years within an era (平成15年度).
_YEAR = re.compile(r"(?<![A-Za-z0-9])(FY)?((?:19[2-9]|20\d)\d)(?![0-9])", re.IGNORECASE)


# The Japanese eras a document of ours may date by, newest first, with the year each began.
ERAS = (("令和", 2019), ("平成", 1989), ("昭和", 1926))


def era_of(year: int) -> tuple[str, int] | None:
    """A western year as its era and the year within it (2003 → ("平成", 15)); None before 昭和."""
    for name, start in ERAS:
        if year >= start:
            return name, year - start + 1
    return None


def era_year(year: int) -> int:
    """The year within its Japanese era (2003 → 平成15 → 15; 2020 → 令和2 → 2)."""
    era = era_of(year)
    return era[1] if era else year


def year_terms(question: str, frequency: Callable[[str], int] | None = None) -> list[WeightedTerm]:
    """An English question's years as Japanese documents also number them: the year as written, the
    year of its era (2003 → 平成15 → "15"; a one-digit one is too common a number to mean it) and, for
    a fiscal year (FY2003), 年度. For the keyword leg only: the answer step does not weigh sentences by
    them (tried: more unanswerable year questions were then answered)."""
    out: list[WeightedTerm] = []
    for fy, year in _YEAR.findall(normalise(question)):
        era = era_year(int(year))
        extra = [year] + ([str(era)] if era >= 10 else []) + (terms("年度") if fy else [])
        out += [WeightedTerm(t, 1.0, fy + year) for t in dict.fromkeys(extra)
                if (frequency is None or frequency(t) > 0) and not (fy and t == year)]
    return out


def _country_terms(found: Sequence[countries.Country], frequency: Callable[[str], int] | None) -> list[tuple[str, float]]:
    """The Japanese spellings of the countries a word or phrase names that the index holds, sharing its one vote
    by how many chunks use each."""
    return _spellings_held([s for country in found for s in countries.spellings(country)], frequency)


def _name_terms(word: str, frequency: Callable[[str], int] | None) -> list[tuple[str, float]]:
    """A romanised name's kanji spellings the corpus uses, as terms sharing the word's vote by corpus use."""
    return _spellings_held(place_names(word), frequency)


def _spellings_held(spellings: Iterable[str], frequency: Callable[[str], int] | None) -> list[tuple[str, float]]:
    """Of a name's spellings, those Sudachi keeps whole and the index holds, at most PER_WORD, the most used
    first, sharing one vote by how many chunks use each (all alike without ``frequency``)."""
    found: dict[str, int] = {}
    for name in spellings:
        t = terms(name)
        if t and t[0] == normalise(name):
            df = frequency(t[0]) if frequency is not None else 1
            if df > 0:
                found[t[0]] = max(found.get(t[0], 0), df)
    kept = sorted(found, key=lambda t: -found[t])[:PER_WORD]
    total = sum(found[t] for t in kept) or 1
    return [(t, found[t] / total) for t in kept]


def _unheld_compounds_split(words: list[str], frequency: Callable[[str], int] | None
                            ) -> tuple[list[str], list[float]]:
    """A hyphenated word the index does not hold as it is written (regional-resources, big-company: not a name
    like K-RIP) stands for its parts, which are then translated like other words but share the one word's vote
    (each part's weight / the number of parts); one the index holds stays whole. Also each word's vote."""
    if not UNHELD_NAMES_TRANSLATED or frequency is None:
        return words, [1.0] * len(words)
    out: list[str] = []
    share: list[float] = []
    for word in words:
        parts = [p for p in word.split("-") if p]
        if len(parts) > 1 and not all(frequency(t) > 0 for t in terms(word)):
            out += parts
            share += [1.0 / len(parts)] * len(parts)
        else:
            out.append(word)
            share.append(1.0)
    return out, share


def _merge(found: Iterable[WeightedTerm]) -> list[WeightedTerm]:
    """One entry per term, weights added (two English words may translate to the same term)."""
    merged: dict[str, WeightedTerm] = {}
    for wt in found:
        old = merged.get(wt.term)
        merged[wt.term] = wt if old is None else WeightedTerm(wt.term, old.weight + wt.weight, old.source)
    return list(merged.values())
