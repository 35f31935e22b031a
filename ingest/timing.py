"""Where parsing spends its time, without threading a timer through every call.

`parse_pdf` starts a `Stopwatch`; code deep inside it wraps a stage in
`stage("normalise")`. Outside a stopwatch, `stage` costs one lookup.
"""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

_current: ContextVar["Stopwatch | None"] = ContextVar("policyqa_stopwatch", default=None)


class Stopwatch:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def running(self) -> Iterator["Stopwatch"]:
        token = _current.set(self)
        try:
            yield self
        finally:
            _current.reset(token)


@contextmanager
def stage(name: str) -> Iterator[None]:
    watch = _current.get()
    if watch is None:
        yield
        return
    t0 = time.perf_counter()
    try:
        yield
    finally:
        watch.seconds[name] += time.perf_counter() - t0
