"""What the scores mean: intervals, significance tests and calibration.

Pure functions of correctness vectors, fold scores and probabilities, each built on scipy or
statsmodels; this module only arranges their inputs. Fractions stay fractions; nothing here
formats a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

CONFIDENCE = 0.95
SIGNIFICANCE = 0.05  # two-sided level at which an adjusted p-value counts as significant
CALIBRATION_BINS = 15  # Guo et al. (2017)
TEMPERATURE_BOUNDS = (0.05, 20.0)
# Stored float32 probabilities can underflow to 0; their logarithm is clipped here.
SMALLEST_PROBABILITY = 1e-30


@dataclass(frozen=True)
class McNemarResult:
    """Two classifiers on the same images: [[both right, only A right], [only B right,
    both wrong]] and the exact two-sided p-value."""

    table: tuple[tuple[int, int], tuple[int, int]]
    p_value: float

    @property
    def only_a(self) -> int:
        return self.table[0][1]

    @property
    def only_b(self) -> int:
        return self.table[1][0]


@dataclass(frozen=True)
class PairedTTest:
    """Nadeau and Bengio's corrected resampled t-test over paired folds (A minus B)."""

    mean_difference: float
    t_statistic: float
    p_value: float
    folds: int


@dataclass(frozen=True)
class ReliabilityBins:
    """Equal-width bins of top-class confidence: per bin the mean confidence, the accuracy
    (both NaN for an empty bin) and the number of images."""

    edges: np.ndarray  # bins + 1 edges from 0 to 1
    confidence: np.ndarray
    accuracy: np.ndarray
    count: np.ndarray


def accuracy_interval(correct: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Exact (Clopper-Pearson) interval for the share of ``True`` in ``correct``."""
    correct = np.asarray(correct, dtype=bool)
    result = stats.binomtest(int(correct.sum()), correct.size)
    interval = result.proportion_ci(confidence_level=confidence, method="exact")
    return float(interval.low), float(interval.high)


def corrected_variance_factor(folds: int, n_train: float, n_test: float) -> float:
    """Nadeau and Bengio's (2003) factor on the sample variance of k fold scores,
    1/k + n_test/n_train: the folds share training images, so they are not independent."""
    return 1.0 / folds + n_test / n_train


def corrected_t_interval(
    fold_scores: Sequence[float], n_train: float, n_test: float, confidence: float = CONFIDENCE
) -> tuple[float, float] | None:
    """t-interval for the mean of k fold scores with the corrected variance (k - 1 degrees of
    freedom); ``n_test`` is the held-out images per fold, ``n_train`` the training images of
    each fold model. None for fewer than two folds."""
    scores = np.asarray(fold_scores, dtype=float)
    folds = scores.size
    if folds < 2:
        return None
    variance = corrected_variance_factor(folds, n_train, n_test) * scores.var(ddof=1)
    half_width = stats.t.ppf(0.5 + confidence / 2, folds - 1) * np.sqrt(variance)
    return float(scores.mean() - half_width), float(scores.mean() + half_width)


def mcnemar_exact(correct_a: np.ndarray, correct_b: np.ndarray) -> McNemarResult:
    """McNemar's exact test of two classifiers' correctness on the same images."""
    a = np.asarray(correct_a, dtype=bool)
    b = np.asarray(correct_b, dtype=bool)
    if a.shape != b.shape:
        raise ValueError(f"correctness vectors differ in shape: {a.shape} and {b.shape}")
    table = (
        (int(np.count_nonzero(a & b)), int(np.count_nonzero(a & ~b))),
        (int(np.count_nonzero(~a & b)), int(np.count_nonzero(~a & ~b))),
    )
    return McNemarResult(table, float(mcnemar(np.array(table), exact=True).pvalue))


def corrected_resampled_t_test(
    scores_a: Sequence[float], scores_b: Sequence[float], n_train: float, n_test: float
) -> PairedTTest | None:
    """Two-sided corrected resampled t-test on fold-by-fold differences A - B (k - 1 degrees
    of freedom). None for fewer than three paired folds."""
    differences = np.asarray(scores_a, dtype=float) - np.asarray(scores_b, dtype=float)
    folds = differences.size
    if folds < 3:
        return None
    mean = float(differences.mean())
    variance = corrected_variance_factor(folds, n_train, n_test) * differences.var(ddof=1)
    if variance == 0:
        # Identical differences in every fold: no spread to test against.
        t_statistic = 0.0 if mean == 0 else float(np.copysign(np.inf, mean))
    else:
        t_statistic = mean / float(np.sqrt(variance))
    p_value = float(2 * stats.t.sf(abs(t_statistic), folds - 1))
    return PairedTTest(mean, t_statistic, min(p_value, 1.0), folds)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's (1979) step-down adjustment of a family of p-values, in the given order."""
    if len(p_values) == 0:
        return []
    _, adjusted, _, _ = multipletests(np.asarray(p_values, dtype=float), method="holm")
    return [float(p) for p in adjusted]


def reliability_bins(
    probabilities: np.ndarray, labels: np.ndarray, bins: int = CALIBRATION_BINS
) -> ReliabilityBins:
    """Top-class confidence in ``bins`` equal-width bins, each (lower, upper] (the first also
    holds 0), with the mean confidence and the accuracy of the images in it."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == np.asarray(labels)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.digitize(confidence, edges[1:-1], right=True)
    count = np.bincount(which, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(which, weights=confidence, minlength=bins) / count
        accuracy = np.bincount(which, weights=correct, minlength=bins) / count
    return ReliabilityBins(edges, mean_confidence, accuracy, count)


def expected_calibration_error(
    probabilities: np.ndarray, labels: np.ndarray, bins: int = CALIBRATION_BINS
) -> float:
    """ECE: the gap |accuracy - confidence| of each bin, weighted by its share of images."""
    binned = reliability_bins(probabilities, labels, bins)
    filled = binned.count > 0
    gaps = np.abs(binned.accuracy[filled] - binned.confidence[filled])
    return float(np.sum(binned.count[filled] * gaps) / binned.count.sum())


def _log_probabilities(probabilities: np.ndarray) -> np.ndarray:
    return np.log(np.clip(np.asarray(probabilities, dtype=np.float64), SMALLEST_PROBABILITY, 1))


def _scaled_nll(log_scores: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    log_probabilities = special.log_softmax(log_scores / temperature, axis=1)
    return float(-np.mean(log_probabilities[np.arange(labels.size), labels]))


def fit_temperature(scores: np.ndarray, labels: np.ndarray, *, logits: bool = False) -> float:
    """Temperature scaling (Guo et al. 2017): the T in ``TEMPERATURE_BOUNDS`` minimising the
    negative log-likelihood of softmax(log p / T), or of softmax(logits / T) with ``logits``.
    Fit it on held-out images, never on the images it is then scored on."""
    log_scores = np.asarray(scores, dtype=np.float64) if logits else _log_probabilities(scores)
    labels = np.asarray(labels, dtype=np.int64)
    result = optimize.minimize_scalar(
        lambda temperature: _scaled_nll(log_scores, labels, temperature),
        bounds=TEMPERATURE_BOUNDS,
        method="bounded",
    )
    return float(result.x)


def apply_temperature(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities softened (T > 1) or sharpened (T < 1): softmax(log p / T)."""
    return special.softmax(_log_probabilities(probabilities) / temperature, axis=1)
