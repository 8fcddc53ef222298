"""Figures: each builder returns a Figure with the expected parts."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from bench.analysis import statistics
from bench.site import figures

NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")  # fmt: skip
RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, size=(40, 28, 28), dtype=np.uint8)
LABELS = np.arange(40) % 10
# Hand-made: 100 images per class except Shirt (row 6), which loses 12 to T-shirt/top.
CONFUSION = (np.eye(10, dtype=int) * 100).tolist()
CONFUSION[6][6], CONFUSION[6][0] = 88, 12
CONFUSION[2][2], CONFUSION[2][4] = 95, 5


def history(epochs: int, offset: float = 0.0) -> dict[str, list[float]]:
    ramp = np.linspace(0.5, 0.9, epochs) + offset
    return {
        "loss": (1 - ramp).tolist(),
        "accuracy": ramp.tolist(),
        "val_loss": (1.1 - ramp).tolist(),
        "val_accuracy": (ramp - 0.05).tolist(),
    }


def texts(figure: Figure) -> list[str]:
    return [text.get_text() for text in figure.findobj(matplotlib.text.Text)]


def image_axes(figure: Figure) -> list:
    return [ax for ax in figure.axes if ax.images]


def test_class_examples_shows_first_image_of_each_class():
    figure = figures.class_examples(IMAGES, LABELS, NAMES)
    assert len(image_axes(figure)) == 10
    assert [ax.get_title() for ax in figure.axes] == list(NAMES)
    assert np.array_equal(figure.axes[3].images[0].get_array(), IMAGES[3])
    assert all(not ax.get_xticks().size and not ax.get_yticks().size for ax in figure.axes)


def test_class_examples_names_a_missing_class():
    with pytest.raises(ValueError, match="Ankle boot"):
        figures.class_examples(IMAGES[:9], LABELS[:9], NAMES)


def test_class_grid_has_one_row_per_class():
    figure = figures.class_grid(IMAGES, LABELS, NAMES, per_class=3)
    assert len(figure.axes) == 30
    assert len(image_axes(figure)) == 30
    assert [figure.axes[3 * row].get_ylabel() for row in range(10)] == list(NAMES)


def test_class_grid_leaves_short_rows_blank():
    figure = figures.class_grid(IMAGES, LABELS, NAMES, per_class=6)
    assert len(image_axes(figure)) == 40  # four images per class


def test_class_balance_draws_a_bar_per_class_and_split():
    figure = figures.class_balance([6000] * 10, [1000] * 10, NAMES)
    (ax,) = figure.axes
    assert len(ax.patches) == 20
    assert [label.get_text() for label in ax.get_yticklabels()] == list(NAMES)
    assert any(patch.get_hatch() for patch in ax.patches)


def test_class_balance_rejects_mismatched_counts():
    with pytest.raises(ValueError, match="9 entries; expected 10"):
        figures.class_balance([1] * 9, [1] * 10, NAMES)


def test_confusion_matrix_writes_every_count_and_names_both_axes():
    figure = figures.confusion_matrix(CONFUSION, NAMES, title="MLP")
    ax = figure.axes[0]
    cells = [text.get_text() for text in ax.texts]
    assert len(cells) == 100
    assert cells[:10] == ["100", "0", "0", "0", "0", "0", "0", "0", "0", "0"]
    assert {"88", "12", "5", "95"} <= set(cells)
    assert [label.get_text() for label in ax.get_xticklabels()] == list(NAMES)
    assert [label.get_text() for label in ax.get_yticklabels()] == list(NAMES)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Predicted class", "True class")
    assert figure.axes[1].get_ylabel() == "share of the true class"
    # Text colour follows the background: bright diagonal cells get black, dark ones white.
    assert ax.texts[0].get_color() == "black"
    assert ax.texts[1].get_color() == "white"


def test_confusion_matrix_draws_into_a_given_axes():
    figure = Figure()
    ax = figure.add_subplot()
    assert figures.confusion_matrix(CONFUSION, NAMES, ax=ax) is figure


@pytest.mark.parametrize("folds, epochs", [(3, 5), (1, 1), (2, 1)])
def test_learning_curves_draw_each_fold_and_the_mean(folds, epochs):
    histories = [history(epochs, 0.01 * fold) for fold in range(folds)]
    figure = figures.learning_curves(histories, title="CNN")
    loss, accuracy = figure.axes
    assert (loss.get_ylabel(), accuracy.get_ylabel()) == ("loss", "accuracy")
    for ax in (loss, accuracy):
        assert len(ax.lines) == 2 * folds + 2  # train and held-out per fold, plus two means
        assert all(line.get_xdata()[0] == 1 for line in ax.lines)
        means = [line for line in ax.lines if line.get_linewidth() > 2]
        assert len(means) == 2
        assert all(line.get_marker() not in ("None", None, "") for line in means)
    (legend,) = figure.legends
    assert len(legend.get_texts()) == 4
    assert "held-out fold" in " ".join(text.get_text() for text in legend.get_texts())


def test_learning_curves_need_a_history():
    with pytest.raises(ValueError, match="at least one"):
        figures.learning_curves([])


def test_misclassified_grid_titles_true_and_predicted():
    figure = figures.misclassified_grid(IMAGES[:10], [6] * 10, [0] * 10, NAMES, columns=4)
    assert len(image_axes(figure)) == 10
    assert len(figure.axes) == 12  # three rows of four, two left blank
    assert figure.axes[0].get_title() == "Shirt\n→ T-shirt/top"


def test_misclassified_grid_without_images_says_so():
    figure = figures.misclassified_grid(np.zeros((0, 28, 28), np.uint8), [], [], NAMES)
    assert not figure.axes
    assert "No misclassified images" in texts(figure)


@pytest.mark.parametrize("ensemble, ticks", [(0.93, 4), (None, 3)])
def test_fold_scores_marks_folds_and_ensemble(ensemble, ticks):
    figure = figures.fold_scores([0.90, 0.91, 0.92], ensemble)
    (ax,) = figure.axes
    assert len(ax.get_xticks()) == ticks
    assert ax.get_xlabel() == "fold"
    assert any("91.00 ± 1.00%" in text for text in texts(figure))


def test_reliability_diagram_draws_the_filled_bins():
    probabilities = np.array([[0.95, 0.05], [0.9, 0.1], [0.6, 0.4], [0.55, 0.45]])
    before = statistics.reliability_bins(probabilities, np.array([0, 0, 1, 0]), bins=10)
    after = statistics.reliability_bins(probabilities, np.array([0, 0, 1, 0]), bins=5)
    figure = figures.reliability_diagram(before, after)
    (ax,) = figure.axes
    diagonal, as_trained, scaled = ax.get_lines()
    assert len(as_trained.get_xdata()) == 3  # bins (0.5, 0.6], (0.8, 0.9] and (0.9, 1.0]
    assert as_trained.get_ydata().tolist() == [0.5, 1.0, 1.0]
    assert len(scaled.get_xdata()) == 2
    assert "temperature-scaled" in texts(figure)
    assert len(figures.reliability_diagram(before).axes[0].get_lines()) == 2


def test_fold_scores_handles_one_fold():
    figure = figures.fold_scores([0.9])
    assert any("90.00% (one fold)" in text for text in texts(figure))
