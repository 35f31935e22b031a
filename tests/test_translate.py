"""The cross-lingual keyword leg: English question words to Japanese BM25 terms through JMdict.

Questions here are written for these tests, not taken from the gold sets.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from index.tokenise import terms
from index import translate
from index.translate import english_words, headwords, is_name, keyword_terms, year_terms


def test_dictionary_maps_common_words_to_their_usual_japanese():
    assert "輸出" in dict(headwords("export"))
    assert "見本市" in dict(headwords("trade fair"))
    # JMdict's priority tags rank the everyday word above rarer ones.
    ranked = [hw for hw, _ in headwords("university")]
    assert ranked.index("大学") < ranked.index("ユニバーシティー")


def test_english_question_becomes_weighted_japanese_terms_in_index_spelling():
    found = keyword_terms("Which regions promote exports of farm products?")
    by_source = defaultdict(float)
    for wt in found:
        by_source[wt.source] += wt.weight
        # Every term is spelt as the index spells it: its own Sudachi term.
        assert terms(wt.term)[0] == wt.term
    assert "輸出" in {wt.term for wt in found}
    # A word's translations share one vote, so a word with many senses does not outvote the rest.
    assert all(abs(total - 1.0) < 1e-6 for total in by_source.values())
    # Question words and function words are not looked up.
    assert not {"Which", "of"} & set(by_source)


def test_phrases_are_looked_up_before_their_words():
    found = keyword_terms("Did the city hold a trade fair last spring?")
    sources = {wt.source for wt in found}
    assert "trade fair" in sources and "trade" not in sources


def test_a_phrasal_verb_is_looked_up_whole_in_any_inflection_before_its_words():
    # "take" and "part" are stop words each, and "took" alone would be 取る: the phrase is JMdict's "to take
    # part in", found from its past tense; "set up" likewise, not "set" (セット) and "up".
    found = keyword_terms("Which towns took part in the festival?")
    sources = {wt.source for wt in found}
    assert "took part in" in sources and not {"took", "part"} & sources
    assert "取る" not in {wt.term for wt in found}
    assert {wt.term for wt in found if wt.source == "took part in"} <= {hw for hw, _ in headwords("to take part in")}
    found = keyword_terms("Who set up the fund?")
    assert "set up" in {wt.source for wt in found} and "セット" not in {wt.term for wt in found}


def test_with_derived_nouns_a_verb_is_also_looked_up_as_the_noun_english_derives_from_it(monkeypatch):
    # Off by default (README, "Fusion"). JMdict glosses 採択 and 参加, nouns that take する, as "adoption" and
    # "participation", never as the verbs: "adopted" reaches 採択 through "adoption", "participate" 参加.
    import index.translate as translate

    held = set(terms("採択")) | set(terms("町"))
    question = "Which towns adopted the plan?"
    translate._candidates.cache_clear()
    assert "採択" not in {wt.term for wt in keyword_terms(question, frequency=lambda t: int(t in held))}
    monkeypatch.setattr(translate, "DERIVED_NOUNS", True)
    translate._candidates.cache_clear()
    try:
        assert "採択" in {wt.term for wt in keyword_terms(question, frequency=lambda t: int(t in held))}
        assert "参加" in {wt.term for wt in keyword_terms("How many people participate?")}
    finally:
        translate._candidates.cache_clear()


def test_a_phrase_is_no_phrasal_verb_when_its_first_word_can_be_an_adverb_or_an_auxiliary():
    # "even" is a verb too ("to even"), but before "though" an adverb; "is in" is no verb's phrase.
    sources = {wt.source for wt in keyword_terms("Even though prices rose, what is in the report?")}
    assert not any(" " in source for source in sources)


def test_an_irregular_verb_is_looked_up_as_its_dictionary_form():
    # "paid" is no gloss and ends in no regular suffix: the lemmatiser gives "pay".
    paid = {wt.term for wt in keyword_terms("How much were the farmers paid?")}
    pay = {wt.term for wt in keyword_terms("How much did the farmers pay?")}
    assert "支払う" in paid and paid == pay


def test_with_part_of_speech_senses_a_plural_noun_is_not_translated_as_an_adjective(monkeypatch):
    # Off by default (README, "Fusion": the corpus uses none of the noun senses of "firm", and dropping the
    # adjective ones cost dev a question); the mechanism itself: "firms" can be a noun or a verb, never an
    # adjective, so 強固 (firm, strong, solid, stable) is not its translation, 商会 (firm, company) is.
    import index.translate as translate

    monkeypatch.setattr(translate, "POS_SENSES", True)
    translate.headwords.cache_clear()
    try:
        nouns = [hw for hw, _ in headwords("firm", frozenset({"NOUN", "VERB"}))]
        assert "商会" in nouns and "強固" not in nouns
        assert "強固" in [hw for hw, _ in headwords("firm", frozenset({"ADJ"}))]
        # A noun that takes する translates a verb: "linked" keeps 連携 (cooperation; link).
        assert "連携" in [hw for hw, _ in headwords("link", frozenset({"VERB"}))]
    finally:
        translate.headwords.cache_clear()


def test_latin_names_and_acronyms_stay_as_keywords():
    assert is_name("NEDO") and is_name("K-RIP") and is_name("iPS") and not is_name("Which")
    assert english_words("What is JETRO's role?") == ["What", "is", "JETRO", "role"]
    found = {wt.term for wt in keyword_terms("What does NEDO fund?")}
    assert set(terms("NEDO")) <= found


def test_a_capitalised_word_the_index_holds_as_written_is_kept_beside_its_translations():
    # 「Swallow」 (a model's name) is held as Sudachi reads it; its translations alone would be 燕子, 飲み下す.
    held = {terms("Swallow")[0]: 2, "モデル": 5, "燕子": 1}
    found = keyword_terms("Which sizes of the Swallow model exist?", frequency=lambda t: held.get(t, 0))
    assert {terms("Swallow")[0], "モデル"} <= {wt.term for wt in found}
    # A run of capitalised words counts as a name only as one token ("Sakana AI" is one in the index); its words
    # alone are title case, not names.
    whole = {terms("Sakana AI")[0]: 2}
    found = keyword_terms("What did Sakana AI announce?", frequency=lambda t: whole.get(t, 0))
    assert terms("Sakana AI")[0] in {wt.term for wt in found}
    common = {t: 9 for w in ("Industrial", "Cluster", "Plan") for t in terms(w)}
    words = english_words("Who joined the Industrial Cluster Plan?")
    assert translate._capitalised_names(words, translate._stop_words(), lambda t: common.get(t, 0)) == []
    # Nor is a country a name to keep as written: "Japan" is 日本 in the documents, not ジャパン.
    brand = {t: 9 for t in terms("Japan")}
    assert translate._capitalised_names(english_words("Is Japan ahead?"), translate._stop_words(),
                                        lambda t: brand.get(t, 0)) == []


def test_a_name_like_word_the_index_does_not_hold_is_translated():
    # An abbreviation JMdict glosses as written ("R&D" is a gloss of 研究開発) reaches the keyword leg when the
    # index does not hold it as a name; one the index holds stays as it is.
    corpus = {t: 3 for t in terms("研究開発")}
    found = {wt.term for wt in keyword_terms("Who pays for R&D?", frequency=lambda t: corpus.get(t, 0))}
    assert "研究開発" in found
    held = {**corpus, **{t: 2 for t in terms("R&D")}}
    found = {wt.term for wt in keyword_terms("Who pays for R&D?", frequency=lambda t: held.get(t, 0))}
    assert set(terms("R&D")) <= found and "研究開発" not in found


def test_a_hyphenated_word_the_index_does_not_hold_is_its_parts_sharing_one_vote():
    corpus = {"資源": 6, "水分": 4}
    found = keyword_terms("Which water-resources projects?", frequency=lambda t: corpus.get(t, 0))
    by_source = defaultdict(float)
    for wt in found:
        by_source[wt.source] += wt.weight
    assert {"資源", "水分"} <= {wt.term for wt in found}
    assert abs(by_source["water"] + by_source["resources"] - 1.0) < 1e-6   # one word, one vote
    # A hyphenated name the index holds (K-RIP) stays whole.
    names = {t: 2 for t in terms("K-RIP")}
    assert {wt.term for wt in keyword_terms("Who runs K-RIP?", frequency=lambda t: names.get(t, 0))} == set(terms("K-RIP"))


def test_only_terms_the_index_holds_are_kept_the_most_used_first():
    corpus = {"支援": 40, "援助": 2}
    found = keyword_terms("support", frequency=lambda t: corpus.get(t, 0))
    assert [wt.term for wt in found] == ["支援", "援助"]
    assert keyword_terms("support", frequency=lambda t: 0) == []


def test_a_headword_sudachi_cuts_into_parts_stands_for_all_of_them():
    # 当初予算 ("initial budget") is two BM25 terms; keeping only the first would search for 当初 alone.
    corpus = {t: 5 for t in terms("当初予算")}
    found = {wt.term: wt.weight for wt in keyword_terms("initial budget", frequency=lambda t: corpus.get(t, 0))}
    assert set(terms("当初予算")) <= set(found)
    assert abs(sum(found.values()) - 1.0) < 1e-6
    # A cut headword whose parts the corpus does not all use is dropped, not kept as a fragment.
    assert keyword_terms("initial budget", frequency=lambda t: 5 if t == terms("当初予算")[0] else 0) == []


def test_romanised_place_names_become_their_kanji():
    corpus = {t: 3 for t in terms("浜松") + terms("九州")}
    found = {wt.term for wt in keyword_terms("What do firms in Hamamatsu and Kyushu make?",
                                             frequency=lambda t: corpus.get(t, 0))}
    assert set(terms("浜松")) <= found and set(terms("九州")) <= found   # Kyushu: JMnedict writes Kyuushuu
    # Only spellings the corpus uses are kept.
    assert not {wt.term for wt in keyword_terms("Hamamatsu", frequency=lambda t: 0)}


def test_a_name_jmdict_glosses_with_a_bracketed_note_is_found_by_its_name():
    # JMdict glosses 北海道 "Hokkaido (island, prefectural-level administrative unit)"; "Hokkaido" alone is 北海.
    corpus = _held_in("北海道の食品企業と北海の漁業")
    found = {wt.term for wt in keyword_terms("Which food firms in Hokkaido export?", frequency=corpus)}
    assert "北海道" in found
    # The note is matched only after the word as written: a word glossed exactly keeps only that headword.
    assert ("北海道", ) not in [hw[:1] for hw in headwords("Hokkaido")]


def _held_in(text: str):
    """A frequency function over one small Japanese text, as an index of it would count its terms."""
    counts: dict[str, int] = {}
    for t in terms(text):
        counts[t] = counts.get(t, 0) + 1
    return lambda t: counts.get(t, 0)


def test_countries_and_demonyms_become_the_names_japanese_documents_write():
    # JMdict alone gives a demonym's loanword (Italian イタリアン, German ジャーマン) and a country's ateji
    # (France 仏蘭西); documents write イタリア, ドイツ, フランス.
    corpus = _held_in("イタリアとドイツ、フランスの企業が韓国と台湾の展示会に参加した。米国とアメリカの大学も。")
    found = {wt.term for wt in keyword_terms("Which Italian and German firms went to the French fair?", frequency=corpus)}
    assert {"イタリア", "ドイツ", "フランス"} <= found
    assert not {"イタリアン", "ジャーマン", "仏蘭西"} & found
    # A country's name of several words, its common spelling chosen by JMdict (South Korea → 韓国).
    assert {wt.term for wt in keyword_terms("cooperation with South Korea and Taiwan", frequency=corpus)} >= {"韓国", "台湾"}
    # The country morpheme inside its formal Japanese name (アメリカ合衆国 → アメリカ), and the common headword JMdict
    # glosses "(United States of) America" (米国), which no exact lookup of the name finds.
    assert {"アメリカ", "米国"} <= {wt.term for wt in keyword_terms("American universities", frequency=corpus)}
    # One vote per country, shared among the spellings the index holds.
    assert abs(sum(wt.weight for wt in keyword_terms("American", frequency=corpus)) - 1.0) < 1e-6


def test_a_country_code_is_the_country_only_where_the_documents_do_not_write_it():
    corpus = _held_in("米国とアメリカ合衆国、IT 投資の拡大。")
    assert "アメリカ" in {wt.term for wt in keyword_terms("How did the US compare?", frequency=corpus)}
    # "IT" is a word of these documents (information technology), not Italy.
    found = {wt.term for wt in keyword_terms("IT investment", frequency=corpus)}
    assert "it" in found and "イタリア" not in found


def test_a_lower_case_word_is_no_country_and_a_shared_demonym_means_the_most_populous_country():
    corpus = _held_in("トルコとフランス、マルティニークの七面鳥。")
    assert "トルコ" not in {wt.term for wt in keyword_terms("a turkey for dinner", frequency=corpus)}
    assert "トルコ" in {wt.term for wt in keyword_terms("firms in Turkey", frequency=corpus)}
    # Martinique's people are "French" too; the word means France.
    assert [wt.term for wt in keyword_terms("French", frequency=corpus)] == ["フランス"]


def test_a_foreign_place_is_searched_as_its_katakana_reading():
    # JMnedict spells Java 瓜哇 (an old ateji) and reads it ジャワ, as documents write it.
    corpus = _held_in("西ジャワ州との排水処理の連携、シアトル地域との交流。")
    found = {wt.term for wt in keyword_terms("Which cluster works with West Java and Seattle?", frequency=corpus)}
    assert {"ジャワ", "シアトル"} <= found and "瓜哇" not in found


def test_a_word_is_never_translated_as_a_sense_jmdict_marks_derogatory_or_slang():
    from index.translate import _db
    con = _db()
    marked = {text for (text,) in con.execute(
        "SELECT k.text FROM SenseGloss g JOIN Sense s ON g.sid = s.ID JOIN misc m ON m.sid = s.ID "
        "JOIN Kana k ON k.idseq = s.idseq WHERE g.text = 'Korean' AND m.text IN ('derogatory', 'slang')")}
    assert marked, "JMdict has marked senses of 'Korean' to test against"
    found = {wt.term for wt in keyword_terms("Which Korean firms joined?")}
    assert found and not found & {t for m in marked for t in terms(m)}


def test_years_are_also_searched_as_the_era_year_documents_write():
    # 平成15年度 is how a Japanese budget table writes fiscal 2003; Sudachi cuts it 平成 / 15 / 年度.
    corpus = {t: 4 for t in terms("平成15年度") + ["2003"]}
    found = {wt.term for wt in year_terms("What was spent in FY2003?", frequency=lambda t: corpus.get(t, 0))}
    assert "15" in found and set(terms("年度")) <= found
    assert "2003" in {wt.term for wt in keyword_terms("What was spent in FY2003?", frequency=lambda t: corpus.get(t, 0))}
    # A one-digit era year (令和2) is too common a number to stand for the year: only the year itself.
    corpus = {"2": 9, "2020": 3}
    found = {wt.term for wt in year_terms("Which firms joined in 2020?", frequency=lambda t: corpus.get(t, 0))}
    assert "2020" in found and "2" not in found


def test_a_japanese_questions_western_year_is_also_searched_as_its_era_year():
    from index.retrieve import with_years

    corpus = {t: 4 for t in terms("平成14年度") + ["2002"]}
    question = "2002年度に派遣した人数は？"
    own = [(t, 1.0) for t in terms(question)]
    searched = with_years(question, own, lambda t: corpus.get(t, 0))
    assert ("14", 1.0) in searched
    assert [t for t, _ in searched].count("2002") == 1        # the year as written is the question's own term already
    assert with_years("派遣した人数は？", own, lambda t: corpus.get(t, 0)) == own


def test_a_usual_translation_keeps_its_vote_when_the_index_also_holds_a_rare_sense():
    # 川 is JMdict's common, first-listed "river"; リバー a loanword of it no document of a river basin
    # needs. Beside documents that happen to use リバー (more often, even), 川 keeps the word's whole vote:
    # the translation is the dictionary's, not what else is indexed.
    alone = {"川": 30}
    beside = {"川": 30, "リバー": 50}
    assert [(wt.term, wt.weight) for wt in keyword_terms("river", frequency=lambda t: alone.get(t, 0))] == [("川", 1.0)]
    found = {wt.term: wt.weight for wt in keyword_terms("river", frequency=lambda t: beside.get(t, 0))}
    assert found == {"川": 1.0}
    # Without the usual translation in the index, the rarer one still stands for the word.
    only_rare = {"リバー": 5}
    assert {wt.term for wt in keyword_terms("river", frequency=lambda t: only_rare.get(t, 0))} == {"リバー"}


def test_with_an_embedder_the_senses_are_chosen_by_meaning_not_by_what_the_index_holds(corpus_index):
    # "cluster" glosses クラスター, 塊 and 林 alike in JMdict. Beside documents that use 林 and 塊
    # (more often, even), the cross-lingual embedder keeps the sense that means it: クラスター takes the
    # word's whole vote, as it does when the index holds only クラスター.
    from index.retrieve import Retriever

    beside = {"クラスター": 10, "林": 50, "塊": 40}
    with Retriever(corpus_index) as r:
        similarity = r.sense_similarity
        found = {wt.term: wt.weight for wt in keyword_terms("cluster", lambda t: beside.get(t, 0), similarity)}
        alone = {wt.term: wt.weight for wt in keyword_terms("cluster", lambda t: 10 if t == "クラスター" else 0,
                                                            similarity)}
        assert found == alone == {"クラスター": 1.0}
        # Without an embedder the dictionary's ties split the vote among what the index holds.
        assert len(keyword_terms("cluster", lambda t: beside.get(t, 0))) > 1
        # A common sense far from the word's meaning (出資, "capital contribution") gives way to the close one.
        synonyms = {"投資": 5, "出資": 5}
        assert {wt.term for wt in keyword_terms("investment", lambda t: synonyms.get(t, 0), similarity)} == {"投資"}
        # A sense the index lacks leaves its vote to the ones it holds; none held, no term.
        assert keyword_terms("cluster", lambda t: 0, similarity) == []


def test_a_question_s_senses_are_embedded_in_one_call_and_chosen_as_one_call_per_word_chose_them(corpus_index):
    # The senses of all of a question's words are compared in one embedder call (first sight of a question
    # cost one call per word before). The kept senses must be those the per-word path keeps: the reference
    # below embeds each word with its headwords on its own, uncached, as the per-word path did.
    from index.retrieve import Retriever

    questions = ["How does the government support exports by small companies?",
                 "What investment in research and development did the prefecture plan?",
                 "Which industrial clusters were formed around universities?",
                 "What training is offered to workers in the manufacturing industry?",
                 "How much was the initial budget for the trade fair?",
                 "Why did regional banks lend to venture firms?"]
    with Retriever(corpus_index) as r:
        embedder = r.embedder
        per_word_calls = []

        def per_word(asked):
            out = []
            for english, hws in asked:
                per_word_calls.append(english)
                v = np.asarray(embedder.get_text_embedding_batch([english, *hws]), dtype=np.float64)
                v /= np.linalg.norm(v, axis=1, keepdims=True)
                out.append(list(v[1:] @ v[0]))
            return out

        calls = []
        embed_words = embedder.embed_words
        object.__setattr__(embedder, "embed_words", lambda texts: calls.append(len(texts)) or embed_words(texts))
        try:
            for q in questions:
                before = len(calls)
                batched = keyword_terms(q, r.keyword.frequency, r.sense_similarity)
                assert len(calls) - before <= 1          # every new text of the question in one call
                reference = keyword_terms(q, r.keyword.frequency, per_word)
                assert [(wt.term, wt.source) for wt in batched] == [(wt.term, wt.source) for wt in reference]
                assert [wt.weight for wt in batched] == pytest.approx([wt.weight for wt in reference])
            assert len(per_word_calls) > len(questions)   # some question had several words to compare
            asked_before = len(calls)
            for q in questions:                             # seen words cost no embedding
                keyword_terms(q, r.keyword.frequency, r.sense_similarity)
            assert len(calls) == asked_before
        finally:
            object.__delattr__(embedder, "embed_words")


SENSE_QUESTIONS = ["How does the government support exports by small companies?",
                   "Which industrial clusters were formed around universities?",
                   "What investment in research and development did the prefecture plan?",
                   "How much was the initial budget for the trade fair?",
                   "What training is offered to workers in the manufacturing industry?",
                   "Why did regional banks lend to venture firms?",
                   "Which measures promote energy saving in factories?"]


def test_stored_sense_vectors_choose_the_senses_query_time_embedding_chose(corpus_index):
    # The ingest stores the vectors of every headword the index can search (index/sense_vectors.py): at query
    # time only the English words are embedded, and the kept senses are those of embedding everything then.
    from index.retrieve import Retriever

    with Retriever(corpus_index) as r:
        stored = r._stored_senses
        assert len(stored) > 1000
        embedder = r.embedder
        texts: list[str] = []
        embed_words = embedder.embed_words
        object.__setattr__(embedder, "embed_words", lambda t: texts.extend(t) or embed_words(t))
        try:
            with_store = [keyword_terms(q, r.keyword.frequency, r.sense_similarity) for q in SENSE_QUESTIONS]
            assert texts and all(t.isascii() for t in texts)      # no headword embedded at query time
            r._stored_senses, r._word_vectors = {}, type(r._word_vectors)()
            without = [keyword_terms(q, r.keyword.frequency, r.sense_similarity) for q in SENSE_QUESTIONS]
            assert any(not t.isascii() for t in texts)             # the fallback embeds headwords, as before
        finally:
            object.__delattr__(embedder, "embed_words")
        for a, b in zip(with_store, without):
            assert [(wt.term, wt.source) for wt in a] == [(wt.term, wt.source) for wt in b]
            # stored vectors are int8 codes (cosines within ~2e-3 of float32): the same senses, near-equal weights
            assert [wt.weight for wt in a] == pytest.approx([wt.weight for wt in b], rel=0.02)


def test_the_measure_a_question_asks_for_is_no_keyword(monkeypatch):
    # "What share of households…" asks for a percentage; "share" (分ける, 株, 配当) names nothing it is about.
    question = "What share of households owned a smartphone?"
    sources = {wt.source.lower() for wt in keyword_terms(question)}
    assert "share" not in sources and "households" in sources
    monkeypatch.setattr(translate, "MEASURE_WORDS_DROPPED", False)
    assert "share" in {wt.source.lower() for wt in keyword_terms(question)}
    # Elsewhere the word is a subject like any other.
    monkeypatch.setattr(translate, "MEASURE_WORDS_DROPPED", True)
    assert "share" in {wt.source.lower() for wt in keyword_terms("Do the firms share their patents?")}


def test_the_degree_after_how_is_no_keyword():
    # "How large was…", "how often…": the degree asked; 大きい or 頻繁 would match passages on anything.
    sources = {wt.source.lower() for wt in keyword_terms("How large was the domestic e-commerce market?")}
    assert "large" not in sources and "market" in sources
    assert "often" not in {wt.source.lower() for wt in keyword_terms("How often do households shop online?")}
    # A noun after "how" is what the question is about.
    assert "companies" in {wt.source.lower() for wt in keyword_terms("How companies adopt cloud services")}


def test_a_dates_frame_is_no_keyword():
    # "At the end of FY2020" is a date: its year is searched (year_terms), "end" (終結, 末端) is not.
    assert "end" not in {wt.source.lower() for wt in keyword_terms("How many carriers were there at the end of FY2020?")}
    assert "end" in {wt.source.lower() for wt in keyword_terms("What happened at the end of the project?")}
