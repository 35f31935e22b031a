"""What type of answer a question asks for, and whether a piece of text holds one.

A question asks for figures in units (何社, "how many universities" → 校/大学),
a person (誰, who), a partner ("who did X partner with", 誰と: a person, a firm or
an organisation), an organisation (どの機関, which organisation), a place
(どこ, where), a date (いつ, when), a reason (なぜ, why), a method (どうやって,
how), a named instance (「…している仕組みは？」, "which scheme"), advice
(「気をつけるべき点は」, "what pitfalls") or a duration (期間は, "how long"). Two-part
questions ask for two things (「何社が集まり、何組が…」): every asked part is listed,
in the question's order.

Whether text holds an answer of a type is decided from general language
features only: a figure followed by the unit (regex), a date expression, or a
proper noun of the right class by Sudachi's part of speech (名詞-固有名詞-人名 /
地名 / 一般) plus the suffixes that mark organisations (協会, 機構, 株式会社 …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from index import morphemes
from ingest.normalise import normalise

# The figure before a unit: 約10,700, 1億8千万, 47, ８ (NFKC makes digits ASCII), and 「6 ,329」 as text extraction
# sometimes spaces a proportional font's thousands comma.
# Public: the answer step states a figure with it, myriads and all (1億44万, 2兆1,652億).
_DIGITS = r"\d(?:[\d,.]| (?=[,.]\d))*"
FIGURE = _DIGITS + r"\s*(?:(?:兆|億|万|千)\s*(?:" + _DIGITS + r"\s*)?)*"

# Japanese counters a question may ask with 何… and the units that answer them.
UNITS_JA = {
    "社": "社", "件": "件", "人": "[人名]", "名": "[人名]", "校": "(?:校|大学)", "大学": "(?:大学|校)", "行": "行",
    "組": "組", "倍": "倍", "回": "回", "円": "円", "億": "億円?", "万": "万円?", "割": "割", "%": "%",
    "機関": "機関", "団体": "団体", "か国": "[かカヶケ]国", "カ国": "[かカヶケ]国", "ヶ国": "[かカヶケ]国",
    "地域": "地域", "プロジェクト": "(?:プロジェクト|件)", "事業": "(?:事業|件)", "拠点": "(?:拠点|か所|箇所)", "か所": "[かカヶケ箇]所", "カ所": "[かカヶケ箇]所", "ヶ所": "[かカヶケ箇]所", "箇所": "[かカヶケ箇]所",
    "年": "年", "ブロック": "ブロック", "種類": "種類", "回目": "回", "点": "点",
    # Durations: 何日間, 何時間, 何か月, 何週間 (何日 alone asks a date).
    "日間": "日", "時間": "時間", "か月": "[かカヶケ]?月", "カ月": "[かカヶケ]?月", "ヶ月": "[かカヶケ]?月", "週間": "週",
}
# English nouns after "how many" and the Japanese units that count them.
UNITS_EN = {
    r"compan(?:y|ies)|firms?|enterprises?|businesses": "社",
    r"universit(?:y|ies)|colleges?|schools?": "(?:校|大学)",
    r"people|persons?|participants?|members?|staff|employees?|workers?|jobs?|hires?|coordinators?|researchers?|students?|engineers?": "[人名]",
    r"cases?|projects?|applications?|proposals?|patents?|products?|deals?|items?": "件",
    r"contracts?": "(?:件|契約)",
    r"banks?|financial institutions?": "(?:行|機関)",
    r"pairs?|groups?|teams?": "組",
    r"times|visits?": "(?:回|倍)",
    r"points?|marks?": "(?:点|ポイント)",
    r"countries|nations?": "[かカヶケ]国",
    r"organi[sz]ations?|institutions?|bodies|agencies": "(?:機関|団体)",
    r"regions?|areas?|blocks?": "(?:地域|ブロック)",
    r"yen": "円",
    # Durations: "how many years/days" is answered by 10年, 3日, not by a count of firms.
    r"years?": r"年(?:間|程度|以上|ほど|近く|余り|[~〜～\-])", r"days?": "日", r"hours?": "時間", r"months?": "[かカヶケ]?月", r"weeks?": "週",
}
# A sum is asked by its attribute's word, however the owner is named ("what were broadcasters' total
# sales", "what operating profit did X make", "how big was the market").
_SUM_WORDS = r"(?:budget|cost|fee|price|amount|sales|revenue|turnover|profit|output|spending)s?\b"
# "By how much did it grow", "how much lower is the rate": a change, stated as a ratio, a share or points, not a sum.
_CHANGE_WORDS = r"(?:more|less|higher|lower|larger|bigger|smaller|faster|slower|further|cheaper)"
_CHANGE_EN = re.compile(r"\bby how much\b|\bhow much " + _CHANGE_WORDS + r"\b", re.I)
# A rate is written as a share (「8.6%」, 「3割」) or, in subsidy and tax texts, a fraction (「補助率は3分の2」).
RATE = r"(?:[%割]|分の\d)"
CHANGE = r"(?:倍|[%割]|ポイント|分の\d)"
_MONEY_EN = re.compile(r"(?<!by )\bhow much\b(?! " + _CHANGE_WORDS + r"\b)|\bwhat (?:is|was|were|are) (?:the |[\w'’]+ ){0,3}?" + _SUM_WORDS
                       + r"|\bwhat (?:\w+ )?(?:sales|revenue|turnover|budget|amount|profit) (?:did|does|do|has|have|was|were)\b"
                       r"|\bhow (?:big|large) (?:is|was|were|are) (?:[\w'’]+ ){0,4}?(?:markets?\b|" + _SUM_WORDS + ")" +
                       r"|\b(?:budget|fee|cost)s? (?:of|for|was|is)\b", re.I)
_MONEY_JA = re.compile(r"いくら|予算|金額|費用|[会受講]?費は|料金|売上|投資額|補助額|額は")
# A sum's word asked about with another question word (「予算は何に応じて配る」, 「費用は誰が負担する」,
# 「予算はどのように決まる」) asks that, not the sum; unless the sum is also asked for itself (いくら, 何億円).
ASKS_OTHER_JA = re.compile(r"何(?:に|を|で|と|から)|どのよう|どう(?:やって|いう|する|して)|誰|だれ|どこ(?!ろ)|なぜ")
_ASKS_SUM_JA = re.compile(r"いくら|何[百千万億兆]*円|どれ(?:くらい|ほど|だけ)|どのくらい")
# Whole English words only: "strategy", "cooperate" and "corporate" hold "rate", and "share" is also a verb.
_PERCENT = re.compile(r"\bper ?cent(?:age)?s?\b|\b(?:what|the) share\b|\bshare of\b|\brates?\b|\bmargins?\b|割合|比率|シェア|率は", re.I)
_RATIO = re.compile(r"how many times|何倍|倍率", re.I)

_WHO = re.compile(r"\bwho\b|\bwhom\b|誰|だれ|どなた|どの(?:人|方)", re.I)
# "Who" as the object ("who did X partner with", "with whom", 「誰と組んだ」) asks for a partner, which a firm,
# a university or an agency is as often as a person; "who chairs X" (the subject) asks for a person.
_WHO_OBJECT = re.compile(r"\bwho\s+(?:do|does|did|will|would|should|can|could)\b|\bwhom\b|(?:誰|だれ|どなた)(?:と|に|から)", re.I)
# "Who may ride on the pavement", "who is eligible", 「誰が対象」: who qualifies is a class of people (children, those over
# seventy, small firms), stated by no name: such a question asks for no person.
_WHO_ELIGIBLE = re.compile(r"\bwho\s+(?:may|is allowed|are allowed|is eligible|are eligible|qualif(?:y|ies))\b"
                           r"|(?:誰|だれ)が[^?？、。]{0,15}(?:対象|資格)", re.I)
# A company is asked for by its own words: any organisation (a university, a centre) does not answer it.
_COMPANY = re.compile(r"\bwhich (?:\w+ )?(?:compan(?:y|ies)|firms?|manufacturers?|makers?)\b|どの(?:企業|会社|メーカー)"
                      r"|(?:企業|会社|メーカー)(?:は|を教えて|の名前)[?？]?$|(?:企業|会社|メーカー)名|(?:企業|会社|メーカー)(?:は|が)どこ", re.I)
_ORG = re.compile(r"\bwhich (?:\w+ )?(?:organi[sz]ations?|institutions?|agenc(?:y|ies)|universit(?:y|ies)|bod(?:y|ies)|banks?)\b"
                  r"|どの(?:機関|団体|大学|組織)|(?:機関|団体|組織)は[?？]?$|(?:機関|団体|大学|高専|学校|組織|研究所|銀行)(?:は|が)どこ", re.I)
# 「連携した大学はどこ」: どこ after an organisation's noun asks which one, not where.
_WHICH_ONE = re.compile(r"(?:企業|会社|メーカー|機関|団体|大学|高専|学校|組織|研究所|銀行)(?:は|が)どこ")
_WHERE = re.compile(r"\bwhere\b|\bwhich (?:\w+ )?(?:countr(?:y|ies)|regions?|cit(?:y|ies)|prefectures?|places?)\b"
                    r"|どこ(?!まで|ろ)|どの(?:地域|国|場所|都市)|場所は", re.I)   # 「どこまで」 asks how far, not where
_WHEN = re.compile(r"\bwhen\b|\b(?:what|which) (?:year|date|day)\b|いつ|何年(?!間)|何月|何日(?!間)|時期", re.I)
_WHY = re.compile(r"\bwhy\b|\bwhat (?:made|makes)\b|\breasons?\b|\bwhat (?:kept|keeps|stopped|stops|prevented|prevents|held|holds)\b.*\b(?:from|back)\b"
                  r"|なぜ|何故|どうして|理由|要因|背景", re.I)
_HOW = re.compile(r"\bhow (?:do|does|did|is|are|was|were|can|could|should|has|have)\b|\bin what way"
                  r"|どうやって|どのように|どのような(?:方法|工夫|仕組み)|どう(?:して|やって|する|いう|連携)|方法|工夫|仕組み", re.I)

# What came of something (「どんな成果が出た」, "what did it achieve"): answered, like how/why, by the
# sentence that introduces it and the ones after it.
_RESULT = re.compile(r"\bwhat (?:\w+ )?(?:results?|outcomes?|effects?|achievements?)\b|\bachieve[ds]?\b|\bproduced?\b"
                     r"|\bcome of\b|(?:どんな|どのような|どういう)(?:成果|効果|結果)|成果は|効果は|どうなった|どこまで進", re.I)

# Which scheme does X (「…を共同でしている仕組みは？」, 「…している取り組みは？」, "which scheme …"): the question's last
# noun is the thing asked for, an instance, answered by a sentence that names one — not how a scheme works.
_INSTANCE = re.compile(r"(?:仕組み|取り?組み?|制度|事業|プロジェクト|活動|事例)(?:は|って)?(?:何|なに|どれ)?[?？]?$"
                       r"|\bwhich (?:schemes?|initiatives?|programmes?|programs?|projects?)\b", re.I)
_NAMED = re.compile(r"「[^」]{2,30}」|[A-Za-z][A-Za-z\-]*[A-Z][A-Za-z\-]*[A-Za-z]")   # a quoted name, a Latin name (TAMA, K-RIP)

# What to watch out for (「気をつけるべき点は」, "what pitfalls"): answered, like how, by the sentence that advises and
# the ones after it; a sentence advises by the modality of caution or obligation (``advises``).
# What is required (「認定を受けるには何を満たす必要がある」, 「申請の条件は」, "what are the requirements") is asked and
# answered the same way: by the sentence that states the obligation (…ことが求められる, …を条件とする) and those after it.
_ADVICE = re.compile(r"気を(?:つけ|付け)|注意(?:点|すべき|する)|留意|べき(?:点|こと)|心がけ|コツ|秘訣|落とし穴"
                     r"|満たす|何が必要|必要な(?:もの|こと|条件)|(?:条件|要件|資格)(?:は|とは|を|が)"
                     r"|\bpitfalls?\b|\bwatch out\b|\bbe careful\b|\bkeep in mind\b|\btips?\b|\bwhat should\b"
                     r"|\brequirements?\b|\bconditions? (?:for|to|of)\b|\bcriteria\b|\beligib|\bqualify\b"
                     r"|\bwhat (?:must|do(?:es)? \w+(?: \w+)? (?:need|have) to)\b", re.I)
_ADVISES = re.compile(r"必要(?:があ|であ|とな|とす)|べき|注意|留意|気を(?:つけ|付け)|ならない|望ましい|避け|求められ|要件|を条件|満たす")

# "How many tablets / base stations / accounts": a noun UNITS_EN does not know is counted in whatever
# counter the document uses (台, 局, 口座, 者, 手続) — any word after the figure but a date, a sum, a ratio, the
# number of a figure, table or page (「1-2-4図」, 「3表」, 「12頁」: a label, not a count) or a rank or serial
# (「2位相当」, 「3番目」, 「1号機」, 「4次元」: which one, not how many).
# The counters written in kana count too: the general 「つ」 (「6つの造船所」; not 「1つずつ」, 「3つ目」) and 「か所」.
ANY_COUNTER = r"(?:つ(?!ずつ|目|め)|[かカヶケ箇]所|(?:(?![年月日時円倍割兆億万千図表頁位番号次])[\u4E00-\u9FFF\u30A0-\u30FF])+)"
# Words that end the counted noun phrase after "how many" / "number of": auxiliaries, modals, prepositions.
_NOT_COUNTED = frozenset({"did", "do", "does", "were", "was", "are", "is", "have", "has", "had", "will", "would", "can",
                          "could", "should", "may", "might", "must", "of", "in", "at", "on", "for", "by", "with", "from",
                          "to", "that", "which", "who", "and", "or", "there"})
# 「契約はいくつ」: a count in whatever counter, as above; 「いくつの業務」 names what it counts (17業務, 17の業務, 5つの業務:
# not 「5つの検討グループ」).
_HOW_MANY_ANY_JA = re.compile(r"いくつ(?:の([\u4E00-\u9FFF\u30A0-\u30FF]+))?")
_HOW_MANY_EN = re.compile(r"how many(?=\s+\w)", re.I)
_NUMBER_OF_EN = re.compile(r"\bnumber of(?=\s+\w)", re.I)
_HOW_MANY_JA = re.compile(r"何\s*(" + "|".join(sorted(map(re.escape, UNITS_JA), key=len, reverse=True)) + ")")
# 「件数は」「参加企業数と…」: a counter or a counted noun before 数 asks for a count as 何件 does.
_COUNTED_JA = {**{u: u for u in UNITS_JA if u not in ("円", "億", "万", "割", "%", "倍", "年", "回目")},
               "企業": "社", "会社": "社", "者": "人", "大学": "大学"}
# 「会社と大学がそれぞれどのくらい参加」「研究者はどれくらいいる」: counted nouns just before どのくらい ask a count each.
_HOW_MUCH_JA = re.compile(r"どのくらい|どれくらい|どれだけ|どれほど|どの程度")
# A duration (「研究開発の期間はどのくらい」, "how long can a project last"): a figure in years, months, weeks or days.
_DURATION = re.compile(r"\bhow long\b(?! ago)|期間は|期間が?(?:どのくらい|どれくらい|何)", re.I)
_DURATION_UNIT = "(?:年間|年以内|年以上|年未満|[かカヶケ]年|[かカヶケ]月|週間|日間)"   # not a bare 年: 平成20年 is a date
# "How long was the column / the summary", 「何字」「文字数は」: a text's length, in characters, words or pages — not time.
_TEXT_LENGTH = re.compile(r"\bhow long (?:(?:is|was|are|were|should|must|will) )?(?:the |a |an |its |their |each )?"
                          r"(?:[\w-]+ ){0,2}?(?:texts?|columns?|summar(?:y|ies)|reports?|essays?|articles?|answers?|"
                          r"abstracts?|titles?|messages?|posts?|sentences?|descriptions?|speech(?:es)?|papers?|drafts?)\b"
                          r"|何字|何文字|(?:文字|字)数", re.I)
_TEXT_LENGTH_UNIT = "(?:字|文字|語|ページ|頁|words?|characters?|pages?)"
_COUNTED_NOUNS_JA = re.compile(r"(?:企業|会社|大学|機関|団体|者)(?=[がはもとや・、]|それぞれ)")
_COUNT_OF_JA = re.compile(r"(?<!何)(" + "|".join(sorted(map(re.escape, _COUNTED_JA), key=len, reverse=True)) + r")数(?![字値学化])")   # 点数化 (scoring) counts nothing


_FAMILIES = ("円億万", "%割", "倍")


def _same_family(a: str, b: str) -> bool:
    """Two unit regexes that ask for the same kind of figure (a sum, a share, a ratio)."""
    return any(set(f) & set(a) and set(f) & set(b) for f in _FAMILIES)


_PLURAL = re.compile(r"\b(?:which|what)\s+(?:\w+\s+)?(?:countries|regions|cities|places|companies|firms|universities"
                     r"|organi[sz]ations|institutions|people|persons|fields|industries|sectors|technologies|products)\b", re.I)


_JOINED = re.compile(r"[と、,，]|\band\b|および|及び|並びに")


@dataclass(frozen=True)
class AskedType:
    """What a question asks for: each asked part in order, e.g. ("unit:社", "unit:組") or ("person",)."""
    parts: tuple[str, ...]
    units: tuple[str, ...]      # a regex per asked unit (same order as the unit parts)
    many: bool = False          # the entity is asked in the plural ("which countries"): an enumeration answers
    topic: str | None = None    # what a "what is X / Xとは" question asks to have defined

    @property
    def explains(self) -> bool:
        return bool({"why", "how", "result", "advice"} & set(self.parts))

    @property
    def entity(self) -> str | None:
        return next((p for p in self.parts if p in ("person", "partner", "company", "organisation", "place", "date",
                                                    "instance")), None)


def asked_type(question: str) -> AskedType:
    text = normalise(question)
    parts: list[tuple[int, str]] = []
    units: dict[int, str] = {}
    for m in _HOW_MANY_JA.finditer(text):
        units[m.start()] = UNITS_JA[m.group(1)]
    for m in _COUNT_OF_JA.finditer(text):
        units[m.start()] = UNITS_JA[_COUNTED_JA[m.group(1)]]
    for m in list(_HOW_MANY_EN.finditer(text)) + list(_NUMBER_OF_EN.finditer(text)):
        # The counted noun is the first of the next words that names a known kind ("how many design proposals":
        # proposals, not design); a noun of no known kind is counted in whatever counter the document uses.
        following = []
        for word in re.findall(r"\w+(?: institutions?)?", text[m.end():])[:3]:
            if word.lower() in _NOT_COUNTED:
                break       # the noun phrase ended: "how many procedures should people…" counts procedures
            following.append(word)
        unit = next((u for noun in following for pattern, u in UNITS_EN.items() if re.fullmatch(pattern, noun.lower())),
                    None)
        units[m.start()] = unit or ANY_COUNTER
    for m in _HOW_MANY_ANY_JA.finditer(text):
        units.setdefault(m.start(), f"(?:つ?の?{re.escape(m.group(1))})" if m.group(1) else ANY_COUNTER)
    for m in _TEXT_LENGTH.finditer(text):
        units.setdefault(m.start(), _TEXT_LENGTH_UNIT)
    for m in _DURATION.finditer(text):
        units.setdefault(m.start(), _DURATION_UNIT)
    for m in _HOW_MUCH_JA.finditer(text):
        start = max(text.rfind(sep, 0, m.start()) for sep in "、，,。") + 1   # the clause the question word ends
        for n in _COUNTED_NOUNS_JA.finditer(text, start, m.start()):
            units.setdefault(n.start(), UNITS_JA[_COUNTED_JA[n.group()]])
    for pattern, unit in ((_MONEY_EN, "円"), (_MONEY_JA, "円"), (_RATIO, "倍"), (_PERCENT, RATE), (_CHANGE_EN, CHANGE)):
        m = pattern.search(text)
        if m and _WHY.search(text) and not units:
            continue  # "why does X need more investment": a reason is asked, not a sum
        if m and pattern is _MONEY_JA and ASKS_OTHER_JA.search(text) and not _ASKS_SUM_JA.search(text):
            continue
        # The same figure asked twice (「予算は何億円」: 予算 and 何億) is one part; a nearby
        # figure of another family (「1件いくらで、何行が」) is a second part.
        if m and not any(abs(m.start() - at) < 12 and _same_family(unit, u) for at, u in units.items()):
            units[m.start()] = unit
    for at, unit in units.items():
        parts.append((at, f"unit:{unit}"))
    for kind, pattern in (("person", _WHO), ("company", _COMPANY), ("organisation", _ORG), ("place", _WHERE), ("date", _WHEN),
                          ("why", _WHY), ("how", _HOW), ("result", _RESULT), ("advice", _ADVICE), ("instance", _INSTANCE)):
        m = pattern.search(text)
        if m:
            parts.append((m.start(), kind))
    parts = [(at, "partner" if kind == "person" and _WHO_OBJECT.search(text) else kind) for at, kind in parts
             if not (kind == "person" and _WHO_ELIGIBLE.search(text))
             and not (kind == "place" and _WHICH_ONE.search(text) and not _WHERE.search(_WHICH_ONE.sub("", text)))]
    if any(kind == "instance" for _, kind in parts):
        if re.search(r"どの|どこ|誰|いつ|なぜ|どう|何(?!$|[?？])", text):   # 「どのクラスターの事例？」 asks which cluster
            parts = [(at, kind) for at, kind in parts if kind != "instance"]
        else:                                                       # 「…仕組みは？」 asks which scheme, not how it works
            parts = [(at, kind) for at, kind in parts if kind != "how"]
    parts.sort()
    # One unit asked twice is one part (「人数は何人」), unless a conjunction joins two asks
    # (「応募件数と採択件数」, "how many firms applied and how many firms won"): then each wants a figure.
    ordered: list[tuple[int, str]] = []
    for at, u in ((at, u.split(":", 1)[1]) for at, u in parts if u.startswith("unit:")):
        before = next((b for b, v in reversed(ordered) if v == u), None)
        if before is None or _JOINED.search(text[before:at]):
            ordered.append((at, u))
    ordered_units = tuple(u for _, u in ordered)
    return AskedType(tuple(dict.fromkeys(p if not p.startswith("unit:") else "number" for _, p in parts)),
                     ordered_units, _PLURAL.search(text) is not None, None if units else defined_topic(text))


def named_units(question: str) -> list[str]:
    """The units a question asks its figures in, leaving out "whatever counter the document uses" (ANY_COUNTER)."""
    return [u for u in asked_type(question).units if u != ANY_COUNTER]


# "What kind of group is the DTF", "What is MFCA?", 「DTFとは何？」「DTFってどんな集まり？」: the question
# asks what a named thing is. The name is a run of Latin letters (an acronym or a Latin-script name) or,
# in Japanese, the word run right before とは / って.
_DEFINE_EN = re.compile(r"\b(?i:what) (?:kind|sort|type) of (?:\w+ ){1,2}?(?:is|are|was|were)\b|^\s*(?i:what) (?:is|are|was|were) (?:the |an? )?[A-Z][\w\-]*(?: [A-Z][\w\-]*)*\s*\??\s*$"
                        r"|\b(?i:what) does (?:the |an? )?[A-Z][\w\-]*(?: [\w\-]+){0,4}? (?:stand for|do)\b")
_DEFINE_JA = re.compile(r"([A-Za-z0-9\-・ァ-ヶー一-龥]{2,})(?:とは|って)(?:何|なに|どんな|どういう)?")
_LATIN_NAME = re.compile(r"(?<![\w\-])[A-Za-z0-9\-]*[A-Z][A-Za-z0-9\-]*[A-Z][A-Za-z0-9\-]*(?![\w\-])")   # DTF, K-RIP


def defined_topic(question: str) -> str | None:
    """The thing a "what is X" question asks to have defined, or None for other questions."""
    m = _DEFINE_JA.search(question)
    if m and re.search(r"(?:とは|って)(?:何|なに|どんな|どういう)", question):
        return m.group(1)
    if _DEFINE_EN.search(question):
        names = [n for n in _LATIN_NAME.findall(question) if len(n) >= 2 and not re.fullmatch(r"FY\d+", n)]
        return names[0] if names else None
    return None


def defines(text: str, topic: str) -> bool:
    """The text states what ``topic`` is: the topic glossed in brackets (「DTF(デスクトップファクトリー)は」),
    or followed by とは / というのは. A plain 「DTFは」 only says something about it."""
    flat = re.sub(r"\s+", "", normalise(text))
    key = re.escape(re.sub(r"\s+", "", normalise(topic)))
    return re.search(key + r"(?:\([^)]{1,30}\)|とは|というのは)", flat) is not None


# Laws, gazettes and vertical text write figures in kanji (「一・五メートル」, 「七十歳以上」, 「百四十九号」). A run of kanji
# numerals counts as a figure only before a measure or counter: alone it is a word's part (九州, 十分, 一般, 千葉).
_KANJI_VALUES = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_KANJI_POWERS = {"十": 10, "百": 100, "千": 1000}
_KANJI_FIGURE = re.compile(r"(?<![第数何幾\d,.〇零一二三四五六七八九十百千])([〇零一二三四五六七八九十百千]+)(?:・([〇零一二三四五六七八九]+))?"
                           r"(?=(?:万|億)?(?:メートル|キロ|グラム|トン|リットル|パーセント|センチ|ミリ|歳|人|名|件|社|校|"
                           r"回|倍|割|か月|箇月|年|月|日|時間|円|台|個|機関|団体))")


def _kanji_integer(run: str) -> int:
    if not any(c in _KANJI_POWERS for c in run):      # 一九九五: digit by digit
        return int("".join(str(_KANJI_VALUES[c]) for c in run))
    total, digit = 0, None
    for c in run:
        if c in _KANJI_POWERS:
            total += (1 if digit is None else digit) * _KANJI_POWERS[c]
            digit = None
        else:
            digit = _KANJI_VALUES[c]
    return total + (digit or 0)


def arabic_figures(text: str) -> str:
    """Kanji figures before a measure or counter written in digits (「一・五メートル」 → 「1.5メートル」)."""
    def arabic(m: re.Match) -> str:
        whole = str(_kanji_integer(m.group(1)))
        return whole + ("." + "".join(str(_KANJI_VALUES[c]) for c in m.group(2)) if m.group(2) else "")
    text = _KANJI_FRACTION.sub(lambda m: f"{_kanji_integer(m.group(1))}分の{_kanji_integer(m.group(2))}", text)
    return _KANJI_FIGURE.sub(arabic, text)


# A fraction (「三分の二」, a subsidy or tax rate) is a figure wherever it stands.
_KANJI_FRACTION = re.compile(r"(?<![〇零一二三四五六七八九十百千])([一二三四五六七八九十]+)分の([一二三四五六七八九十]+)")


def has_figure(text: str, unit: str) -> bool:
    """A figure in the given unit (a regex from ``AskedType.units``), or a bare figure stated as the count its
    noun names (「契約者数は8,739万に達した」: statistics often leave out the counter that 「契約者数」 implies)."""
    text = arabic_figures(normalise(text))
    # A count in whatever counter is never an ordinal: 「第24回大会」 counts nothing, nor does the last number
    # of a section or figure number (「第1-2-4図」, 「2-3節」).
    start = r"(?<![第\d,.\-‐‑–−])" if unit == ANY_COUNTER else ""
    if re.search(start + FIGURE + f"(?:{unit})", text):
        return True
    return BARE_COUNTS and any(counted_unit(m.group(1)) == unit for m in _BARE_COUNT.finditer(text))


BARE_COUNTS = True
# A 「…数」 noun, then (after は/が/も, at most a few characters) a figure that no counter or unit follows.
_BARE_COUNT = re.compile(r"([\u4E00-\u9FFF\u30A0-\u30FF]{1,8}数)[はがも]?[、,]?\s*約?" + FIGURE +
                         r"(?![\d,.\u4E00-\u9FFF\u30A0-\u30FF%％])")


def count_figures(text: str, unit: str) -> int:
    """How many figures in the given unit the text states (「約6,500件…約1,000件」: 2)."""
    return len(re.findall(FIGURE + f"(?:{unit})", arabic_figures(normalise(text))))


_COUNTERS = ("社", "件", "人", "名", "校", "大学", "行", "組", "倍", "回", "円", "億円", "万円", "割", "%", "機関", "団体",
             "か国", "地域", "プロジェクト", "事業", "拠点", "年", "ブロック", "種類", "日", "時間", "月", "か月", "週")


def counted_unit(label: str) -> str | None:
    """The unit a 「…数」 label counts in (a table header 「参画者数」: persons, 「機関数」: 機関), or None."""
    m = _COUNT_OF_JA.search(normalise(label))
    return UNITS_JA[_COUNTED_JA[m.group(1)]] if m else None


_GENERIC_COUNTERS = ("機関", "団体")


def counted_kind(label: str, counted: str) -> str | None:
    """The unit of what a generic count (「機関数」, 「団体数」) counts when the label names it: 「民間企業 機関数」
    counts companies (社). None for a specific count or a label naming nothing countable."""
    if counted not in _GENERIC_COUNTERS:
        return None
    text = normalise(label)
    named = [k for k in ("企業", "会社", "大学") if k in text]
    return UNITS_JA[_COUNTED_JA[named[0]]] if len(named) == 1 else None


def same_count(a: str, b: str) -> bool:
    """Two asked unit regexes that accept a common counter (件 and プロジェクト|件): a figure can answer either."""
    return any(re.fullmatch(a, k) and re.fullmatch(b, k) for k in _COUNTERS)


_DATE = re.compile(r"(?:19|20)\d{2}\s*年(?!代)|(?:明治|大正|昭和|平成|令和)\s*(?:\d{1,2}|元)\s*年|\d{1,2}\s*月|年度|\b(?:19|20)\d{2}\b")
# A named one: a legal form, or a suffix after its name (神戸大学, 中小企業基盤整備機構), not after a particle or at
# the text's start (「地域の大学等」, 「大学・研究機関」 name no organisation).
_ORG_SUFFIX = re.compile(r"株式会社|有限会社|(?<=[\u4E00-\u9FFF\u30A1-\u30FAーA-Za-z])(?:協会|機構|公社|公団|財団|センター|研究所|大学|工業|製作所|銀行|金融公庫|"
                         r"組合|商工会議所|協議会|委員会|省|庁|局|県|市)(?!等|など)")


# How a company's name is written: its legal form, or the trade words names end in.
_COMPANY_MARK = re.compile(r"株式会社|有限会社|合同会社|[(（][株有][)）]|(?:工業|製作所|商事|電機|製薬|技研|物産|精機)"
                           r"(?:株式会社|[(（]株[)）]|\s*[、,。・]|$)")


@lru_cache(maxsize=20_000)
def _proper_nouns(text: str) -> frozenset[str]:
    """The classes of proper noun in text by Sudachi's part of speech: 人名, 地名, 一般 (names of things)."""
    found = set()
    for m in morphemes(text[:2000]):
        pos = m.part_of_speech()
        if pos[0] == "名詞" and pos[1] == "固有名詞":
            found.add(pos[2])
    return frozenset(found)


@lru_cache(maxsize=2_000)
def is_name(text: str) -> bool:
    """Whether text reads as a name (of a cluster, project, body) rather than a phrase the chunker took
    for one (「例えば北海道や沖縄」, 「法人化された国立大学」, 「人件費の範囲で活動だけ」): nouns only,
    with their prefixes, suffixes, brackets and dots — no particle but の, no verb, adjective or adverb."""
    for m in morphemes(normalise(text)[:200]):
        pos = m.part_of_speech()
        if pos[0] not in ("名詞", "接頭辞", "接尾辞", "補助記号", "空白", "記号") and m.surface() != "の":
            return False
    return True


_LIST_SEPARATOR = re.compile(r"[、・，,]")


def enumerates(text: str, least: int = 3) -> bool:
    """Whether text lists ``least`` or more short items in a row (「宇宙産業、環境ビジネス、高度部材、バイオ産業など」)."""
    run = 0
    for piece in _LIST_SEPARATOR.split(normalise(text)):
        run = run + 1 if 0 < len(piece.strip()) <= 12 else 0
        if run >= least - 1:        # the last item may run on into the sentence (「バイオ産業など)については…」)
            return True
    return False


def places(text: str) -> frozenset[str]:
    """The place names in text (Sudachi's 名詞-固有名詞-地名)."""
    return frozenset(m.surface() for m in morphemes(normalise(text)[:2000])
                     if m.part_of_speech()[:3] == ("名詞", "固有名詞", "地名"))


# A title or profession after a name marks a person where Sudachi knows no 人名 (「大曽根拓 … 投資部長」, a committee list).
_PERSON_TITLE = re.compile(r"氏|教授|博士|社長|会長|理事長|首相|大臣|部長|課長|室長|所長|局長|委員長|取締役|弁理士|弁護士|診断士")


def holds(text: str, part: str, unit: str | None = None) -> bool:
    """Whether text holds an answer of the asked part ("number" needs ``unit``)."""
    text = normalise(text)
    if part == "number":
        return has_figure(text, unit) if unit else bool(re.search(r"\d", arabic_figures(text)))
    if part == "date":   # 「大正十三年一月二十日」 as well as 「2024年4月」
        return _DATE.search(arabic_figures(text)) is not None
    if part == "person":
        return "人名" in _proper_nouns(text) or _PERSON_TITLE.search(text) is not None
    if part == "place":
        return "地名" in _proper_nouns(text)
    if part == "company":
        return _COMPANY_MARK.search(text) is not None
    if part == "organisation":
        return _ORG_SUFFIX.search(text) is not None or "一般" in _proper_nouns(text)
    if part == "instance":   # a named scheme: 「…」, a Latin name, or a proper noun
        return _NAMED.search(text) is not None or bool({"一般", "地名"} & _proper_nouns(text))
    if part == "partner":   # a named one, or a kind of firm (「大手製薬会社と」): either answers "who with"
        return any(holds(text, p) for p in ("person", "organisation", "company")) or \
            re.search(r"(?:会社|企業|メーカー|法人|団体)", text) is not None
    return True  # why / how: any sentence may explain; shape, not presence, answers those


# How Japanese states a reason (…ため, …ので, …ことで, …によって, 理由は, 要因) or a method
# (…を通じて, …を活用して, …ことにより): a why/how answer's sentences carry one of these.
_EXPLAINS = re.compile(r"ため[、,にの]?|ので|から[、,]|から(?:である|です|だ)|ことで|ことに(?:より|よって)|によ(?:り|って)|を通じ|を活用|"
                       r"理由|要因|背景|ポイント|必要|おかげ|結果")


def advises(text: str) -> bool:
    """Whether a sentence advises: a caution or an obligation (…必要がある, …べき, 注意, 留意)."""
    return _ADVISES.search(normalise(text)) is not None


def explains(text: str) -> bool:
    """Whether a sentence states a reason or a method (a Japanese connective or noun that does)."""
    return _EXPLAINS.search(normalise(text)) is not None


# A question word of either language: a clause holding one asks something.
_ASKS = re.compile(r"何|どう|どんな|どの|いつ|どこ|誰|いくら|どれ|なぜ|\b(?:how|what|when|where|who|which|why)\b", re.I)
_CLAUSE_BREAK = re.compile(r"[、,，]\s*(?:and\s+)?|\s+and\s+(?=(?:how|what|when|where|who|which|why)\b)|(?<=[?？])\s*(?=\S)", re.I)
# A clause that asks with no question word: whether ("are part-time staff counted?", an auxiliary opens it) or, in
# Japanese, about a thing named (「その数字の出どころは？」, 「パートも含まれる？」: it ends in a question mark).
_ASKS_WHETHER_EN = re.compile(r"^\s*(?:is|are|was|were|do|does|did|can|could|will|would|has|have|had|should)\b", re.I)
_ASKS_JA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff][?？]\s*$")


def asks_without_question_word(clause: str) -> bool:
    return not _ASKS.search(clause) and bool(_ASKS_WHETHER_EN.match(clause) or _ASKS_JA.search(clause))


def asking_clauses(question: str) -> list[str]:
    """Each clause of a question that asks two or more things, in order
    (「何社が集まり、何組が商談に進んだ？」 → ["何社が集まり", "何組が商談に進んだ?"]); empty for a one-part question."""
    text = normalise(question)
    pieces = [p for p in _CLAUSE_BREAK.split(text) if p.strip()]
    asking = [p for n, p in enumerate(pieces) if _ASKS.search(p) or (n and asks_without_question_word(p))]
    return asking if len(asking) >= 2 else []


def later_clauses(question: str) -> list[str]:
    """The clauses after the first of a question that asks two or more things
    (「何社が集まり、何組が商談に進んだ？」 → ["何組が商談に進んだ？"]); empty for a one-part question."""
    return asking_clauses(question)[1:]
