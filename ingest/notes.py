"""Footnotes: the marks cited in the text and the notes at the foot of a page or column.

Both are found by what the page draws, never by what it says: a mark is a
superscript (``chars.split_superscripts``); the note area is text in a smaller
size than the document's body, lying below all body text above it in its
column, whose first line starts with a number or note sign.
"""

from __future__ import annotations

import re

from .chars import Char
from .geometry import centre_inside
from .layout import Item, join_lines
from .normalise import normalise
from .records import BBox, Footnote, NoteRef

# a note opens with its number or sign, set apart or glued to the text
# (a number glued to a counter is a quantity that opens a line of text, 「6か月後に…」, not a note's number)
_OPENS = re.compile(r"^\s*(?P<mark>[0-9]{1,3}(?![0-9]|\s*(?:か月|ヶ月|カ月|か所|箇所|年|月|日|時|週|件|人|名|社|%|倍|"
                    r"円|万|億|回|つ|個|割|分|秒|歳|校|点|期|度|kg|km|GB))|※\s*[0-9]{1,3}|[*※†‡]|注\s*[0-9]{0,3})"
                    r"(?![0-9]|[.,，．:][0-9])(?:[.．)）:：]|\s|$|(?=\D))")
SMALL = 0.85     # a note's size against the body size
ROW = 0.3        # runs whose baselines differ by less than this many ems share a row


def note_refs(marks: list[Char], page_no: int) -> list[NoteRef]:
    """Superscript glyphs to marks: neighbouring digits on one raised baseline read as one number."""
    out: list[NoteRef] = []
    run: list[Char] = []
    for c in sorted(marks, key=lambda c: (round(c["bottom"]), c["x0"])) + [None]:  # type: ignore[list-item]
        if run and (c is None or abs(c["bottom"] - run[-1]["bottom"]) > 0.2 * c["size"]
                    or c["x0"] - run[-1]["x1"] > 0.3 * c["size"]):
            box = BBox(min(x["x0"] for x in run), min(x["top"] for x in run),
                       max(x["x1"] for x in run), max(x["bottom"] for x in run))
            out.append(NoteRef(normalise("".join(x["text"] for x in run)), page_no, box))
            run = []
        if c is not None:
            run.append(c)
    return out


def split_notes(items: list[Item], body_size: float, page_no: int, mid_x: float,
                furniture: set[int] = frozenset(),
                frames: list[tuple[float, float, float, float]] = ()) -> tuple[list[Item], list[Footnote]]:
    """(the page's items less its notes and furniture, the notes).

    ``furniture`` (indexes into ``items``) is no body text, but a note's number
    in the margin looks like a page number: it may still open a note.
    ``frames`` are drawn frames and images holding figures: small print inside
    one is a figure's label (「3次元」 under a diagram's box), never a note.
    """
    body = [it for k, it in enumerate(items) if k not in furniture]
    furniture_ids = {id(items[k]) for k in furniture}
    small = [it for it in items if it.kind == "h" and 0 < it.size < SMALL * body_size]
    if not small:
        return body, []
    big = [it for it in body if it.kind != "table" and it.size >= 0.95 * body_size]

    def under_body(it: Item) -> bool:
        above = [b for b in big if b.x1 > it.x0 and b.x0 < it.x1]
        return bool(above) and all(b.bottom <= it.top + 0.2 * it.size for b in above)

    area = [it for it in small if under_body(it) and not any(centre_inside(it, f) for f in frames)]
    if not area:
        return body, []
    # rows: runs on one baseline (a note's number and its text are often set apart)
    rows: list[list[Item]] = []
    for it in sorted(area, key=lambda i: (i.bottom, i.x0)):
        for row in rows:
            r = row[-1]
            if abs(r.bottom - it.bottom) < ROW * it.size and it.x0 - r.x1 < 4 * it.size and (r.x0 < mid_x) == (it.x0 < mid_x):
                row.append(it)
                break
        else:
            rows.append([it])
    for row in rows:
        row.sort(key=lambda i: i.x0)
    # notes per column, top to bottom; a row that opens with a mark starts a note
    notes: list[tuple[str, list[list[Item]]]] = []
    for col in (True, False):
        current: tuple[str, list[list[Item]]] | None = None
        for row in sorted((r for r in rows if (r[0].x0 < mid_x) == col), key=lambda r: r[0].top):
            m = _OPENS.match(row[0].text)
            if m:
                current = (normalise(m.group("mark")).replace(" ", ""), [row])
                notes.append(current)
            elif current is not None and row[0].top - current[1][-1][0].bottom < 1.5 * row[0].size \
                    and not all(id(i) in furniture_ids for i in row):    # (a page number under the notes)
                current[1].append(row)
    out: list[Footnote] = []
    taken: set[int] = set()
    for mark, note_rows in notes:
        texts = [" ".join(i.text for i in r) for r in note_rows]
        texts[0] = _OPENS.sub("", texts[0], count=1).strip()
        runs = [i for r in note_rows for i in r]
        box = BBox(min(i.x0 for i in runs), min(i.top for i in runs), max(i.x1 for i in runs), max(i.bottom for i in runs))
        text = join_lines(texts).strip()
        if sum(ch.isalpha() for ch in text) >= 2:   # a note says something; a tick label is a number
            out.append(Footnote(mark, text, page_no, box))
            taken.update(id(i) for i in runs)
    return [it for it in body if id(it) not in taken], out
