"""The chunker on hand-built parsed pages: attribution, sections, offsets, ids.

The corpus-level checks (the real 004 passage, real pages) are in test_ingest.py;
these pin down the rules on inputs small enough to read.
"""

from ingest.chunker import ChunkerConfig, chunk_document, find_subject
from ingest.records import BBox, Block, Line, Page, ParsedDocument
from ingest.sentences import MAX_SUDACHI_BYTES, split_sentences


def _block(kind, text, page=1, level=0, top=0.0):
    # One line per sentence-ish piece, so line boxes can be told apart.
    pieces = [p for p in text.split("。") if p]
    lines, y = [], top
    for p in pieces:
        seg = p + ("。" if text.find(p + "。") >= 0 else "")
        lines.append(Line(seg, BBox(50, y, 500, y + 10), size=10))
        y += 12
    return Block(kind, text, BBox(50, top, 500, y), page, lines=lines, level=level)


def _doc(blocks_by_page, title="ベストプラクティス集"):
    pages = [Page(n, 595, 842, blocks=bs) for n, bs in enumerate(blocks_by_page, start=1)]
    for page in pages:
        for b in page.blocks:
            b.page = page.number
    return ParsedDocument("x.pdf", "004_test", "0" * 64, pages=pages, title=title)


PARTNER = ("TOHOKU ものづくりコリドーでは、ベンチャー企業へセールspartnerという人材を送り込み、"
           "共同で販路開拓活動を行っている。")
FOLLOW = ("セールspartnerの持っている知恵と情報、企業手法を企業経営者に伝授してもらい、"
          "企業が自分たちで戦略を考えられるようにするという狙いである。")


def test_find_subject_takes_named_topics_only():
    assert find_subject(PARTNER) == "TOHOKU ものづくりコリドー"
    assert find_subject("次世代中核産業形成プロジェクト（中国地域）では、表面処理技術に関し…") == \
        "次世代中核産業形成プロジェクト（中国地域）"
    assert find_subject("多くの地域では、研究会がベースにある。") == ""
    assert find_subject("この地域では、連携が進む。") == ""
    assert find_subject(FOLLOW) == ""


def test_continuation_carries_section_and_subject():
    doc = _doc([
        [_block("heading", "2.販路開拓支援活動", level=1),
         _block("heading", "5) 異分野進出", level=2, top=30),
         _block("paragraph", PARTNER, top=60)],
        [_block("paragraph", FOLLOW)],
    ])
    # Small chunks force the follow-up paragraph into a chunk of its own.
    _, chunks = chunk_document(doc, ChunkerConfig(max_chars=80, min_chars=10))
    follow = next(c for c in chunks if c.text.startswith("セールspartnerの持っている"))
    assert follow.section == ["2.販路開拓支援活動", "5) 異分野進出"]
    assert follow.subject == "TOHOKU ものづくりコリドー"
    assert "TOHOKU ものづくりコリドー" in follow.context
    assert follow.page == 2


def test_new_heading_resets_subject_and_nests_by_level():
    doc = _doc([[
        _block("heading", "1.産学官金の連携促進活動", level=1),
        _block("heading", "1) 研究会", level=2),
        _block("paragraph", "京浜ネットワークでは、キャラバン隊と称し、複数の支援機関と一緒に訪問する形を取っている。"),
        _block("heading", "2) 研究開発", level=2),
        _block("paragraph", "研究開発を事業化につなげることが重要である。"),
    ]])
    _, chunks = chunk_document(doc)
    assert [c.section for c in chunks] == [["1.産学官金の連携促進活動", "1) 研究会"],
                                           ["1.産学官金の連携促進活動", "2) 研究開発"]]
    assert chunks[0].subject == "京浜ネットワーク"
    assert chunks[1].subject == ""


def test_a_new_topic_opens_a_new_chunk():
    other = "首都圏バイオネットワークでは、バイオジャパンに非常に力を入れている。"
    doc = _doc([[_block("paragraph", PARTNER), _block("paragraph", other)]])
    _, chunks = chunk_document(doc, ChunkerConfig(max_chars=1000, min_chars=20))
    assert [c.subject for c in chunks] == ["TOHOKU ものづくりコリドー", "首都圏バイオネットワーク"]


def test_chunks_are_verbatim_slices_within_size_and_cover_every_sentence():
    sentences = [f"第{i}の文では、地域の企業が連携して新しい製品を開発した。" for i in range(40)]
    doc = _doc([[_block("paragraph", "".join(sentences[:20]))], [_block("paragraph", "".join(sentences[20:]))]])
    text, chunks = chunk_document(doc, ChunkerConfig(max_chars=200))
    for c in chunks:
        assert text[c.char_start:c.char_end] == c.text
        assert len(c.text) <= 200
        assert c.line_boxes and all(p in (1, 2) for p, _ in c.line_boxes)
    joined = "".join(c.text for c in chunks)
    assert all(s in joined for s in sentences)


def test_chunk_ids_are_stable_and_change_with_content():
    make = lambda extra: _doc([[_block("paragraph", PARTNER + extra)]])
    ids1 = [c.chunk_id for c in chunk_document(make(""))[1]]
    ids2 = [c.chunk_id for c in chunk_document(make(""))[1]]
    ids3 = [c.chunk_id for c in chunk_document(make("成果をあげた。"))[1]]
    assert ids1 == ids2
    assert ids1 != ids3
    assert all(i.startswith("004-") for i in ids1)


def test_table_is_one_chunk_with_its_section():
    table = Block("table", "| 企業訪問回数 | 課題解決支援 |\n| --- | --- |\n| 498 | 31 |", BBox(50, 100, 500, 160), 1,
                  cells=[["企業訪問回数", "課題解決支援"], ["498", "31"]])
    doc = _doc([[_block("heading", "キャラバン隊実績", level=2), _block("paragraph", PARTNER), table]])
    _, chunks = chunk_document(doc)
    tables = [c for c in chunks if c.text.startswith("| 企業訪問回数")]
    assert len(tables) == 1 and tables[0].section == ["キャラバン隊実績"]


def test_sentence_splitter_survives_input_beyond_sudachis_limit():
    text = ("産業クラスターの形成を目指すプロジェクトを推進する。" * 4000)
    assert len(text.encode("utf-8")) > 2 * MAX_SUDACHI_BYTES
    spans = split_sentences(text)
    assert len(spans) == 4000
    assert all(text[s:e].endswith("。") for s, e in spans)


def test_an_opening_bracket_after_a_sentence_end_starts_the_next_sentence():
    text = "見本空港はアプリの「見本ナビ」を提供している。「見本ナビ」は音声を翻訳する。設備投資を実施。(平成14年)から続く。"
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert sentences == ["見本空港はアプリの「見本ナビ」を提供している。", "「見本ナビ」は音声を翻訳する。",
                         "設備投資を実施。", "(平成14年)から続く。"]
    # Spans still cover the text without gaps.
    assert "".join(sentences) == text


def test_a_full_stop_inside_an_aside_in_brackets_ends_no_sentence():
    # Rules and reports define terms in brackets: the 。 that closes 「(以下「補助金」という。)」 was taken for the
    # sentence's end, and 「を交付するものとし…」 became a sentence of its own (a helper's subsidy-rules document).
    text = ("知事は補助金(以下「補助金」という。)を交付する。規則(昭和45年県規則第12号。以下「規則」という。)に定める。"
            "彼は「成果が出た。」と述べた。「成果が出た。」新しい段階に入った。数値は(暫定値。)次の文。")
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert sentences == ["知事は補助金(以下「補助金」という。)を交付する。", "規則(昭和45年県規則第12号。以下「規則」という。)に定める。",
                         "彼は「成果が出た。」と述べた。", "「成果が出た。」", "新しい段階に入った。", "数値は(暫定値。)", "次の文。"]
    # a bracket left open is damage, not an aside: its 。 still ends the sentence
    broken = "数値は(暫定値。" + "あ" * 100 + "。)次。"
    assert len(split_sentences(broken)) >= 2


def test_a_heading_nothing_is_filed_under_keeps_its_words_in_a_chunk():
    # An empty section (or a figure set large and taken for a heading) closed by the next heading would
    # otherwise live only in section paths, and the last one on a page in none at all.
    doc = _doc([[_block("heading", "支援の成果", level=1),
                 _block("paragraph", "導入した企業の多くで作業が短くなった。", top=20),
                 _block("heading", "稼働率の向上", level=2, top=40),
                 _block("heading", "今後の予定", level=1, top=60),
                 _block("paragraph", "来年度は対象を広げる。", top=80),
                 _block("heading", "問合せ先", level=1, top=100)]])
    _, chunks = chunk_document(doc)
    texts = [c.text for c in chunks]
    assert any("稼働率の向上" in t for t in texts), texts
    assert any("問合せ先" in t for t in texts), texts
    assert not any("支援の成果" in t or "今後の予定" in t for t in texts)   # headings with a body stay headings
    assert [c.section_path for c in chunks if "稼働率の向上" in c.text] == ["支援の成果 > 稼働率の向上"]


def test_circled_numbers_survive_normalisation():
    from ingest.normalise import normalise
    assert normalise("専門家の訪問は②から④までの期間　ｸﾗｽﾀｰ１０社") == "専門家の訪問は②から④までの期間クラスター10社"
    assert normalise("⑴ 概要 ⒈ 背景") == "(1) 概要 1. 背景"     # parenthesised and full-stop forms are NFKC's
