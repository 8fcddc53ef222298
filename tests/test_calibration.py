"""Calibration (bench.analysis.calibration) and its table on the model pages: temperatures
from held-out folds only, ECE before and after."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import optimize, special

from bench.analysis import calibration, report, statistics
from bench.site import alt_text, model_page
from tests.site_fixtures import write_results


@pytest.fixture(scope="module")
def lenet(tmp_path_factory) -> report.ModelReport:
    results_dir = write_results(
        tmp_path_factory.mktemp("calibration") / "results",
        np.arange(100) % 10,
        models=("lenet5",),
        folds=3,
    )
    (lenet,) = report.load_reports(results_dir)
    return lenet


def test_temperatures_come_from_the_held_out_folds(lenet):
    found = calibration.calibrate(lenet)
    for temperature, held_out in zip(found.temperatures, lenet.held_out_predictions, strict=True):
        log_p = np.log(np.clip(held_out.probabilities.astype(np.float64), 1e-30, 1))
        labels = held_out.labels.astype(int)

        def nll(t, log_p=log_p, labels=labels):
            return -special.log_softmax(log_p / t, axis=1)[np.arange(len(labels)), labels].mean()

        expected = optimize.minimize_scalar(nll, bounds=(0.05, 20), method="bounded").x
        assert temperature == pytest.approx(expected, rel=1e-6)


def test_ensemble_is_rescaled_fold_by_fold_then_averaged(lenet):
    found = calibration.calibrate(lenet)
    labels = lenet.predictions.labels
    rescaled = np.mean(
        [
            statistics.apply_temperature(fold.probabilities, t)
            for fold, t in zip(lenet.fold_predictions, found.temperatures, strict=True)
        ],
        axis=0,
    )
    ece = statistics.expected_calibration_error
    assert found.ensemble_ece == pytest.approx(ece(lenet.predictions.probabilities, labels))
    assert found.ensemble_ece_scaled == pytest.approx(ece(rescaled, labels))
    assert found.fold_ece[1] == pytest.approx(ece(lenet.fold_predictions[1].probabilities, labels))
    assert found.mean_fold_ece_scaled == pytest.approx(np.mean(found.fold_ece_scaled))
    assert found.ensemble_bins_scaled.count.sum() == lenet.test_images


def test_folds_without_held_out_probabilities_are_not_available(lenet):
    older = replace(lenet, held_out_predictions=(None, *lenet.held_out_predictions[1:]))
    found = calibration.calibrate(older)
    assert found.temperatures[0] is None and found.fold_ece_scaled[0] is None
    assert found.fold_ece_scaled[1] is not None
    assert found.ensemble_ece_scaled is None and found.ensemble_bins_scaled is None
    assert found.mean_fold_ece_scaled is None
    table = model_page.calibration_table(found, [1, 2, 3])
    assert table["folds_without_temperature"] == 1
    assert table["folds"][0] == {
        "fold": 1, "temperature": None, "before": found.fold_ece[0], "after": None,
    }  # fmt: skip
    assert table["ensemble"] == {"before": found.ensemble_ece, "after": None}
    assert "no temperature-scaled curve" in alt_text.reliability(found, 50)
