"""Per-model summaries of stored folds: mean ± std over folds, the fold ensemble, timings.

Pure over the results store; used by `bench train` for its closing table and by the site.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import data, metrics
from bench.config import FULL
from bench.errors import BenchError
from bench.metrics import Evaluation, Scores, ScoresOverFolds
from bench.store import prediction_checks, results
from bench.store.records import FoldRecord


@dataclass(frozen=True)
class EnsemblePredictions:
    """The fold ensemble on the test images: averaged probabilities and the argmax."""

    indices: np.ndarray
    labels: np.ndarray
    predicted: np.ndarray
    probabilities: np.ndarray


@dataclass(frozen=True)
class ModelReport:
    model: str
    display_name: str
    family: str
    profile: str
    folds_done: int
    folds_planned: int
    parameters: int
    test_images: int
    test: ScoresOverFolds  # the fold models' test scores, mean ± std
    cv: ScoresOverFolds  # their held-out fold scores, mean ± std
    ensemble: Evaluation  # the fold ensemble on the test images
    train_seconds: float  # all folds together
    images_per_second: float  # mean over folds
    folds: tuple[FoldRecord, ...]  # the stored fold records, by fold index
    fold_test: tuple[Scores, ...]  # per fold: test scores computed from its probabilities
    fold_held_out: tuple[Scores, ...]  # per fold: held-out scores (see ``summarize``)
    predictions: EnsemblePredictions
    fold_predictions: tuple[results.Predictions, ...] = ()  # per fold, on the test images
    # per fold, on its held-out fold; None where the fold stored none (before schema 2)
    held_out_predictions: tuple[results.Predictions | None, ...] = ()
    fold_paths: tuple[Path, ...] = ()  # per fold, its stored JSON (the files published)

    @property
    def complete(self) -> bool:
        return self.folds_done == self.folds_planned

    @property
    def comparable_with_2021(self) -> bool:
        """Trained and scored as the 2021 write-up's models were: the full profile (all of
        the training images take part in the folds) and the whole test set. The one
        definition the site's comparison and the README's results table use."""
        return self.profile == FULL and self.test_images == data.split_size("test")


def summarize(stored: list[results.StoredFold]) -> ModelReport:
    """Aggregate the folds of one model (all stored with the same key).

    Every score is computed here from the stored probabilities, not copied from the fold
    records, so each published number can be recomputed from the published files. Held-out
    scores come from the held-out probabilities where a fold stored them (schema 2), else
    from its record.
    """
    first = stored[0].record
    keys = {s.record.fold_key for s in stored}
    if len(keys) > 1:
        raise BenchError(
            f"{stored[0].path.parent}: folds from {len(keys)} different configs; rerun "
            f"`bench train --model {first.model}` to retrain them under one"
        )
    records = [s.record for s in stored]
    test_images, train_images = data.split_size("test"), data.split_size("train")
    predictions = [results.load_predictions(s, split_images=test_images) for s in stored]
    for fold_predictions, fold in zip(predictions, stored, strict=True):
        if not np.array_equal(fold_predictions.indices, predictions[0].indices):
            raise BenchError(f"{fold.path}: scored on other test images than fold {stored[0].fold}")
    test_scores = [_scores(p) for p in predictions]
    held_out = [results.load_predictions(s, "held_out", split_images=train_images) for s in stored]
    held_out_scores = [
        fold.record.cv if arrays is None else _scores(arrays)
        for fold, arrays in zip(stored, held_out, strict=True)
    ]
    probabilities = np.mean([p.probabilities for p in predictions], axis=0)
    labels = predictions[0].labels.astype(np.int64)
    predicted = probabilities.argmax(axis=1)
    return ModelReport(
        model=first.model,
        display_name=first.display_name,
        family=first.family,
        profile=first.profile,
        folds_done=len(records),
        folds_planned=first.folds,
        parameters=first.parameters,
        test_images=len(labels),
        test=ScoresOverFolds.of(test_scores),
        cv=ScoresOverFolds.of(held_out_scores),
        ensemble=metrics.evaluate(labels, probabilities),
        train_seconds=float(sum(r.train_seconds for r in records)),
        images_per_second=float(np.mean([r.images_per_second for r in records])),
        folds=tuple(records),
        fold_test=tuple(test_scores),
        fold_held_out=tuple(held_out_scores),
        predictions=EnsemblePredictions(predictions[0].indices, labels, predicted, probabilities),
        fold_predictions=tuple(predictions),
        held_out_predictions=tuple(held_out),
        fold_paths=tuple(s.path for s in stored),
    )


def check_labels(reports: Sequence[ModelReport], dataset: data.FashionMNIST) -> None:
    """Refuse any fold whose stored labels are not ``dataset``'s at their indices (test and
    held-out files alike): its scores would be of other images than the site shows."""
    for r in reports:
        for path, record, test, held_out in zip(
            r.fold_paths, r.folds, r.fold_predictions, r.held_out_predictions, strict=True
        ):
            fix = f"retrain that fold (delete {path.name})"
            for arrays, reference, split, split_labels in (
                (test, record.test_predictions, "test", dataset.test_labels),
                (held_out, record.held_out_predictions, "training", dataset.train_labels),
            ):
                if arrays is not None:
                    file = results.predictions_file(path, reference)
                    prediction_checks.check_labels(
                        arrays.indices, arrays.labels, split_labels, file, split=split, fix=fix
                    )


def _scores(predictions: results.Predictions) -> Scores:
    return metrics.probability_scores(
        predictions.labels.astype(np.int64), predictions.probabilities
    )


def load_reports(results_dir: Path, models: list[str] | None = None) -> list[ModelReport]:
    """Reports for every stored model (or ``models``), each from its best profile (see
    ``results.best_profile_folds``), best mean test accuracy first."""
    names = models if models is not None else results.stored_models(results_dir)
    reports = [
        summarize(stored)
        for name in names
        if (stored := results.best_profile_folds(results_dir, name))
    ]
    if not reports:
        raise BenchError(
            f"{results_dir}: no fold results found; run `bench train` (or `bench build-site`) first"
        )
    return sorted(reports, key=lambda report: -report.test.accuracy.mean)
