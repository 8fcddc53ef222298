"""Run the cross-validation protocol for a config: resumable, shardable, budgeted, recorded.

For each model: the stratified training subset is split with StratifiedKFold; every fold that is
not already stored with the same key (``bench.fold_key``) under the same profile is trained and
written the moment it ends. Every option is checked before anything moves; then folds of the
same profile stored under another key are moved to ``superseded/`` (never deleted). Other
profiles' folds are never touched. Under a time budget, folds run round-robin across models and
a fold predicted not to finish in time is not started.
"""

from __future__ import annotations

import dataclasses
import secrets
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import keras
import numpy as np

from bench import data as data_module
from bench import environment, fold_key, protocol, results
from bench.budget import Budget, FoldTimer, round_robin
from bench.config import RunConfig
from bench.data import FashionMNIST
from bench.devices import Device
from bench.errors import BenchError
from bench.models import ModelSpec, UnknownModelError, get_model
from bench.models.summary import architecture_digest, layer_table
from bench.records import FitResult, FoldRecord, RunManifest
from bench.training import FoldData, FoldReporter, fit_fold, steps_per_epoch


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
    def note(self, text: str) -> None: ...


@dataclass
class RunOutcome:
    run_id: str
    trained: list[tuple[str, int]] = field(default_factory=list)
    skipped: list[tuple[str, int]] = field(default_factory=list)
    left: list[tuple[str, int]] = field(default_factory=list)  # not started: time budget
    superseded: list[Path] = field(default_factory=list)
    migrated: list[Path] = field(default_factory=list)
    manifest: Path | None = None


@dataclass(frozen=True)
class _ModelPlan:
    """One model's share of the run, settled before anything on disk changes."""

    spec: ModelSpec
    identity: dict
    key: str
    splits: tuple
    stale: list[results.StoredFold]
    legacy: list[results.StoredFold]  # schema-1 folds that match: upgraded in place
    done: set[int]
    mine: list[int]
    stored: list[results.StoredFold]  # every profile's folds, read once (they seed the budget)


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
) -> RunOutcome:
    """Train every fold of ``config`` that is missing from ``results_dir``; see the module doc."""
    specs = _specs(config.models)
    started = results.now()
    outcome = RunOutcome(run_id=f"{started[:19].replace(':', '')}-{secrets.token_hex(3)}")
    # Phase 1: check everything (fold counts, stored files) without changing anything.
    plans = [
        _plan_model(config, spec, dataset, results_dir, device, shard, fresh) for spec in specs
    ]
    # Phase 2: move stale folds aside, upgrade matching schema-1 records, list the work.
    work, timer = [], FoldTimer()
    for plan in plans:
        name = plan.spec.name
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
        outcome.skipped += [(name, fold) for fold in sorted(plan.done & set(plan.mine))]
        model_plan = config.plan(name)
        train_count = _fold_train_count(model_plan.train_images, model_plan.folds)
        steps = steps_per_epoch(train_count, model_plan.recipe.batch_size)
        for fold in sorted(set(plan.mine) - plan.done):
            work.append(WorkItem(name, fold, model_plan.folds, model_plan.recipe.epochs, steps,
                                 train_count))  # fmt: skip
        for stored in plan.stored:
            _seed_timer(timer, stored.record)
    if budget is not None:
        work = round_robin(work, lambda item: item.model, lambda item: item.fold)
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
        git=environment.git_commit(Path(__file__).resolve().parent.parent),
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
    outcome.manifest = results.write_manifest(results_dir, manifest)
    if reporter:
        reporter.start(work, skipped=len(outcome.skipped), budget=budget)
    status = "crashed"  # unless one of the outcomes below is reached
    clock = budget.clock if budget is not None else time.monotonic
    try:
        for position, item in enumerate(work):
            if budget is not None and not budget.allows(timer.predict(item.model, item.work)):
                outcome.left = [(w.model, w.fold) for w in work[position:]]
                break
            plan = by_name[item.model]
            fold_data = _fold_data(dataset, *plan.splits, item.fold)
            if reporter:
                reporter.fold_started(item)
            fold_started = clock()
            fit, predictions = fit_fold(
                plan.spec, config.plan(item.model).recipe, fold_data,
                seed=config.seed * 1000 + item.fold, device=device,
                strategy=config.strategy, reporter=reporter,
            )  # fmt: skip
            timer.record(item.model, clock() - fold_started, item.work)
            record = _fold_record(config, plan, item, outcome.run_id, device, fit)
            results.write_fold(results_dir, record, predictions)
            outcome.trained.append((item.model, item.fold))
            manifest = dataclasses.replace(manifest, trained=tuple(outcome.trained))
            results.write_manifest(results_dir, manifest)
            if reporter:
                reporter.fold_finished(item, record)
        status = "stopped by the time budget" if outcome.left else "completed"
        manifest = dataclasses.replace(manifest, left=tuple(outcome.left))
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    except BenchError:
        status = "failed"
        raise
    finally:
        manifest = dataclasses.replace(manifest, status=status, finished_at=results.now())
        results.write_manifest(results_dir, manifest)
    return outcome


def _plan_model(
    config: RunConfig,
    spec: ModelSpec,
    dataset: FashionMNIST,
    results_dir: Path,
    device: Device,
    shard: tuple[int, int],
    fresh: bool,
) -> _ModelPlan:
    """Which folds of ``spec`` count, which are stale and which remain; changes nothing."""
    plan = config.plan(spec.name)
    splits = _model_splits(dataset, plan, config.seed)  # fails early on bad --folds
    table, digest = _architecture(spec)
    identity = fold_key.identity(config.fold_config(spec.name), device.precision(spec), digest)
    key = fold_key.key(identity)
    mine = protocol.shard_folds(plan.folds, shard)
    stale, legacy, done = [], [], set()
    every_profile = results.load_folds(results_dir, spec.name)
    for stored in (s for s in every_profile if s.profile == config.profile):
        stored_key = stored.record.fold_key
        if stored.record.schema_version < 2:
            old = fold_key.legacy_identity(stored.record, table, digest)
            stored_key = fold_key.key(old) if old is not None else None
        if stored_key != key or (fresh and stored.fold in mine) or stored.fold in done:
            stale.append(stored)
            continue
        if stored.record.schema_version < 2:
            legacy.append(stored)
        done.add(stored.fold)
    return _ModelPlan(spec, identity, key, splits, stale, legacy, done, mine, every_profile)


def _architecture(spec: ModelSpec) -> tuple[list[dict], str]:
    """The layer table and architecture digest of ``spec`` as built now (float32 policy)."""
    keras.mixed_precision.set_global_policy("float32")
    model = spec.build()
    return layer_table(model), architecture_digest(model)


def _fold_record(
    config: RunConfig, plan: _ModelPlan, item: WorkItem, run_id: str, device: Device,
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
    )


def _seed_timer(timer: FoldTimer, record: FoldRecord) -> None:
    """Teach the budget's predictor from a stored fold of any config (wall or training time)."""
    seconds = record.wall_seconds or record.train_seconds
    work = (record.epochs or 0) * (record.train_images or 0)
    if isinstance(seconds, (int, float)) and seconds > 0 and work > 0:
        timer.prior(record.model, float(seconds), float(work))


def _specs(models: tuple[str, ...]):
    try:
        return [get_model(name) for name in models]
    except UnknownModelError as error:
        raise BenchError(f"--model: {error}") from None


def _fold_train_count(train_images: int | None, folds: int) -> int:
    total = train_images or 60_000
    return total - total // folds


def _model_splits(dataset: FashionMNIST, plan, seed: int) -> tuple:
    """Subset indices of both splits and the fold splits over the training subset."""
    train_index = protocol.stratified_subset(dataset.train_labels, plan.train_images, seed)
    test_index = protocol.stratified_subset(dataset.test_labels, plan.test_images, seed)
    splits = protocol.fold_splits(dataset.train_labels[train_index], plan.folds, seed)
    return train_index, test_index, splits


def _fold_data(dataset: FashionMNIST, train_index, test_index, splits, fold: int) -> FoldData:
    fit_positions, held_positions = splits[fold]
    fit_index, held_index = train_index[fit_positions], train_index[held_positions]
    return FoldData(
        train_x=protocol.as_model_input(dataset.train_images[fit_index]),
        train_y=dataset.train_labels[fit_index].astype(np.int64),
        held_x=protocol.as_model_input(dataset.train_images[held_index]),
        held_y=dataset.train_labels[held_index].astype(np.int64),
        test_x=protocol.as_model_input(dataset.test_images[test_index]),
        test_y=dataset.test_labels[test_index].astype(np.int64),
        test_indices=test_index,
        held_indices=held_index,
    )
