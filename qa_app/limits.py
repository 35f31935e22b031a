"""Bounds on what a user may hand the engine, in one place (README, "Limits").

A question is capped so that one request cannot hold the engine (and every user
queued behind it) for minutes or take gigabytes: 2,000 characters is several
times the longest gold question. ``k`` is capped for the same reason.
"""

from __future__ import annotations

MAX_QUESTION_CHARS = 2000
MAX_K = 200


class QuestionTooLong(ValueError):
    """A question over MAX_QUESTION_CHARS; the message is one line for the user."""


def check_question(question: str) -> str:
    """The question, stripped; raises QuestionTooLong or ValueError (empty) with a one-line message."""
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionTooLong(f"the question is {len(question):,} characters long; the limit is "
                              f"{MAX_QUESTION_CHARS:,}")
    question = question.strip()
    if not question:
        raise ValueError("the question is empty")
    return question


def check_k(k: int) -> int:
    if not 1 <= k <= MAX_K:
        raise ValueError(f"-k must be between 1 and {MAX_K} (got {k})")
    return k
