"""Figures for the site: plain data in, a matplotlib ``Figure`` out, one function per figure.

Each takes its data (and, where it is a single plot, ``ax=None`` to draw into a caller's axes)
and returns the figure; ``figure_style`` fixes how they look and ``figure_style.save`` writes
them, and ``alt_text`` says in words what each one shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

from bench import metrics
from bench.analysis.statistics import ReliabilityBins
from bench.site.figure_style import (
    ABOVE_AXES,
    GRID_COLOUR,
    HELD_OUT,
    OKABE_ITO,
    TRAIN,
    blank,
    figure_and_axes,
    new_figure,
    show_image,
    styled,
)
from bench.site.pages import counted, num, pct, pm

HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")  # as Keras names them


def _check_length(name: str, values: Sequence, expected: int) -> None:
    if len(values) != expected:
        raise ValueError(f"{name} has {len(values)} entries; expected {expected}")


@styled
def class_examples(images: np.ndarray, labels: np.ndarray, class_names: Sequence[str]) -> Figure:
    """The first image of every class, five to a row, titled with the class name."""
    labels = np.asarray(labels)
    figure = new_figure(8, 1.8 * math.ceil(len(class_names) / 5))
    axes = figure.subplots(math.ceil(len(class_names) / 5), 5).ravel()
    for label, (name, ax) in enumerate(zip(class_names, axes, strict=False)):
        found = np.flatnonzero(labels == label)
        if found.size == 0:
            raise ValueError(f"no image of class {label} ({name!r}) among {len(labels)} labels")
        show_image(ax, images[found[0]])
        ax.set_title(name, fontsize=10)
    for ax in axes[len(class_names) :]:
        blank(ax)
    return figure


@styled
def class_grid(
    images: np.ndarray, labels: np.ndarray, class_names: Sequence[str], per_class: int = 8
) -> Figure:
    """The first ``per_class`` images of every class, one row per class named at the left."""
    labels = np.asarray(labels)
    figure = new_figure(1.6 + 0.9 * per_class, 0.9 * len(class_names))
    grid = figure.subplots(len(class_names), per_class, squeeze=False)
    for label, (name, row) in enumerate(zip(class_names, grid, strict=True)):
        found = np.flatnonzero(labels == label)[:per_class]
        for column, ax in enumerate(row):
            if column < found.size:
                show_image(ax, images[found[column]])
            else:
                blank(ax)
        row[0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=10)
    return figure


@styled
def class_balance(
    train_counts: Sequence[int],
    test_counts: Sequence[int],
    class_names: Sequence[str],
    *,
    ax: Axes | None = None,
) -> Figure:
    """Images per class in the training and test splits, as grouped horizontal bars."""
    _check_length("train_counts", train_counts, len(class_names))
    _check_length("test_counts", test_counts, len(class_names))
    figure, ax = figure_and_axes(ax, 7, 0.45 * len(class_names) + 1.2)
    rows = np.arange(len(class_names))
    ax.barh(rows - 0.2, train_counts, 0.4, color=TRAIN, label="train")
    # The hatch tells the splits apart without relying on colour.
    ax.barh(rows + 0.2, test_counts, 0.4, color="white", ec=HELD_OUT, hatch="///", label="test")
    ax.set_yticks(rows, class_names)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_xlabel("images")
    ax.grid(axis="x", color=GRID_COLOUR)
    ax.set_axisbelow(True)
    ax.legend(ncols=2, **ABOVE_AXES)
    return figure


def _contrasting_text(rgba: Sequence[float]) -> str:
    """Black or white, whichever has the higher WCAG contrast against ``rgba``."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3]]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "black" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "white"


@styled
def confusion_matrix(
    counts: Sequence[Sequence[int]],
    class_names: Sequence[str],
    title: str | None = None,
    *,
    ax: Axes | None = None,
) -> Figure:
    """Counts in every cell, coloured by each count's share of its true class (row)."""
    counts = np.asarray(counts, dtype=int)
    if counts.shape != (len(class_names), len(class_names)):
        raise ValueError(f"counts has shape {counts.shape}; expected {len(class_names)} squared")
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
    figure, ax = figure_and_axes(ax, 7, 6)
    norm, cmap = Normalize(0, 1), matplotlib.colormaps["cividis"]
    image = ax.imshow(shares, cmap=cmap, norm=norm)
    size = 9 if len(class_names) <= 10 else 7
    for (row, column), count in np.ndenumerate(counts):
        colour = _contrasting_text(cmap(norm(shares[row, column])))
        ax.text(column, row, num(count), ha="center", va="center", color=colour, fontsize=size)
    ticks = np.arange(len(class_names))
    ax.set_xticks(ticks, class_names, rotation=40, ha="right", rotation_mode="anchor")
    ax.set_yticks(ticks, class_names)
    ax.set_xlabel("Predicted class")
    ax.set_ylabel("True class")
    if title:
        ax.set_title(title)
    figure.colorbar(image, ax=ax, label="share of the true class", shrink=0.85)
    return figure


def _padded(histories: Sequence[dict], key: str, epoch_count: int) -> np.ndarray:
    """Folds as rows, epochs as columns; NaN after a fold's last epoch or for a missing key."""
    table = np.full((len(histories), epoch_count), np.nan)
    for row, history in zip(table, histories, strict=True):
        values = history.get(key, ())
        row[: len(values)] = values
    return table


@styled
def learning_curves(histories: Sequence[dict], title: str | None = None) -> Figure:
    """Loss and accuracy per epoch: every fold thin, the mean over folds bold.

    Training is solid blue with circles, the held-out fold dashed vermillion with squares.
    A fold that stopped early drops out of the mean after its last epoch.
    """
    if not histories:
        raise ValueError("learning_curves needs at least one fold's history; got none")
    epoch_count = max(len(history.get(key, ())) for history in histories for key in HISTORY_KEYS)
    epochs = np.arange(1, epoch_count + 1)
    every = max(1, epoch_count // 10)  # about ten markers on the mean line
    lone_point = "o" if epoch_count == 1 else None  # one epoch is invisible without a marker
    figure = new_figure(10, 4.2)
    styles = {"": (TRAIN, "-", "o"), "val_": (HELD_OUT, "--", "s")}
    for ax, metric in zip(figure.subplots(1, 2), ("loss", "accuracy"), strict=True):
        for prefix, (colour, linestyle, marker) in styles.items():
            table = _padded(histories, prefix + metric, epoch_count)
            if np.isnan(table).all():
                continue
            for fold in table:
                ax.plot(epochs, fold, colour, ls=linestyle, lw=0.8, alpha=0.35, marker=lone_point)
            with np.errstate(all="ignore"):  # an epoch no fold reached is NaN, not a warning
                mean = np.nanmean(table, axis=0)
            ax.plot(epochs, mean, colour, ls=linestyle, lw=2.2, marker=marker, markevery=every)
        ax.set(xlabel="epoch", ylabel=metric, title=metric.capitalize())
        ax.set_xlim(0.5, epoch_count + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1, steps=[1, 2, 5, 10]))
        ax.grid(color=GRID_COLOUR)
    mean_of = f"mean of {counted(len(histories), 'fold')}"
    handles = [
        Line2D([], [], color=TRAIN, lw=0.8, label="train (each fold)"),
        Line2D([], [], color=HELD_OUT, ls="--", lw=0.8, label="held-out fold (each fold)"),
        Line2D([], [], color=TRAIN, lw=2.2, marker="o", label=f"train ({mean_of})"),
        Line2D([], [], color=HELD_OUT, ls="--", lw=2.2, marker="s", label=f"held-out ({mean_of})"),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False)
    if title:
        figure.suptitle(title)
    return figure


@styled
def misclassified_grid(
    images: np.ndarray,
    true_labels: Sequence[int],
    predicted_labels: Sequence[int],
    class_names: Sequence[str],
    columns: int = 8,
) -> Figure:
    """The given misclassified images, each titled with its true and its predicted class."""
    _check_length("true_labels", true_labels, len(images))
    _check_length("predicted_labels", predicted_labels, len(images))
    if len(images) == 0:
        figure = new_figure(6, 1.2)
        figure.text(0.5, 0.5, "No misclassified images", ha="center", va="center", fontsize=12)
        return figure
    columns = min(columns, len(images))
    figure = new_figure(1.15 * columns, 1.55 * math.ceil(len(images) / columns))
    axes = figure.subplots(math.ceil(len(images) / columns), columns, squeeze=False).ravel()
    for index, ax in enumerate(axes):
        if index >= len(images):
            blank(ax)
            continue
        show_image(ax, images[index])
        true, predicted = class_names[true_labels[index]], class_names[predicted_labels[index]]
        ax.set_title(f"{true}\n→ {predicted}", fontsize=7)
    return figure


@styled
def fold_scores(
    fold_accuracies: Sequence[float],
    ensemble_accuracy: float | None = None,
    *,
    ax: Axes | None = None,
) -> Figure:
    """Test accuracy of every fold's model with the mean ± std band, and the fold ensemble."""
    if len(fold_accuracies) == 0:
        raise ValueError("fold_scores needs at least one fold accuracy; got none")
    scores = np.asarray(fold_accuracies, dtype=float)
    spread = metrics.mean_std(scores)
    mean, std = spread.mean, spread.std
    figure, ax = figure_and_axes(ax, 6, 3.4)
    band = f"mean ± std ({pm(spread)})"
    ax.axhspan(mean - std, mean + std, color=OKABE_ITO["sky_blue"], alpha=0.3, lw=0, label=band)
    ax.axhline(mean, color=TRAIN, lw=1)
    ticks = list(range(1, len(scores) + 1))
    ax.plot(ticks, scores, "o", color=OKABE_ITO["black"], label="fold model")
    names = [str(fold) for fold in ticks]
    if ensemble_accuracy is not None:
        ticks.append(len(scores) + 1.6)  # set apart from the folds
        names.append("ensemble")
        label = f"ensemble ({pct(ensemble_accuracy)})"
        ax.plot(ticks[-1], ensemble_accuracy, "D", ms=8, color=HELD_OUT, label=label)
    ax.set_xticks(ticks, names)
    ax.set_xlim(0.4, ticks[-1] + 0.6)
    ax.set(xlabel="fold", ylabel="test accuracy")
    ax.grid(axis="y", color=GRID_COLOUR)
    ax.legend(fontsize=8, ncols=3, **ABOVE_AXES)
    return figure


@styled
def reliability_diagram(
    before: ReliabilityBins, after: ReliabilityBins | None = None, *, ax: Axes | None = None
) -> Figure:
    """Accuracy against mean confidence in each non-empty confidence bin, as trained and (when
    given) after temperature scaling; the diagonal is perfect calibration."""
    figure, ax = figure_and_axes(ax, 4.8, 4.4)
    ax.plot([0, 1], [0, 1], ls=":", lw=1, color=OKABE_ITO["black"], label="perfect calibration")
    curves = ((before, TRAIN, "o", "-", "as trained"),
              (after, HELD_OUT, "s", "--", "temperature-scaled"))  # fmt: skip
    for bins, colour, marker, style, label in curves:
        if bins is None:
            continue
        filled = bins.count > 0
        ax.plot(bins.confidence[filled], bins.accuracy[filled], marker=marker, ls=style,
                color=colour, label=label)  # fmt: skip
    ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal", xlabel="confidence (top-class probability)",
           ylabel="accuracy")  # fmt: skip
    ax.grid(color=GRID_COLOUR)
    ax.legend(fontsize=8, ncols=2, **ABOVE_AXES)
    return figure
