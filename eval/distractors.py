"""Real distractor documents: the 情報通信白書 editions rendered to plain A4 PDFs, cached outside the repo.

    .venv/bin/python -m eval.distractors [--editions N] [--cache DIR]

``../shared/distractors/soumu_ict_white_paper/`` holds the text of every
edition of 総務省「情報通信白書」 from 平成12年 (h12) to 令和5年 (r5) — real
Japanese policy prose from a neighbouring field (licence: CC BY 4.0, see
``../shared/README.md``; never commit it or PDFs made from it). The scale
benchmark ingests them beside the bundled corpus as distinct documents that
share its vocabulary but not its facts.

Rendering is deliberately plain, as a new user's own PDFs would be: A4
portrait, IPAexGothic (the font ``corpus/build_corpus.py`` takes from
matplotlib-fontja), 45 characters a line, short numbered lines (第1章…, 1　…)
set larger as headings, a running header with the edition's name and a page
number as furniture, the title and publisher in the PDF's metadata.

The texts are read from ``$POLICYQA_DISTRACTORS_SOURCE`` if set. PDFs are cached in ``$POLICYQA_DISTRACTORS_CACHE`` or
``~/.cache/policyqa/distractors``, each beside a JSON note of the source's hash
and the renderer's version; a PDF whose note does not match is rendered again.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIR = Path(os.environ.get("POLICYQA_DISTRACTORS_SOURCE")
                  or ROOT.parent / "shared" / "distractors" / "soumu_ict_white_paper")
BUILD_CORPUS = ROOT / "corpus" / "build_corpus.py"
RENDERER_VERSION = 1          # bump when the rendering changes: cached PDFs are redone
PUBLISHER = "総務省"
LINE_CHARS = 45
BODY_SIZE = 10.5
HEADING_SIZE = 13.0
LEADING = 1.6                 # line height / font size
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 62.0, 72.0, 64.0

_ERA = {"h": "平成", "r": "令和"}
_HEADING = re.compile(r"^(第[0-9０-９一二三四五六七八九十]+[部章節]|[0-9０-９]{1,2}[　 ]|[（(][0-9０-９]{1,2}[)）])")


@dataclass(frozen=True)
class Rendered:
    edition: str
    path: Path
    pages: int
    chars: int


def editions(source: Path = SOURCE_DIR) -> list[str]:
    """Edition stems in publication order: h12 … h30, r1 … r5."""
    stems = [p.stem for p in source.glob("*.txt") if re.fullmatch(r"[hr]\d+", p.stem)]
    return sorted(stems, key=lambda s: (s[0] != "h", int(s[1:])))


def pick(n: int, source: Path = SOURCE_DIR) -> list[str]:
    """``n`` editions spread over the years, newest first; a smaller pick is part of a larger one."""
    newest_first = editions(source)[::-1]
    if n > len(newest_first):   # never measure "+N editions" with fewer
        raise FileNotFoundError(f"{n} editions wanted, {len(newest_first)} found in {source} "
                                "(set $POLICYQA_DISTRACTORS_SOURCE)")
    if n == len(newest_first):
        return newest_first
    return [newest_first[round(i * len(newest_first) / n)] for i in range(n)]


def title(edition: str) -> str:
    year = int(edition[1:])
    return f"情報通信白書 {_ERA[edition[0]]}{'元' if year == 1 else year}年版"


def default_cache() -> Path:
    env = os.environ.get("POLICYQA_DISTRACTORS_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "policyqa" / "distractors"


def _font_path() -> Path:
    """The font rule lives in corpus/build_corpus.py (a script: loaded by path)."""
    name = "policyqa_build_corpus"
    mod: ModuleType | None = sys.modules.get(name)
    if mod is None:
        spec = importlib.util.spec_from_file_location(name, BUILD_CORPUS)
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod       # its dataclasses look their module up here
        spec.loader.exec_module(mod)
    return mod.font_path()


def _lines(text: str) -> list[tuple[bool, str]]:
    """(is_heading, line) in reading order, body paragraphs wrapped at LINE_CHARS."""
    out: list[tuple[bool, str]] = []
    for para in text.splitlines():
        para = para.strip()
        if not para:
            continue
        if len(para) <= 40 and not para.endswith("。") and _HEADING.match(para):
            out.append((True, para))
            continue
        out += [(False, para[i:i + LINE_CHARS]) for i in range(0, len(para), LINE_CHARS)]
    return out


def render_edition(edition: str, out_dir: Path, *, source: Path = SOURCE_DIR,
                   max_chars: int | None = None) -> Rendered:
    """Render one edition (or its first ``max_chars`` characters) to ``out_dir``; reuses a matching cache."""
    src = source / f"{edition}.txt"
    text = src.read_text(encoding="utf-8")
    if max_chars is not None:
        text = text[:max_chars]
    stem = f"ict_white_paper_{edition}" + (f"_first{max_chars}" if max_chars is not None else "")
    pdf, note = out_dir / f"{stem}.pdf", out_dir / f"{stem}.json"
    key = {"source_sha256": hashlib.sha256(text.encode()).hexdigest(), "renderer": RENDERER_VERSION}
    if pdf.exists() and note.exists():
        saved = json.loads(note.read_text())
        if {k: saved.get(k) for k in key} == key:
            return Rendered(edition, pdf, saved["pages"], saved["chars"])

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    font = "IPAexGothic"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(font, str(_font_path())))
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = pdf.with_suffix(".pdf.tmp")
    name = title(edition)
    c = Canvas(str(tmp), pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(name)
    c.setAuthor(PUBLISHER)
    c.setSubject(f"policyqa scale distractor, rendered from {src.name} (出典「情報通信白書」（総務省）, CC BY 4.0)")
    c.setCreator("policyqa eval/distractors.py")
    width, height = A4
    pages = 0

    def start_page() -> float:
        nonlocal pages
        pages += 1
        c.setFont(font, 8)
        c.drawString(MARGIN_X, height - 40, name)
        c.drawCentredString(width / 2, 32, f"- {pages} -")
        return height - MARGIN_TOP

    y = start_page()
    for heading, line in _lines(text):
        size = HEADING_SIZE if heading else BODY_SIZE
        step = size * LEADING + (size * 0.6 if heading else 0)
        if y - step < MARGIN_BOTTOM:
            c.showPage()
            y = start_page()
        y -= step
        c.setFont(font, size)
        c.drawString(MARGIN_X, y, line)
    c.showPage()
    c.save()
    tmp.replace(pdf)    # atomic: a killed render leaves no half PDF under the real name
    note.write_text(json.dumps({**key, "pages": pages, "chars": len(text), "edition": edition}))
    return Rendered(edition, pdf, pages, len(text))


def ensure(wanted: list[str], cache: Path | None = None, workers: int = 2,
           source: Path = SOURCE_DIR) -> list[Rendered]:
    """The PDFs of these editions, rendered into the cache where missing (in worker processes)."""
    cache = cache or default_cache()
    if workers <= 1 or len(wanted) <= 1:
        return [render_edition(e, cache, source=source) for e in wanted]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(render_edition, wanted, [cache] * len(wanted), chunksize=1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--editions", type=int, default=24, help="how many editions (spread over the years)")
    ap.add_argument("--cache", type=Path, default=None, help="where the PDFs go (default: %(default)s → "
                    "$POLICYQA_DISTRACTORS_CACHE or ~/.cache/policyqa/distractors)")
    args = ap.parse_args(argv)
    if not SOURCE_DIR.is_dir():
        print(f"no distractor texts at {SOURCE_DIR}", file=sys.stderr)
        return 2
    for r in ensure(pick(args.editions), args.cache):
        print(json.dumps({**asdict(r), "path": str(r.path)}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
