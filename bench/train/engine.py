"""Run the cross-validation protocol for a config: resumable, shardable, budgeted, recorded.

For each model: the stratified training subset is split with StratifiedKFold; every fold that
is not already stored with the same key (``bench.train.fold_key``) under the same profile is
trained and written the moment it ends. Every option is checked before anything moves; then
folds of the same profile stored under another key are moved to ``superseded/`` (never
deleted). Other profiles' folds are never touched. Under a time budget, the model with the most
folds left goes first until it is level with the others, then they take turns
(``budget.furthest_first``), and a fold predicted not to finish in time is not started.

Planning is shared; training is the executor's: ``LocalExecutor`` trains one fold after another
in this process, ``bench.train.ray_executor`` submits each fold as a Ray task. Either way only the
``Driver`` here writes results, so a run's store is the same whoever trained its folds.
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bench import data as data_module
from bench.config import RunConfig, model_spec
from bench.data import FashionMNIST
from bench.errors import BenchError
from bench.models import get_model
from bench.paths import PROJECT_ROOT
from bench.recipes import Recipe
from bench.store import results
from bench.store.records import FitResult, FoldRecord, RunManifest
from bench.store.results import FoldPredictions
from bench.train import devices, environment, planning
from bench.train.budget import Budget, FoldTimer, furthest_first
from bench.train.devices import Device
from bench.train.training import FoldReporter, fit_fold, steps_per_epoch


@dataclass(frozen=True)
class WorkItem:
    """One fold to train, with what the progress display needs to know in advance."""

    model: str
    fold: int
    folds: int
    epochs: int
    steps_per_epoch: int
    train_images: int = 0

    @property
    def work(self) -> float:
        """Size of the fold's training, for predicting its time (epochs x training images)."""
        return float(max(self.epochs * self.train_images, 1))


class RunReporter(FoldReporter, Protocol):
    def start(self, work: list[WorkItem], skipped: int, budget: Budget | None) -> None: ...
    def fold_started(self, item: WorkItem) -> None: ...
    def fold_finished(self, item: WorkItem, record: FoldRecord) -> None: ...
    def fold_failed(self, item: WorkItem, message: str) -> None: ...
    def note(self, text: str) -> None: ...


@dataclass
class RunOutcome:
    run_id: str
    trained: list[tuple[str, int]] = field(default_factory=list)
    skipped: list[tuple[str, int]] = field(default_factory=list)
    left: list[tuple[str, int]] = field(default_factory=list)  # not started: time budget
    failed: list[tuple[str, int, str]] = field(default_factory=list)  # model, fold, why
    superseded: list[Path] = field(default_factory=list)
    migrated: list[Path] = field(default_factory=list)
    manifest: Path | None = None


def run(
    config: RunConfig,
    dataset: FashionMNIST,
    results_dir: Path,
    *,
    device: Device,
    shard: tuple[int, int] = (0, 1),
    fresh: bool = False,
    reporter: RunReporter | None = None,
    command: tuple[str, ...] = (),
    budget: Budget | None = None,
    executor: FoldExecutor | None = None,
) -> RunOutcome:
    """Train every fold of ``config`` that is missing from ``results_dir``; see the module doc."""
    specs = [model_spec(name) for name in config.models]
    started = results.now()
    outcome = RunOutcome(run_id=f"{started[:19].replace(':', '')}-{secrets.token_hex(3)}")
    # Phase 1: check everything (fold counts, stored files) without changing anything.
    plans = [
        planning.plan_model(config, spec, dataset, results_dir, device, shard, fresh)
        for spec in specs
    ]
    # Phase 2: move stale folds aside, upgrade matching schema-1 records, list the work.
    work, timer = [], FoldTimer()
    for plan in plans:
        name = plan.spec.name
        with storing(f"{name}'s stored folds under {results_dir / name}", "no fold was trained"):
            _tidy(plan, config, results_dir, device, outcome, reporter)
        outcome.skipped += [(name, fold) for fold in sorted(plan.done & set(plan.mine))]
        model_plan = config.plan(name)
        train_count = planning.fold_train_count(model_plan.train_images, model_plan.folds)
        steps = steps_per_epoch(train_count, model_plan.recipe.batch_size)
        for fold in sorted(set(plan.mine) - plan.done):
            work.append(WorkItem(name, fold, model_plan.folds, model_plan.recipe.epochs, steps,
                                 train_count))  # fmt: skip
        for stored in plan.stored:
            planning.seed_timer(timer, stored.record)
    if budget is not None:
        work = furthest_first(work, lambda item: item.model, lambda item: item.fold)
    by_name = {plan.spec.name: plan for plan in plans}

    manifest = RunManifest(
        run_id=outcome.run_id,
        profile=config.profile,
        config=config.as_dict(),
        shard=shard,
        fresh=fresh,
        time_budget_seconds=budget.seconds if budget else None,
        command=tuple(command or sys.argv),
        host=socket.gethostname(),
        environment=environment.describe(device),
        dataset={
            "source": str(dataset.source.directory),
            "origin": dataset.source.origin,
            "sha256": data_module.dataset_digests(),
        },
        # bench's own checkout; an installed wheel has none (its folder may sit in another repo)
        git=environment.git_commit(PROJECT_ROOT) if (PROJECT_ROOT / ".git").exists() else None,
        started_at=started,
        status="running",
        planned=tuple((item.model, item.fold) for item in work),
    )
    if not work:
        if reporter:
            reporter.note(
                "every requested fold is already stored with this config; nothing to train"
            )
        return outcome
    with storing(f"the run manifest in {results_dir / results.RUNS_DIR}", "nothing was trained"):
        outcome.manifest = results.write_manifest(results_dir, manifest)
    if reporter:
        reporter.start(work, skipped=len(outcome.skipped), budget=budget)
    driver = Driver(config, dataset, results_dir, device, by_name, outcome, manifest, timer,
                    reporter, budget)  # fmt: skip
    status = "crashed"  # unless one of the outcomes below is reached
    try:
        (executor or LocalExecutor()).execute(work, driver)
        status = "stopped by the time budget" if outcome.left else "completed"
        status = "failed" if outcome.failed else status
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    except BenchError:
        status = "failed"
        raise
    finally:
        driver.manifest = dataclasses.replace(
            driver.manifest, status=status, finished_at=results.now(), left=tuple(outcome.left),
            failed=tuple((model, fold) for model, fold, _ in outcome.failed),
        )  # fmt: skip
        try:
            results.write_manifest(results_dir, driver.manifest)
        except OSError as error:
            if status in ("completed", "stopped by the time budget"):  # nothing else to report
                raise _store_error(f"the run manifest {outcome.manifest}", error,
                                   _kept(outcome)) from None  # fmt: skip
            # else the error already on its way (a full disk while storing a fold, Ctrl-C)
            # says more than this one; the manifest keeps its last status, "running".
    return outcome


def _tidy(plan, config: RunConfig, results_dir: Path, device: Device, outcome: RunOutcome,
          reporter) -> None:  # fmt: skip
    """Move a model's stale folds aside and upgrade its matching schema-1 records."""
    name = plan.spec.name
    if reporter and plan.precision != device.precision(plan.spec):
        reporter.note(f"{name}: trains under {plan.precision}, the policy of its stored folds")
    if plan.stale:
        moved = results.supersede(results_dir, name, plan.stale, outcome.run_id)
        outcome.superseded.append(moved)
        if reporter:
            reporter.note(f"{name}: moved {len(plan.stale)} fold(s) of another key to {moved}")
    for stored in plan.legacy:
        upgraded = dataclasses.replace(
            stored.record, identity=plan.identity, fold_key=plan.key,
            migrated_from_schema=stored.record.schema_version,
            schema_version=results.SCHEMA_VERSION,
        )  # fmt: skip
        outcome.migrated.append(results.upgrade_record(results_dir, stored, upgraded).path)
    if plan.legacy and reporter:
        reporter.note(
            f"{name}: {len(plan.legacy)} fold(s) of an older bench kept (their key matches); "
            f"moved to {results_dir / name / config.profile}"
        )


@contextlib.contextmanager
def storing(what: str, kept: str) -> Iterator[None]:
    """Turn an OS error while writing ``what`` (a full disk, a read-only folder) into one line
    saying what could not be written, the OS's words, what is kept and how to resume."""
    try:
        yield
    except OSError as error:
        raise _store_error(what, error, kept) from None


def _store_error(what: str, error: OSError, kept: str) -> BenchError:
    words = error.strerror or str(error)
    return BenchError(
        f"cannot write {what} ({words}); {kept}; free the space or fix the folder, then run "
        "the same command to resume"
    )


def _kept(outcome: RunOutcome) -> str:
    count = len(outcome.trained)
    return (f"the {count} fold(s) this run finished before it are stored" if count
            else "no fold of this run had finished")  # fmt: skip


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
        with storing(f"{item.model} fold {item.fold} ({where})", _kept(self.outcome)):
            results.write_fold(self.results_dir, record, predictions)
        self.outcome.trained.append((item.model, item.fold))
        self.manifest = dataclasses.replace(self.manifest, trained=tuple(self.outcome.trained))
        with storing(f"the run manifest {self.outcome.manifest}", _kept(self.outcome)):
            results.write_manifest(self.results_dir, self.manifest)
        if self.reporter:
            self.reporter.fold_finished(item, record)

    def fail(self, item: WorkItem, message: str) -> None:
        """A fold that failed on its own; the run goes on and ends with a failure."""
        self.outcome.failed.append((item.model, item.fold, message))
        if self.reporter:
            self.reporter.fold_failed(item, message)


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
