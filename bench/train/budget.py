"""A wall-clock budget for training: order folds (furthest model first), predict, admit folds.

Pure logic only; the engine decides what to run and the CLI what to show. The convention for
"no budget" is ``Budget | None``: callers pass ``None`` and skip every check.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


def furthest_first(
    items: Sequence[T], model_of: Callable[[T], str], fold_of: Callable[[T], int]
) -> list[T]:
    """The model with the most folds still to train goes first, until it is level with the
    next; then the level models take turns, a fold each (lowest fold first within a model;
    ties keep the order models first appear in).

    Under a budget this brings the models furthest from their planned folds up first, instead of
    making nearly complete models wait behind every fold of an empty one; with equal counts it
    is plain round-robin.
    """
    first_seen: dict[str, int] = {}
    for item in items:
        first_seen.setdefault(model_of(item), len(first_seen))
    by_model = sorted(items, key=lambda item: (first_seen[model_of(item)], fold_of(item)))
    missing = Counter(model_of(item) for item in by_model)
    started: Counter[str] = Counter()
    keyed = []  # (folds of its model left when it starts, descending; first appearance; item)
    for item in by_model:
        model = model_of(item)
        keyed.append((-(missing[model] - started[model]), first_seen[model], item))
        started[model] += 1
    return [item for *_, item in sorted(keyed, key=lambda entry: entry[:2])]


class FoldTimer:
    """Predicts a fold's wall seconds per model from seconds per unit of work seen so far.

    ``work`` is any size measure proportional to training time (epochs x training images).
    The highest rate seen wins, so predictions err towards not overshooting the budget.
    """

    def __init__(self) -> None:
        self._timed: dict[str, list[float]] = {}
        self._prior: dict[str, list[float]] = {}

    def record(self, model: str, seconds: float, work: float) -> None:
        """Remember a fold of ``model`` timed in this run."""
        self._timed.setdefault(model, []).append(_rate(seconds, work))

    def prior(self, model: str, seconds: float, work: float) -> None:
        """Remember a fold from an earlier run; used only until this run times ``model``."""
        self._prior.setdefault(model, []).append(_rate(seconds, work))

    def predict(self, model: str, work: float) -> float | None:
        """Seconds a fold of ``work`` should take, or None when ``model`` was never timed."""
        rates = self._timed.get(model) or self._prior.get(model)
        return None if not rates else max(rates) * work


def _rate(seconds: float, work: float) -> float:
    """Seconds per unit of work; bad timings are programming errors, not user input."""
    if work <= 0 or seconds < 0:
        raise ValueError(f"cannot time a fold of {seconds!r} s over {work!r} units of work")
    return seconds / work


@dataclass
class Budget:
    """A wall-clock allowance that starts when built; ``clock`` is injectable for tests."""

    seconds: float
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def remaining(self) -> float:
        """Seconds left before the deadline; negative once it has passed."""
        return self.seconds - (self.clock() - self.started)

    def deadline_passed(self) -> bool:
        """True once no time is left."""
        return self.remaining() <= 0

    def allows(self, predicted_seconds: float | None) -> bool:
        """Whether a fold predicted to take ``predicted_seconds`` finishes before the deadline.

        None (a model not timed yet) is allowed while any time remains: its first fold is a guess.
        """
        remaining = self.remaining()
        if remaining <= 0:
            return False
        return predicted_seconds is None or predicted_seconds <= remaining
