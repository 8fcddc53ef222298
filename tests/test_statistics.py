"""Intervals, tests and calibration checked against answers worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from bench.analysis import statistics


def correctness(both: int, only_a: int, only_b: int, neither: int) -> tuple[np.ndarray, ...]:
    """Correctness vectors of two classifiers with the given 2x2 counts."""
    a = [True] * both + [True] * only_a + [False] * only_b + [False] * neither
    b = [True] * both + [False] * only_a + [True] * only_b + [False] * neither
    return np.array(a), np.array(b)


def test_mcnemar_exact_matches_the_binomial_tail():
    result = statistics.mcnemar_exact(*correctness(both=5, only_a=1, only_b=9, neither=3))
    assert result.table == ((5, 1), (9, 3))
    assert (result.only_a, result.only_b) == (1, 9)
    # 10 discordant images, 1 of them for A: p = 2 P(X <= 1 | n=10, 1/2) = 2 (1 + 10) / 2**10
    assert result.p_value == pytest.approx(2 * (1 + 10) / 2**10) == 0.021484375


def test_mcnemar_without_discordant_images_is_not_significant():
    result = statistics.mcnemar_exact(*correctness(both=7, only_a=0, only_b=0, neither=2))
    assert result.p_value == 1.0


def test_mcnemar_refuses_vectors_of_different_images():
    with pytest.raises(ValueError, match="differ in shape"):
        statistics.mcnemar_exact(np.ones(3, bool), np.ones(4, bool))


def test_clopper_pearson_with_no_successes():
    # With k = 0 the exact upper bound solves (1 - p)^n = alpha / 2.
    low, high = statistics.accuracy_interval(np.zeros(10, dtype=bool))
    assert low == 0.0
    assert high == pytest.approx(1 - 0.025 ** (1 / 10)) and high == pytest.approx(0.30849710)


def test_clopper_pearson_with_all_successes_mirrors():
    low, high = statistics.accuracy_interval(np.ones(10, dtype=bool))
    assert (low, high) == (pytest.approx(0.025 ** (1 / 10)), 1.0)


def test_clopper_pearson_brackets_the_observed_share():
    correct = np.arange(1000) % 10 != 0  # 900 of 1000
    low, high = statistics.accuracy_interval(correct)
    assert low < 0.9 < high and high - low < 0.04


def test_nadeau_bengio_interval_for_three_folds():
    scores, n_train, n_test = [0.80, 0.82, 0.84], 40_000, 20_000
    # mean 0.82; s^2 = (0.02^2 + 0 + 0.02^2) / (3 - 1) = 0.0004
    # corrected variance = (1/3 + 20,000/40,000) * 0.0004 = (5/6) * 0.0004
    standard_error = math.sqrt(5 / 6 * 0.0004)
    # t quantile with 2 degrees of freedom in closed form: (2p - 1) / sqrt(2 p (1 - p))
    p = 0.975
    t_quantile = (2 * p - 1) / math.sqrt(2 * p * (1 - p))  # 4.3027
    expected = (0.82 - t_quantile * standard_error, 0.82 + t_quantile * standard_error)
    interval = statistics.corrected_t_interval(scores, n_train, n_test)
    assert interval == pytest.approx(expected, rel=1e-9)
    assert interval == pytest.approx((0.7414, 0.8986), abs=1e-4)


def test_corrected_interval_needs_two_folds():
    assert statistics.corrected_t_interval([0.9], 40_000, 20_000) is None


def test_corrected_resampled_t_test_for_three_folds():
    a, b = [0.91, 0.92, 0.93], [0.90, 0.90, 0.90]
    # differences 0.01, 0.02, 0.03: mean 0.02, s^2 = (0.01^2 + 0 + 0.01^2) / 2 = 0.0001
    t_statistic = 0.02 / math.sqrt((1 / 3 + 0.5) * 0.0001)  # 2.1909
    # two-sided p with 2 degrees of freedom: 1 - t / sqrt(2 + t^2)
    p_value = 1 - t_statistic / math.sqrt(2 + t_statistic**2)
    result = statistics.corrected_resampled_t_test(a, b, 40_000, 20_000)
    assert result.folds == 3
    assert result.mean_difference == pytest.approx(0.02)
    assert result.t_statistic == pytest.approx(t_statistic)
    assert result.p_value == pytest.approx(p_value)
    swapped = statistics.corrected_resampled_t_test(b, a, 40_000, 20_000)
    assert swapped.t_statistic == pytest.approx(-t_statistic)
    assert swapped.p_value == pytest.approx(p_value)


def test_corrected_t_test_without_spread():
    same = statistics.corrected_resampled_t_test([0.9] * 3, [0.9] * 3, 40_000, 20_000)
    assert (same.t_statistic, same.p_value) == (0.0, 1.0)
    # The same lead in every fold: nothing to weigh it against but zero spread.
    steady = statistics.corrected_resampled_t_test([0.5] * 3, [0.25] * 3, 40_000, 20_000)
    assert (steady.t_statistic, steady.p_value) == (math.inf, 0.0)


def test_corrected_t_test_needs_three_folds():
    assert statistics.corrected_resampled_t_test([0.9, 0.8], [0.7, 0.6], 40_000, 20_000) is None


def test_holm_by_hand():
    # sorted: 0.01 * 3 = 0.03; 0.03 * 2 = 0.06; 0.04 * 1 = 0.04, raised to the previous 0.06
    assert statistics.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert statistics.holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])  # capped at 1
    assert statistics.holm([]) == []


def test_expected_calibration_error_by_hand():
    # Four images in 15 bins of width 1/15: confidences 0.95 and 0.97 (bin 15, one right),
    # 0.55 (bin 9, wrong), 0.35 (bin 6, right).
    probabilities = np.full((4, 3), 0.0)
    probabilities[:, 0] = [0.95, 0.97, 0.55, 0.35]
    probabilities[:, 1] = 1 - probabilities[:, 0] - [0.0, 0.0, 0.0, 0.33]
    probabilities[:, 2] = [0.0, 0.0, 0.0, 0.33]
    labels = np.array([0, 1, 1, 0])
    # bin 15: |1/2 - 0.96| = 0.46 over 2 images; bin 9: |0 - 0.55|; bin 6: |1 - 0.35|
    expected = (2 * 0.46 + 0.55 + 0.65) / 4
    assert statistics.expected_calibration_error(probabilities, labels) == pytest.approx(expected)
    binned = statistics.reliability_bins(probabilities, labels)
    assert binned.count.tolist() == [0] * 5 + [1, 0, 0, 1] + [0] * 5 + [2]
    assert binned.confidence[14] == pytest.approx(0.96) and binned.accuracy[14] == 0.5
    assert np.isnan(binned.accuracy[0]) and binned.edges[1] == pytest.approx(1 / 15)


def test_perfectly_calibrated_bins_have_no_error():
    probabilities = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])
    assert statistics.expected_calibration_error(probabilities, np.array([0, 1, 0])) == 0.0


@pytest.mark.parametrize("true_temperature", [0.5, 2.0])
def test_temperature_scaling_recovers_a_known_temperature(true_temperature):
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=3.0, size=(20_000, 10))
    # Labels drawn from softmax(logits / T0): a model that reports softmax(logits) is off by
    # exactly T0, which the fit should find from its probabilities alone.
    truth = special.softmax(logits / true_temperature, axis=1)
    drawn = (rng.random((len(logits), 1)) > truth.cumsum(axis=1)).sum(axis=1)
    labels = np.minimum(drawn, 9)  # a draw above a cumulative sum rounded below 1
    reported = special.softmax(logits, axis=1)
    fitted = statistics.fit_temperature(reported.astype(np.float32), labels)
    assert fitted == pytest.approx(true_temperature, rel=0.05)
    from_logits = statistics.fit_temperature(logits, labels, logits=True)
    assert from_logits == pytest.approx(fitted, rel=1e-3)
    scaled = statistics.apply_temperature(reported, fitted)
    np.testing.assert_allclose(scaled.sum(axis=1), 1.0)
    before = statistics.expected_calibration_error(reported, labels)
    assert statistics.expected_calibration_error(scaled, labels) < before


def test_temperature_one_changes_nothing():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    np.testing.assert_allclose(statistics.apply_temperature(probabilities, 1.0), probabilities)
