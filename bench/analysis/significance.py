"""Which of the measured differences the data support: an interval per model and two tests per
pair of models, computed from the reports with ``bench.analysis.statistics``.

Fold scores are test accuracies of the fold models (the numbers the results table averages);
the ensemble is tested on its own correctness on the shared test images.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from bench.analysis import statistics
from bench.analysis.report import ModelReport

MIN_PAIRED_FOLDS = 3  # fewer paired folds leave the t-test without a usable variance


@dataclass(frozen=True)
class PairTest:
    """Two models scored on the same test images, ``ahead`` ranked above ``behind``."""

    ahead: str
    behind: str
    test_images: int
    ensemble_gap: float  # ensemble accuracy of ahead minus behind
    mcnemar: statistics.McNemarResult
    mcnemar_p_holm: float
    t_test: statistics.PairedTTest | None  # None: fewer than three folds of the same split
    t_test_p_holm: float | None

    @property
    def mcnemar_significant(self) -> bool:
        return self.mcnemar_p_holm < statistics.SIGNIFICANCE

    @property
    def t_test_significant(self) -> bool | None:
        if self.t_test_p_holm is None:
            return None
        return self.t_test_p_holm < statistics.SIGNIFICANCE


def fold_sizes(report: ModelReport) -> tuple[float, float]:
    """(training images per fold model, held-out images per fold), averaged over the folds
    (stratified folds can differ by an image)."""
    return (
        float(np.mean([record.train_images for record in report.folds])),
        float(np.mean([record.held_out_images for record in report.folds])),
    )


def ensemble_correct(report: ModelReport) -> np.ndarray:
    return report.predictions.predicted == report.predictions.labels


def fold_accuracies(report: ModelReport) -> dict[int, float]:
    """Test accuracy of each fold model, by fold index."""
    return {
        record.fold: scores.accuracy
        for record, scores in zip(report.folds, report.fold_test, strict=True)
    }


@dataclass(frozen=True)
class Intervals:
    """A model's 95% intervals, as fractions."""

    accuracy: tuple[float, float] | None  # mean fold accuracy; None with one fold
    ensemble_accuracy: tuple[float, float]


def model_intervals(report: ModelReport) -> Intervals:
    """95% intervals: the corrected t-interval of the mean fold accuracy, cut to [0, 1] (None
    with one fold), and the exact binomial interval of the ensemble's accuracy."""
    n_train, n_test = fold_sizes(report)
    interval = statistics.corrected_t_interval(
        list(fold_accuracies(report).values()), n_train, n_test
    )
    return Intervals(
        # With few folds the t-interval can pass 0 or 1; an accuracy cannot.
        accuracy=None if interval is None else (max(interval[0], 0.0), min(interval[1], 1.0)),
        ensemble_accuracy=statistics.accuracy_interval(ensemble_correct(report)),
    )


def same_test_images(a: ModelReport, b: ModelReport) -> bool:
    return np.array_equal(a.predictions.indices, b.predictions.indices)


def _split(report: ModelReport) -> tuple:
    """What fixes the folds: profile, seed, number of folds (the training subset's size shows
    in the fold sizes)."""
    first = report.folds[0]
    return report.profile, first.seed, first.folds


def _fold_sizes_by_index(report: ModelReport) -> dict[int, tuple[int, int]]:
    return {r.fold: (r.train_images, r.held_out_images) for r in report.folds}


def paired_folds(a: ModelReport, b: ModelReport) -> list[int]:
    """Fold indices both models trained on the same split (same profile, seed, number of
    folds and fold sizes); empty when their splits differ."""
    if _split(a) != _split(b):
        return []
    sizes_a, sizes_b = _fold_sizes_by_index(a), _fold_sizes_by_index(b)
    return sorted(
        fold for fold in sizes_a.keys() & sizes_b.keys() if sizes_a[fold] == sizes_b[fold]
    )


def _t_test(a: ModelReport, b: ModelReport) -> statistics.PairedTTest | None:
    folds = paired_folds(a, b)
    if len(folds) < MIN_PAIRED_FOLDS:
        return None
    scores_a, scores_b = fold_accuracies(a), fold_accuracies(b)
    n_train, n_test = fold_sizes(a)
    return statistics.corrected_resampled_t_test(
        [scores_a[fold] for fold in folds], [scores_b[fold] for fold in folds], n_train, n_test
    )


def pairwise(ranked: Sequence[ModelReport]) -> list[PairTest]:
    """Every pair of models scored on the same test images, in ranking order (``ranked`` best
    first): McNemar's exact test on the ensembles and, where the two share three or more folds
    of one split, the corrected resampled t-test on the fold models. Each family of p-values
    is Holm-adjusted over all the pairs that have one."""
    pairs = [(a, b) for a, b in combinations(ranked, 2) if same_test_images(a, b)]
    mcnemar = [statistics.mcnemar_exact(ensemble_correct(a), ensemble_correct(b)) for a, b in pairs]
    t_tests = [_t_test(a, b) for a, b in pairs]
    mcnemar_holm = statistics.holm([result.p_value for result in mcnemar])
    t_holm = iter(statistics.holm([t.p_value for t in t_tests if t is not None]))
    return [
        PairTest(
            ahead=a.model,
            behind=b.model,
            test_images=a.test_images,
            ensemble_gap=a.ensemble.scores.accuracy - b.ensemble.scores.accuracy,
            mcnemar=result,
            mcnemar_p_holm=p_holm,
            t_test=t_test,
            t_test_p_holm=None if t_test is None else next(t_holm),
        )
        for (a, b), result, p_holm, t_test in zip(
            pairs, mcnemar, mcnemar_holm, t_tests, strict=True
        )
    ]


def find(tests: Sequence[PairTest], a: str, b: str) -> PairTest | None:
    """The test of models ``a`` and ``b`` (in either order); None when they were not tested."""
    return next((t for t in tests if {t.ahead, t.behind} == {a, b}), None)
