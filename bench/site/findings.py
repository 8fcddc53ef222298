"""The write-up's findings, computed from the results rather than asserted in prose.

Pure functions of the analysis (``bench.analysis.analyse``) and the class names. They return
raw values and short fixed keys (a verdict such as ``"within_spread"`` or ``"significant"``);
the findings template words the sentences and the filters format the numbers, so every ranking,
count, p-value and class named on the post follows the stored results.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from bench.analysis import significance, statistics
from bench.analysis.analyse import Analysis
from bench.analysis.report import ModelReport
from bench.site.model_page import confused_pairs, model_href

CONFUSIONS_SHOWN = 2  # largest off-diagonal cells named per model
SHARED_MISTAKES_SHOWN = 16  # test images every ensemble gets wrong, shown on the post
# What must match for two models to be ranked against each other (see terms()).
TERMS = ("profile", "train_images", "test_images")


def build(analysis: Analysis, class_names: Sequence[str]) -> dict:
    """Every finding of the post: the ranking within comparable groups with the significance
    of each gap, the tests of every pair of models, each model's largest confusions and best
    and worst classes, and what all models have in common."""
    ranked = analysis.reports
    names = tuple(class_names)
    profiles = sorted({r.profile for r in ranked})
    models = [model_findings(r, names) for r in ranked]
    tests = analysis.pairwise
    by_name = {r.model: r for r in ranked}
    return {
        "profiles": profiles,
        "mixed_profiles": len(profiles) > 1,
        "groups": ranking_groups(ranked, tests),
        "pairwise": [pair_row(test, by_name) for test in tests],
        "significance_level": statistics.SIGNIFICANCE,
        "models": models,
        "shared": shared_classes(models, names),
        "per_class": per_class_f1(ranked, names),
        "shared_mistakes": shared_mistakes(ranked),
    }


def terms(report: ModelReport) -> dict:
    """The conditions a model's scores depend on besides the model: its profile, the training
    images each fold model saw, and the number of test images scored."""
    return {
        "profile": report.profile,
        "train_images": max(record.train_images for record in report.folds),
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


def ranking_groups(
    ranked: Sequence[ModelReport], tests: Sequence[significance.PairTest] = ()
) -> list[dict]:
    """Models grouped by equal terms, each group in ranking order with one comparison per
    neighbouring pair (with its tests, where ``tests`` has them); models in different groups
    are never compared. The group holding the best model comes first."""
    grouped: dict[tuple, list[ModelReport]] = {}
    for report in ranked:
        grouped.setdefault(tuple(terms(report).values()), []).append(report)
    return [
        {
            "terms": dict(zip(TERMS, key, strict=True)),
            "models": [model_summary(r) for r in members],
            "pairs": [
                compare(ahead, behind, significance.find(tests, ahead.model, behind.model))
                for ahead, behind in pairwise(members)
            ],
        }
        for key, members in grouped.items()
    ]


def compare(
    ahead: ModelReport, behind: ModelReport, test: significance.PairTest | None = None
) -> dict:
    """The gap in mean test accuracy between two comparable models, weighed against the larger
    of their fold-to-fold standard deviations (there is none when either has a single fold),
    with the pair's tests: the corrected t-test on that gap where they share three or more
    folds, McNemar's test on their ensembles where they share the test images."""
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
        "t_test": None if test is None else t_test_finding(test),
        "ensembles": None if test is None else ensemble_finding(test, ahead, behind),
    }


def _verdict(significant: bool) -> str:
    return "significant" if significant else "within_noise"


def t_test_finding(test: significance.PairTest) -> dict | None:
    """The corrected resampled t-test on the fold models' accuracies (None without one)."""
    if test.t_test is None:
        return None
    return {
        "folds": test.t_test.folds,
        "p": test.t_test_p_holm,
        "verdict": _verdict(test.t_test_significant),
    }


def ensemble_finding(test: significance.PairTest, ahead: ModelReport, behind: ModelReport) -> dict:
    """McNemar's exact test on the two ensembles' correctness on the same test images."""
    return {
        "ahead": ahead.ensemble["accuracy"],
        "behind": behind.ensemble["accuracy"],
        "test_images": test.test_images,
        "p": test.mcnemar_p_holm,
        "verdict": _verdict(test.mcnemar_significant),
    }


def pair_row(test: significance.PairTest, by_name: dict[str, ModelReport]) -> dict:
    """One line of the pairwise table: both tests of a pair, with the counts behind McNemar's,
    and whether the two models were trained on equal terms (see ``terms``)."""
    ahead, behind = by_name[test.ahead], by_name[test.behind]
    return {
        "ahead": model_summary(ahead),
        "behind": model_summary(behind),
        "equal_terms": terms(ahead) == terms(behind),
        "test_images": test.test_images,
        "ensemble_gap": test.ensemble_gap,
        "only_ahead": test.mcnemar.only_a,
        "only_behind": test.mcnemar.only_b,
        "mcnemar_p": test.mcnemar_p_holm,
        "mcnemar_verdict": _verdict(test.mcnemar_significant),
        "t_test": t_test_finding(test),
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


def per_class_f1(ranked: Sequence[ModelReport], class_names: tuple[str, ...]) -> dict:
    """Every class's F1 for every model's ensemble: one row per class, one column per model in
    ranking order, the highest F1 of each row marked (all of them when tied)."""
    table = np.array([r.ensemble["per_class"]["f1"] for r in ranked])  # models x classes
    return {
        "models": [model_summary(r) for r in ranked],
        "rows": [
            {
                "name": name,
                "cells": [{"f1": float(f1), "best": bool(f1 == column.max())} for f1 in column],
            }
            for name, column in zip(class_names, table.T, strict=True)
        ],
    }


def shared_mistakes(
    ranked: Sequence[ModelReport], shown: int = SHARED_MISTAKES_SHOWN
) -> dict | None:
    """The test images that every model's ensemble gets wrong, the most confidently wrong (by
    the ensembles' mean probability of their wrong answers) first, each with the wrong class
    most ensembles chose (the lowest label on a tie). None unless two or more models were
    scored on the same test images."""
    if len(ranked) < 2 or not all(significance.same_test_images(ranked[0], r) for r in ranked[1:]):
        return None
    predictions = [r.predictions for r in ranked]
    labels = predictions[0].labels
    positions = np.flatnonzero(np.logical_and.reduce([p.predicted != labels for p in predictions]))
    chosen = np.stack([p.predicted[positions] for p in predictions])  # models x images
    confidence = np.mean(
        [p.probabilities[positions, p.predicted[positions]] for p in predictions], axis=0
    )
    order = np.lexsort((positions, -confidence))[:shown]
    return {
        "count": int(positions.size),
        "test_images": int(labels.size),
        "share": positions.size / labels.size if labels.size else 0.0,
        "models": len(ranked),
        "indices": predictions[0].indices[positions[order]],
        "true": labels[positions[order]].astype(int).tolist(),
        "predicted": [int(np.bincount(chosen[:, i]).argmax()) for i in order],
    }
