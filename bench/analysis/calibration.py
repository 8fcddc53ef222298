"""How far a model's confidence can be taken at its word: expected calibration error on the test
images before and after temperature scaling, from the stored probabilities.

Each fold model's temperature is fitted on its own held-out fold only, never on test images.
The ensemble is rescaled fold by fold (each fold model's test probabilities by its own
temperature) and then averaged. Folds stored before held-out probabilities were kept
(schema 1) have no temperature; where any fold lacks one, the ensemble's rescaled figures are
not available.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bench.analysis import statistics
from bench.analysis.report import ModelReport


@dataclass(frozen=True)
class Calibration:
    """A model's calibration on the test images (ECE as a fraction; None: not available)."""

    temperatures: tuple[float | None, ...]  # per fold, fitted on its held-out fold
    fold_ece: tuple[float, ...]
    fold_ece_scaled: tuple[float | None, ...]
    ensemble_ece: float
    ensemble_ece_scaled: float | None
    ensemble_bins: statistics.ReliabilityBins
    ensemble_bins_scaled: statistics.ReliabilityBins | None

    @property
    def folds_with_temperature(self) -> int:
        return sum(t is not None for t in self.temperatures)

    @property
    def mean_fold_ece(self) -> float:
        return float(np.mean(self.fold_ece))

    @property
    def mean_fold_ece_scaled(self) -> float | None:
        """Mean over the fold models, when every fold has a temperature."""
        if None in self.fold_ece_scaled:
            return None
        return float(np.mean(self.fold_ece_scaled))


def calibrate(report: ModelReport) -> Calibration:
    """ECE (``statistics.CALIBRATION_BINS`` bins) of every fold model and of the ensemble,
    before and after temperature scaling fitted on each fold's held-out probabilities."""
    labels = report.predictions.labels.astype(np.int64)
    temperatures = tuple(
        None
        if held_out is None
        else statistics.fit_temperature(held_out.probabilities, held_out.labels.astype(np.int64))
        for held_out in report.held_out_predictions
    )
    tests = [fold.probabilities for fold in report.fold_predictions]
    scaled = [
        None if temperature is None else statistics.apply_temperature(test, temperature)
        for test, temperature in zip(tests, temperatures, strict=True)
    ]
    ensemble_scaled = None if any(p is None for p in scaled) else np.mean(scaled, axis=0)
    return Calibration(
        temperatures=temperatures,
        fold_ece=tuple(statistics.expected_calibration_error(test, labels) for test in tests),
        fold_ece_scaled=tuple(
            None
            if probabilities is None
            else statistics.expected_calibration_error(probabilities, labels)
            for probabilities in scaled
        ),
        ensemble_ece=statistics.expected_calibration_error(
            report.predictions.probabilities, labels
        ),
        ensemble_ece_scaled=(
            None
            if ensemble_scaled is None
            else statistics.expected_calibration_error(ensemble_scaled, labels)
        ),
        ensemble_bins=statistics.reliability_bins(report.predictions.probabilities, labels),
        ensemble_bins_scaled=(
            None
            if ensemble_scaled is None
            else statistics.reliability_bins(ensemble_scaled, labels)
        ),
    )
