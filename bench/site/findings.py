"""The write-up's findings as the findings template reads them.

The analysis computed them (``bench.analysis.findings``, held by ``Analysis.findings``); this
module names the models and classes, links the models' pages and turns each test into a short
fixed verdict key (``"significant"`` or ``"within_noise"``). The template words the sentences and
the filters format the numbers, so every ranking, count, p-value and class named on the post
follows the stored results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from bench.analysis import findings, significance, statistics
from bench.analysis.analyse import Analysis
from bench.analysis.report import ModelReport
from bench.site.model_page import model_href


def build(analysis: Analysis, class_names: Sequence[str]) -> dict:
    """Every finding of the post: the ranking within comparable groups with the significance
    of each gap, the tests of every pair of models, each model's largest confusions and best
    and worst classes, and what all models have in common."""
    found = analysis.findings
    names = tuple(class_names)
    by_name = {r.model: r for r in analysis.reports}

    def summary(model: str) -> dict:
        return model_summary(by_name[model])

    def named(labels: Sequence[int]) -> list[str]:
        return [names[label] for label in labels]

    return {
        "profiles": list(found.profiles),
        "mixed_profiles": found.mixed_profiles,
        "groups": [
            {
                "terms": asdict(group.terms),
                "models": [summary(model) for model in group.models],
                "pairs": [comparison(pair, by_name) for pair in group.pairs],
            }
            for group in found.groups
        ],
        "pairwise": [pair_row(pair, by_name) for pair in found.pairwise],
        "significance_level": statistics.SIGNIFICANCE,
        "models": [model_findings(m, by_name[m.model], names) for m in found.models],
        "shared": {
            "confused": named(found.shared.confused),
            "worst": named(found.shared.worst),
            "best": named(found.shared.best),
        },
        "per_class": {
            "models": [summary(model) for model in found.per_class.models],
            "rows": [
                {"name": names[row.label], "cells": [asdict(cell) for cell in row.cells]}
                for row in found.per_class.rows
            ],
        },
        "shared_mistakes": shared_mistakes(found.shared_mistakes),
    }


def model_summary(report: ModelReport) -> dict:
    return {
        "name": report.model,
        "display_name": report.display_name,
        "href": model_href(report),
        "profile": report.profile,
        "folds_done": report.folds_done,
        "accuracy": report.test.accuracy,
    }


def comparison(pair: findings.Comparison, by_name: dict[str, ModelReport]) -> dict:
    """Two neighbours of a ranking group: the gap against the spread, and the pair's tests (the
    corrected t-test where they share three or more folds, McNemar's test on their ensembles
    where they share the test images)."""
    ahead, behind, test = by_name[pair.ahead], by_name[pair.behind], pair.test
    return {
        "ahead": model_summary(ahead),
        "behind": model_summary(behind),
        "gap": pair.gap,
        "spread": pair.spread,
        "verdict": pair.verdict,
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
        "ahead": ahead.ensemble.scores.accuracy,
        "behind": behind.ensemble.scores.accuracy,
        "test_images": test.test_images,
        "p": test.mcnemar_p_holm,
        "verdict": _verdict(test.mcnemar_significant),
    }


def pair_row(pair: findings.PairFinding, by_name: dict[str, ModelReport]) -> dict:
    """One line of the pairwise table: both tests of a pair, with the counts behind McNemar's,
    and whether the two models were trained on equal terms."""
    test = pair.test
    return {
        "ahead": model_summary(by_name[test.ahead]),
        "behind": model_summary(by_name[test.behind]),
        "equal_terms": pair.equal_terms,
        "test_images": test.test_images,
        "ensemble_gap": test.ensemble_gap,
        "only_ahead": test.mcnemar.only_a,
        "only_behind": test.mcnemar.only_b,
        "mcnemar_p": test.mcnemar_p_holm,
        "mcnemar_verdict": _verdict(test.mcnemar_significant),
        "t_test": t_test_finding(test),
    }


def model_findings(
    found: findings.ModelFindings, report: ModelReport, names: tuple[str, ...]
) -> dict:
    """One model's ensemble: its largest confusions (true -> predicted, count, share of the
    true class) and the classes with the highest and lowest F1, named."""
    return {
        **model_summary(report),
        "test_images": report.test_images,
        "confusions": [
            {
                "true": names[c.true],
                "predicted": names[c.predicted],
                "count": c.count,
                "share": c.share,
            }
            for c in found.confusions
        ],
        "best": extreme_classes(found.best, names),
        "worst": extreme_classes(found.worst, names),
    }


def extreme_classes(extreme: findings.ExtremeClasses, names: tuple[str, ...]) -> dict:
    return {"classes": [names[label] for label in extreme.labels], "f1": extreme.f1}


def shared_mistakes(mistakes: findings.SharedMistakes | None) -> dict | None:
    """The images every ensemble gets wrong, as the template and the figure job read them."""
    if mistakes is None:
        return None
    return {
        "count": mistakes.count,
        "test_images": mistakes.test_images,
        "share": mistakes.share,
        "models": mistakes.models,
        "indices": mistakes.indices,
        "true": list(mistakes.true),
        "predicted": list(mistakes.predicted),
    }
