"""Which images each fold trains, validates and is tested on: pure functions of labels and seed.

Subsets are stratified and drawn with the run's seed, so every model of a profile sees the same
images, and a fold computed on another machine (``--shard``) is the same fold.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import StratifiedKFold, train_test_split

from bench.errors import BenchError


def stratified_subset(labels: np.ndarray, size: int | None, seed: int) -> np.ndarray:
    """Sorted indices of a class-balanced subset of ``size`` items (all of them for None)."""
    everything = np.arange(len(labels))
    if size is None or size >= len(labels):
        return everything
    chosen, _ = train_test_split(everything, train_size=size, stratify=labels, random_state=seed)
    return np.sort(chosen)


def fold_splits(labels: np.ndarray, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, held-out) positions into ``labels`` for each of the ``folds`` folds."""
    smallest_class = int(np.bincount(labels).min())
    if folds > smallest_class:
        raise BenchError(
            f"--folds {folds}: the smallest class has only {smallest_class} training images; "
            "use fewer folds or more training images"
        )
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(labels)), labels))


def shard_folds(folds: int, shard: tuple[int, int]) -> list[int]:
    """Fold indices of shard ``I/N``: those with ``index % N == I``."""
    index, count = shard
    return [fold for fold in range(folds) if fold % count == index]


def parse_shard(text: str) -> tuple[int, int]:
    """Parse ``"I/N"`` with 0 <= I < N."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise BenchError(f"--shard {text!r}: expected I/N, for example 0/2") from None
    if count < 1 or not 0 <= index < count:
        raise BenchError(f"--shard {text!r}: need 0 <= I < N, for example 0/2 and 1/2")
    return index, count


def as_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 (N, 28, 28, 1) in [0, 1]."""
    return (images.astype(np.float32) / 255.0)[..., np.newaxis]
