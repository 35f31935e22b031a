"""Charts and diagrams: a region dense in short labels becomes one ``figure`` item.

A chart's axis ticks, data labels and legend are short runs scattered in two
dimensions; read as text they turn into one-word paragraphs or, when set large,
into headings. Found by shape and position only: many short runs close together,
spread over more than one row and one column, the region holding few sentences,
and either a third of them holding a figure (a chart) or the labels lying in one
drawn frame or image, or under a caption (a concept diagram of boxed words). A caption right above or below (「■第1-2-3図」,
「図表4」, 「表2」) is read with it.
"""

from __future__ import annotations

import re

from .layout import Item
from .geometry import centre_inside

LABEL_CHARS = 10      # a label is at most this long
NEAR = 10.0           # labels closer than this many ems belong to one figure (ticks sit far apart)
MIN_LABELS = 5
ROW_LABELS = 3        # a column of at least this many category names on a chart's rows is the chart's
# the shape of a caption: a mark, a figure or table word with a number, or a source line
CAPTION = re.compile(r"^[■□◆◇●○▼▽\s]*(第?\s*[0-9]+(\s*[-‐－ー・.]\s*[0-9]+)*\s*[図表]|[図表]\s*(表\s*)?[0-9]|(資料|出典|出所|注)\s*[:：])")


def _is_label(it: Item, body: float) -> bool:
    t = it.text.strip()
    return it.kind == "h" and 0 < len(t) <= LABEL_CHARS and "。" not in t and it.size <= 1.3 * body


def _wrapped_tail(it: Item, items: list[Item]) -> bool:
    """The short last line of a paragraph: right under a much longer line of its size that starts where it does."""
    s = it.size
    return any(o.kind == "h" and o is not it and abs(o.size - s) <= 0.05 * s and abs(o.x0 - it.x0) <= 0.5 * s
               and -0.1 * s <= it.top - o.bottom <= 1.0 * s and o.width > it.width + 5 * s for o in items)


def _running(it: Item, body: float) -> bool:
    """A line of running text: body size and long (20 letters, or 15 ems: a narrow Japanese column)."""
    return it.size >= 0.95 * body and (len(it.text) > 2 * LABEL_CHARS or it.width >= 15 * it.size)


def _in_paragraph(it: Item, items: list[Item]) -> bool:
    """A line wrapped inside running text (「第\n1-1-1図のように、…」 starts a line with a caption's
    shape): a long line of its size sits right above or below it, over the same span."""
    s = it.size
    return any(o.kind == "h" and o is not it and abs(o.size - s) <= 0.05 * s
               and (len(o.text) > 2 * LABEL_CHARS or o.width >= 15 * s)
               and min(o.x1, it.x1) - max(o.x0, it.x0) > 0.5 * min(o.width, it.width)
               and (-0.1 * s <= it.top - o.bottom <= 0.8 * s or -0.1 * s <= o.top - it.bottom <= 0.8 * s)
               for o in items)


def _alike(a: Item, b: Item, body: float) -> bool:
    """Set in sizes a chart uses side by side. A short run set above the body size beside runs a
    quarter smaller is a heading by a table (「2-2 評価の基準」 over 8.5 pt cells), not a label:
    chained in, it would stretch the figure over the headings and columns around it. An axis
    title larger than its ticks but not than the body text stays a label."""
    big, small = max(a.size, b.size), min(a.size, b.size)
    return big <= 1.25 * small or big <= 1.05 * body


def _row_labels(group: list[Item], labels: list[Item], taken: set[int]) -> list[Item]:
    """A bar chart's category names: a column of labels beside the group, each on the baseline of one
    of its labels (the value at the end of its bar), however long the bars between them."""
    x0, x1 = min(i.x0 for i in group), max(i.x1 for i in group)
    found = [it for it in labels if id(it) not in taken and it not in group and (it.x1 <= x0 or it.x0 >= x1)
             and any(min(it.bottom, m.bottom) - max(it.top, m.top) >= 0.6 * min(it.height, m.height) for m in group)]
    if len(found) < ROW_LABELS:
        return []
    size = max(it.size for it in found)
    flush = max(i.x0 for i in found) - min(i.x0 for i in found) <= size or \
        max(i.x1 for i in found) - min(i.x1 for i in found) <= size
    return found if flush else []


def _legend(members: list[Item], items: list[Item], taken: set[int]) -> list[Item]:
    """A legend set in one row right under the chart (「支援企業(n=126) 比較企業(n=300)」): two or more short
    labels within its width, no caption or source line among them."""
    x0, x1, bottom = min(i.x0 for i in members), max(i.x1 for i in members), max(i.bottom for i in members)
    under = [it for it in items if it.kind == "h" and id(it) not in taken and it not in members
             and len(it.text) <= 2 * LABEL_CHARS and not CAPTION.match(it.text)
             and it.x0 >= x0 - it.size and it.x1 <= x1 + it.size and 0 <= it.top - bottom <= 1.5 * it.size]
    if not under:
        return []
    first = min(under, key=lambda i: i.top)
    row = sorted((i for i in under if abs(i.bottom - first.bottom) < 0.3 * i.size), key=lambda i: i.x0)
    return row if len(row) >= 2 else []


CATEGORIES = 3   # at least this many category names along a column chart's foot


def _numeric(it: Item) -> bool:
    return any(ch.isdigit() for ch in it.text)


def _by_category(members: list[Item]) -> list[Item] | None:
    """A column chart's labels in the order a reader takes them: the axis ticks, then each category
    along the foot followed by the values over its columns, left to right (「支援前年度 100 100 1年目 111
    103 …」); None unless the members' lowest row holds CATEGORIES labels or more with every other label
    above it, every category has a value over it, and no more than one name (the axis's title) stands left
    of the columns. Words over the columns (a legend) are read with the ticks, before the categories."""
    if len(members) < 2 * CATEGORIES:
        return None
    # the foot: the lowest row of CATEGORIES labels or more; under it only the axis's unit (「(年)」) and the
    # chart's notes and source (「(注)…」, 「資料:…」), set small, belong to it: the text after them is the page's again
    low = next((a for a in sorted(members, key=lambda i: -i.bottom)
                if sum(abs(i.bottom - a.bottom) < 0.3 * i.size for i in members) >= CATEGORIES), None)
    if low is None:
        return None
    foot = sorted((i for i in members if abs(i.bottom - low.bottom) < 0.3 * i.size), key=lambda i: i.x0)
    under = sorted((i for i in members if i not in foot and i.top > low.bottom - 0.3 * i.size), key=lambda i: (i.top, i.x0))
    tail = []
    for i in under:
        if i.size > 1.1 * max(f.size for f in foot) and not CAPTION.match(i.text):
            break   # text set larger than the chart's labels: the page's own
        tail.append(i)
    members = [i for i in members if i not in under]
    if len(foot) < CATEGORIES or any(i.bottom > low.top + 0.3 * i.size for i in members if i not in foot):
        return None
    centres = [(i.x0 + i.x1) / 2 for i in foot]
    bounds = [centres[0] - (centres[1] - centres[0]) / 2] + \
        [(a + b) / 2 for a, b in zip(centres, centres[1:])] + [centres[-1] + (centres[-1] - centres[-2]) / 2]
    slots: list[list[Item]] = [[] for _ in foot]
    ticks: list[Item] = []      # the axis's ticks and title, a legend: read before the categories
    names_left = 0
    for it in members:
        if it in foot:
            continue
        cx = (it.x0 + it.x1) / 2
        k = next((n for n in range(len(foot)) if bounds[n] <= cx < bounds[n + 1]), None)
        if k is None or not _numeric(it):
            names_left += k is None and not _numeric(it) and cx < bounds[0]
            ticks.append(it)
        else:
            slots[k].append(it)
    if names_left >= 2 or not all(slots):
        return None   # names down the left: a bar chart read by its rows; or a category with no value
    ticks.sort(key=lambda i: (round(i.top), i.x0))
    # in a slot, the columns left to right, each read from its foot up (a stacked column's segments in the
    # legend's order, its total last)
    return ticks + [i for cat, slot in zip(foot, slots)
                    for i in [cat] + sorted(slot, key=lambda i: (round((i.x0 + i.x1) / 2 / i.size), -i.bottom))] + tail


STACKS = 3   # at least this many columns of stacked lines make a figure read column by column


def _stacks(members: list[Item]) -> list[list[Item]] | None:
    """The members as columns of lines stacked one under the other on a common centre (a timeline's
    entries, a process's steps), left to right; None unless every member is in such a column of two
    lines or more and there are STACKS columns or more, side by side without overlap."""
    stacks: list[list[Item]] = []
    for it in sorted(members, key=lambda i: (i.top, i.x0)):
        cx = (it.x0 + it.x1) / 2
        for stack in stacks:
            last = stack[-1]
            if abs((last.x0 + last.x1) / 2 - cx) < max(last.size, it.size) and \
                    -0.3 * it.size <= it.top - last.bottom <= 0.8 * max(last.size, it.size):
                stack.append(it)
                break
        else:
            stacks.append([it])
    if len(stacks) < STACKS or any(len(st) < 2 for st in stacks):
        return None
    stacks.sort(key=lambda st: min(i.x0 for i in st))
    for a, b in zip(stacks, stacks[1:]):
        if max(i.x1 for i in a) > min(i.x0 for i in b):
            return None
    return stacks


def _title_over(stack: list[Item], items: list[Item], taken: set[int], inside: list[Item]) -> list[Item]:
    """A short line set right over a stack on its centre (a timeline's year): the stack's title."""
    top = stack[0]
    cx = (top.x0 + top.x1) / 2
    over = [it for it in items if it.kind == "h" and id(it) not in taken and it not in inside
            and len(it.text) <= LABEL_CHARS and abs((it.x0 + it.x1) / 2 - cx) < max(it.size, top.size)
            and 0 <= top.top - it.bottom <= 1.5 * it.size]
    return over[:1]


def _near(a: Item, b: Item, reach: float) -> bool:
    dx = max(0.0, max(a.x0, b.x0) - min(a.x1, b.x1))
    dy = max(0.0, max(a.top, b.top) - min(a.bottom, b.bottom))
    return dx <= reach and dy <= reach


Box = tuple[float, float, float, float]


def _inside(it: Item, box: Box) -> bool:
    return centre_inside(it, box)


def find_figures(items: list[Item], body: float, frames: list[Box] = ()) -> list[Item]:
    """The page's items with each chart's labels (and its caption) merged into one ``figure`` item.

    ``frames`` are drawn rectangles: labels inside one frame belong to one figure,
    however far apart (a legend across the plot from the axis ticks).
    """
    labels = [it for it in items if _is_label(it, body)]
    if len(labels) < MIN_LABELS:
        return items
    labels = [it for it in labels if not _wrapped_tail(it, items)]
    if len(labels) < MIN_LABELS:
        return items
    # clusters of labels, by nearness (union-find over pairs; pages hold few labels)
    parent = list(range(len(labels)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    def frame_of(it: Item) -> Box | None:
        holding = [f for f in frames if _inside(it, f)]
        return min(holding, key=lambda f: (f[2] - f[0]) * (f[3] - f[1])) if holding else None
    framed: dict[Box, int] = {}
    frame = [frame_of(it) for it in labels]
    for i, f in enumerate(frame):
        if f is not None:
            if f in framed:
                parent[find(i)] = find(framed[f])
            else:
                framed[f] = i
    for i, a in enumerate(labels):
        for j in range(i + 1, len(labels)):
            # a frame bounds its figure: labels inside join no label outside it
            if frame[i] == frame[j] and _alike(a, labels[j], body) and _near(a, labels[j], NEAR * max(a.size, labels[j].size)):
                parent[find(i)] = find(j)
    groups: dict[int, list[Item]] = {}
    for i, it in enumerate(labels):
        groups.setdefault(find(i), []).append(it)
    taken: set[int] = set()
    figures: list[Item] = []
    for group in groups.values():
        group = [it for it in group if id(it) not in taken]   # a figure already read took them
        if len(group) < MIN_LABELS:
            continue
        rows = {round(it.top / (0.8 * it.size)) for it in group}
        cols = {round(it.x0 / (2 * it.size)) for it in group}
        if len(rows) < 2 or len(cols) < 2:
            continue   # a list or a column of words, not a chart
        group = group + _row_labels(group, labels, taken)
        numeric = sum(any(ch.isdigit() for ch in it.text) for it in group)
        x0, top = min(i.x0 for i in group), min(i.top for i in group)
        x1, bottom = max(i.x1 for i in group), max(i.bottom for i in group)
        f = frame_of(group[0])
        framed_group = f is not None
        if framed_group:
            x0, top, x1, bottom = min(x0, f[0]), min(top, f[1]), max(x1, f[2]), max(bottom, f[3])
        pad = 0.5 * body
        # a vertical axis title or a mark set upright in a column is the figure's too; a column
        # of vertical running text is not
        inside = [it for it in items if (it.kind == "h" or (it.kind == "v" and not _running(it, body)))
                  and id(it) not in taken and centre_inside(it, (x0, top, x1, bottom), pad=pad)]
        # running text is set at body size: small print inside the region is the figure's own
        long_lines = [it for it in inside if not _is_label(it, body) and _running(it, body)]
        if len(long_lines) > len(group) / 3:
            continue   # mostly running text: labels inside a paragraph area
        # a frame or an image drawn a little over the column above must not take its lines
        inside = [it for it in inside if not (_running(it, body) and _in_paragraph(it, items))]
        caption = [it for it in items if it.kind == "h" and id(it) not in taken and it not in inside
                   and CAPTION.match(it.text) and not _in_paragraph(it, items) and it.x0 < x1 and it.x1 > x0
                   and (-pad <= top - it.bottom <= 4 * body or -pad <= it.top - bottom <= 4 * body)]
        # a chart shows numbers; a concept diagram shows only words, but it is boxed by a
        # drawn frame or an image, or announced by a caption, where a list of words is not
        if numeric < len(group) / 3 and not (caption or framed_group):
            continue
        if numeric < len(group) / 3:
            # a diagram's words may carry a few small-print explanations; a region holding more
            # long lines than words is a table of terms and their definitions: text, not a figure
            prose = [it for it in inside if not _is_label(it, body)
                     and (len(it.text) > 2 * LABEL_CHARS or it.width >= 15 * it.size)]
            if len(prose) >= len(group):
                continue
        stacks = _stacks(inside)
        by_category = None if stacks else _by_category(inside)
        if by_category:
            inside = by_category
        elif stacks:
            # a timeline's or a process's columns: each column's lines (and the title set over it) read together
            stacks = [_title_over(stack, items, taken, inside) + stack for stack in stacks]
            inside = [i for stack in stacks for i in stack]
        else:
            inside = sorted(inside, key=lambda i: (round(i.top), i.x0))
        members = caption[:1] + inside
        members += _legend(members, items, taken)
        taken.update(id(i) for i in members)
        fx0 = min(i.x0 for i in members)
        ftop = min(i.top for i in members)
        labels_text = " ".join(i.text for i in members[len(caption[:1]):])   # the labels, in reading order
        fig = Item("figure", fx0, ftop, max(i.x1 for i in members), max(i.bottom for i in members),
                   body, False, "\n".join([caption[0].text, labels_text] if caption else [labels_text]),
                   [c for i in members for c in i.chars])
        figures.append(fig)
    if not figures:
        return items
    return [it for it in items if id(it) not in taken] + figures
