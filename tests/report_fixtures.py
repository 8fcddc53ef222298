"""Model reports for the findings tests: real reports of fixture results, and copies of them
with chosen scores, ensembles or test images (the analysis's tests and the site's share them)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from bench import metrics
from bench.analysis import report
from tests.site_fixtures import write_results

# The labels, in order, for tests that name a class.
T_SHIRT, TROUSER, PULLOVER, DRESS, COAT, SANDAL, SHIRT, SNEAKER, BAG, ANKLE_BOOT = range(10)


def quick_reports(directory: Path, models: tuple[str, ...], folds: int = 2) -> dict:
    """Real reports of quick-profile fixture models (``folds`` folds of one split each)."""
    results_dir = write_results(
        directory / "results", np.arange(100) % 10, models=models, folds=folds
    )
    return {r.model: r for r in report.load_reports(results_dir)}


def scored(r: report.ModelReport, mean: float, std: float, **changes) -> report.ModelReport:
    """``r`` with its mean ± std test accuracy replaced (and any other field in ``changes``)."""
    return replace(r, test=replace(r.test, accuracy=metrics.MeanStd(mean, std)), **changes)


def measured(
    r: report.ModelReport, fold_accuracies: list[float], correct: np.ndarray
) -> report.ModelReport:
    """``r`` with its fold models' test accuracies and its ensemble's correctness on the test
    images replaced, every number derived from them consistent."""
    labels = r.predictions.labels
    fold_test = tuple(
        replace(scores, accuracy=accuracy)
        for scores, accuracy in zip(r.fold_test, fold_accuracies, strict=True)
    )
    ensemble_scores = replace(r.ensemble.scores, accuracy=float(np.mean(correct)))
    return replace(
        r,
        test=replace(r.test, accuracy=metrics.mean_std(fold_accuracies)),
        fold_test=fold_test,
        ensemble=replace(r.ensemble, scores=ensemble_scores),
        predictions=replace(r.predictions, predicted=np.where(correct, labels, (labels + 1) % 10)),
    )


def right_on(images: range, total: int = 50) -> np.ndarray:
    correct = np.zeros(total, dtype=bool)
    correct[list(images)] = True
    return correct


def with_ensemble(
    r: report.ModelReport,
    *,
    confusion: list[list[int]] | None = None,
    f1: list[float] | None = None,
) -> report.ModelReport:
    """``r`` with its ensemble's confusion matrix or per-class F1 (or both) replaced."""
    ensemble = r.ensemble
    if confusion is not None:
        ensemble = replace(ensemble, confusion=tuple(map(tuple, confusion)))
    if f1 is not None:
        ensemble = replace(ensemble, per_class=replace(ensemble.per_class, f1=tuple(f1)))
    return replace(r, ensemble=ensemble)


def other_test_images(r: report.ModelReport) -> report.ModelReport:
    """``r`` scored on other test images (every index shifted by one)."""
    return replace(r, predictions=replace(r.predictions, indices=r.predictions.indices + 1))


def confused(true: int, predicted: int) -> list[list[int]]:
    confusion = np.diag([10] * 10)
    confusion[true, predicted] = 5
    return confusion.tolist()


def shared_class_reports(lenet, lstm) -> list[report.ModelReport]:
    """LeNet-5 confuses Shirt for T-shirt/top and does worst on Shirt; the LSTM confuses Coat
    for Shirt and does worst on Coat: Shirt is in both models' confusions, no worst is shared."""
    f1 = [0.9] * 10
    lenet_f1 = [*f1[:SHIRT], 0.5, *f1[SHIRT + 1 :]]
    lstm_f1 = [*f1[:COAT], 0.5, *f1[COAT + 1 :]]
    return [
        with_ensemble(lenet, confusion=confused(SHIRT, T_SHIRT), f1=lenet_f1),
        with_ensemble(lstm, confusion=confused(COAT, SHIRT), f1=lstm_f1),
    ]
