"""The report's charts (matplotlib, Agg): dev vs test per configuration, and the refusal trade-off.

Japanese labels use IPAexGothic as matplotlib-fontja ships it, found without importing the
package (importing it restyles matplotlib for the whole process).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from .metrics import LANGUAGES

CHARTS = {"splits": "splits.png", "refusal": "refusal.png"}
# The metrics drawn per configuration (aggregate key, label), all over every language.
SPLIT_METRICS = (("hit@5", "hit@5"), ("mrr", "MRR"), ("evidence@1000", "根拠@1000字\nevidence@1000"),
                 ("all_facts", "全事実\nall facts"), ("evidence_cited", "根拠の引用\nevidence cited"),
                 ("unanswerable_refused", "拒否（回答不能）\nunans. refused"))
SPLIT_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b")


def font_path() -> Path:
    spec = importlib.util.find_spec("matplotlib_fontja")
    if spec is None or not spec.origin:
        raise RuntimeError("matplotlib-fontja is not installed (it ships the chart font): pip install -e .")
    path = Path(spec.origin).resolve().parent / "fonts" / "ipaexg.ttf"
    if not path.is_file():
        raise RuntimeError(f"IPAexGothic not found at {path}")
    return path


def _japanese_font() -> str:
    from matplotlib import font_manager

    path = font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()     # "IPAexGothic"


def write_charts(metrics: dict, out_dir: Path) -> dict[str, Path]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    family = _japanese_font()
    names, splits, results = metrics["configs"], metrics["splits"], metrics["results"]
    paths = {k: Path(out_dir) / v for k, v in CHARTS.items()}
    colour = dict(zip(splits, SPLIT_COLOURS))
    with plt.rc_context({"font.family": family, "axes.unicode_minus": False}):
        # (a) one panel per configuration; per metric, one bar per split: dev beside test
        fig, axes = plt.subplots(1, len(names), figsize=(5.2 * len(names), 4.6), dpi=100, sharey=True,
                                 squeeze=False)
        width = 0.8 / max(len(splits), 1)
        for ax, name in zip(axes[0], names):
            for i, split in enumerate(splits):
                agg = results[split]["aggregates"][name]["all"]
                xs = [j + (i - (len(splits) - 1) / 2) * width for j in range(len(SPLIT_METRICS))]
                bars = ax.bar(xs, [agg[m] for m, _ in SPLIT_METRICS], width, color=colour[split],
                              label=f"{split} ({results[split]['gold']['questions']})")
                ax.bar_label(bars, fmt="%.2f", fontsize=6, padding=1, rotation=90)
            ax.set_xticks(range(len(SPLIT_METRICS)), [label for _, label in SPLIT_METRICS], fontsize=7)
            ax.set_ylim(0, 1.18)
            ax.set_title(name)
            ax.grid(axis="y", alpha=0.3)
            ax.legend(fontsize=7, loc="upper right", ncols=len(splits))
        axes[0][0].set_ylabel("平均 / mean (0–1)")
        fig.suptitle("分割ごとの指標（開発 vs テスト）/ Each configuration on each split (dev vs test)")
        fig.tight_layout()
        fig.savefig(paths["splits"])
        plt.close(fig)

        # (b) refusal trade-off of the engine configurations: one panel per language, a curve per split
        engine = [n for n in names if any(n in results[s]["refusal_tradeoff"] for s in splits)]
        fig, axes = plt.subplots(1, len(LANGUAGES), figsize=(10, 4.6), dpi=100)
        styles = ("-", "--", ":", "-.")
        for ax, lang in zip(axes, LANGUAGES):
            for si, split in enumerate(splits):
                for ni, name in enumerate(engine):
                    t = results[split]["refusal_tradeoff"].get(name, {}).get(lang)
                    if not t or not t["n_answerable"] or not t["n_unanswerable"]:
                        continue
                    xs = [r["wrongly_refused"] / t["n_answerable"] for r in t["curve"]]
                    ys = [r["wrongly_answered"] / t["n_unanswerable"] for r in t["curve"]]
                    ax.plot(xs, ys, styles[ni % len(styles)], color=colour[split], label=f"{split}: {name}")
                    a = results[split]["aggregates"][name][lang]
                    ax.plot([a["answerable_refused"]], [1 - a["unanswerable_refused"]], "o", color=colour[split],
                            markeredgecolor="black", markersize=8)
            ax.set_xlim(-0.03, 1.03)
            ax.set_ylim(-0.03, 1.03)
            ax.set_xlabel("誤って拒否した回答可能な質問 / answerable refused")
            ax.set_ylabel("誤って回答した回答不能な質問 / unanswerable answered")
            ax.set_title(f"{lang}: 拒否の閾値 / refusal threshold", fontsize=10)
            ax.grid(alpha=0.3)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=7, loc="upper right")
        fig.suptitle("拒否のトレードオフ（●＝既定の閾値）/ Refusal trade-off (● = default threshold)")
        fig.tight_layout()
        fig.savefig(paths["refusal"])
        plt.close(fig)
    return paths
