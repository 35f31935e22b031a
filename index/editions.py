"""Which edition of a yearly document a question names, and which indexed documents are that edition.

A serial publication (a white paper, an annual report) comes out once a year under one title, and its editions
say much the same things about different years. A reader who wants one of them says so: "according to the 2019
white paper", 「2019年版白書」, 「令和元年版の白書によると」. Such a question is about that document, and beside
the other editions its words alone cannot tell which one it means (issue 13: beside 24 editions the right one
ranked 6th-19th for those questions).

A document's year is read from what it says of itself: the year its title names (西暦 or a Japanese era year,
「令和元年版」 → 2019), else the year its file name carries (``004_cluster_best_practices_2010``).
"""
from __future__ import annotations

import re

from ingest.normalise import normalise

from .translate import ERAS

_ERA_NAMES = "|".join(name for name, _ in ERAS)
_ERA_YEAR = re.compile(rf"({_ERA_NAMES})\s*(元|\d{{1,2}})\s*年")
_WESTERN = r"(?:19[2-9]|20\d)\d"
_WESTERN_YEAR = re.compile(rf"(?<![0-9])({_WESTERN})(?![0-9])")

# Words that name a publication, after (or before "of/for") the year that picks its edition. "in 2019" alone
# dates a fact, not a document: the 2019 white paper reports 2018's figures; nor does "the 2013 survey" (a survey
# the 2014 white paper reports).
_PUBLICATION = r"(?:white\s+paper|report|edition|yearbook)s?"
_EN_NAMED = (re.compile(rf"(?<![A-Za-z0-9])(?:FY\s?)?({_WESTERN})(?![0-9])(?:\s+[A-Za-z&-]+){{0,2}}?\s+{_PUBLICATION}\b",
                        re.IGNORECASE),
             re.compile(rf"\b{_PUBLICATION}\s+(?:of|for|from)\s+(?:FY\s?)?({_WESTERN})(?![0-9])", re.IGNORECASE))
# 「2019年版」「令和元年版」, or a year right before the publication's own noun (「2019年の白書」「令和元年度報告書」).
_JA_PUBLICATION = r"(?:版|度?の?(?:白書|報告書|年次報告|年報))"


def _era_to_western(era: str, n: str) -> int:
    start = dict(ERAS)[era]
    return start + (1 if n == "元" else int(n)) - 1


def document_year(title: str, doc_id: str = "") -> int | None:
    """The year a document names itself by: its title's first year (a Japanese era year counts), else its
    file name's; None when neither names one."""
    text = normalise(title)
    found: list[tuple[int, int]] = [(m.start(), _era_to_western(m[1], m[2])) for m in _ERA_YEAR.finditer(text)]
    found += [(m.start(), int(m[1])) for m in _WESTERN_YEAR.finditer(text)]
    if found:
        return min(found)[1]
    m = _WESTERN_YEAR.search(doc_id.replace("_", " "))
    return int(m[1]) if m else None


def named_editions(question: str) -> set[int]:
    """The years of the editions a question names ("the 2019 white paper", 「令和元年版」), none if it names none."""
    text = normalise(question)
    years = {int(m[1]) for pattern in _EN_NAMED for m in pattern.finditer(text)}
    years |= {int(m[1]) for m in re.finditer(rf"(?<![0-9])({_WESTERN})\s*年{_JA_PUBLICATION}", text)}
    years |= {_era_to_western(m[1], m[2]) for m in re.finditer(rf"({_ERA_NAMES})\s*(元|\d{{1,2}})\s*年{_JA_PUBLICATION}",
                                                               text)}
    return years
