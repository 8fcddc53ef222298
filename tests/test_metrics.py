"""Metrics against values worked out by hand, and the score types' stored form."""

import json

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
    assert scores.accuracy == pytest.approx(4 / 6)
    assert scores.precision_macro == pytest.approx(2 / 3)
    assert scores.recall_macro == pytest.approx(13 / 18)
    # F1 per class: 0.8, 0.5, 2/3
    assert scores.f1_macro == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert scores.keras2021_precision is None and scores.keras2021_recall is None


def test_per_class_and_confusion_by_hand():
    per_class = metrics.per_class_scores(Y_TRUE, Y_PRED, labels=LABELS)
    assert per_class.precision == pytest.approx((1.0, 0.5, 0.5))
    assert per_class.recall == pytest.approx((2 / 3, 0.5, 1.0))
    assert per_class.support == (3, 2, 1)
    assert metrics.confusion_counts(Y_TRUE, Y_PRED, labels=LABELS) == (
        (2, 1, 0),
        (0, 1, 1),
        (0, 0, 1),
    )


def test_class_never_predicted_scores_zero_precision_without_warning():
    scores = metrics.per_class_scores(np.array([0, 1]), np.array([0, 0]), labels=(0, 1))
    assert scores.precision == (0.5, 0.0)


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
    precision, recall = metrics.keras2021_precision_recall(y_true, probabilities)
    assert precision == pytest.approx(2 / 3)  # exceeds accuracy (2/4)
    assert recall == pytest.approx(2 / 4)
    scores = metrics.probability_scores(y_true, probabilities, labels=LABELS)
    assert (scores.keras2021_precision, scores.keras2021_recall) == (precision, recall)
    assert scores.accuracy == pytest.approx(2 / 4)  # the most probable class of each image


def test_evaluate_scores_the_most_probable_class_in_full():
    probabilities = np.eye(3)[Y_PRED] * 0.8 + 0.05
    evaluation = metrics.evaluate(Y_TRUE, probabilities, labels=LABELS)
    assert evaluation.scores == metrics.probability_scores(Y_TRUE, probabilities, labels=LABELS)
    assert evaluation.per_class == metrics.per_class_scores(Y_TRUE, Y_PRED, labels=LABELS)
    assert evaluation.confusion == metrics.confusion_counts(Y_TRUE, Y_PRED, labels=LABELS)


def test_scores_are_stored_under_their_own_names_and_read_back_the_same():
    evaluation = metrics.evaluate(Y_TRUE, np.eye(3)[Y_PRED] * 0.8 + 0.05, labels=LABELS)
    stored = json.loads(json.dumps(evaluation.to_json()))
    assert stored["confusion"] == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert stored["per_class"]["support"] == [3, 2, 1]
    assert set(stored) == {
        "accuracy", "precision_macro", "recall_macro", "f1_macro", "keras2021_precision",
        "keras2021_recall", "per_class", "confusion",
    }  # fmt: skip
    assert metrics.Evaluation.from_json(stored) == evaluation
    held_out = metrics.summary_scores(Y_TRUE, Y_PRED, labels=LABELS)
    assert held_out.to_json().keys() == {"accuracy", "precision_macro", "recall_macro", "f1_macro"}
    assert metrics.Scores.from_json(held_out.to_json()) == held_out


@pytest.mark.parametrize(
    "damage",
    [lambda s: s.pop("accuracy"), lambda s: s.update(accuracy="0.5"),
     lambda s: s.update(accuracy=1.5), lambda s: s.update(accuracy=float("nan")),
     lambda s: s.update(top5=0.9), lambda s: s["per_class"].pop("f1"),
     lambda s: s["per_class"]["support"].append(1), lambda s: s["confusion"][0].pop(),
     lambda s: s["confusion"][1].__setitem__(0, -1), lambda s: s.update(confusion=3),
     lambda s: s["confusion"].pop()],
)  # fmt: skip
def test_malformed_stored_scores_are_refused(damage):
    stored = metrics.evaluate(Y_TRUE, np.eye(3)[Y_PRED] * 0.8 + 0.05, labels=LABELS).to_json()
    damage(stored)
    with pytest.raises((KeyError, TypeError, ValueError)):
        metrics.Evaluation.from_json(stored)


def test_scores_over_folds_leave_out_the_2021_pair_unless_every_fold_has_it():
    probabilities = np.eye(3)[Y_PRED] * 0.8 + 0.05
    with_pair = metrics.probability_scores(Y_TRUE, probabilities, labels=LABELS)
    without = metrics.summary_scores(Y_TRUE, Y_PRED, labels=LABELS)
    spread = metrics.ScoresOverFolds.of([with_pair, with_pair])
    assert spread.accuracy == metrics.MeanStd(with_pair.accuracy, 0.0, folds=2)
    assert spread.keras2021_recall == metrics.MeanStd(with_pair.keras2021_recall, 0.0, folds=2)
    mixed = metrics.ScoresOverFolds.of([with_pair, without])
    assert mixed.f1_macro.mean == pytest.approx(without.f1_macro)
    assert mixed.keras2021_precision is None and mixed.keras2021_recall is None


def test_mean_std_uses_sample_std():
    spread = metrics.mean_std([0.9, 0.92, 0.94])
    assert spread.mean == pytest.approx(0.92)
    assert spread.std == pytest.approx(0.02)
    assert metrics.mean_std([0.5]) == metrics.MeanStd(0.5, 0.0, folds=1)


def test_most_confused_pairs_ordered():
    confusion = [[5, 3, 0], [1, 7, 3], [0, 2, 9]]
    assert metrics.most_confused_pairs(confusion, 3) == [(0, 1, 3), (1, 2, 3), (2, 1, 2)]


def test_softmax_rows_sum_to_one_for_large_logits():
    probabilities = metrics.softmax(np.array([[1000.0, 1000.0], [0.0, np.log(3.0)]]))
    np.testing.assert_allclose(probabilities, [[0.5, 0.5], [0.25, 0.75]])
