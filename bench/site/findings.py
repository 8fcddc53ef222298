"""The write-up's findings, computed from the results rather than asserted in prose.

Pure functions of the model reports and the class names. They return raw values and short
fixed keys (a verdict such as ``"within_spread"``); the findings template words the sentences
and the filters format the numbers, so every ranking, count and class named on the post
follows the stored results.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from bench.report import ModelReport
from bench.site.model_page import confused_pairs, model_href

CONFUSIONS_SHOWN = 2  # largest off-diagonal cells named per model
# What must match for two models to be ranked against each other (see terms()).
TERMS = ("profile", "train_images", "test_images")


def build(reports: Sequence[ModelReport], class_names: Sequence[str]) -> dict:
    """Every finding of the post: the ranking within comparable groups, each model's largest
    confusions and best and worst classes, and what all models have in common."""
    ranked = rank(reports)
    names = tuple(class_names)
    profiles = sorted({r.profile for r in ranked})
    models = [model_findings(r, names) for r in ranked]
    return {
        "profiles": profiles,
        "mixed_profiles": len(profiles) > 1,
        "groups": ranking_groups(ranked),
        "models": models,
        "shared": shared_classes(models, names),
    }


def rank(reports: Sequence[ModelReport]) -> list[ModelReport]:
    """Best mean test accuracy first; equal means in model-name order, so the order is stable."""
    return sorted(reports, key=lambda r: (-r.test["accuracy"][0], r.model))


def terms(report: ModelReport) -> dict:
    """The conditions a model's scores depend on besides the model: its profile, the training
    images each fold model saw, and the number of test images scored."""
    return {
        "profile": report.profile,
        "train_images": max(record["train_images"] for record in report.folds),
        "test_images": report.test_images,
    }


def model_summary(report: ModelReport) -> dict:
    return {
        "name": report.model,
        "display_name": report.display_name,
        "href": model_href(report),
        "profile": report.profile,
        "folds_done": report.folds_done,
        "accuracy": report.test["accuracy"],
    }


def ranking_groups(ranked: Sequence[ModelReport]) -> list[dict]:
    """Models grouped by equal terms, each group in ranking order with one comparison per
    neighbouring pair; models in different groups are never compared. The group holding the
    best model comes first."""
    grouped: dict[tuple, list[ModelReport]] = {}
    for report in ranked:
        grouped.setdefault(tuple(terms(report).values()), []).append(report)
    return [
        {
            "terms": dict(zip(TERMS, key, strict=True)),
            "models": [model_summary(r) for r in members],
            "pairs": [compare(ahead, behind) for ahead, behind in pairwise(members)],
        }
        for key, members in grouped.items()
    ]


def compare(ahead: ModelReport, behind: ModelReport) -> dict:
    """The gap in mean test accuracy between two comparable models, weighed against the larger
    of their fold-to-fold standard deviations (there is none when either has a single fold)."""
    (ahead_mean, ahead_std), (behind_mean, behind_std) = (
        ahead.test["accuracy"],
        behind.test["accuracy"],
    )
    gap = ahead_mean - behind_mean
    spread = None if min(ahead.folds_done, behind.folds_done) < 2 else max(ahead_std, behind_std)
    if gap == 0:
        verdict = "tied"
    elif spread is None:
        verdict = "no_spread"
    elif gap > spread:
        verdict = "beyond_spread"
    else:
        verdict = "within_spread"
    return {
        "ahead": model_summary(ahead),
        "behind": model_summary(behind),
        "gap": gap,
        "spread": spread,
        "verdict": verdict,
    }


def model_findings(report: ModelReport, class_names: tuple[str, ...]) -> dict:
    """One model's ensemble on the test images: its largest confusions (true -> predicted,
    count, share of the true class) and the classes with the highest and lowest F1."""
    f1 = report.ensemble["per_class"]["f1"]
    return {
        **model_summary(report),
        "test_images": report.test_images,
        "confusions": confused_pairs(
            report.ensemble["confusion"], class_names, shown=CONFUSIONS_SHOWN
        ),
        "best": extreme_classes(f1, class_names, max(f1)),
        "worst": extreme_classes(f1, class_names, min(f1)),
    }


def extreme_classes(f1: Sequence[float], class_names: tuple[str, ...], value: float) -> dict:
    """Every class whose F1 equals ``value`` (ties are all named), in label order."""
    return {
        "classes": [name for name, score in zip(class_names, f1, strict=True) if score == value],
        "f1": value,
    }


def shared_classes(models: Sequence[dict], class_names: tuple[str, ...]) -> dict:
    """Classes common to every model (two or more): in its largest confusions, among its worst
    classes, among its best classes. Empty lists when nothing is shared or there is one model."""

    def common(sets: list[set[str]]) -> list[str]:
        if len(sets) < 2:
            return []
        shared = set.intersection(*sets)
        return [name for name in class_names if name in shared]

    return {
        "confused": common(
            [
                {name for pair in m["confusions"] for name in (pair["true"], pair["predicted"])}
                for m in models
            ]
        ),  # fmt: skip
        "worst": common([set(m["worst"]["classes"]) for m in models]),
        "best": common([set(m["best"]["classes"]) for m in models]),
    }
