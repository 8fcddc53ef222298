"""Alt text: each figure's sentence states the figure's own numbers, worked out by hand here."""

from __future__ import annotations

import numpy as np

from bench.site import alt_text

NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")  # fmt: skip
# 100 images per class except Shirt (row 6), which loses 12 to T-shirt/top, and Pullover 5 to Coat.
CONFUSION = (np.eye(10, dtype=int) * 100).tolist()
CONFUSION[6][6], CONFUSION[6][0] = 88, 12
CONFUSION[2][2], CONFUSION[2][4] = 95, 5


def history(epochs: int, offset: float = 0.0) -> dict[str, list[float]]:
    ramp = np.linspace(0.5, 0.9, epochs) + offset
    return {"loss": (1 - ramp).tolist(), "val_accuracy": (ramp - 0.05).tolist()}


def test_confusion_reports_diagonal_and_largest_confusion():
    assert alt_text.confusion(CONFUSION, NAMES) == (
        "Confusion matrix of 1,000 test images: 98.3% on the diagonal; the largest confusion "
        "is Shirt predicted as T-shirt/top (12 images)."
    )


def test_confusion_without_confusions():
    assert alt_text.confusion(np.eye(3, dtype=int).tolist(), NAMES[:3]) == (
        "Confusion matrix of 3 test images: 100.0% on the diagonal; "
        "no image is confused with another class."
    )


def test_learning_curves():
    assert alt_text.learning_curves([history(30, 0.0), history(30, 0.02)]) == (
        "Training and held-out loss and accuracy over 30 epochs for 2 folds; "
        "final held-out accuracy 86.0% on average."
    )
    assert "over 1 epoch for 1 fold;" in alt_text.learning_curves([history(1)])
    assert alt_text.learning_curves([{"loss": [1.0, 0.5]}]).endswith("over 2 epochs for 1 fold.")


def test_fold_scores_gives_the_range_and_the_ensemble():
    assert alt_text.fold_scores([0.9012, 0.9231, 0.9105], 0.9299) == (
        "Test accuracy of each of the 3 fold models, from 90.12% to 92.31%, beside the "
        "ensemble of all of them at 92.99%."
    )


def test_class_balance_says_whether_the_classes_are_level():
    assert alt_text.class_balance([6000] * 10, [1000] * 10) == (
        "Bar chart of images per class in both splits: every class has 6,000 training and "
        "1,000 test images."
    )
    assert "classes have 5,990 to 6,010 training and 990 to 1,000 test images" in (
        alt_text.class_balance([5990, 6010], [1000, 990])
    )


def test_misclassified_names_the_most_frequent_mix_up_and_breaks_ties_by_class():
    wrong = {"count": 1204, "true": [6, 6, 2, 0, 0], "predicted": [0, 0, 4, 6, 6]}
    # Shirt -> T-shirt/top and T-shirt/top -> Shirt both occur twice: the lower true class wins.
    assert alt_text.misclassified(wrong, NAMES) == (
        "5 of the 1,204 misclassified test images, each titled with its true and predicted "
        "class; the most frequent mix-up among them is T-shirt/top predicted as Shirt "
        "(2 images)."
    )


def test_shared_mistakes_lists_the_true_classes_once_each_in_order():
    mistakes = {"count": 310, "models": 5, "true": [6, 0, 6, 4], "predicted": [0, 6, 0, 2]}
    assert alt_text.shared_mistakes(mistakes, NAMES) == (
        "4 of the 310 test images that all 5 ensembles misclassify, each titled with its true "
        "class and the wrong class most ensembles chose; their true classes: Coat, Shirt, "
        "T-shirt/top."
    )


def test_dataset_figures():
    assert alt_text.dataset_examples(NAMES).startswith(
        "One training image of each of the ten classes: T-shirt/top, Trouser, Pullover,"
    )
    assert alt_text.dataset_grid(8).startswith("The first 8 training images of each class")
