"""Who trains the folds: the task one fold needs, the one path every executor trains it through,
and the local executor (one fold after another in this process). ``bench.train.ray_executor`` is
the other executor; both hand every result to the ``Driver``, which alone stores it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bench.data import FashionMNIST
from bench.models import get_model
from bench.recipes import Recipe
from bench.store.records import FitResult
from bench.store.results import FoldPredictions
from bench.train import devices, planning
from bench.train.devices import Device
from bench.train.training import FoldReporter, fit_fold
from bench.train.work import WorkItem

if TYPE_CHECKING:  # the driver builds tasks from this module, so it imports it, not the reverse
    from bench.train.driver import Driver


@dataclass(frozen=True)
class FoldTask:
    """What training one fold needs besides the images: small, so it travels to a worker."""

    model: str
    fold: int
    recipe: Recipe
    seed: int
    precision: str  # the dtype policy the fold's key was computed with
    strategy: str = "default"


def train_task(
    task: FoldTask, dataset: FashionMNIST, splits: tuple, device: Device,
    reporter: FoldReporter | None = None,
) -> tuple[FitResult, FoldPredictions]:  # fmt: skip
    """Train one fold from the dataset and its model's splits: the one path every executor
    (this process, or a Ray worker) trains through."""
    data = planning.fold_data(dataset, *splits, task.fold)
    return fit_fold(
        get_model(task.model), task.recipe, data, seed=task.seed,
        device=device.named(task.precision),  # the policy the fold is keyed with
        strategy=task.strategy, reporter=reporter,
    )  # fmt: skip


class FoldExecutor(Protocol):
    """Trains the planned folds and hands each result to the driver, which stores it."""

    def detect_device(self, precision: str) -> Device: ...
    def execute(self, work: list[WorkItem], driver: Driver) -> None: ...


class LocalExecutor:
    """One fold after another in this process, in the planned order; the first error ends it."""

    def detect_device(self, precision: str) -> Device:
        return devices.detect(precision)

    def execute(self, work: list[WorkItem], driver: Driver) -> None:
        for position, item in enumerate(work):
            if not driver.admits(item):
                driver.leave(work[position:])
                return
            driver.started(item)
            fold_started = driver.clock()
            fit, predictions = train_task(driver.task(item), driver.dataset,
                                          driver.splits(item.model), driver.device,
                                          driver.reporter)  # fmt: skip
            driver.store(item, fit, predictions, driver.clock() - fold_started, driver.device)
