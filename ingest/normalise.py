"""Text normalisation shared by the parser, the index and the query side.

Everything that compares text (chunk matching, BM25 terms, test assertions)
must go through `normalise` so that ｸﾗｽﾀｰ, クラスター and full-width digits
meet on one spelling.
"""

from __future__ import annotations

import re
import unicodedata

# CJK Radicals Supplement (U+2E80-2EFF) is left alone by NFKC; the common ones
# have a unified-ideograph twin which is what every other producer writes.
_RADICALS_SUPPLEMENT = {
    "\u2E84": "乙", "\u2E85": "亻", "\u2E86": "冂", "\u2E87": "几", "\u2E88": "刀",
    "\u2E89": "刂", "\u2E8A": "卜", "\u2E8B": "㔾", "\u2E8C": "小", "\u2E8D": "小",
    "\u2E8E": "兀", "\u2E8F": "尣", "\u2E90": "尢", "\u2E91": "𡯂", "\u2E92": "巳",
    "\u2E93": "幺", "\u2E94": "彑", "\u2E95": "彐", "\u2E96": "忄", "\u2E97": "㣺",
    "\u2E98": "扌", "\u2E99": "攵", "\u2E9B": "旡", "\u2E9C": "日", "\u2E9D": "月",
    "\u2E9E": "歺", "\u2E9F": "母", "\u2EA0": "民", "\u2EA1": "氵", "\u2EA2": "氺",
    "\u2EA3": "灬", "\u2EA4": "爫", "\u2EA5": "爫", "\u2EA6": "丬", "\u2EA7": "牛",
    "\u2EA8": "犭", "\u2EA9": "王", "\u2EAA": "疋", "\u2EAB": "目", "\u2EAC": "示",
    "\u2EAD": "礻", "\u2EAE": "竹", "\u2EAF": "糸", "\u2EB0": "纟", "\u2EB1": "网",
    "\u2EB2": "罒", "\u2EB3": "网", "\u2EB4": "网", "\u2EB5": "网", "\u2EB6": "羊",
    "\u2EB7": "羊", "\u2EB8": "羊", "\u2EB9": "老", "\u2EBA": "肀", "\u2EBB": "聿",
    "\u2EBC": "月", "\u2EBD": "臼", "\u2EBE": "艹", "\u2EBF": "艹", "\u2EC0": "艹",
    "\u2EC1": "虎", "\u2EC2": "衤", "\u2EC3": "覀", "\u2EC4": "西", "\u2EC5": "见",
    "\u2EC6": "角", "\u2EC7": "角", "\u2EC8": "讠", "\u2EC9": "贝", "\u2ECA": "足",
    "\u2ECB": "车", "\u2ECC": "辶", "\u2ECD": "辶", "\u2ECE": "辶", "\u2ECF": "阝",
    "\u2ED0": "钅", "\u2ED1": "長", "\u2ED2": "长", "\u2ED3": "长", "\u2ED4": "门",
    "\u2ED5": "阜", "\u2ED6": "阝", "\u2ED7": "雨", "\u2ED8": "青", "\u2ED9": "韦",
    "\u2EDA": "页", "\u2EDB": "风", "\u2EDC": "飞", "\u2EDD": "食", "\u2EDE": "食",
    "\u2EDF": "食", "\u2EE0": "饣", "\u2EE1": "首", "\u2EE2": "马", "\u2EE3": "骨",
    "\u2EE4": "鬼", "\u2EE5": "鱼", "\u2EE6": "鸟", "\u2EE7": "卤", "\u2EE8": "麦",
    "\u2EE9": "黄", "\u2EEA": "黾", "\u2EEB": "斉", "\u2EEC": "齐", "\u2EED": "歯",
    "\u2EEE": "齿", "\u2EEF": "竜", "\u2EF0": "龙", "\u2EF1": "龜", "\u2EF2": "亀",
    "\u2EF3": "龟",
}
_RADICALS_TABLE = str.maketrans(_RADICALS_SUPPLEMENT)

# Ideographs, kana, CJK punctuation and full-width forms: scripts written without spaces.
_CJK = (r"\u2E80-\u2FDF\u3000-\u303F\u3040-\u30FF\u3190-\u319F\u31F0-\u31FF"
        r"\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uFF01-\uFF60")
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\u00A0]+(?=[{_CJK}])")
_WS = re.compile(r"[ \t\u00A0\u3000]+")


def is_cjk(ch: str) -> bool:
    return bool(ch) and re.match(f"[{_CJK}]", ch) is not None


# Circled numbers (①…⑳, ㉑…㊿, ⓪) mark a list's items and refer back to them (「②から④までの期間」); NFKC would
# make them bare digits, 「2から4までの期間」, that read as quantities. They are kept as written.
_CIRCLED = re.compile("([\u2460-\u2473\u24EA\u3251-\u325F\u32B1-\u32BF])")


def _nfkc(text: str) -> str:
    if not _CIRCLED.search(text):
        return unicodedata.normalize("NFKC", text)
    return "".join(part if k % 2 else unicodedata.normalize("NFKC", part) for k, part in enumerate(_CIRCLED.split(text)))


def normalise(text: str) -> str:
    """NFKC (circled numbers kept), radicals to ideographs, one space for runs of blanks, none between CJK."""
    text = _nfkc(text).translate(_RADICALS_TABLE)
    text = _WS.sub(" ", text)
    text = _SPACE_BETWEEN_CJK.sub("", text)
    return text.strip()
