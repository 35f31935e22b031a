"""What kind of answer a question wants, read from its wording (Japanese or English)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index import ERAS, era_of
from index.retrieve import is_japanese
from ingest.normalise import normalise

from .answer_types import ASKS_OTHER_JA, asked_type, later_clauses, named_units
from .records import Language

# "Which clusters …", "examples of …", 「どのクラスター」「例は」「どこ」「事例」.
_LIST_EN = re.compile(r"\b(which|what)\s+(clusters?|projects?|regions?|organi[sz]ations?|examples?|initiatives?)\b"
                      r"|\b(examples?|list|name (the|some))\b", re.I)
# "where"/どこ ask for a place (qa_app/answer_types.py), not for a list.
# 「例は」「例を挙げて」ask for examples; 「事例を集めて」 does not.
# 「挙げて」 asks for a list; 「被害を挙げた世帯」 only describes who answered a survey.
_LIST_JA = re.compile(r"どの(クラスター|プロジェクト|地域|事業|組織)|例は|例を(?:挙げ|教え|示)|どんなクラスター|挙げ(?:て|よ)"
                      r"|(クラスター|プロジェクト|地域|ところ)は[?？]?$")
_NUMBER_EN = re.compile(r"\bhow (many|much)\b|\bwhat (was|is) the (number|budget|amount|total|share|rate)\b"
                        r"|\bbudget\b|\bhow large\b", re.I)
_NUMBER_JA = re.compile(r"何(社|件|人|名|校|大学|億|万|円|倍|%|割|回|年|プロジェクト|機関|団体)|いくら|いくつ|数は|額は|予算|件数|倍率|規模")
# Specific years and figures a question pins down: if no evidence mentions them, the documents do not answer it.
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)|(平成|昭和|令和)\s*(\d{1,2}|元)\s*年"
                   # 平成/令和 abbreviated, as tables and slides write them: H20年度, H9〜H18, R2年
                   r"|(?<![A-Za-z])([HRS])\s*(\d{1,2})(?=\s*(?:年|[~〜～\-–・、,，)）]))")
_ERA_LETTER = {"H": "平成", "R": "令和", "S": "昭和"}
# A span of years names every year in it: 「平成13~14年度」, 「平成14年度〜18年度」, "FY2001-02", "2001–2003".
_DASH = r"\s*[~〜～\-–—－]\s*"
_ERA_SPAN = re.compile(r"(平成|昭和|令和)\s*(\d{1,2}|元)\s*(?:年度?)?" + _DASH + r"(?:\1)?\s*(\d{1,2})\s*年")
_WESTERN_SPAN = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:年度?)?" + _DASH + r"(?:FY)?((?:19|20)?\d{2})(?!\d)", re.I)
MAX_SPAN = 15   # years; a longer "span" is two figures with a dash between, not a period
# An era year carries to the bare years written after it in the same sentence (「平成11年の…から16年には…」), as
# Japanese prose leaves the era out once named. Not a duration (「16年間」), an age or an ordinal (「16年目」).
ERA_CARRIED = True
_BARE_YEAR = re.compile(r"(?<![\d元年度.,])(\d{1,2})\s*年(?!度|間|代|前|後|ぶり|目|以上|以内|未満|超|半|生|制|分)")

# 「〈名詞〉はいくら／何〜／どれくらい」: the noun is what the question asks the value of.
# 「受講料はいくら」「参加企業は何社」 ask a value of the noun; 「…サービスは何？」 asks what a thing is,
# so 何 counts only with a counter or unit after it (何社, 何円, 何％, 何パーセント).
# 「Xは何年/何月/何日」 asks when X happened: X is the subject, not an attribute a passage must name (何年間 asks a span).
_ASKED = re.compile(r"([\u30A0-\u30FF\u4E00-\u9FFF]{2,8})(?:は|って)(?:いくら|何(?![年月日](?!間))(?=[\u30A0-\u30FF\u4E00-\u9FFF%％])"
                    r"|どれくらい|どのくらい|いくつ)")

# Units a number question may ask for, so the answer can lead with that figure.
UNIT_HINTS = {"社": r"社", "件": r"件", "億": r"億円?", "万": r"万円?", "円": r"円", "人": r"[人名]", "名": r"[人名]",
              "校": r"校", "大学": r"大学", "倍": r"倍", "%": r"%", "割": r"割", "回": r"回",
              "compan": r"社", "project": r"(件|プロジェクト)", "budget": r"億円", "yen": r"円",
              "universit": r"(大学|校)", "people": r"[人名]", "times": r"[倍回]"}


# An English question's money attribute and the Japanese word parts any phrase for it contains
# (fee → 会費, 参加費, 受講料 …): a sum of another attribute does not answer it.
_SUM_ATTRIBUTES_EN = (
    (re.compile(r"\b(?:fees?|charges?|tuition|dues|subscriptions?)\b", re.I), ("費", "料")),
    (re.compile(r"\bcosts?\b", re.I), ("費", "コスト", "額")),
    (re.compile(r"\bprices?\b", re.I), ("価", "料", "値")),
    (re.compile(r"\bbudgets?\b", re.I), ("予算",)),
    (re.compile(r"\b(?:sales|revenues?|turnover)\b", re.I), ("売", "販売", "収入", "収益")),
    (re.compile(r"\bprizes?|\bawards?\b", re.I), ("賞",)),
    (re.compile(r"\b(?:salar(?:y|ies)|wages?|pay|pays|paid)\b", re.I), ("給", "報酬")),
    (re.compile(r"\b(?:subsid(?:y|ies)|grants?)\b", re.I), ("補助", "助成", "交付")),
    (re.compile(r"\binvestments?\b", re.I), ("投資", "出資", "投入")),
)


@dataclass(frozen=True)
class QuestionInfo:
    text: str
    language: Language
    kind: str                  # "list" | "number" | "fact"
    years: tuple[str, ...]     # years it names, in every spelling the documents might use
    unit: str | None           # a regex for the unit a number question asks for
    attribute: str | None = None   # what a Japanese question asks the value of: 「受講料はいくら」→ 受講料
    attribute_parts: tuple[str, ...] = ()  # an English sum's attribute as Japanese word parts ("fee" → 費, 料)


def analyse(question: str) -> QuestionInfo:
    text = normalise(question)
    language: Language = "ja" if is_japanese(text) else "en"
    # A question of two or more parts asks them of one subject (「北陸はどの地域と、何の分野で…？」): not a list. Over
    # dev, dev_coord, dev_ict and dev_para, each of the 3 list-cued questions with a second part asked a fact or a
    # figure, and no list question had one.
    if (_LIST_JA if language == "ja" else _LIST_EN).search(text) and not later_clauses(text):
        kind = "list"
    elif _NUMBER_EN.search(text) if language == "en" else (
            # A unit asked (「会社と大学がどのくらい参加」 asks counts), or a figure's word not asked about with
            # another question word (「予算は何に応じて配る？」 asks on what basis: answer_types.ASKS_OTHER_JA).
            asked_type(text).units or (_NUMBER_JA.search(text) and not ASKS_OTHER_JA.search(text))):
        kind = "number"
    else:
        kind = "fact"
    # The unit of the first figure asked, as answer_types parses what is counted ("how many jobs did the projects
    # create" counts people, 人, not projects); a word of the question hinting at one when it names none.
    asked_units = named_units(text)
    unit = asked_units[0] if asked_units else \
        next((pattern for hint, pattern in UNIT_HINTS.items() if hint in text.lower()), None)
    m = _ASKED.search(text) if language == "ja" else None
    parts: tuple[str, ...] = ()
    if language == "en":   # used only when a sum is asked (qa_app/extractive.py, shape)
        parts = next((p for pattern, p in _SUM_ATTRIBUTES_EN if pattern.search(text)), ())
    return QuestionInfo(text, language, kind, year_spellings(text), unit, _attribute(m.group(1), text[:m.start(1)]) if m else None, parts)


def _attribute(run: str, before: str) -> str | None:
    """The asked noun without the date counter its kanji run starts with after a figure:
    「平成21年度売上高は」 asks for 売上高, which a passage writes 「平成21年度における…売上高」
    (a run after no figure, 「年会費は」, is kept whole)."""
    if re.search(r"\d$", before):
        run = re.sub(r"^(?:年度|年|月|日)", "", run)
    return run if len(run) >= 2 else None


def year_mentioned(years: tuple[str, ...], text: str) -> bool:
    """Whether text names one of ``years`` (from ``year_spellings``), also as a fiscal year with its
    era left out, as tables and budget lines write it (平成15年 → 「15年度」, not 「2015年度」)."""
    squashed = re.sub(r"\s+", "", text)
    if any(year in squashed for year in years):
        return True
    # 平成20年 is also written H20年度, and a table's 「20年度」 leaves its era out.
    return bool(set(years) & (set(year_spellings(squashed)) | eraless_years(squashed)))


def eraless_years(text: str) -> set[str]:
    """The era years a fiscal year written without its era (a table's 「15年度」) may stand for: the
    same number in each era (平成15年, 令和15年, 昭和15年). The one place this reading is made; the
    answer step (qa_app/extractive.py) uses it too."""
    return {f"{era}{int(m.group(1))}年" for m in re.finditer(r"(?<![\d元])(\d{1,2})\s*年度", text) for era, _ in ERAS}


def year_spellings(text: str) -> tuple[str, ...]:
    """Each year the text names, as 西暦 and as its era year (the documents use both); the era
    arithmetic is index/translate.py's, which the keyword leg searches years with."""
    found: list[str] = []
    starts = dict(ERAS)
    for m in _ERA_SPAN.finditer(text):
        first, last = 1 if m.group(2) == "元" else int(m.group(2)), int(m.group(3))
        if 0 < last - first <= MAX_SPAN:
            found += [y for n in range(first, last + 1) for y in (f"{m.group(1)}{n}年", str(starts[m.group(1)] + n - 1))]
    for m in _WESTERN_SPAN.finditer(text):
        first, end = int(m.group(1)), m.group(2)
        last = int(end) if len(end) == 4 else first // 100 * 100 + int(end)
        if 0 < last - first <= MAX_SPAN:
            for year in range(first, last + 1):
                era = era_of(year)
                found += [str(year)] + ([f"{era[0]}{era[1]}年"] if era else [])
    for m in _YEAR.finditer(text):
        if m.group(1):
            year = int(m.group(1))
            found.append(str(year))
            era = era_of(year)
            if era:
                found.append(f"{era[0]}{era[1]}年")
        else:
            name, n = (m.group(2), m.group(3)) if m.group(2) else (_ERA_LETTER[m.group(4)], m.group(5))
            n = 1 if n == "元" else int(n)
            found += [f"{name}{n}年", str(starts[name] + n - 1)]
            if ERA_CARRIED:
                # 「平成11年の241億円から16年には1,814億円」: a later bare year of the same text is in the same era.
                for later in _BARE_YEAR.finditer(text, m.end()):
                    k = int(later.group(1))
                    if n < k <= n + MAX_SPAN:
                        found += [f"{name}{k}年", str(starts[name] + k - 1)]
    return tuple(dict.fromkeys(found))
