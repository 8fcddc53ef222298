"""The alt text of every figure on the site: one sentence each, composed from the figure's data.

A screen-reader user gets what the figure shows a sighted reader (totals, ranges, the largest
confusion), so each sentence is built from the same values the figure is drawn from. Numbers go
through the site's filters in ``pages``, as everywhere else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from bench.analysis import statistics
from bench.analysis.calibration import Calibration
from bench.site.pages import counted, num, pct


def dataset_examples(class_names: Sequence[str]) -> str:
    return f"One training image of each of the ten classes: {', '.join(class_names)}."


def dataset_grid(per_class: int) -> str:
    return (
        f"The first {per_class} training images of each class, one row per class, showing how "
        "much garments within a class vary."
    )


def class_balance(train_counts: Sequence[int], test_counts: Sequence[int]) -> str:
    if len(set(train_counts)) == 1 and len(set(test_counts)) == 1:
        balance = (
            f"every class has {num(train_counts[0])} training and {num(test_counts[0])} test images"
        )
    else:
        balance = (
            f"classes have {num(min(train_counts))} to {num(max(train_counts))} training and "
            f"{num(min(test_counts))} to {num(max(test_counts))} test images"
        )
    return f"Bar chart of images per class in both splits: {balance}."


def confusion(
    counts: Sequence[Sequence[int]], class_names: Sequence[str], *, subject: str = "test images"
) -> str:
    """Total, share on the diagonal, the largest off-diagonal cell."""
    counts = np.asarray(counts, dtype=int)
    total = int(counts.sum())
    on_diagonal = np.trace(counts) / total if total else 0.0
    text = f"Confusion matrix of {num(total)} {subject}: {pct(on_diagonal, 1)} on the diagonal"
    off_diagonal = counts * (1 - np.eye(len(counts), dtype=int))
    if off_diagonal.max(initial=0) == 0:
        return text + "; no image is confused with another class."
    true, predicted = np.unravel_index(np.argmax(off_diagonal), counts.shape)
    return (
        f"{text}; the largest confusion is {class_names[true]} predicted as "
        f"{class_names[predicted]} ({counted(int(off_diagonal[true, predicted]), 'image')})."
    )


def learning_curves(histories: Sequence[dict]) -> str:
    """Epochs, folds and the mean final held-out accuracy."""
    epoch_count = max((len(history.get("loss", ())) for history in histories), default=0)
    text = (
        "Training and held-out loss and accuracy over "
        f"{counted(epoch_count, 'epoch')} for {counted(len(histories), 'fold')}"
    )
    finals = [history["val_accuracy"][-1] for history in histories if history.get("val_accuracy")]
    if not finals:
        return text + "."
    return f"{text}; final held-out accuracy {pct(float(np.mean(finals)), 1)} on average."


def fold_scores(accuracies: Sequence[float], ensemble: float) -> str:
    return (
        f"Test accuracy of each of the {len(accuracies)} fold models, from "
        f"{pct(min(accuracies))} to {pct(max(accuracies))}, beside the ensemble of "
        f"all of them at {pct(ensemble)}."
    )


def reliability(calibration: Calibration, test_images: int) -> str:
    text = (
        f"Reliability diagram of the fold ensemble on {num(test_images)} test images: accuracy "
        f"against confidence in {statistics.CALIBRATION_BINS} bins, expected calibration error "
        f"{pct(calibration.ensemble_ece)} as trained"
    )
    if calibration.ensemble_ece_scaled is None:
        return text + "; no temperature-scaled curve, as some folds stored no held-out scores."
    return f"{text} and {pct(calibration.ensemble_ece_scaled)} after temperature scaling."


def misclassified(wrong: dict, class_names: Sequence[str]) -> str:
    """One model's misclassified test images, and the most frequent mix-up among those shown."""
    shown = len(wrong["true"])
    counts = Counter(zip(wrong["true"], wrong["predicted"], strict=True))
    (true, predicted), count = min(counts.items(), key=lambda item: (-item[1], item[0]))
    return (
        f"{shown} of the {num(wrong['count'])} misclassified test images, each titled with its "
        f"true and predicted class; the most frequent mix-up among them is {class_names[true]} "
        f"predicted as {class_names[predicted]} ({counted(count, 'image')})."
    )


def shared_mistakes(mistakes: dict, class_names: Sequence[str]) -> str:
    """The test images every ensemble gets wrong, and their true classes."""
    true_classes = sorted({class_names[label] for label in mistakes["true"]})
    return (
        f"{len(mistakes['true'])} of the {num(mistakes['count'])} test images that all "
        f"{mistakes['models']} ensembles misclassify, each titled with its true class and the "
        f"wrong class most ensembles chose; their true classes: {', '.join(true_classes)}."
    )
