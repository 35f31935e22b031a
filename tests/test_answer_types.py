"""What a question asks for, whether text holds it, and answers shaped by it.

Questions and passages here are written for these tests (not from the gold sets
or the corpus); the shapes run the real scoring helpers over real ``Chunk``s.
"""

from __future__ import annotations

import re
import numpy as np
import pytest

from ingest.records import Chunk
from ingest.sentences import split_sentences
from qa_app import answer_types, extractive as ex
from qa_app.answer_types import (FIGURE, RATE, arabic_figures, asked_type, count_figures, defines, has_figure, holds,
                                  is_name)
from qa_app.question import analyse


@pytest.mark.parametrize("question, parts, units", [
    ("説明会には何社が参加し、何件が契約に至った？", ("number",), ("社", "件")),
    ("How many universities and how many companies joined?", ("number",), ("(?:校|大学)", "社")),
    ("この協議会の年会費はいくら？", ("number",), ("円",)),
    ("How many banks take part in the council?", ("number",), ("(?:行|機関)",)),
    ("Who set up the association, and when?", ("person", "date"), ()),
    ("研究会はいつ発足した？", ("date",), ()),
    # "Who" as the object asks for a partner (a firm or an agency as often as a person); as the subject, a person.
    ("Who did the start-up team up with for overseas sales?", ("partner",), ()),
    ("With whom does the network share its test lab?", ("partner",), ()),
    ("その団体は誰と協定を結んだ？", ("partner",), ()),
    ("Who chairs the steering committee?", ("person",), ()),
    ("Where was the forum held?", ("place",), ()),
    ("どの企業が装置を開発した？", ("company",), ()),
    ("Which universities joined the consortium?", ("organisation",), ()),
    ("Visitors from which countries came to the fair?", ("place",), ()),
    # どこ after an organisation's noun asks which one; after any other noun, where.
    ("試作を手伝った大学はどこ？", ("organisation",), ()),
    ("装置を納めた企業はどこ？", ("company",), ()),
    ("見学に来た高専はどこ？", ("organisation",), ()),
    ("Which regional banks fund the programme?", ("organisation",), ()),
    ("工場はどこにある？", ("place",), ()),
    ("How did the number of companies change?", ("how", "number"), ("社",)),
    # A sum and a count asked side by side are two parts, not one figure asked twice.
    ("相談は1回いくらで、何行が利用している？", ("number",), ("円", "行")),
    ("予算は何億円？", ("number",), ("億円?",)),
    ("なぜ販路開拓が難しいのか？", ("why",), ()),
    ("How does the network train young engineers?", ("how",), ()),
    # 「…数」 asks for a count as 何… does; two counts joined by と are two parts, even in one unit.
    ("応募件数と採択プロジェクト数は？", ("number",), ("件", "(?:プロジェクト|件)")),
    ("応募件数と採択件数は？", ("number",), ("件", "件")),
    ("参加企業数は？", ("number",), ("社",)),
    # A share is asked by whole words: "strategy", "cooperate", "corporate" hold "rate" but ask none.
    ("Which study groups in the innovation strategy cooperate with corporate labs?", (), ()),
    ("What share of the budget went to research?", ("number",), (RATE,)),
    # A change is a ratio, a share or points, not a sum; a rate may be a fraction (「3分の2」).
    ("By how much did the yield rise?", ("number",), (answer_types.CHANGE,)),
    ("How much did the budget grow?", ("number",), ("円",)),
    # "what sales did they …" asks for a sum as "how much" does.
    ("How many engineers joined, and what sales did they bring in?", ("number",), ("[人名]", "円")),
    # A sum is asked by its attribute's word however the owner is named, and a market's size is a sum;
    # "what market" or "how large is the team" asks none. A margin is a share.
    ("What were the association's total sales in 2015?", ("number",), ("円",)),
    ("What operating profit did the postal business make?", ("number",), ("円",)),
    ("How large was the country's game market in 2010?", ("number",), ("円",)),
    ("What is the network's main market?", (), ()),
    ("How large is the team?", (), ()),
    ("What was the operating margin of the cable operators?", ("number",), (RATE,)),
    ("2010年の輸出額は？", ("number",), ("円",)),
    ("参加者の人数は何人？", ("number",), ("[人名]",)),
    ("Why does the council need more investment?", ("why",), ()),
    # What kept or held something from or back asks why; what holds a thing does not.
    ("What kept the project from the top rating?", ("why",), ()),
    ("What held the network back?", ("why",), ()),
    ("What holds the council's records?", (), ()),
    ("How many jobs did the projects create?", ("number",), ("[人名]",)),
    # a score is counted in 点 (「その点数は」, 何点); 点数化 (scoring) asks how, not a count
    ("審査で重視された項目と、その点数は？", ("number",), ("点",)),
    ("この資料ではどう点数化している？", (), ()),
    # A sum's word asked about with another question word asks that, unless the sum is asked for too.
    ("研究費は何に応じて配分される？", (), ()),
    ("運営費は誰が負担している？", ("person",), ()),
    ("予算はどのように決まる？", ("how",), ()),
    ("予算は何に使い、総額はいくら？", ("number",), ("円",)),
    # What to watch out for asks advice, answered like how.
    ("展示会に出るときの注意点は？", ("advice",), ()),
    ("What pitfalls should a new network avoid?", ("advice",), ()),
    # 「…している仕組みは？」 asks which scheme (an instance, named), not how one works; 「どの…の事例」 asks which.
    ("部品メーカーが共同で受注している仕組みは？", ("instance",), ()),
    ("Which scheme lets small firms test their products?", ("instance",), ()),
    ("共同受注は、どの地域の事例？", ("place",), ()),
    ("受注の仕組みはどうなっている？", ("how",), ()),
    # Counted nouns right before どのくらい / どれだけ ask a count each; 日本人 or 人材 before it asks none.
    ("この協議会には、会社と大学がそれぞれどのくらい入っている？", ("number",), ("社", "(?:大学|校)")),
    ("研究者はどれくらいいる？", ("number",), ("[人名]",)),
    ("日本人は1日にテレビをどのくらい見ている？", (), ()),
    ("人材育成はどの程度進んだ？", (), ()),
    # A duration is asked by "how long" (not "how long ago") or 期間は: 2年以内 answers it, 平成20年 does not.
    ("How long can a grant run?", ("number",), ("(?:年間|年以内|年以上|年未満|[かカヶケ]年|[かカヶケ]月|週間|日間)",)),
    ("How long ago was the forum set up?", (), ()),
])
def test_asked_type_in_both_languages(question, parts, units):
    asked = asked_type(question)
    assert asked.parts == parts and asked.units == units


def test_detector_finds_the_asked_type_in_text():
    assert has_figure("見本市には約1,200社が出展した。", "社")
    assert not has_figure("見本市には多くの企業が出展した。", "社")
    assert has_figure("参加費は1人3万円である。", "円") and has_figure("総額1億8千万円の成約", "円")
    assert holds("2019年10月に設立された。", "date") and not holds("近年設立された。", "date")
    # A decade is an era, not the date of an event: 「2030年代の実現に向け」 answers no "when".
    assert not holds("2030年代の実現に向けて協議会を設けた。", "date")
    assert holds("山田太郎氏が講演した。", "person")
    assert holds("会場は横浜市である。", "place")
    assert holds("株式会社サンプル技研が担当した。", "organisation")
    # A named one: the suffix follows its name. 「大学等」, 「地域の大学」 name none.
    assert holds("見本大学と架空工大が共同で開発した。", "organisation")
    assert not holds("大学・研究機関等との共同研究が多い。", "organisation")
    assert not holds("地域の大学等と連携する。", "organisation")
    # A company is named by its legal form or trade word; a university or a centre is no company.
    assert holds("見本精機株式会社ほか", "company") and holds("試作は見本工業、架空製作所が担った。", "company")
    assert not holds("市立大学や県の研究センターと共同で開発した。", "company")
    # A partner is a person, a firm or an organisation; a sentence naming none of them names no partner.
    assert holds("大手製薬会社と販売契約を結んだ。", "partner") and holds("山田太郎氏と共同研究を行う。", "partner")
    assert not holds("販売権に関して契約を結んだ。", "partner")


def test_an_unknown_counted_noun_takes_the_documents_counter():
    # "tablets", "base stations" are not in UNITS_EN: any counter after the figure answers, not a date,
    # a sum or a ratio.
    unit = asked_type("How many tablets were shipped last year?").units[0]
    assert asked_type("出荷台数はいくつだった？").units == (unit,)   # 「いくつ」 counts the same way
    assert has_figure("世界出荷台数は2.17億台と前年から増えた。", unit) and has_figure("基地局数は約2.1 万局", unit)
    assert not any(has_figure(t, unit) for t in ("2013年度末", "平成25年3月末", "4兆1,277億円", "1.5倍", "36.3%"))


def test_a_figure_or_section_number_counts_nothing():
    # 「第1-5-2図」, 「2-3節」 and 「図表3-2-2-9 総務省…」 carry numbers that answer no "how many".
    unit = asked_type("台数はいくつ？").units[0]
    for label in ("■第1-5-2図/生成AIを活用した車体のデザイン", "2-3節で述べたとおり", "図表3-2-2-9 総務省に寄せられた件数",
                  "第24回大会が開かれた"):
        assert not has_figure(label, unit), label
    assert has_figure("出荷は12台だった", unit) and has_figure("約300社が参加", unit)
    # A rank or a serial says which one, not how many.
    for rank in ("富岳に次ぐ2位相当の性能", "3番目に多い", "1号機が稼働した", "4次元の解析"):
        assert not has_figure(rank, unit), rank


def test_who_qualifies_asks_for_a_class_of_people_not_a_named_person():
    for q in ("Who may enter the free trade zone?", "Who is eligible for the start-up grant?", "この助成は誰が対象？"):
        assert "person" not in asked_type(q).parts, q
    assert asked_type("Who chairs the council?").parts == ("person",)


def test_how_long_a_text_is_asks_its_length_not_a_time():
    unit = asked_type("How long was the essay the students wrote?").units[0]
    assert has_figure("生徒は800字程度の作文を書いた", unit) and not has_figure("作文は3か月かけて書いた", unit)
    assert asked_type("感想文は何字以内？").units == (unit,)
    # A programme or a project still lasts a time.
    span = asked_type("How long can a project last?").units[0]
    assert span != unit and has_figure("事業の期間は最長3年間である", span)


def test_a_date_in_kanji_is_a_date_and_what_date_asks_one():
    assert holds("大正十三年一月二十日", "date") and holds("平成十九年法律第九十号", "date")
    assert not holds("近年、十分な成果が出た", "date")
    assert asked_type("From what date does the order take effect?").parts == ("date",)
    assert asked_type("改正は何日から施行される？").parts == ("date",)


def test_a_thousands_comma_spaced_by_extraction_is_still_one_figure():
    assert re.findall(FIGURE + "件", "相談件数は6 ,329件で増加") == ["6 ,329件"]
    assert count_figures("相談件数は6 ,329件で増加", "件") == 1


def test_kanji_figures_before_a_measure_or_counter_are_figures():
    # Laws and vertical text write figures in kanji; a kanji numeral inside a word (九州, 十分, 一般) is none.
    assert arabic_figures("「一・五メートル」を「一メートル」に改め") == "「1.5メートル」を「1メートル」に改め"
    assert arabic_figures("七十歳以上の者、二千三百四十五人、一九九五年") == "70歳以上の者、2345人、1995年"
    for text in ("九州の十分な一般企業", "政令第百四十九号", "第百四十九人", "数百人", "83,739百万円"):
        assert arabic_figures(text) == text, text
    unit = asked_type("長さはいくつに変わった？").units[0]
    assert has_figure("「一メートル」に改め", unit) and not has_figure("九州地域の企業", unit)
    assert holds("幼児七十歳以上の者", "number", "[人名]") is False and holds("三十人が参加した", "number", "[人名]")


def test_where_and_when_questions_are_not_lists():
    assert analyse("When and where was the fair held?").kind != "list"
    assert analyse("研究会が見学に訪れた大学はどこ？").kind != "list"
    assert analyse("Which clusters run training schools?").kind == "list"
    # 「例は」 asks for examples; a how question that mentions 事例 does not.
    assert analyse("見本市で商談が成立した例は？").kind == "list"
    assert analyse("報告書はどうやって事例を集めたの？").kind != "list"


def test_a_duration_is_a_figure_of_time_span_not_a_date():
    unit = asked_type("支援の期間はどのくらい？").units[0]
    assert has_figure("支援期間：２年以内", unit) and has_figure("最長3か年", unit)
    assert not has_figure("平成20年度に開始した", unit)


def test_counts_asked_with_dono_kurai_make_a_number_question():
    assert analyse("この協議会には、会社と大学がそれぞれどのくらい入っている？").kind == "number"
    assert analyse("TAMAの会報はどのくらい読まれている？").kind == "fact"


def test_a_question_naming_a_sum_but_asking_its_basis_asks_no_figure():
    assert analyse("研究費は何に応じて配分される？").kind == "fact"
    assert analyse("研究費はいくら配分される？").kind == "number" and analyse("令和2年度の予算は？").kind == "number"


def test_a_question_of_two_parts_about_one_subject_is_not_a_list():
    # 「どの地域」 alone cues a list; with a second part, both are asked of the one subject named.
    assert analyse("東北の研究会はドイツのどの地域と、何の技術で協力している？").kind != "list"
    assert analyse("関西の協議会には何社が入っていて、韓国ではどの地域と交流している？").kind == "number"
    assert analyse("ドイツのどの地域と協力しているクラスターは？").kind == "list"


def _chunk(text: str, cid: str = "x-0") -> Chunk:
    spans = split_sentences(text)
    return Chunk(cid, "999_sample", "見本", 1, 1, ["1．見本"], text, "1．見本", "", [], 0, len(text), spans)


def _cands(text: str, scores: list[float]) -> list[ex.Candidate]:
    chunk = _chunk(text)
    out = []
    for i, ((s, e), score) in enumerate(zip(chunk.sentences, scores)):
        out.append(ex.Candidate(chunk, i, s, e, 0, np.eye(8, dtype=np.float32)[i], score=score))
    return out


def _shape(cands: list[ex.Candidate], question: str) -> tuple[list[ex.Candidate], str | None]:
    """``shape`` as the engine calls it, with the question's asked type and analysis."""
    return ex.shape(cands, asked_type(question), analyse(question))


PASSAGE = ("東西交流会では商談会を開いている。商談会には120社が参加した。そのうち15件が成約に至った。"
           "成約の理由は事前の面談にある。担当者が企業を訪ねて課題を聞き取った。")


def test_two_part_figures_take_the_second_from_the_following_sentence():
    cands = _cands(PASSAGE, [0.5, 0.9, 0.2, 0.1, 0.1])
    chosen, reason = _shape(cands, "商談会には何社が参加し、何件が成約した？")
    assert reason is None
    assert [c.index for c in chosen] == [1, 2]


def test_how_why_quotes_the_topic_sentence_and_the_ones_after_it():
    q = "なぜ成約が多いのか？"
    cands = _cands(PASSAGE, [0.2, 0.3, 0.4, 0.9, 0.5])
    chosen, _ = _shape(cands, q)
    assert [c.index for c in chosen] == [3, 4]


def test_how_why_whose_best_sentence_ends_its_paragraph_quotes_the_ones_that_lead_to_it():
    # The method is named two sentences before the one that matched; the paragraph before is another subject.
    text = ("西部会は展示会を開く。\n北部会は新しい検査法を発表した。この方法で検査の手間が減る。"
            "北部会は既に、部品を一つも壊さずに検査している。\n■図1/検査の様子")
    q = "北部会はどうやって部品を検査している？"
    cands = _cands(text, [0.1, 0.3, 0.2, 0.9, 0.1])
    chosen, _ = _shape(cands, q)
    assert [c.index for c in chosen] == [1, 2, 3]
    # With sentences after it, the best sentence opens the answer as before.
    cands = _cands(PASSAGE, [0.2, 0.3, 0.4, 0.9, 0.5])
    assert [c.index for c in _shape(cands, "なぜ成約が多いのか？")[0]] == [3, 4]


def test_a_figure_in_another_unit_is_refused(monkeypatch):
    assert ex.UNIT_REFUSAL   # on as shipped (README, "Answers": alone it refuses 8 / 1 over the development sets)
    q = "商談会には何校が参加した？"
    chosen, reason = _shape(_cands(PASSAGE, [0.5, 0.9, 0.2, 0.1, 0.1]), q)
    assert not chosen and "校" in reason


def test_a_sum_of_another_attribute_is_refused(monkeypatch):
    # Off as shipped (README, "Answers": over the four development sets it refused 7 unanswerable and
    # 2 answerable questions, 2 of dev_coord's 54); switched on, it refuses.
    monkeypatch.setattr(ex, "SUM_REFUSAL", True)
    q = "交流会の参加費はいくら？"
    text = "交流会では商談会を開いている。会場の使用料は5万円で、主催者が支払う。"
    chosen, reason = _shape(_cands(text, [0.4, 0.9]), q)
    assert not chosen and "参加費" in reason


def test_list_entries_need_a_sentence_that_states_the_asked_practice():
    a = _chunk("東部会では、商談会を毎月開いている。", "a-0")
    b = _chunk("西部会では、会員向けの広報誌を出している。", "b-0")
    a.subject, b.subject = "東部会", "西部会"
    cands = [ex.Candidate(a, 0, *a.sentences[0], 0, np.ones(8, dtype=np.float32), score=0.80, keywords=0.8),
             ex.Candidate(b, 0, *b.sentences[0], 1, np.ones(8, dtype=np.float32), score=0.78, keywords=0.2)]
    assert [name for name, _ in ex.pick_items(cands)] == ["東部会"]


def test_later_clauses_of_a_two_part_question():
    from qa_app.answer_types import later_clauses

    assert later_clauses("説明会には何社が参加し、何件が契約に至った？") == ["何件が契約に至った?"]
    assert later_clauses("Who set up the association, and when?") == ["when?"]
    assert later_clauses("なぜ販路開拓が難しいのか？") == []
    # a clause may ask with no question word: whether, or of a thing it names; and a question mark ends a clause too
    assert later_clauses("How many jobs did the projects create, and are part-time staff counted?") == \
        ["are part-time staff counted?"]
    assert later_clauses("検査の手間はどのくらい減った？その数字の出どころは？") == ["その数字の出どころは?"]
    assert later_clauses("Are part-time staff counted?") == []
    assert later_clauses("中部の共同研究はどこの大学と？") == []


def test_a_whether_clause_is_answered_by_what_qualifies_the_figure_not_by_another_figure():
    text = "事業化した企業では新たに187人の雇用が生まれた。売上は34億円となった。\n注2 雇用の数は正社員の数。パートタイムの従業員は含まない。"
    chunk = _chunk(text)
    chunk.footnotes = ["注2 雇用の数は正社員の数。パートタイムの従業員は含まない。"]
    cands = [ex.Candidate(chunk, i, s, e, 0, np.eye(8, dtype=np.float32)[i], score=sc)
             for i, ((s, e), sc) in enumerate(zip(chunk.sentences, [0.9, 0.5, 0.3, 0.6]))]
    chosen, reason = _shape(cands, "何人の雇用が生まれ、パートタイムの従業員も数えている？")
    assert reason is None
    assert [c.text for c in chosen] == [cands[0].text, "パートタイムの従業員は含まない。"]


def test_a_why_asked_before_the_figure_is_answered_by_the_reason_after_it():
    from qa_app.answer_types import asking_clauses, explains

    q = "Why do firms here wait longer for their next round, and how long do they wait?"
    assert asking_clauses(q) == ["Why do firms here wait longer for their next round", "how long do they wait?"]
    assert explains("地元に投資家が少ないからである。") and not explains("投資家は東京に多い。")
    text = ("次の調達までの期間は、地方では31か月と、東京の19か月より長い。地元に投資家が少ないからである。"
            "銀行が出資するファンドも増えており、地元の企業に投資している。")
    cands = _cands(text, [0.9, 0.4, 0.5])
    chosen, reason = _shape(cands, q)
    assert reason is None and [c.index for c in chosen] == [0, 1]


def test_a_table_row_is_quoted_from_its_header_not_from_the_caption_above_it():
    from index.retrieve import Passage

    text = "表1 地域別の実績\n| 地域 | 件数 |\n| --- | --- |\n| 北海道 | 12件 |\n| 東北 | 9件 |"
    rows = []
    for line in ("表1 地域別の実績", "| 地域 | 件数 |", "| 北海道 | 12件 |", "| 東北 | 9件 |"):
        rows.append((text.index(line), text.index(line) + len(line)))
    chunk = Chunk("t-0", "999_sample", "見本", 1, 1, ["見本"], text, "見本", "", [], 0, len(text), rows)
    cands = ex.candidates([Passage(chunk, 1.0)], {("t-0", i): np.ones(8, dtype=np.float32) for i in range(4)})
    assert cands[0].text == "表1 地域別の実績"
    assert cands[2].text.startswith("| 地域 | 件数 |") and cands[2].text.endswith("| 北海道 | 12件 |")
    assert ex._row(cands[2]) == [("地域", "北海道"), ("件数", "12件")]


def test_a_superlative_over_cells_with_their_counter_takes_the_extreme_row_and_at_most_is_no_superlative():
    text = ("| 項目 | 観点 | 配点 |\n| --- | --- | --- |\n| 新規性 | 優位性 | 25点 |\n| 市場性 | 顧客 | 30点 |\n"
            "| 体制 | 分担 | 20点 |")
    lines = text.split("\n")
    spans = [(text.index(line), text.index(line) + len(line)) for line in lines if "---" not in line]
    chunk = Chunk("s-0", "999_sample", "見本", 1, 1, ["見本"], text, "見本", "", [], 0, len(text), spans)
    cands = [ex.Candidate(chunk, i, spans[0][0] if i else s, e, 0, np.eye(8, dtype=np.float32)[i], score=0.9)
             for i, (s, e) in enumerate(spans) if i]
    chosen, reason = _shape(cands, "いちばん重く見られた項目と、その点数は？")
    assert reason is None and chosen[0].text.endswith("| 市場性 | 顧客 | 30点 |")
    assert ex.superlative("Which item carries the most points?") == "max"
    assert ex.superlative("At most, how much can a firm borrow?") is None


def test_a_note_citing_a_source_is_quoted_only_when_a_source_is_asked():
    body = "研究拠点は全国に広がっている。"
    notes = ["3 人工知能研究開発ネットワーク https://www.example.go.jp/", "※1 拠点は常設の場を持つものとした。"]
    chunk = _chunk(body + "\n" + "\n".join(notes))
    chunk.footnotes = notes
    cands = [ex.Candidate(chunk, i, s, e, 0, np.eye(8, dtype=np.float32)[i]) for i, (s, e) in enumerate(chunk.sentences)]
    kept = [c.text for c in ex.quotable(cands, "研究拠点はどこにある？")]
    assert kept == [body, notes[1]]                       # a note that qualifies stays quotable
    assert len(ex.quotable(cands, "その数字の出典は？")) == 3
    assert len(ex.quotable(cands, "Which survey does the chapter cite?")) == 3


def test_the_unit_asked_is_that_of_the_thing_counted_not_of_a_word_elsewhere():
    assert analyse("How many jobs did the commercialised projects create?").unit == "[人名]"
    assert analyse("How many projects were commercialised?").unit == "件"
    assert analyse("What is the budget of the project?").unit == "円"        # a sum asked
    assert analyse("When did the project start?").unit == r"(件|プロジェクト)"  # no figure asked: a word hints


def test_notes_at_the_foot_of_a_passage_go_on_from_no_sentence_and_a_source_gives_no_figure():
    body = "拠点は検査の手間を4割減らした。技術者が現場に常駐したためである。"
    notes = ["※3 導入前後の工程を比べた試算による。", "4 日本経済新聞「検査時間が13万時間減」https://example.jp/a"]
    chunk = _chunk(body + "\n" + "\n".join(notes))
    chunk.footnotes = notes
    assert chunk.notes_start == len(body) + 1
    cands = [ex.Candidate(chunk, i, s, e, 0, np.eye(8, dtype=np.float32)[i], score=sc)
             for i, ((s, e), sc) in enumerate(zip(chunk.sentences, [0.5, 0.9, 0.4, 0.3]))]
    assert [ex.in_note(c) for c in cands] == [False, False, True, True]
    # how/why: the reason and what leads to it, never the note under the passage as if it went on
    chosen, _ = _shape(cands, "なぜ検査の手間が減ったのか？")
    assert [c.index for c in chosen] == [0, 1]
    # a source's title holds no figure the document states
    assert not ex._holds(cands[3], "number", "時間") and ex._holds(cands[0], "number", "割")
    # a chunk written before notes joined the text lists them, but they are not its last lines
    old = _chunk(body)
    old.footnotes = notes
    assert old.notes_start == len(body)


def test_second_part_is_answered_from_the_same_paragraph_even_when_its_unit_appeared_earlier():
    text = "説明会には120社が参加し、80組の面談が行われた。そのうち9組が商談に進んだ。会場は駅前である。"
    q = "説明会には何社が参加し、商談に進んだのは何組？"
    chosen, reason = _shape(_cands(text, [0.9, 0.3, 0.2]), q)
    assert reason is None and [c.index for c in chosen] == [0, 1]


def test_a_figure_stated_for_another_year_does_not_answer(monkeypatch):
    assert ex.OTHER_YEARS_REFUSAL   # on as shipped (README, "Answers": alone it refuses 4 / 1)
    text = "見本市を開いている。2018年には出展が40社あった。"
    q = "2020年の見本市には何社が出展した？"
    chosen, reason = _shape(_cands(text, [0.3, 0.9]), q)
    assert not chosen and "2020" in reason
    # Off, the figure is quoted with its own year, which the reader sees.
    monkeypatch.setattr(ex, "OTHER_YEARS_REFUSAL", False)
    chosen, reason = _shape(_cands(text, [0.3, 0.9]), q)
    assert reason is None and "2018年" in chosen[0].text


def test_switching_off_the_unit_refusal_quotes_the_best_sentence(monkeypatch):
    text = "見本市を開いている。多くの企業が出展した。"
    q = "見本市には何社が出展した？"
    monkeypatch.setattr(ex, "UNIT_REFUSAL", True)
    chosen, reason = _shape(_cands(text, [0.3, 0.9]), q)
    assert not chosen and "unit" in reason
    monkeypatch.setattr(ex, "UNIT_REFUSAL", False)
    chosen, reason = _shape(_cands(text, [0.3, 0.9]), q)
    assert reason is None and chosen[0].text.startswith("多くの企業")


def test_a_fiscal_year_without_its_era_counts_as_the_asked_year():
    # Tables write 「15年度」 for 平成15年度; the row of another year does not answer.
    text = "| 年度 | 予算 |\n| --- | --- |\n| 14年度 | 30億円 |\n| 15年度 | 42億円 |"
    q = "平成15年度の予算はいくら？"
    chunk = _chunk(text)
    rows = [ex.Candidate(chunk, i, 0, e, 0, np.eye(8, dtype=np.float32)[i], score=score)
            for i, ((_, e), score) in enumerate(zip(chunk.sentences, [0.1, 0.2, 0.9, 0.5]))]
    chosen, reason = _shape(rows, q)
    assert reason is None and chosen[0].text.endswith("42億円 |")
    assert ex.leading_figure(chosen[0].text, r"億円?") == "42億円"
    from qa_app.question import year_mentioned, year_spellings
    assert year_mentioned(year_spellings("FY2003"), "15年度当初予算")
    assert not year_mentioned(year_spellings("FY2003"), "2015年度の計画")


def test_a_result_question_quotes_the_topic_sentence_and_what_followed():
    text = ("北部会では試作品の展示会を開いている。展示会は年に一度、駅前の会館で開く。"
            "その結果、地元の部品会社が大手から受注した。会場の費用は会員が分担する。")
    q = "北部会の展示会からはどんな成果が出た？"
    assert "result" in asked_type(q).parts and asked_type(q).explains
    assert asked_type("What did the fair achieve?").explains
    chosen, reason = _shape(_cands(text, [0.9, 0.3, 0.2, 0.1]), q)
    assert reason is None and 2 in [c.index for c in chosen]


def test_why_prefers_the_sentence_that_states_a_reason_and_headings_rank_lower():
    text = "見本会の交流事業\n見本会は県外の会社と交流している。県内には部品の買い手が少ないため、県外に販路を求めた。"
    q = "見本会はなぜ県外の会社と交流しているのか？"
    cands = _cands(text, [0.50, 0.50, 0.45])
    ex.type_bonus(cands, asked_type(q))
    best = max(cands, key=lambda c: c.score)
    assert best.index == 2                      # the reason (…ため) over the topic sentence
    assert cands[0].score < 0.5                 # the heading (no sentence end) is marked down


def test_a_figure_caption_names_a_reason_it_does_not_give():
    # 「図表4 …を導入しない理由」 names what the chart shows, however long; the sentence under it gives the reason.
    text = ("図表4 見本システムを導入しない理由(複数回答)(出典)見本省「見本利用動向調査」\n"
            "導入しない理由をみると、「使いこなす人材がいないから」が最も多い。")
    q = "Why do firms not introduce the sample system?"
    cands = _cands(text, [0.60, 0.55])
    ex.type_bonus(cands, asked_type(q))
    assert "explains" not in cands[0].features and cands[0].features.get("fragment")
    assert max(cands, key=lambda c: c.score).index == 1
    # A sentence that merely opens with 表 (表彰, 表示) is no caption.
    assert not ex._caption(_cands("表彰制度を設けたため、応募が増えた。", [0.5])[0])


def test_a_later_result_clause_is_answered_further_on_in_the_paragraph():
    text = ("南部会には相談員を置いている。相談員は3名で、県内を回る。相談員は元技術者である。"
            "初年度は工場を訪ねた。次の年は展示会に出た。こうした活動の成果として、新たに20件の取引が生まれた。")
    q = "南部会の相談員は何人で、どんな成果を上げた？"
    chosen, reason = _shape(_cands(text, [0.3, 0.9, 0.2, 0.2, 0.2, 0.1]), q)
    assert reason is None and [c.index for c in chosen] == [1, 5]
    assert "place" not in asked_type("連携は実際どこまで進んだ？").parts


def test_a_list_entry_is_quoted_by_the_sentence_that_introduces_its_subject():
    a = _chunk("東部会では、元営業部長を相談役に迎えて販路を広げている。相談役は毎月企業を訪ねて助言している。", "a-0")
    a.subject = "東部会"
    vec = np.ones(8, dtype=np.float32)
    cands = [ex.Candidate(a, 0, *a.sentences[0], 0, vec, score=0.60, keywords=0.5),
             ex.Candidate(a, 1, *a.sentences[1], 0, vec, score=0.75, keywords=0.5)]
    [(name, quote)] = ex.pick_items(cands)
    assert name == "東部会" and quote.index == 0
    cands[1].keywords = 0.8     # the later sentence states more of the asked practice: it is quoted
    assert ex.pick_items(cands)[0][1].index == 1


def test_a_fact_answer_goes_on_in_its_own_paragraph_before_another_document():
    # Two-part facts (「前期と後期はそれぞれ…」) are stated in consecutive sentences.
    a = _chunk("見本計画は前期を準備期とした。後期は拡大期と位置づけた。会場は市内にある。", "a-0")
    b = _chunk("別の計画では前期に調査を行った。", "b-0")
    vec = np.eye(8, dtype=np.float32)
    cands = [ex.Candidate(a, i, *a.sentences[i], 0, vec[i], score=sc) for i, sc in enumerate([0.80, 0.62, 0.3])]
    cands.append(ex.Candidate(b, 0, *b.sentences[0], 1, vec[5], score=0.70))
    assert [(c.chunk.chunk_id, c.index) for c in ex.pick(cands, limit=2)] == [("a-0", 0), ("a-0", 1)]
    cands[1].score = 0.40   # a weak next sentence does not displace a strong one elsewhere
    assert [(c.chunk.chunk_id, c.index) for c in ex.pick(cands, limit=2)] == [("a-0", 0), ("b-0", 0)]


def test_a_fact_answer_quotes_up_to_three_sentences_about_as_good_as_the_best():
    # MAX_SENTENCES = 3 (eval/fit_select.py): the third sentence often holds the second fact.
    text = "見本会は年に二回開く。春は県内の会社が出る。秋は県外の会社も出る。会場は駅前の会館である。"
    chosen = ex.pick(_cands(text, [0.80, 0.72, 0.70, 0.69]))
    assert [c.index for c in chosen] == [0, 1, 2]
    assert [c.index for c in ex.pick(_cands(text, [0.80, 0.72, 0.50, 0.40]))] == [0, 1]   # KEEP_RATIO still holds


def test_a_figure_question_also_quotes_a_second_figure_about_as_good_as_the_first():
    # FIGURE_SENTENCES = 2 (eval/fit_select.py): another passage (an edition, a table) may state the asked figure.
    q = "見本市には何社が出展した？"
    a = _chunk("見本市は毎年秋に開く。見本市には120社が出展した。", "a-0")
    b = _chunk("前回の見本市には95社が出展した。", "b-0")
    vec = np.eye(8, dtype=np.float32)
    cands = [ex.Candidate(a, 0, *a.sentences[0], 0, vec[0], score=0.90),
             ex.Candidate(a, 1, *a.sentences[1], 0, vec[1], score=0.80),
             ex.Candidate(b, 0, *b.sentences[0], 1, vec[2], score=0.75)]
    chosen, reason = _shape(cands, q)
    assert reason is None and [(c.chunk.chunk_id, c.index) for c in chosen] == [("a-0", 1), ("b-0", 0)]
    cands[2].score = 0.50     # a figure sentence far below the first is not quoted
    assert [(c.chunk.chunk_id, c.index) for c in _shape(cands, q)[0]] == [("a-0", 1)]


def test_a_caption_ending_in_a_bracket_ranks_below_the_sentence_that_answers():
    text = "見本会の支払方法(複数回答)\n支払方法は現金払いが最も多く、次いで振込であった。"
    q = "見本会で最も多い支払方法は？"
    cands = _cands(text, [0.50, 0.50])
    ex.type_bonus(cands, asked_type(q))
    assert ex._fragment(cands[0]) and not ex._fragment(cands[1])
    assert max(cands, key=lambda c: c.score).index == 1


def test_a_plural_place_question_prefers_the_sentence_that_lists_places():
    q = "Visitors from which countries came to the trade fair?"
    assert asked_type(q).many and not asked_type("Where was the trade fair held?").many
    text = "見本市は東京で開いた。ドイツ、タイ、ブラジルの企業が来場した。"
    cands = _cands(text, [0.6, 0.5])
    ex.type_bonus(cands, asked_type(q))
    assert max(cands, key=lambda c: c.score).index == 1


def test_a_sentence_that_asks_is_answered_by_the_ones_after_it():
    text = "良い相談役とは何か。一言で言えば現場を知る人である。さらに人脈の広さが求められる。"
    q = "What kind of person makes a good adviser?"
    chosen, reason = _shape(_cands(text, [0.9, 0.3, 0.2]), q)
    assert reason is None and [c.index for c in chosen] == [0, 1, 2]


def test_a_later_how_clause_in_english_takes_what_follows_the_first_quote():
    text = "協議会は全国8ブロックに置かれた。会員の銀行が融資の相談に乗る。その結果、試作の資金が早く届く。"
    q = "How many blocks have a council, and how do members benefit?"
    chosen, reason = _shape(_cands(text, [0.9, 0.3, 0.2]), q)
    assert reason is None and [c.index for c in chosen][:2] == [0, 1]


def test_an_english_sum_is_answered_only_by_a_figure_of_its_attribute(monkeypatch):
    monkeypatch.setattr(ex, "SUM_REFUSAL", True)   # off as shipped; the pinning it relies on is tested here
    q = "What is the annual membership fee of the society?"
    assert asked_type(q).units == ("円",) and analyse(q).attribute_parts
    other = "協会では展示会を開いている。展示会の予算は3億円である。"
    chosen, reason = _shape(_cands(other, [0.4, 0.9]), q)
    assert not chosen and "費" in reason           # a budget does not give the fee
    stated = "協会では展示会を開いている。会員の年会費は1万円である。"
    chosen, reason = _shape(_cands(stated, [0.4, 0.9]), q)
    assert reason is None and chosen[0].index == 1


def test_two_counts_in_one_unit_each_get_a_figure():
    q = "応募件数と採択件数は？"
    text = "公募には約600件の応募があった。審査を経て、約90件が採択された。採択の決め手は試作品だった。"
    chosen, reason = _shape(_cands(text, [0.9, 0.5, 0.3]), q)
    assert reason is None and [c.index for c in chosen] == [0, 1]


def test_a_figure_naming_the_asked_year_beats_one_naming_none():
    q = "平成20年度に商談会に参加したのは何社？"
    text = "全国では約300社が商談会に参加している。平成20年度には85社が商談会に参加した。"
    chosen, _ = _shape(_cands(text, [0.8, 0.6]), q)
    assert chosen[0].index == 1


TABLE = ("|  | 大学 |  | 企業 |  |\n| --- | --- | --- | --- | --- |\n|  | 参加者数 | 機関数 | 参加者数 | 機関数 |\n"
         "| 平成17年度 | 120 | 14 | 300 | 51 |\n| 平成18年度 | 130 | 15 | 320 | 55 |\n| 平成19年度 | 150 | 17 | 410 | 63 |")


def test_a_table_cell_takes_its_unit_from_the_column_header_and_its_year_from_the_row(monkeypatch):
    cands = _cands(TABLE, [0.5, 0.1, 0.5, 0.9, 0.7, 0.8])
    # A spanning header (an empty cell after 「企業」) heads both columns under it.
    assert ex._row(cands[4])[3:] == [("企業 参加者数", "320"), ("企業 機関数", "55")]
    q = "平成18年度に共同研究に参加した企業は何機関？"
    chosen, reason = _shape(cands, q)
    assert reason is None and chosen[0].index == 4
    # 「企業 機関数」 counts companies, so it answers 何社 too; no column counts cases (refused).
    chosen, reason = _shape(cands, "平成18年度に参加した企業は何社？")
    assert reason is None and chosen[0].index == 4 and ex._asked_cell(ex._row(chosen[0]), "企業は何社", "社")[1] == "55"
    monkeypatch.setattr(ex, "UNIT_REFUSAL", True)
    assert _shape(cands, "平成18年度の相談は何件？")[0] == []


def test_of_the_sentences_near_the_best_the_one_giving_more_asked_figures_comes_first():
    q = "見本市には何社が出展し、何組が契約に進んだ？"
    text = "見本市の案内は300社に送った。見本市には52社が出展し、140組の面談が行われた。そのうち12組が契約に進んだ。"
    chosen, _ = _shape(_cands(text, [0.9, 0.8, 0.4]), q)
    assert [c.index for c in chosen] == [1, 2]


@pytest.mark.parametrize("question, topic", [
    ("What kind of network is the QRX in Kobe?", "QRX"),
    ("What is XYZ-Net?", "XYZ-Net"),
    ("神戸のQRXってどんな集まり？", "QRX"),
    ("サンプル機構とは何ですか？", "サンプル機構"),
    ("What kind of events did QRX hold in FY2008?", None),   # asks about its events, not what it is
    ("How many firms joined QRX?", None),
])
def test_a_what_is_question_names_the_thing_to_define(question, topic):
    assert asked_type(question).topic == topic


def test_the_sentence_that_glosses_the_asked_name_answers_what_it_is():
    assert defines("神戸地域のQRX（クイック試作ネットワーク）は精密加工の企業が集まる会である。", "QRX")
    assert defines("QRXとは、試作を請け負う企業の集まりである。", "QRX")
    assert not defines("QRX は参加企業数が増えている。", "QRX")
    q = "What kind of network is the QRX in Kobe?"
    text = "QRX は参加企業数が増えている。神戸地域のQRX（クイック試作ネットワーク）は精密加工の企業が集まる会である。"
    cands = _cands(text, [0.6, 0.5])
    ex.type_bonus(cands, asked_type(q))
    assert ex.pick(cands)[0].index == 1


@pytest.mark.parametrize("subject, name", [
    ("みちのく試作ネットワーク", True), ("HAKODATE 食品プロジェクト(道南)", True), ("東部会", True),
    ("例えば青森や秋田", False),            # an adverb and a list: the start of an example sentence
    ("法人化された研究所", False),           # a verb phrase
    ("会員の会費の範囲で活動だけ", False),    # particles other than の
])
def test_a_subject_must_read_as_a_name(subject, name):
    assert is_name(subject) is name


def test_a_list_entry_is_never_named_by_a_phrase_the_chunker_took_for_a_subject():
    a = _chunk("例えば青森や秋田では、試作の共同受注を行っている。", "a-0")
    b = _chunk("みちのく試作ネットワークでは、試作の共同受注を行っている。", "b-0")
    a.subject, b.subject = "例えば青森や秋田", "みちのく試作ネットワーク"
    cands = [ex.Candidate(a, 0, *a.sentences[0], 0, np.ones(8, dtype=np.float32), score=0.80, keywords=0.8),
             ex.Candidate(b, 0, *b.sentences[0], 1, np.ones(8, dtype=np.float32), score=0.78, keywords=0.8)]
    assert [name for name, _ in ex.pick_items(cands)] == ["みちのく試作ネットワーク"]


def test_a_table_answer_leads_with_the_asked_cell_and_its_column():
    cands = _cands(TABLE, [0.5, 0.1, 0.5, 0.9, 0.7, 0.8])
    row = cands[4]   # 平成18年度
    # The header that counts (「機関数」, 「参加者数」: persons) decides the unit, not a word inside it.
    assert ex.leading_figure(row.text, None, row, "平成18年度に共同研究に参加した企業は何機関？") == "55（企業 機関数）"
    assert ex.leading_figure(row.text, "[人名]", row, "平成18年度に大学から参加したのは何人？") == "130（大学 参加者数）"
    q = "平成18年度に大学から参加したのは何人？"
    chosen, reason = _shape(cands, q)
    assert reason is None and chosen[0].index == 4


def test_a_duration_is_asked_in_its_own_unit_not_as_a_count():
    assert asked_type("How many days does the training course last?").units == ("日",)
    assert asked_type("見学研修は何日間？").units == ("日",)
    assert asked_type("研修は何か月続く？").units == ("[かカヶケ]?月",)
    years = asked_type("How many years does it take to build the network?").units[0]
    assert has_figure("ネットワーク形成には10年~20年程度かかる。", years)
    assert has_figure("3年間の事業である。", years)
    assert not has_figure("平成13年3月に計画を策定した。", years)   # a date, not a duration


def test_a_list_entry_is_as_relevant_as_its_best_sentence_whichever_sentence_quotes_it():
    a = _chunk("東部会では、商談会を毎月開いている。商談会には地元の銀行も参加する。", "a-0")
    b = _chunk("西部会では、商談会を年に2回開いている。", "b-0")
    a.subject, b.subject = "東部会", "西部会"
    v = np.ones(8, dtype=np.float32)
    cands = [ex.Candidate(a, 0, *a.sentences[0], 0, v, score=0.70, keywords=0.6),
             ex.Candidate(a, 1, *a.sentences[1], 0, v, score=0.80, keywords=0.6),
             ex.Candidate(b, 0, *b.sentences[0], 1, v, score=0.82, keywords=0.6)]
    items = ex.pick_items(cands)
    assert [name for name, _ in items] == ["西部会", "東部会"]
    assert items[1][1].index == 0     # quoted by the sentence that introduces it


def test_a_later_english_clause_is_answered_by_a_sentence_holding_its_words_even_in_another_passage():
    fair = _chunk("見本プロジェクトでは見本市にフランスの企業6社が出展した。見本市は毎年秋に開かれる。", "x-0")
    partner = _chunk("見本プロジェクトはイタリアのトリノ地域と連携している。", "x-1")
    cands = [ex.Candidate(fair, 0, *fair.sentences[0], 0, np.eye(8, dtype=np.float32)[0], score=0.9),
             ex.Candidate(fair, 1, *fair.sentences[1], 0, np.eye(8, dtype=np.float32)[1], score=0.2),
             ex.Candidate(partner, 0, *partner.sentences[0], 0, np.eye(8, dtype=np.float32)[2], score=0.8)]
    q = "How many companies exhibited at the fair, and which Italian region is it linked with?"
    chosen, reason = _shape(cands, q)
    # フランス is a place, but the clause asks for an Italian one: the sentence naming イタリア answers it.
    assert reason is None and [(c.chunk.chunk_id, c.index) for c in chosen] == [("x-0", 0), ("x-1", 0)]


def test_an_advice_question_quotes_the_sentence_that_cautions_not_the_one_that_names_a_point():
    text = ("展示会に共同で出展するクラスターがある。出展料を折半する約束は事前に文書にしておく必要がある。"
            "また、展示の見せ方も重要なポイントである。翌年は単独で出展した。")
    q = "共同出展で気をつけるべき点は？"
    assert "advice" in asked_type(q).parts and asked_type(q).explains
    cands = _cands(text, [0.5, 0.62, 0.66, 0.3])
    ex.type_bonus(cands, asked_type(q))
    chosen, reason = _shape(cands, q)
    assert reason is None and chosen[0].index == 1   # 「…必要がある」 cautions; 「重要なポイント」 only names a point


def test_a_span_of_years_names_every_year_in_it_in_both_calendars():
    from qa_app.question import year_spellings
    assert set(year_spellings("(平成13~14年度実績) 56件")) == {"平成13年", "2001", "平成14年", "2002"}
    assert {"2002", "平成14年", "2003"} <= set(year_spellings("FY2001-03")) and "2004" not in year_spellings("FY2001-03")
    assert "平成16年" in year_spellings("平成14年度〜18年度")
    # Figures with a dash between are no span: a range past MAX_SPAN years, or no year at all.
    assert year_spellings("1,200-1,500社") == () and "2030" not in year_spellings("2010-40")


def test_a_span_asked_is_answered_by_the_sentence_about_that_span_not_one_reaching_outside_it():
    text = ("| 年度 | 件数 |\n| --- | --- |\n| 平成15年度 | 40件 |\n"
            "事業の成果(平成14〜18年度)は、特許出願が累計230件となった。"
            "前身の事業(平成12~14年度)では、特許出願が75件あった。")
    chunk = _chunk(text)
    cands = [ex.Candidate(chunk, i, s, e, 0, np.eye(8, dtype=np.float32)[i], score=score)
             for i, ((s, e), score) in enumerate(zip(chunk.sentences, [0.1, 0.2, 0.9, 0.7, 0.95]))]
    chosen, reason = _shape(cands, "平成14〜18年度に特許は何件出願された？")
    assert reason is None and "230件" in chosen[0].text


def test_a_question_asking_which_scheme_quotes_the_sentence_that_names_one():
    text = ("共同で受注することで販路を広げている例は多い。部品メーカー8社が「見本ネット」を立ち上げ、共同で受注している。"
            "まとめ役の企業をどう選ぶかがポイントである。")
    q = "部品メーカーが共同で受注している仕組みは？"
    cands = _cands(text, [0.7, 0.62, 0.6])
    ex.type_bonus(cands, asked_type(q))
    chosen, reason = _shape(cands, q)
    assert reason is None and chosen[0].index == 1 and holds(chosen[0].text, "instance")
    assert not holds(cands[0].text, "instance") and not holds("PRの効果を高めている。", "instance")


def test_a_plural_which_question_prefers_the_sentence_that_lists_several():
    from qa_app.answer_types import enumerates
    assert enumerates("医療機器、食品加工、精密部品などの分野で連携している。")
    assert not enumerates("地域の企業、大学と技術的な話ができることである。")
    text = "国は先導的な分野で主導する。医療機器、食品加工、精密部品などの分野である。地域は独自に取り組む。"
    q = "Which industries does the state lead in?"
    assert asked_type(q).many
    cands = _cands(text, [0.8, 0.66, 0.5])
    ex.type_bonus(cands, asked_type(q))
    chosen, reason = _shape(cands, q)
    assert reason is None and any(c.index == 1 for c in chosen)


def test_what_a_named_thing_does_quotes_the_sentence_introducing_it_and_what_it_goes_on_to_say():
    q = "What does the MiruNavi app at the station do?"
    assert asked_type(q).topic == "MiruNavi"
    text = "駅は案内アプリ「MiruNavi」を提供している。利用者の音声を認識し、行き先を案内する。売店も多い。"
    chosen, reason = _shape(_cands(text, [0.9, 0.5, 0.4]), q)
    assert reason is None and [c.index for c in chosen][:2] == [0, 1]


def test_the_figure_is_stated_whole_with_its_myriads():
    # Japanese groups a figure by 万, 億 and 兆: the answer's figure is all of it, never its last group (44万人).
    assert ex.leading_figure("我が国の利用者数は1億44万人、人口普及率は82.8%に達している。", "人") == "1億44万人"
    assert ex.leading_figure("売上高は2兆1,652億円となっている。", r"億円|円") == "2兆1,652億円"
    assert ex.leading_figure("約10,700社が参加している。", "社") == "約10,700社"
    assert ex.leading_figure("事業費は12.2億円である。", r"億円?") == "12.2億円"


def test_a_later_part_asking_another_year_is_answered_by_that_years_figure(monkeypatch):
    # "…in 2019, and what was it in 2000?": the second part is answered by the sentence giving 2000's figure,
    # not by one that merely mentions 2000, and its quote comes right after the first part's.
    text = ("2019年の情報通信産業の名目国内生産額は108.4兆円である。ただし、製造業を中心に2000年よりも減少した。"
            "2000年時点では120.4兆円であった。")
    cands = _cands(text, [0.9, 0.7, 0.6])
    info = analyse("What was the nominal output of the ICT industry in 2019, and what was it in 2000?")
    out = ex._later_parts(cands[:2], cands, info)
    assert out[1] is cands[2] and len(out) == 3
    monkeypatch.setattr(ex, "CLAUSE_YEARS", False)
    assert ex._later_parts(cands[:2], cands, info) == cands[:2]


def test_asking_for_a_list_is_not_describing_what_was_listed():
    # 「挙げて」 asks for a list; 「被害を挙げた世帯」 says who answered a survey, and the question asks its share.
    assert analyse("金融機関と連携しているクラスターを挙げて").kind == "list"
    assert analyse("自宅で迷惑メールの被害を挙げた世帯はどのくらいの割合？").kind == "number"


def test_a_bare_figure_stated_as_its_nouns_count_is_in_that_unit(monkeypatch):
    # Statistics leave out the counter the noun implies: 「契約者数は8,739万」 counts persons.
    assert has_figure("LTEの契約者数は8,739万に達した。", "[人名]")
    assert has_figure("企業数は5,714で、前年より増えた。", "社")
    assert not has_figure("契約者数は前年比13%増となった。", "[人名]")      # a rate, not the count
    assert not has_figure("利用者数は2015年に最も多かった。", "[人名]")     # a year
    assert not has_figure("企業数は500で、前年より増えた。", "[人名]")      # companies are not persons
    monkeypatch.setattr(answer_types, "BARE_COUNTS", False)
    assert not has_figure("LTEの契約者数は8,739万に達した。", "[人名]")


def test_how_many_counts_the_head_noun_not_its_modifier():
    # "how many design proposals": proposals are counted (件), not "design"; the phrase ends at the verb.
    assert asked_type("How many design proposals did the contest receive?").units == ("件",)
    assert asked_type("What was the number of participating companies?").units == ("社",)
    assert asked_type("How many procedures should people be able to file online?").units != ("[人名]",)
    assert asked_type("How many mobile phone contracts were there?").units == ("(?:件|契約)",)
    assert asked_type("How many institutions support it?").units == ("(?:機関|団体)",)
    assert asked_type("What is the number of institutions?").units == ("(?:機関|団体)",)


def test_an_ordinal_is_no_count_in_whatever_counter():
    # "How many accounts …" takes any counter the document uses; 「第24回大会」 numbers a meeting, it counts nothing.
    many = asked_type("How many online brokerage accounts were there?").units[0]
    assert has_figure("口座数は581.5万口座となった。", many)
    assert not has_figure("第24回万国郵便大会議において採択された。", many)
    assert has_figure("第24回大会が開かれた。", "回")      # asked 何回目, an ordinal answers


def test_a_sentence_that_announces_what_follows_is_quoted_with_what_follows(monkeypatch):
    # 「…には共通点があった。」 says only that there is one; the next sentences say what it is.
    text = "西部会の見本市は3件が中止になった。中止の3件には共通点があった。いずれも需要を取引先の話だけで見込んでいた。取引先は前向きに答えがちである。"
    q = "中止になった案件にはどんな共通点があった？"
    cands = _cands(text, [0.3, 0.9, 0.4, 0.2])
    assert [c.index for c in _shape(cands, q)[0]] == [1, 2, 3]
    monkeypatch.setattr(ex, "ANNOUNCED_FOLLOWING", False)
    assert [c.index for c in _shape(cands, q)[0]] == [1]


def test_a_how_why_sentence_that_points_back_is_quoted_with_the_one_before(monkeypatch):
    # 「この反省から、…」 states the consequence; the cause is the sentence it points back to.
    text = "第1期では量産の資金が得られず、事業化に至らない案件が多かった。この反省から、第2期では研究の開始時から銀行が加わった。会場は駅前である。"
    q = "なぜ第2期では研究の開始時から銀行が加わったのか？"
    cands = _cands(text, [0.4, 0.9, 0.1])
    assert [c.index for c in _shape(cands, q)[0]][:2] == [0, 1]
    monkeypatch.setattr(ex, "REFERS_BACK_PRECEDING", False)
    assert [c.index for c in _shape(cands, q)[0]][0] == 1
    assert ex._refers_back(cands[1]) is False    # switched off
    monkeypatch.setattr(ex, "REFERS_BACK_PRECEDING", True)
    assert ex._refers_back(cands[1]) and not ex._refers_back(cands[0])


def test_an_era_named_once_carries_to_the_bare_years_after_it(monkeypatch):
    from qa_app import question
    from qa_app.question import year_spellings
    text = "広告費は、平成11年の241億円から16年には1,814億円となり、5年間で7.5倍となった。"
    assert {"平成16年", "2004"} <= set(year_spellings(text))
    # A duration, an ordinal year and a bare year before the era are no years of that era.
    assert set(year_spellings("平成20年に設立し、3年目に黒字化、10年間続いた。")) == {"平成20年", "2008"}
    assert "平成16年" not in year_spellings("16年には平成11年の倍になった。")
    # And the answer step reads it: the figure whose sentence gives the asked year in this way answers.
    cands = _cands("平成16年には総広告費が伸び悩んだ。" + text, [0.9, 0.85])
    assert "1,814億円" in _shape(cands, "広告費は平成16年にいくらになった？")[0][0].text
    monkeypatch.setattr(question, "ERA_CARRIED", False)
    assert "平成16年" not in year_spellings(text)


def test_a_rate_may_be_written_as_a_fraction_and_a_change_as_a_ratio():
    assert has_figure("補助率は3分の2とする。", RATE) and has_figure("補助率は三分の二とする。", RATE)
    assert not has_figure("補助の上限は5,000万円とする。", RATE)
    assert has_figure("4年間で約1.7倍に増えた。", answer_types.CHANGE)
    assert not has_figure("令和6年度に1,037社となった。", answer_types.CHANGE)


RATES = ("| 地区 | 参加企業数 | 成約件数 | 成約率 |\n| --- | --- | --- | --- |\n| 北地区 | 40 | 6 | 15.0% |\n"
         "| 中地区 | 25 | 9 | 36.0% |\n| 南地区 | 30 | 3 | 10.0% |")


def _rows(text: str, scores: list[float]) -> list[ex.Candidate]:
    chunk = _chunk(text)
    return [ex.Candidate(chunk, i, 0, e, 0, np.eye(8, dtype=np.float32)[i], score=score)
            for i, ((_, e), score) in enumerate(zip(chunk.sentences, scores))]


@pytest.mark.parametrize("question, row", [
    ("成約率がいちばん高い地区はどこで、その率は？", "36.0%"),
    ("成約率が最も低いのはどの地区で、何%だった？", "10.0%"),
    ("Which district had the highest closing rate, and what was it (%)?", "36.0%"),
])
def test_a_superlative_answers_with_the_extreme_row_not_the_best_matched(question, row):
    # Every row shares the question's words; the first row scores best, but the asked cell decides.
    chosen, reason = _shape(_rows(RATES, [0.1, 0.0, 0.9, 0.5, 0.4]), question)
    assert reason is None and chosen[0].text.rstrip().endswith(f"{row} |")


def test_superlative_cues():
    assert ex.superlative("いちばん多いのは？") == "max" and ex.superlative("最も少ない年は？") == "min"
    assert ex.superlative("Which year had the fewest applications?") == "min"
    assert ex.superlative("成約率はいくら？") is None and ex.superlative("What is the rate?") is None


def test_kana_counters_count():
    # 「6つの造船所」 answers "how many shipyards"; 「何か所」 asks in か所 as 何社 asks in 社.
    anything = asked_type("How many shipyards now use the system?").units[0]
    assert count_figures("現在は6つの造船所に導入された。", anything) == 1
    assert count_figures("1つずつ確かめた。3つ目の案を選んだ。", anything) == 0    # one by one; the third: no count
    sites = asked_type("検査装置は何か所の工場に入った？").units
    assert sites and count_figures("県内の12か所の工場と3カ所の倉庫に入った。", sites[0]) == 2


def test_a_rows_year_may_stand_in_the_header_over_its_figure():
    # The budget row names no year itself: its column 「令和6年度予算」 does. Beside it, a row naming 令和6年度
    # in its own cell under another column (an investment total) answers another question.
    budget = _chunk("| 施策名 | 対象 | 令和6年度予算 |\n| --- | --- | --- |\n| 人材認定制度 | 運営者 | 6.8億円 |", "b-0")
    totals = _chunk("| 年度 | 新設法人数(社) | 投資額(億円) |\n| --- | --- | --- |\n| 令和5年度 | 54,120 | 688 |\n"
                    "| 令和6年度 | 55,860 | 742 |", "t-0")
    cands = [ex.Candidate(ch, i, 0, e, 0, np.eye(8, dtype=np.float32)[i], score=score)
             for ch, scores in ((budget, [0.1, 0.0, 0.7]), (totals, [0.1, 0.0, 0.4, 0.9]))
             for i, ((_, e), score) in enumerate(zip(ch.sentences, scores))]
    chosen, reason = _shape(cands, "人材を認める制度に、令和6年度はいくら予算がついた？")
    assert reason is None and chosen[0].chunk.chunk_id == "b-0" and chosen[0].text.rstrip().endswith("6.8億円 |")


def test_ikutsu_no_counts_what_it_names():
    # 「いくつの業務」 is answered by 17業務 (or 17の業務, 5つの業務), not by 「5つの検討グループ」.
    unit = asked_type("標準化の対象は、いくつの業務？").units[0]
    assert count_figures("主要な17業務を処理するシステム。", unit) == 1
    assert count_figures("5つの検討グループが採択された。", unit) == 0
    assert count_figures("12の業務と3つの業務が残る。", unit) == 2


def test_whatever_counter_needs_a_header_that_names_a_unit():
    # "How many startups": a cell under 「令和6年度予算」 is a sum, though the header holds kanji; under 「数(社)」 a count.
    assert not ex._cell_holds("令和6年度予算", "6.8億円", answer_types.ANY_COUNTER)
    assert ex._cell_holds("うちスタートアップ(社)", "1,037", answer_types.ANY_COUNTER)


def test_dedokoro_asks_a_source_not_a_place():
    # 「出どころ」 (where a figure comes from) holds どこ but asks for a source, not a place.
    assert "place" not in asked_type("検査の手間はどのくらい減った？その数字の出どころは？").parts
    assert "place" in asked_type("本社はどこにある？").parts


def test_a_title_marks_a_person_sudachi_does_not_know():
    assert holds("| 委員 | 大曽根拓 | 北陸ベンチャー投資株式会社投資部長 |", "person")
    assert holds("委員長は石動国際特許事務所の弁理士が務めた。", "person")
    assert not holds("部品の調達先を県内に広げた。", "person")


@pytest.mark.parametrize("question", ["認定を受けるには何を満たす必要がある？", "申請の条件は？",
                                      "What are the requirements for the certification?",
                                      "What does a programme have to offer to qualify?"])
def test_a_requirement_is_asked_like_advice(question):
    assert "advice" in asked_type(question).parts


def test_a_requirement_question_quotes_the_sentence_that_states_the_obligation():
    text = ("この制度は育成プログラムを国が認定し、運営費の半分を支援する。認定を受けるには、年に10社以上を受け入れ、"
            "5名以上の指導役を置くことが求められる。認定の期間は3年である。")
    chosen, reason = _shape(_cands(text, [0.9, 0.7, 0.3]), "認定を受けるには何を満たす必要がある？")
    assert reason is None and any("求められる" in c.text for c in chosen)
    assert "advice" not in asked_type("この事業の条件付き融資の額は？").parts
