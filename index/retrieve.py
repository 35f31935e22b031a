"""Hybrid retrieval: dense vectors (cross-lingual) and BM25 (exact Japanese terms), fused.

Reciprocal rank fusion needs no score calibration between the two legs, which
matters here: cosine similarities from USE and BM25 scores live on unrelated
scales. The keyword leg gets less weight for questions with no Japanese in
them, whose terms are dictionary translations (see README, "Fusion").
"""

from __future__ import annotations

import threading
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Sequence

import numpy as np

from llama_index.core.base.embeddings.base import BaseEmbedding

from ingest.docid import doc_matches
from ingest.normalise import is_cjk
from ingest.records import Chunk

from .editions import document_year, named_editions
from .embeddings import get_embedder
from .errors import DegradedSearch, IndexUnavailable
from . import sense_vectors
from .keyword import KeywordIndex
from .store import ChunkStore
from .synonyms import Synonyms
from .tokenise import question_terms, terms
from .translate import keyword_terms, year_terms
from .vectors import VectorIndex, VectorSegmentDamaged

Mode = Literal["hybrid", "dense", "bm25"]

# Damps the head of each ranking. 60 is the usual constant; 10 lets a leg's top few
# count for more than many middling votes, which matters once other documents crowd the
# legs. Dev (README, "Fusion"): bundled corpus MRR 0.804 -> 0.815, evidence within 1,000
# chars 0.880 -> 0.920; beside six white-paper editions MRR 0.741 -> 0.782, evidence
# 0.760 -> 0.827 (10-15 is a plateau; 5 and 30 are worse).
RRF_K = 10
CANDIDATES = 100      # how deep each leg looks before fusion
# Measured on the development gold set (README, "Fusion"): for Japanese questions
# BM25 is the stronger leg and dense vectors rescue what it misses. English
# questions reach the keyword leg through JMdict translations and their Latin
# names (index/translate.py); on dev's English questions a weight of 0.5–1 raised
# MRR from 0.75 to 0.84 (hit@5 within one question), 0.75 was best; from 2 up it hurts.
# Japanese: 8 -> 4 (issue 13, fifth pass). Beside 24 white papers a keyword-only look-alike at rank 1 outweighed a
# dense rank-1 passage with keyword rank 20 (8/11 against 8/30 + 1/11); swept 2-8 on dev, dev_coord (1x and +24),
# dev_ict and dev_para (+24), 3-5 a plateau (README, "Fusion"): at 4, MRR summed over the six 3.671 -> 3.687, facts
# 3.138 -> 3.189, citations 3.084 -> 3.131; dev_ict (+24) Japanese hit@5 0.782 -> 0.818, dev_coord (1x) facts 0.370
# -> 0.389; dev (1x) MRR 0.828 -> 0.820 (evidence 0.873 -> 0.911).
KEYWORD_WEIGHT_JA = 4.0
KEYWORD_WEIGHT_EN = 0.75
# Which senses of an English word the keyword leg searches for: those closest in meaning to the word by the
# cross-lingual embedder (index/translate.py, _japanese_terms), not those other indexed documents happen to use.
SENSES_BY_MEANING = True
WORD_VECTORS = 4096  # unit vectors of English words and their headwords kept per retriever (2 KB each), LRU
YEAR_TERMS = True    # an English question's years also as era years, for the keyword leg (index/translate.py)
# A Japanese question's western years too (2002年度 -> 14, as 平成14年度 is written): the question's own terms hold the
# year as written, documents often the era year. Issue 9, bundled corpus: dev unchanged (hit@5 0.975, MRR 0.828), dev_coord
# hit@5 0.759 -> 0.778, MRR 0.577 -> 0.593, facts 0.352 -> 0.370; dev_para (+ h21, h26, r3) MRR 0.573 -> 0.591; no
# question lost on any set (README, "Fusion").
YEAR_TERMS_JA = True
# Documents as a whole (issue 13: quality among distractor documents). Each candidate's fused
# score is multiplied by 1 + TOPIC_WEIGHT x its document's topic score (KeywordIndex.document_topic:
# how many of the document's chunks hold the question's keyword terms, with an IDF over documents),
# relative to the best document's. A passage of the document that is about the question then
# outranks a look-alike from a long document that mentions the same words in passing. Dev
# (README, "Fusion"): beside six white-paper editions hit@5 0.924 -> 0.937, MRR 0.779 -> 0.800;
# on the bundled corpus alone hit@5 0.975 unchanged, MRR 0.828 -> 0.826. 0.25-1.0 tried; squared
# or square-rooted topic scores were no better. Raised to 1.0 once English senses, titles and the local IDF
# (below) made the topic sharper: dev +24 hit@5 0.949 -> 0.962, MRR 0.795 -> 0.811, facts 0.709 -> 0.722; +6
# 0.975 / 0.814 -> 0.987 / 0.816; dev_ict at +24 0.590 / 0.453 -> 0.615 / 0.464; at 1x hit@5 0.987 either way,
# MRR 0.829 -> 0.820, facts 0.772 -> 0.747 (two questions; one more unanswerable refused).
TOPIC_WEIGHT = 1.0
# A document's title is part of what it is about: a question term in the title counts as held by at least this
# share of the document's chunks (KeywordIndex.document_topic). Dev: +24 hit@5 0.924 -> 0.937, +6 MRR 0.798 ->
# 0.807, 1x unchanged (0.987 / 0.827); 0.5 the same, 1.0 cost 1x MRR (0.827 -> 0.813).
TITLE_SHARE = 0.25
# A Japanese question's keyword weights, each scaled towards how rare the term is *inside* the document most about
# the question (w x (1 - L + L x local IDF / the terms' highest)). Other documents move the corpus-wide IDF: beside
# 24 white papers a word the question's own document uses on every page (its subject) becomes the rarest term of
# the question and picks the passage, where alone it counted for little. Dev, Japanese questions: +24 hit@5 0.926
# -> 0.944, MRR 0.772 -> 0.791; +6 0.963 / 0.806 -> 0.981 / 0.816; 1x 0.981 / 0.798 -> 0.981 / 0.802 (facts 0.759
# -> 0.778). L = 0.5 cost 1x hit@5, 1.0 cost everywhere; English questions lost MRR with it (0.889 -> 0.869 at 1x).
LOCAL_IDF = 0.25
# The question's neighbourhood (issue 13, third pass; Retriever._fused_nearby): the documents most about the
# question (their topic, as above) are ranked again as if they were the whole index, and that fusion x
# NEARBY_WEIGHT is added to the plain one. Passages of documents outside it can then neither crowd a right
# passage down the legs nor shift the keyword IDF among the question's own documents; an index of no more
# documents than the neighbourhood ranks exactly as without it. Beside 9 white-paper editions (README, "Fusion";
# ARCHITECTURE, "Issue 13, third pass") the gap to 1x, hit@5 / MRR: dev -0.012 / -0.018 -> 0 / 0, dev_coord (never
# tuned on) -0.037 / -0.042 -> -0.018 / -0.025, dev_ict and dev_para about unchanged. Size 5 alone lost dev_ict's
# and dev_para's right editions (ranked 6th-12th by topic among alike editions), hence the share.
NEIGHBOURHOOD = 5             # at least this many documents
NEIGHBOURHOOD_SHARE = 0.3     # and every document whose topic is at least this share of the best one's
NEARBY_WEIGHT = 1.0
# Issue 13, fourth pass (beside all 24 editions): the neighbourhood is chosen by a topic in which a term every
# document holds counts for nothing (KeywordIndex.document_topic, shared_terms=False). With log 2 for such terms
# (the topic the ranking multiplies by) 12-29 of the 29 documents reached 0.3 of the best, so the neighbourhood was
# most of the index and kept nothing out. The ranking's own topic is unchanged (the sharper one there cost 1x: dev
# hit@5 0.975 -> 0.962, dev_coord 0.778 -> 0.741). With the next rule, +24 hit@5 / MRR (README, "Fusion"): dev
# 0.949 / 0.800 -> 0.987 / 0.833, dev_coord 0.611 / 0.490 -> 0.667 / 0.502, dev_para 0.449 -> 0.487, dev_ict 0.680
# either way (MRR 0.481 -> 0.497); 1x unchanged but dev_coord MRR 0.593 -> 0.595.
NEIGHBOURHOOD_SHARED_TERMS = False
# ... and when the neighbourhood holds at most this many passages, its dense leg scores every one of them
# (VectorIndex.rank_within: their stored sentence vectors) instead of keeping those of the plain dense leg's 100:
# beside 24 editions a right passage of the bundled documents often falls past that leg's 100 (and past Chroma's
# approximate 200), so the neighbourhood could not bring it back. ~200 chunks' sentence vectors: ~6 ms to read.
NEARBY_DENSE_ALL = 300
# A Japanese question's keyword terms leave out the words it asks with (index/tokenise.py, question_terms): beside
# the white papers 「いつ」「どこ」「誰」 matched their 「いつでも、どこでも、誰でも」.
ASKING_WORDS_DROPPED = True
# A Japanese question's terms also as their synonyms the index holds (index/synonyms.py: スマホ → スマートフォン), at
# this weight against the term's own 1.
SYNONYM_WEIGHT = 1.0
# A question that names an edition ("according to the 2019 white paper", 「令和元年版」: index/editions.py) is
# searched in the documents of that year only, when the index holds one and not only those.
NAMED_EDITIONS = True
RETRY_VECTORS_AFTER = 5.0  # seconds between attempts to reach a Chroma that was down


@dataclass
class Passage:
    """A retrieved chunk with its fused score and where each leg ranked it (1-based; None if absent)."""
    chunk: Chunk
    score: float
    dense_rank: int | None = None
    keyword_rank: int | None = None

    def as_json(self) -> dict:
        c = self.chunk
        return {"chunk_id": c.chunk_id, "doc_id": c.doc_id, "title": c.title, "page": c.page,
                "section": c.section_path, "text": c.text, "score": round(self.score, 6)}


def is_japanese(text: str) -> bool:
    return any(is_cjk(ch) for ch in text)


class Retriever:
    """Search one index; safe to keep open for hours while other processes ingest into it.

    Before each search it checks the store's data version (one cheap pragma);
    when another process committed, it reloads the keyword index and reopens
    its Chroma handles, so replaced documents never surface stale vectors and
    added ones become visible. It never takes the ingest lock: SQLite's WAL
    lets it read while an ingest writes.

    When the vectors cannot be reached (a Chroma server that is down, an
    embedded Chroma the user may not write to), search goes on with the
    keyword leg and says so: ``self.warning`` holds the one-line reason and a
    :class:`DegradedSearch` warning is issued. ``mode="dense"`` raises
    :class:`IndexUnavailable` instead, as it would have nothing to return.
    """

    def __init__(self, index_dir: str | Path, *, chroma_url: str | None = None,
                 embedder: BaseEmbedding | None = None):
        self.index_dir = Path(index_dir)
        self.chroma_url = chroma_url
        self.embedder = embedder or get_embedder()
        self.store = ChunkStore(index_dir, readonly=True)
        self.warning: str | None = None      # why the last search was keyword-only, if it was
        self._problem: str | None = None     # why the vectors cannot be reached now
        self._vectors: VectorIndex | None = None
        self._vectors_tried = float("-inf")
        self._open_vectors()
        self.keyword = KeywordIndex.load(self.store)
        self._row_docs: tuple[KeywordIndex, np.ndarray] | None = None
        self._synonyms: tuple[KeywordIndex, Synonyms] | None = None   # built once per keyword index
        self._last_topic: tuple[tuple, dict[bool, np.ndarray]] | None = None   # one search's document topics
        self._titles: list[frozenset[str]] = []          # each document's title terms, by document number
        self._doc_ids: list[str] = []                     # each document's id, by document number
        self._doc_years: list[int | None] = []           # the year each document names itself by (index/editions.py)
        self._word_vectors: OrderedDict[str, np.ndarray] = OrderedDict()   # translated words, their senses: LRU
        self._stored_senses = sense_vectors.load(self.index_dir, self.embedder.model_name)  # embedded at ingest
        self._word_lock = threading.Lock()               # searches on several threads share that cache
        self._data_version = self.store.data_version()
        self._generation = self.store.generation()

    def _open_vectors(self) -> VectorIndex | None:
        """The vector index, (re)opened if need be; None while it cannot be reached."""
        if self._vectors is None and time.monotonic() - self._vectors_tried >= RETRY_VECTORS_AFTER:
            self._vectors_tried = time.monotonic()
            try:
                vectors = VectorIndex(self.index_dir, self.embedder, self.chroma_url, readonly=True)
            except IndexUnavailable as e:
                self._problem = str(e)
                return None
            if vectors.count() == 0 and self.store.count_chunks() > 0:
                # e.g. a new embedder (or its new version), or an index moved to a new server
                vectors.close()
                self._problem = (f"the vector index has no vectors for {self.embedder.model_name}; "
                                 "`policyqa ingest` embeds them")
                return None
            self._vectors, self._problem = vectors, None
        return self._vectors

    def _drop_vectors(self, reason: str | None = None) -> None:
        if self._vectors is not None:
            self._vectors.close()
        self._vectors = None
        self._vectors_tried = float("-inf") if reason is None else time.monotonic()
        if reason:
            self._problem = reason

    @property
    def vectors(self) -> "VectorIndex | _LocalSentenceVectors":
        """The vector index; while it is unreachable, a stand-in that embeds sentences here (for answers)."""
        return self._open_vectors() or _LocalSentenceVectors(self.embedder)

    def refresh(self) -> None:
        """Pick up what other processes (or an upload) ingested since the last look: cheap when nothing did."""
        version = self.store.data_version()
        if version == self._data_version:
            return
        self._data_version = version
        generation = self.store.generation()
        if generation != self._generation:
            self.keyword = KeywordIndex.load(self.store)
            self._stored_senses = sense_vectors.load(self.index_dir, self.embedder.model_name)
            self._drop_vectors()  # the embedded Chroma caches segments: reopen to read them afresh
            self._generation = generation

    def close(self) -> None:
        self._drop_vectors()
        self.store.close()

    def __enter__(self) -> "Retriever":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def resolve_docs(self, wanted: list[str] | None) -> list[str] | None:
        """Accept full doc ids or their three-digit prefixes."""
        if not wanted:
            return None
        known = [d.doc_id for d in self.store.documents()]
        out = [d for d in known if any(doc_matches(d, w) for w in wanted)]
        if not out:
            raise ValueError(f"no indexed document matches {', '.join(wanted)}")
        return out

    def search(self, query: str, k: int = 10, *, mode: Mode = "hybrid", docs: list[str] | None = None,
               section: str | None = None) -> list[Passage]:
        self.refresh()
        doc_ids = self.resolve_docs(docs)
        if doc_ids is None and NAMED_EDITIONS:
            doc_ids = self.named_edition(query)
        dense: list[str] = []
        keyword: list[str] = []
        wanted: list[tuple[str, float]] = []
        if mode in ("hybrid", "dense"):
            dense = self._dense(query, doc_ids, section, required=mode == "dense")
        if mode in ("hybrid", "bm25"):
            allowed = self._allowed(doc_ids, section)
            wanted = with_years(query, self.keyword_terms(query), self.keyword.frequency)
            local = mode == "hybrid" and LOCAL_IDF and is_japanese(query)
            searched = self._local_weights(wanted) if local else wanted
            keyword = [h.chunk_id for h in self.keyword.search_terms(searched, CANDIDATES, allowed)]
        else:
            searched = []
        weights = {"dense": 1.0, "keyword": KEYWORD_WEIGHT_JA if is_japanese(query) else KEYWORD_WEIGHT_EN}
        fused: dict[str, float] = {}
        for leg, ranking in (("dense", dense), ("keyword", keyword)):
            for rank, cid in enumerate(ranking, start=1):
                fused[cid] = fused.get(cid, 0.0) + weights[leg] / (RRF_K + rank)
        nearby: dict[str, float] = {}
        if mode == "hybrid" and NEIGHBOURHOOD and doc_ids is None and section is None:
            nearby = self._fused_nearby(query, dense, searched, wanted, weights)
        if mode == "hybrid" and TOPIC_WEIGHT:
            fused = self._by_topic(fused, wanted)
            nearby = self._by_topic(nearby, wanted)
        for cid, score in nearby.items():
            fused[cid] = fused.get(cid, 0.0) + NEARBY_WEIGHT * score
        best = sorted(fused, key=fused.get, reverse=True)
        chunks = self.store.get_chunks(best[: k * 2])  # ids the store no longer holds drop out here
        dense_rank = {cid: r for r, cid in enumerate(dense, start=1)}
        keyword_rank = {cid: r for r, cid in enumerate(keyword, start=1)}
        return [Passage(chunks[cid], fused[cid], dense_rank.get(cid), keyword_rank.get(cid))
                for cid in best if cid in chunks][:k]

    def named_edition(self, query: str) -> list[str] | None:
        """The documents of the edition the question names ("the 2019 white paper"), which its search keeps
        to; None unless the index holds some and others besides."""
        years = named_editions(query)
        if not years:
            return None
        self._row_documents()
        kept = [d for d, year in zip(self._doc_ids, self._doc_years) if year in years]
        return kept if kept and len(kept) < len(self._doc_ids) else None

    def _fused_nearby(self, query: str, dense: list[str], searched: list[tuple[str, float]],
                      wanted: list[tuple[str, float]], weights: dict[str, float]) -> dict[str, float]:
        """Both legs fused again inside the question's neighbourhood (``_neighbourhood``), as if it were the whole
        index: BM25 with each term's IDF counted over the neighbourhood's passages, and the dense leg's ranking
        with the passages of other documents left out. Empty when the neighbourhood is every document (the
        plain fusion then ranks alike)."""
        row_doc, topic = self._topic(wanted, NEIGHBOURHOOD_SHARED_TERMS)
        held = self._topic(wanted)[1] > 0      # documents holding any of the terms
        near = [d for d in neighbourhood(topic, held) if d < len(self._doc_ids)]   # the last number: dropped chunks
        if not near or len(near) >= len(self._doc_ids):
            return {}
        inside = np.isin(row_doc, near)
        rows = self.keyword.row
        legs = (("keyword", [h.chunk_id for h in self.keyword.search_within(searched, inside, CANDIDATES)]),
                ("dense", self._dense_within(query, dense, inside)))
        fused: dict[str, float] = {}
        for leg, ranking in legs:
            for rank, cid in enumerate(ranking, start=1):
                fused[cid] = fused.get(cid, 0.0) + weights[leg] / (RRF_K + rank)
        return fused

    def _dense_within(self, query: str, dense: list[str], inside: np.ndarray) -> list[str]:
        """The neighbourhood's dense ranking: every passage of it scored when it holds at most NEARBY_DENSE_ALL,
        else the plain dense leg's ranking with other documents' passages left out."""
        rows = self.keyword.row
        kept = [cid for cid in dense if cid in rows and inside[rows[cid]]]
        vectors = self._vectors
        if not dense or vectors is None or int(inside.sum()) > NEARBY_DENSE_ALL:
            return kept
        ids = self.keyword.ids
        return vectors.rank_within(query, [ids[i] for i in np.flatnonzero(inside)], CANDIDATES) or kept

    def _local_weights(self, wanted: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """The terms' weights, each scaled towards how rare it is inside the document most about them."""
        if not wanted:
            return wanted
        row_doc, topic = self._topic(wanted)
        if not len(topic) or topic.max() <= 0:
            return wanted
        idf = self.keyword.idf_within([t for t, _ in wanted], row_doc, int(topic.argmax()))
        top = float(idf.max()) or 1.0
        return [(t, w * ((1 - LOCAL_IDF) + LOCAL_IDF * float(i) / top)) for (t, w), i in zip(wanted, idf)]

    def _by_topic(self, fused: dict[str, float], wanted: list[tuple[str, float]]) -> dict[str, float]:
        """The fused scores, each raised by how much its document is about the question's terms."""
        row_doc, topic = self._topic(wanted)
        top = topic.max() if len(topic) else 0.0
        if top <= 0:
            return fused
        rows = self.keyword.row
        return {cid: score * (1.0 + TOPIC_WEIGHT * topic[row_doc[rows[cid]]] / top) if cid in rows else score
                for cid, score in fused.items()}

    def _topic(self, wanted: list[tuple[str, float]], shared_terms: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Each row's document number, and each document's topic score for the terms (the last terms' kept)."""
        row_doc = self._row_documents()
        key = (id(row_doc), tuple(wanted), TITLE_SHARE)
        last = self._last_topic      # read once: threads of the app share this retriever
        if last is None or last[0] != key:
            last = self._last_topic = (key, {})
        topics = last[1]
        if shared_terms not in topics:
            topics[shared_terms] = self.keyword.document_topic(wanted, row_doc, self._titles, TITLE_SHARE,
                                                               shared_terms=shared_terms)
        return row_doc, topics[shared_terms]

    def _row_documents(self) -> np.ndarray:
        """Per row of the keyword index, a number for its document (built once per keyword index)."""
        if self._row_docs is None or self._row_docs[0] is not self.keyword:
            records = self.store.documents()
            docs = [d.doc_id for d in records]
            doc_of = {cid: n for n, d in enumerate(docs) for cid in self.store.chunk_ids([d])}
            rows = np.fromiter((doc_of.get(cid, -1) for cid in self.keyword.ids), dtype=np.int64,
                               count=len(self.keyword.ids))
            rows[rows < 0] = len(docs)      # chunks the store dropped meanwhile: counted as one more document
            self._titles = [frozenset(terms(d.title)) for d in records]   # before the rows: all are read together
            self._doc_ids = docs
            self._doc_years = [document_year(d.title, d.doc_id) for d in records]
            self._row_docs = (self.keyword, rows)
        return self._row_docs[1]

    def keyword_terms(self, query: str) -> list[tuple[str, float]]:
        """A Japanese query's own terms; an English one's names and JMdict translations (index/translate.py)."""
        if is_japanese(query):
            own = [(t, 1.0) for t in (question_terms(query) if ASKING_WORDS_DROPPED else terms(query))]
            return own + self._synonyms_of(own) if SYNONYM_WEIGHT else own
        similarity = self.sense_similarity if SENSES_BY_MEANING else None
        return [(wt.term, wt.weight) for wt in keyword_terms(query, self.keyword.frequency, similarity)]

    def documents_words(self, term: str) -> list[str]:
        """The index's own words for a term: its synonyms (index/synonyms.py) that more passages use than the
        term itself (スマホ → スマートフォン), never a rarer one (a paraphrase of the documents' word)."""
        if self._synonyms is None or self._synonyms[0] is not self.keyword:
            self._synonyms = (self.keyword, Synonyms(self.keyword.vocabulary()))
        df = self.keyword.frequency
        return [s for s in self._synonyms[1].of(term) if df(s) > df(term)]

    def _synonyms_of(self, own: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """The question terms' synonyms the documents use instead, each once, none already asked."""
        asked = {t for t, _ in own}
        out: dict[str, float] = {}
        for t, w in own:
            for s in self.documents_words(t):
                if s not in asked:
                    out[s] = max(out.get(s, 0.0), w * SYNONYM_WEIGHT)
        return list(out.items())

    def sense_similarity(self, asked: Sequence[tuple[str, Sequence[str]]]) -> list[list[float]]:
        """Cosines between English words and each of their Japanese headwords, by this index's own embedder.

        Headwords come from the index's stored sense vectors (index/sense_vectors.py) when it has them; the
        rest of a question's texts not seen before are embedded in ONE call (``embed_words``: on one thread);
        their vectors are kept, the WORD_VECTORS last used, so a word asked again costs no embedding."""
        cache = self._word_vectors
        stored = self._stored_senses     # the headwords the ingest embedded: only the English words are left
        texts = list(dict.fromkeys(t for english, hws in asked for t in (english, *hws) if t not in stored))
        with self._word_lock:
            missing = [t for t in texts if t not in cache]
            if missing:
                cache.update(zip(missing, sense_vectors.unit_vectors(self.embedder, missing)))
            vectors = {}
            for t in texts:
                cache.move_to_end(t)
                vectors[t] = cache[t]
            while len(cache) > WORD_VECTORS:
                cache.popitem(last=False)
        vectors.update((t, stored[t]) for english, hws in asked for t in (english, *hws) if t in stored)
        return [[float(vectors[h] @ vectors[english]) for h in hws] for english, hws in asked]

    def _dense(self, query: str, doc_ids: list[str] | None, section: str | None, *, required: bool) -> list[str]:
        """The dense leg's ranking; empty (with ``self.warning`` set) when the vectors cannot be reached."""
        self.warning = None
        problem = None
        for attempt in (1, 2):
            vectors = self._open_vectors()
            if vectors is None:
                problem = self._problem
                break
            try:
                return [cid for cid, _ in vectors.search(query, CANDIDATES, doc_ids, section)]
            except VectorSegmentDamaged:
                if required:
                    raise
                problem = "the vector index is damaged until `policyqa ingest` repairs it"
                break
            except (TypeError, KeyError):
                # Vectors deleted under a segment this process had loaded: reopen once and retry.
                # (Reopening reads the disk afresh only when no other client in this process holds
                # the same embedded Chroma; if the retry fails too, answer from the keyword leg.)
                self._drop_vectors()
                if attempt == 2:
                    problem = "the vector index changed under this process and could not be reread"
                    break
            except Exception as e:  # noqa: BLE001 - a server gone away: httpx/chromadb connection errors
                self._drop_vectors(f"cannot reach the vector index: {' '.join(str(e).split()) or type(e).__name__}")
                problem = self._problem
                break
        problem = problem or "the vector index cannot be reached"
        if required:
            raise IndexUnavailable(problem)
        self.warning = f"{problem}; keyword results only"
        warnings.warn(self.warning, DegradedSearch, stacklevel=3)
        return []

    def _allowed(self, doc_ids: list[str] | None, section: str | None) -> set[str] | None:
        if doc_ids is None and section is None:
            return None
        return self.store.chunk_ids(doc_ids, section)


def with_years(query: str, wanted: list[tuple[str, float]], frequency) -> list[tuple[str, float]]:
    """A question's keyword terms and its years as era years (index/translate.py, ``year_terms``): an English
    question's (YEAR_TERMS), and with YEAR_TERMS_JA a Japanese one's, less the terms it already holds (2002)."""
    if not YEAR_TERMS:
        return wanted
    if not is_japanese(query):
        return wanted + [(wt.term, wt.weight) for wt in year_terms(query, frequency)]
    if not YEAR_TERMS_JA:
        return wanted
    asked = {t for t, _ in wanted}
    return wanted + [(wt.term, wt.weight) for wt in year_terms(query, frequency) if wt.term not in asked]


def neighbourhood(topic: np.ndarray, held: np.ndarray | None = None) -> list[int]:
    """The documents (numbers, best first) most about a question, from their topic scores: the NEIGHBOURHOOD
    best, and every other one whose topic is at least NEIGHBOURHOOD_SHARE of the best's. A question's own
    documents often stand apart from a crowd about something else (the neighbourhood is then them); when many
    documents are alike about it (editions of one series), it widens to them all instead of leaving the right
    one out. ``held`` (one bool per document; default: a topic above 0) says which documents may be in it: a
    topic that counts no terms every document holds can be 0 for a document that holds some of the terms."""
    held = topic > 0 if held is None else held
    if not len(topic) or not held.any():
        return []
    size = max(NEIGHBOURHOOD, int(np.count_nonzero(topic >= NEIGHBOURHOOD_SHARE * topic.max()))) \
        if topic.max() > 0 else NEIGHBOURHOOD
    return [int(d) for d in np.argsort(-topic, kind="stable")[:size] if held[d]]


class _LocalSentenceVectors:
    """What the answer layer reads from the vector index, computed here while Chroma is unreachable."""

    def __init__(self, embedder: BaseEmbedding):
        self.embedder = embedder

    def sentence_vectors(self, chunks: list[Chunk]) -> dict[tuple[str, int], list[float]]:
        keys = [(c.chunk_id, i) for c in chunks for i in range(len(c.sentence_texts()))]
        texts = [t for c in chunks for t in c.sentence_texts()]
        return dict(zip(keys, self.embedder.get_text_embedding_batch(texts) if texts else []))
