"""The run's side that stays in this process whatever trains the folds: it admits folds under
the time budget and alone writes fold records and the run manifest, turning a failed write into
one line that says what is kept and how to resume."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

from bench.config import RunConfig
from bench.data import FashionMNIST
from bench.errors import BenchError
from bench.store import results
from bench.store.records import FitResult, FoldRecord, RunManifest
from bench.store.results import FoldPredictions
from bench.train import planning
from bench.train.budget import Budget, FoldTimer
from bench.train.devices import Device
from bench.train.executors import FoldTask
from bench.train.work import RunOutcome, RunReporter, WorkItem


@contextlib.contextmanager
def storing(what: str, kept: str) -> Iterator[None]:
    """Turn an OS error while writing ``what`` (a full disk, a read-only folder) into one line
    saying what could not be written, the OS's words, what is kept and how to resume."""
    try:
        yield
    except OSError as error:
        raise store_error(what, error, kept) from None


def store_error(what: str, error: OSError, kept: str) -> BenchError:
    words = error.strerror or str(error)
    return BenchError(
        f"cannot write {what} ({words}); {kept}; free the space or fix the folder, then run "
        "the same command to resume"
    )


def kept(outcome: RunOutcome) -> str:
    count = len(outcome.trained)
    return (f"the {count} fold(s) this run finished before it are stored" if count
            else "no fold of this run had finished")  # fmt: skip


class Driver:
    """The run's side that stays in this process whatever trains the folds: it admits folds
    under the time budget, and it alone writes fold results and the manifest."""

    def __init__(self, config, dataset, results_dir, device, plans, outcome, manifest, timer,
                 reporter, budget) -> None:  # fmt: skip
        self.config: RunConfig = config
        self.dataset: FashionMNIST = dataset
        self.results_dir: Path = results_dir
        self.device: Device = device
        self.plans: dict[str, planning.ModelPlan] = plans
        self.outcome: RunOutcome = outcome
        self.manifest: RunManifest = manifest
        self.timer: FoldTimer = timer
        self.reporter: RunReporter | None = reporter
        self.budget: Budget | None = budget
        self.clock = budget.clock if budget is not None else time.monotonic

    def task(self, item: WorkItem) -> FoldTask:
        return FoldTask(
            item.model, item.fold, self.config.plan(item.model).recipe,
            seed=self.config.seed * 1000 + item.fold,
            precision=self.plans[item.model].precision,
            strategy=self.config.strategy,
        )  # fmt: skip

    def splits(self, model: str) -> tuple:
        """The subset indices and fold splits of ``model`` (see ``fold_data``)."""
        return self.plans[model].splits

    def admits(self, item: WorkItem) -> bool:
        """Whether ``item`` may start now: no budget, or predicted to end before the deadline
        (its own time, not the queue's: it starts when a slot is free)."""
        prediction = self.timer.predict(item.model, item.work)
        return self.budget is None or self.budget.allows(prediction)

    def leave(self, items: list[WorkItem]) -> None:
        """Folds not started because the budget would not cover them."""
        self.outcome.left += [(item.model, item.fold) for item in items]

    def started(self, item: WorkItem) -> None:
        if self.reporter:
            self.reporter.fold_started(item)

    def store(self, item: WorkItem, fit: FitResult, predictions: FoldPredictions,
              seconds: float, device: Device) -> None:  # fmt: skip
        """Write a finished fold (trained on ``device`` in ``seconds`` of this clock)."""
        self.timer.record(item.model, seconds, item.work)
        record = _fold_record(self.config, self.plans[item.model], item, self.outcome.run_id,
                              device, fit)  # fmt: skip
        where = results.fold_path(self.results_dir, item.model, record.profile, item.fold)
        with storing(f"{item.model} fold {item.fold} ({where})", kept(self.outcome)):
            results.write_fold(self.results_dir, record, predictions)
        self.outcome.trained.append((item.model, item.fold))
        self.manifest = dataclasses.replace(self.manifest, trained=tuple(self.outcome.trained))
        with storing(f"the run manifest {self.outcome.manifest}", kept(self.outcome)):
            results.write_manifest(self.results_dir, self.manifest)
        if self.reporter:
            self.reporter.fold_finished(item, record)

    def fail(self, item: WorkItem, message: str) -> None:
        """A fold that failed on its own; the run goes on and ends with a failure."""
        self.outcome.failed.append((item.model, item.fold, message))
        if self.reporter:
            self.reporter.fold_failed(item, message)


def _fold_record(
    config: RunConfig, plan: planning.ModelPlan, item: WorkItem, run_id: str, device: Device,
    fit: FitResult,
) -> FoldRecord:  # fmt: skip
    """The stored record of one fold: who, under which key, on what, then what fit measured."""
    return FoldRecord.of(
        fit,
        model=item.model,
        display_name=plan.spec.display_name,
        family=plan.spec.family,
        fold=item.fold,
        folds=item.folds,
        profile=config.profile,
        seed=config.seed,
        fold_key=plan.key,
        identity=plan.identity,
        config=config.fold_config(item.model),
        run_id=run_id,
        device=device.kind,
        gpus=tuple(device.gpus),
        backend=device.backend,
        strategy=config.strategy,
        origin=plan.spec.origin.to_json(),
        card=plan.spec.card(),
    )
