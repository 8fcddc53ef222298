"""Metrics against values worked out by hand."""

import numpy as np
import pytest

from bench import metrics

# 3 classes, 6 images. Class 0: 2 right, 1 called 1. Class 1: 1 right, 1 called 2. Class 2: 1 right.
Y_TRUE = np.array([0, 0, 0, 1, 1, 2])
Y_PRED = np.array([0, 0, 1, 1, 2, 2])
LABELS = (0, 1, 2)


def test_summary_scores_by_hand():
    scores = metrics.summary_scores(Y_TRUE, Y_PRED, labels=LABELS)
    # precision: class 0 2/2, class 1 1/2, class 2 1/2 -> 2/3; recall: 2/3, 1/2, 1 -> 13/18
    assert scores["accuracy"] == pytest.approx(4 / 6)
    assert scores["precision_macro"] == pytest.approx(2 / 3)
    assert scores["recall_macro"] == pytest.approx(13 / 18)
    # F1 per class: 0.8, 0.5, 2/3
    assert scores["f1_macro"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)


def test_per_class_and_confusion_by_hand():
    per_class = metrics.per_class_scores(Y_TRUE, Y_PRED, labels=LABELS)
    assert per_class["precision"] == pytest.approx([1.0, 0.5, 0.5])
    assert per_class["recall"] == pytest.approx([2 / 3, 0.5, 1.0])
    assert per_class["support"] == [3, 2, 1]
    assert metrics.confusion_counts(Y_TRUE, Y_PRED, labels=LABELS) == [
        [2, 1, 0],
        [0, 1, 1],
        [0, 0, 1],
    ]


def test_class_never_predicted_scores_zero_precision_without_warning():
    scores = metrics.per_class_scores(np.array([0, 1]), np.array([0, 0]), labels=(0, 1))
    assert scores["precision"] == [0.5, 0.0]


def test_keras2021_metric_pools_thresholded_cells():
    y_true = np.array([0, 1, 2, 2])
    probabilities = np.array(
        [
            [0.9, 0.05, 0.05],  # one positive, correct
            [0.6, 0.3, 0.1],  # one positive, wrong
            [0.4, 0.3, 0.3],  # nothing above 0.5: no positive at all
            [0.1, 0.2, 0.7],  # one positive, correct
        ]
    )
    scores = metrics.keras2021_precision_recall(y_true, probabilities)
    assert scores["keras2021_precision"] == pytest.approx(2 / 3)  # exceeds accuracy (2/4)
    assert scores["keras2021_recall"] == pytest.approx(2 / 4)


def test_mean_std_uses_sample_std():
    mean, std = metrics.mean_std([0.9, 0.92, 0.94])
    assert mean == pytest.approx(0.92)
    assert std == pytest.approx(0.02)
    assert metrics.mean_std([0.5]) == (0.5, 0.0)


def test_most_confused_pairs_ordered():
    confusion = [[5, 3, 0], [1, 7, 3], [0, 2, 9]]
    assert metrics.most_confused_pairs(confusion, 3) == [(0, 1, 3), (1, 2, 3), (2, 1, 2)]


def test_softmax_rows_sum_to_one_for_large_logits():
    probabilities = metrics.softmax(np.array([[1000.0, 1000.0], [0.0, np.log(3.0)]]))
    np.testing.assert_allclose(probabilities, [[0.5, 0.5], [0.25, 0.75]])
