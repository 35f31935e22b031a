"""BM25 terms (index/tokenise.py) on everyday text that is not in the corpus.

The expectations are facts of Japanese and of Sudachi's dictionary (行った is
a form of 行う; sales is the loanword セールス), not strings of our documents.
"""

from __future__ import annotations

from index.tokenise import question_terms, terms


def test_content_words_in_their_normalised_form():
    assert terms("会議を行った") == ["会議", "行う"]
    assert terms("昨日は寿司を食べました") == ["昨日", "寿司", "食べる"]


def test_particles_auxiliaries_and_punctuation_are_not_terms():
    out = terms("私は、駅で友人に会いました。")
    for function_word in ("は", "、", "で", "に", "ました", "。"):
        assert function_word not in out
    assert {"私", "駅", "友人", "会う"} <= set(out)


def test_width_and_case_variants_meet_on_one_spelling():
    assert terms("ﾃﾞｰﾀﾍﾞｰｽ") == terms("データベース")
    assert terms("ＡＩとＩｏＴ") == ["ai", "iot"]
    assert terms("Manager") == terms("manager")


def test_a_compound_also_yields_its_short_parts():
    out = terms("国家公務員")
    assert out[0] == "国家公務員"
    assert {"国家", "公務", "員"} <= set(out[1:])
    # so a query for one part meets the compound
    assert set(terms("公務")) & set(out)


def test_english_dictionary_words_map_to_their_loanwords():
    assert "セールス" in terms("sales")
    assert "コンピューター" in terms("computer")


def test_an_unmapped_plural_tries_its_singular():
    out = terms("computers")
    assert out[0] == "computers"            # the word itself stays a term
    assert "コンピューター" in out
    assert "マネージャー" in terms("managers")


def test_latin_glued_to_katakana_drops_a_leaked_letter():
    """A katakana word's last sound leaked into the next word as a Latin letter
    (ゲームs + player): the word less its first letter is looked up."""
    assert "プレーヤー" in terms("ゲームsplayer")
    assert "マネージャー" in terms("ホテルsmanager")
    # only when glued to katakana: after a space, or alone, the word stays as it is
    assert "プレーヤー" not in terms("ゲーム splayer")
    assert "プレーヤー" not in terms("splayer")


def test_text_over_sudachis_byte_limit_is_cut_not_refused():
    sentence = "新しい図書館で子供たちが本を読んでいる。"
    long_text = sentence * 2000                       # about 120 KB of UTF-8; Sudachi takes 49 KB at most
    assert len(long_text.encode("utf-8")) > 100_000
    out = terms(long_text)
    assert out.count("図書館") == 2000


def test_empty_text_has_no_terms():
    assert terms("") == []
    assert terms("、。・") == []


def test_a_question_s_keyword_terms_leave_out_the_words_it_asks_with():
    # Who, what, where, when, which, how, how much: what a question asks with, not what it asks about.
    assert set(question_terms("展示会には誰がいつどこから来た？")) == {"展示会", "展示", "会"}
    for asking in ("誰", "いつ", "どこ", "何", "どの", "どう", "幾ら"):
        assert asking not in question_terms("誰が何をどの会場でどう売った？いつ、どこで、いくらで？")
    assert set(question_terms("何社が参加した？")) == {"社", "参加"}
    # A document's own text keeps them: only the question side drops them.
    assert "いつ" in terms("いつでも使える")
