"""Scores of a classifier: pure functions of labels, predictions or probabilities.

Everything except the 2021 comparison metric is scikit-learn's; the macro averages weight every
class equally, which on Fashion-MNIST's balanced splits is also the support-weighted average.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
)

LABELS = tuple(range(10))


def summary_scores(
    y_true: np.ndarray, y_pred: np.ndarray, *, labels: Sequence[int] = LABELS
) -> dict[str, float]:
    """Accuracy and macro precision, recall and F1."""
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=list(labels), average="macro", zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision_macro": float(precision),
        "recall_macro": float(recall),
        "f1_macro": float(f1),
    }


def per_class_scores(
    y_true: np.ndarray, y_pred: np.ndarray, *, labels: Sequence[int] = LABELS
) -> dict[str, list[float]]:
    """Precision, recall and F1 of every class, in label order, plus each class's support."""
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=list(labels), average=None, zero_division=0
    )
    return {
        "precision": precision.tolist(),
        "recall": recall.tolist(),
        "f1": f1.tolist(),
        "support": support.tolist(),
    }


def confusion_counts(
    y_true: np.ndarray, y_pred: np.ndarray, *, labels: Sequence[int] = LABELS
) -> list[list[int]]:
    """Confusion matrix as counts: row = true class, column = predicted class."""
    return confusion_matrix(y_true, y_pred, labels=list(labels)).tolist()


def keras2021_precision_recall(
    y_true: np.ndarray, probabilities: np.ndarray, *, threshold: float = 0.5
) -> dict[str, float]:
    """The 2021 write-up's metric: Keras ``Precision``/``Recall`` on one-hot targets.

    Every (image, class) cell whose probability exceeds ``threshold`` counts as a positive
    prediction, pooled over all classes. An image with no class above 0.5 predicts nothing, so
    this precision can exceed accuracy; it is not a macro average.
    """
    targets = np.eye(probabilities.shape[1], dtype=bool)[y_true]
    predicted = probabilities > threshold
    true_positives = np.count_nonzero(predicted & targets)
    predicted_positives = np.count_nonzero(predicted)
    return {
        "keras2021_precision": true_positives / predicted_positives if predicted_positives else 0.0,
        "keras2021_recall": true_positives / len(y_true) if len(y_true) else 0.0,
    }


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1) over folds; the std is 0 for one fold."""
    array = np.asarray(values, dtype=float)
    std = float(array.std(ddof=1)) if array.size > 1 else 0.0
    return float(array.mean()), std


def most_confused_pairs(
    confusion: Sequence[Sequence[int]], count: int = 5
) -> list[tuple[int, int, int]]:
    """The ``count`` largest off-diagonal cells as (true, predicted, images), largest first."""
    matrix = np.asarray(confusion)
    off_diagonal = [
        (int(true), int(predicted), int(matrix[true, predicted]))
        for true in range(matrix.shape[0])
        for predicted in range(matrix.shape[1])
        if true != predicted and matrix[true, predicted] > 0
    ]
    return sorted(off_diagonal, key=lambda cell: (-cell[2], cell[0], cell[1]))[:count]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float64, stable for large logits."""
    shifted = np.asarray(logits, dtype=np.float64) - np.max(logits, axis=1, keepdims=True)
    exponentials = np.exp(shifted)
    return exponentials / exponentials.sum(axis=1, keepdims=True)
