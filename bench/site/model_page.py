"""The context of one model's page: its prose, layer table, scores and figure jobs."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from bench import data, metrics
from bench.analysis import statistics
from bench.analysis.analyse import ModelAnalysis
from bench.analysis.calibration import Calibration
from bench.analysis.report import ModelReport
from bench.errors import BenchError
from bench.site import alt_text, content, figures, model_source, urls
from bench.site.jobs import FigureJob
from bench.store.records import FoldRecord

# Generated blocks around the model page's own headings (see context.place_blocks).
MODEL_BLOCKS = (
    ("after", "architecture", "layers"),
    ("before", "citation", "measurements"),
)
MISCLASSIFIED_SHOWN = 24
CONFUSED_PAIRS_SHOWN = 5


def model_context(
    analysed: ModelAnalysis, page: content.Page | None, dataset: data.FashionMNIST
) -> tuple[dict, list[FigureJob]]:
    """Values for model.html, and the jobs that draw the figures it shows; ``page`` None: the
    model has no hand-written page, and one is generated from its records."""
    report, calibrated = analysed.report, analysed.calibration
    names = dataset.class_names
    histories = [record.history for record in report.folds]
    confusion, ensemble_accuracy = report.ensemble.confusion, report.ensemble.scores.accuracy
    wrong = misclassified(report, dataset)
    fold_accuracies = [scores.accuracy for scores in report.fold_test]
    subject = f"test images, ensemble of {report.folds_done} fold models"
    # name -> (file, drawing, alt text)
    planned = {
        "confusion": (
            urls.model_figure(report.model, "confusion.svg"),
            functools.partial(figures.confusion_matrix, confusion, names),
            alt_text.confusion(confusion, names, subject=subject),
        ),
        "curves": (
            urls.model_figure(report.model, "learning-curves.svg"),
            functools.partial(figures.learning_curves, histories),
            alt_text.learning_curves(histories),
        ),
        "fold_scores": (
            urls.model_figure(report.model, "fold-scores.svg"),
            functools.partial(figures.fold_scores, fold_accuracies, ensemble_accuracy),
            alt_text.fold_scores(fold_accuracies, ensemble_accuracy),
        ),
        "reliability": (
            urls.model_figure(report.model, "reliability.svg"),
            functools.partial(
                figures.reliability_diagram,
                calibrated.ensemble_bins,
                calibrated.ensemble_bins_scaled,
            ),
            alt_text.reliability(calibrated, report.test_images),
        ),
    }
    if wrong["count"]:
        planned["misclassified"] = (
            urls.model_figure(report.model, "misclassified.png"),
            functools.partial(
                figures.misclassified_grid, wrong["images"], wrong["true"], wrong["predicted"],
                names,
            ),
            alt_text.misclassified(wrong, names),
        )  # fmt: skip
    values = {
        "blocks": [
            *(
                content.place_blocks(page, MODEL_BLOCKS)
                if page
                else model_source.generated_blocks(report)
            ),
            {"kind": "origin"},
        ],  # fmt: skip
        "model": {
            **summary_row(analysed),
            "layers": report.folds[0].architecture or [],
            "epochs": report.folds[0].epochs,
            "batch_size": report.folds[0].batch_size,
            "confused_pairs": confused_pairs(confusion, names),
            "per_class": per_class_rows(report.ensemble.per_class, names),
            "folds": [
                fold_row(record, test, held_out)
                for record, test, held_out in zip(
                    report.folds, report.fold_test, report.fold_held_out, strict=True
                )
            ],
            "calibration": calibration_table(
                calibrated, [record.fold + 1 for record in report.folds]
            ),
            "origins": model_source.origins(report),
            "misclassified_count": wrong["count"],
            "misclassified_shown": len(wrong["true"]),
        },
        "figures": {
            "misclassified": None,
            **{name: {"src": path, "alt": alt} for name, (path, _, alt) in planned.items()},
        },
    }
    return values, [FigureJob(path, draw) for path, draw, _ in planned.values()]


def model_href(r: ModelReport) -> str:
    return urls.model_page(r.model)


def summary_row(analysed: ModelAnalysis) -> dict:
    """One model's line of the results table (and of results.csv), with 95% intervals for the
    mean fold accuracy and the ensemble accuracy."""
    r, intervals = analysed.report, analysed.intervals
    return {
        "name": r.model,
        "display_name": r.display_name,
        "family": r.family,
        "href": model_href(r),
        "profile": r.profile,
        "comparable_with_2021": r.comparable_with_2021,
        "folds_done": r.folds_done,
        "folds_planned": r.folds_planned,
        "test_images": r.test_images,
        # The test scores under the metrics' own names (also the CSV's).
        "accuracy": r.test.accuracy,
        "precision_macro": r.test.precision_macro,
        "recall_macro": r.test.recall_macro,
        "f1_macro": r.test.f1_macro,
        "keras2021_precision": r.test.keras2021_precision,
        "keras2021_recall": r.test.keras2021_recall,
        "held_out_accuracy": r.cv.accuracy,
        "ensemble_accuracy": r.ensemble.scores.accuracy,
        "accuracy_ci": intervals.accuracy,
        "ensemble_accuracy_ci": intervals.ensemble_accuracy,
        "parameters": r.parameters,
        "train_seconds": r.train_seconds,
        "images_per_second": r.images_per_second,
    }


def misclassified(report: ModelReport, dataset: data.FashionMNIST) -> dict:
    """The ensemble's most confident mistakes on the test images, most confident first."""
    predictions = report.predictions
    test_images_at(predictions.indices, dataset, report.model)
    wrong = np.flatnonzero(predictions.predicted != predictions.labels)
    confidence = predictions.probabilities[wrong, predictions.predicted[wrong]]
    # Ties (float16 probabilities) fall back to the test-image index, so the choice is stable.
    order = wrong[np.lexsort((predictions.indices[wrong], -confidence))][:MISCLASSIFIED_SHOWN]
    return {
        "images": dataset.test_images[predictions.indices[order]],
        "true": predictions.labels[order].astype(int).tolist(),
        "predicted": predictions.predicted[order].astype(int).tolist(),
        "count": int(wrong.size),
    }


def test_images_at(indices: np.ndarray, dataset: data.FashionMNIST, model: str) -> np.ndarray:
    """The dataset's test images at ``indices``, refusing results from a larger test set."""
    if indices.size and indices.max() >= len(dataset.test_images):
        raise BenchError(
            f"{model}: results refer to test image {indices.max()}, but the dataset in "
            f"{dataset.source.directory} has only {len(dataset.test_images)}"
        )
    return dataset.test_images[indices]


def confused_pairs(
    confusion: Sequence[Sequence[int]], names: tuple[str, ...], shown: int = CONFUSED_PAIRS_SHOWN
) -> list[dict]:
    """The ``shown`` largest off-diagonal cells, named, with their share of the true class."""
    totals = np.asarray(confusion).sum(axis=1)
    return [
        {
            "true": names[true],
            "predicted": names[predicted],
            "count": count,
            "share": count / totals[true] if totals[true] else 0.0,
        }
        for true, predicted, count in metrics.most_confused_pairs(confusion, shown)
    ]


def per_class_rows(per_class: metrics.PerClass, names: tuple[str, ...]) -> list[dict]:
    return [
        {
            "name": name,
            "precision": per_class.precision[label],
            "recall": per_class.recall[label],
            "f1": per_class.f1[label],
            "support": per_class.support[label],
        }
        for label, name in enumerate(names)
    ]


def fold_row(record: FoldRecord, test: metrics.Scores, held_out: metrics.Scores) -> dict:
    """One fold's line; scores as the report computed them from the stored probabilities."""
    return {
        "fold": record.fold + 1,
        "held_out_accuracy": held_out.accuracy,
        "test_accuracy": test.accuracy,
        "f1": test.f1_macro,
        "train_seconds": record.train_seconds,
        "images_per_second": record.images_per_second,
    }


def calibration_table(calibration: Calibration, fold_numbers: list[int]) -> dict:
    """The model page's calibration table, one row per fold model (numbered as on the page),
    then their mean and the ensemble: raw values, None where not available."""
    return {
        "bins": statistics.CALIBRATION_BINS,
        "folds_without_temperature": len(calibration.temperatures)
        - calibration.folds_with_temperature,
        "folds": [
            {"fold": number, "temperature": temperature, "before": before, "after": after}
            for number, temperature, before, after in zip(
                fold_numbers,
                calibration.temperatures,
                calibration.fold_ece,
                calibration.fold_ece_scaled,
                strict=True,
            )
        ],
        "fold_mean": {
            "before": calibration.mean_fold_ece,
            "after": calibration.mean_fold_ece_scaled,
        },
        "ensemble": {
            "before": calibration.ensemble_ece,
            "after": calibration.ensemble_ece_scaled,
        },
    }
