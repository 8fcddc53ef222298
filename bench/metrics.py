"""Scores of a classifier: pure functions of labels, predictions or probabilities, and the small
frozen types they return, read by attribute wherever a fold or a model is scored.

Everything except the 2021 comparison metric is scikit-learn's; the macro averages weight every
class equally, which on Fashion-MNIST's balanced splits is also the support-weighted average.
``evaluate`` is the one place a labelled set is scored in full from its probabilities (a fold's
test images at training time, the fold ensemble in the analysis). The types also read and write
the JSON a fold record stores them as (``bench.store.records``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
)

LABELS = tuple(range(10))


@dataclass(frozen=True)
class Scores:
    """Accuracy and macro precision, recall and F1 of one set of predictions, and the 2021
    write-up's Keras precision and recall where probabilities were scored (None otherwise)."""

    accuracy: float
    precision_macro: float
    recall_macro: float
    f1_macro: float
    keras2021_precision: float | None = None
    keras2021_recall: float | None = None

    def to_json(self) -> dict[str, float]:
        """As a fold record stores them: one key per score, the absent 2021 pair left out."""
        values = dataclasses.asdict(self)
        return {name: value for name, value in values.items() if value is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scores:
        """Scores as stored; ``ValueError`` (or ``KeyError``) on a missing, unknown or
        malformed score."""
        if not isinstance(data, dict):
            raise ValueError("scores are not a mapping")
        names = [field.name for field in dataclasses.fields(cls)]
        unknown = sorted(data.keys() - set(names))
        if unknown:
            raise ValueError(f"unknown scores {', '.join(unknown)}")
        return cls(**{name: _fraction(data[name], name) for name in names if name in data})


@dataclass(frozen=True)
class PerClass:
    """Precision, recall and F1 of every class, in label order, and each class's images."""

    precision: tuple[float, ...]
    recall: tuple[float, ...]
    f1: tuple[float, ...]
    support: tuple[int, ...]

    def to_json(self) -> dict[str, list]:
        return {name: list(values) for name, values in dataclasses.asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PerClass:
        if not isinstance(data, dict) or data.keys() != {"precision", "recall", "f1", "support"}:
            raise ValueError("per-class scores are not precision, recall, f1 and support")
        fractions = {
            name: tuple(_fraction(value, name) for value in data[name])
            for name in ("precision", "recall", "f1")
        }
        per_class = cls(**fractions, support=tuple(_count(n, "support") for n in data["support"]))
        if len({len(values) for values in dataclasses.astuple(per_class)}) != 1:
            raise ValueError("per-class scores of different lengths")
        return per_class


@dataclass(frozen=True)
class Evaluation:
    """A labelled set scored in full: the summary scores with the 2021 pair, the per-class
    scores and the confusion matrix (counts; row = true class, column = predicted class)."""

    scores: Scores
    per_class: PerClass
    confusion: tuple[tuple[int, ...], ...]

    def to_json(self) -> dict[str, Any]:
        """As a fold record stores its test scores: the summary scores' keys beside
        ``per_class`` and ``confusion``."""
        return {
            **self.scores.to_json(),
            "per_class": self.per_class.to_json(),
            "confusion": [list(row) for row in self.confusion],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Evaluation:
        if not isinstance(data, dict):
            raise ValueError("test scores are not a mapping")
        summary = {k: v for k, v in data.items() if k not in ("per_class", "confusion")}
        per_class = PerClass.from_json(data["per_class"])
        confusion = tuple(tuple(_count(c, "confusion") for c in row) for row in data["confusion"])
        if any(len(row) != len(per_class.support) for row in (confusion, *confusion)):
            raise ValueError("confusion matrix is not one row and column per class")
        return cls(Scores.from_json(summary), per_class, confusion)


@dataclass(frozen=True)
class MeanStd:
    """A mean over fold models and its sample standard deviation (0 for one fold), and how
    many folds it is over (0 where not known)."""

    mean: float
    std: float
    folds: int = 0


@dataclass(frozen=True)
class ScoresOverFolds:
    """Each of ``Scores`` as mean ± std over fold models; the 2021 pair is None unless every
    fold has it."""

    accuracy: MeanStd
    precision_macro: MeanStd
    recall_macro: MeanStd
    f1_macro: MeanStd
    keras2021_precision: MeanStd | None = None
    keras2021_recall: MeanStd | None = None

    @classmethod
    def of(cls, folds: Sequence[Scores]) -> ScoresOverFolds:
        spread = {}
        for field in dataclasses.fields(Scores):
            values = [getattr(scores, field.name) for scores in folds]
            if None not in values:
                spread[field.name] = mean_std(values)
        return cls(**spread)


def _fraction(value: Any, name: str) -> float:
    """A stored score: a number from 0 to 1 (not a bool, not NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{name} {str(value)[:20]!r} is not a fraction")
    return float(value)


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} {str(value)[:20]!r} is not a count")
    return value


def evaluate(
    y_true: np.ndarray, probabilities: np.ndarray, *, labels: Sequence[int] = LABELS
) -> Evaluation:
    """Score the most probable class of every image in full (``Evaluation``)."""
    y_pred = probabilities.argmax(axis=1)
    return Evaluation(
        scores=probability_scores(y_true, probabilities, labels=labels),
        per_class=per_class_scores(y_true, y_pred, labels=labels),
        confusion=confusion_counts(y_true, y_pred, labels=labels),
    )


def probability_scores(
    y_true: np.ndarray, probabilities: np.ndarray, *, labels: Sequence[int] = LABELS
) -> Scores:
    """The summary scores of the most probable class, with the 2021 pair."""
    precision, recall = keras2021_precision_recall(y_true, probabilities)
    return dataclasses.replace(
        summary_scores(y_true, probabilities.argmax(axis=1), labels=labels),
        keras2021_precision=precision,
        keras2021_recall=recall,
    )


def summary_scores(
    y_true: np.ndarray, y_pred: np.ndarray, *, labels: Sequence[int] = LABELS
) -> Scores:
    """Accuracy and macro precision, recall and F1 (no 2021 pair: that needs probabilities)."""
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=list(labels), average="macro", zero_division=0
    )
    return Scores(
        accuracy=float(accuracy_score(y_true, y_pred)),
        precision_macro=float(precision),
        recall_macro=float(recall),
        f1_macro=float(f1),
    )


def per_class_scores(
    y_true: np.ndarray, y_pred: np.ndarray, *, labels: Sequence[int] = LABELS
) -> PerClass:
    """Precision, recall and F1 of every class, in label order, plus each class's support."""
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=list(labels), average=None, zero_division=0
    )
    return PerClass(
        precision=tuple(precision.tolist()),
        recall=tuple(recall.tolist()),
        f1=tuple(f1.tolist()),
        support=tuple(support.tolist()),
    )


def confusion_counts(
    y_true: np.ndarray, y_pred: np.ndarray, *, labels: Sequence[int] = LABELS
) -> tuple[tuple[int, ...], ...]:
    """Confusion matrix as counts: row = true class, column = predicted class."""
    return tuple(map(tuple, confusion_matrix(y_true, y_pred, labels=list(labels)).tolist()))


def keras2021_precision_recall(
    y_true: np.ndarray, probabilities: np.ndarray, *, threshold: float = 0.5
) -> tuple[float, float]:
    """The 2021 write-up's metric, (precision, recall): Keras ``Precision``/``Recall`` on
    one-hot targets.

    Every (image, class) cell whose probability exceeds ``threshold`` counts as a positive
    prediction, pooled over all classes. An image with no class above 0.5 predicts nothing, so
    this precision can exceed accuracy; it is not a macro average.
    """
    targets = np.eye(probabilities.shape[1], dtype=bool)[y_true]
    predicted = probabilities > threshold
    true_positives = np.count_nonzero(predicted & targets)
    predicted_positives = np.count_nonzero(predicted)
    return (
        float(true_positives / predicted_positives) if predicted_positives else 0.0,
        float(true_positives / len(y_true)) if len(y_true) else 0.0,
    )


def mean_std(values: Sequence[float]) -> MeanStd:
    """Mean and sample standard deviation (ddof=1) over folds; the std is 0 for one fold."""
    array = np.asarray(values, dtype=float)
    std = float(array.std(ddof=1)) if array.size > 1 else 0.0
    return MeanStd(float(array.mean()), std, int(array.size))


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
