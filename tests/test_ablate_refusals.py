"""eval/ablate_refusals.py: what each refusal rule alone decides, on the real engine and index."""

from __future__ import annotations

import json

from eval import ablate_refusals as ab


def test_a_loanword_question_is_refused_by_the_loanword_rule_alone(corpus_index, tmp_path):
    # A loanword no indexed passage uses (dev-103's): the one rule that refuses it is LOANWORDS.
    gold = tmp_path / "one.jsonl"
    gold.write_text(json.dumps({"id": "x-001", "question": "クラウドファンディングで資金を集めているクラスターは？",
                                "language": "ja", "type": "unanswerable", "docs": [], "evidence": [], "facts": []},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    flags = {(m.__name__, f): getattr(m, f) for m, f, _ in ab.FLAGS.values()}
    counts = ab.ablate(gold, corpus_index, show=False, sweep={})
    assert counts["refused as shipped"] == (1, 0)
    assert counts["an unknown loanword (LOANWORDS)"] == (1, 0)
    assert counts["topic in the quote's scope (TOPIC_MIN)"] == (0, 0)
    assert {(m.__name__, f): getattr(m, f) for m, f, _ in ab.FLAGS.values()} == flags   # every flag restored
