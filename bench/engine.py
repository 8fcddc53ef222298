"""Run the cross-validation protocol for a config: resumable, shardable, recorded.

For each model: the stratified training subset is split with StratifiedKFold; every fold that is
not already stored with the same config is trained and written the moment it ends. Folds stored
under another config are moved to ``superseded/`` (never deleted) before anything retrains.
"""

from __future__ import annotations

import secrets
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from bench import data as data_module
from bench import environment, protocol, results
from bench.config import RunConfig
from bench.data import FashionMNIST
from bench.devices import Device
from bench.errors import BenchError
from bench.models import UnknownModelError, get_model
from bench.training import FoldData, FoldReporter, fit_fold, steps_per_epoch


@dataclass(frozen=True)
class WorkItem:
    """One fold to train, with what the progress display needs to know in advance."""

    model: str
    fold: int
    folds: int
    epochs: int
    steps_per_epoch: int


class RunReporter(FoldReporter, Protocol):
    def start(self, work: list[WorkItem], skipped: int) -> None: ...
    def fold_started(self, item: WorkItem) -> None: ...
    def fold_finished(self, item: WorkItem, record: dict) -> None: ...
    def note(self, text: str) -> None: ...


@dataclass
class RunOutcome:
    run_id: str
    trained: list[tuple[str, int]] = field(default_factory=list)
    skipped: list[tuple[str, int]] = field(default_factory=list)
    superseded: list[Path] = field(default_factory=list)
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
) -> RunOutcome:
    """Train every fold of ``config`` that is missing from ``results_dir``; see the module doc."""
    specs = _specs(config.models)
    started = results.now()
    outcome = RunOutcome(run_id=f"{started[:19].replace(':', '')}-{secrets.token_hex(3)}")
    work, splits = [], {}
    for spec in specs:
        plan = config.plan(spec.name)
        key = config.fold_key(spec.name)
        mine = set(protocol.shard_folds(plan.folds, shard))
        stored = results.load_folds(results_dir, spec.name)
        stale = [s for s in stored if s.record["fold_key"] != key or (fresh and s.fold in mine)]
        if stale:
            moved = results.supersede(results_dir, spec.name, stale, outcome.run_id)
            outcome.superseded.append(moved)
            if reporter:
                reporter.note(
                    f"{spec.name}: moved {len(stale)} fold(s) of another config to {moved}"
                )
        done = {s.fold for s in stored if s not in stale}
        outcome.skipped += [(spec.name, fold) for fold in sorted(done & mine)]
        train_count = _fold_train_count(plan.train_images, plan.folds)
        for fold in sorted(mine - done):
            steps = steps_per_epoch(train_count, plan.recipe.batch_size)
            work.append(WorkItem(spec.name, fold, plan.folds, plan.recipe.epochs, steps))
        splits[spec.name] = _model_splits(dataset, plan, config.seed)  # fails early on bad --folds

    manifest = {
        "kind": "run",
        "run_id": outcome.run_id,
        "profile": config.profile,
        "config": config.as_dict(),
        "shard": list(shard),
        "fresh": fresh,
        "command": list(command) or sys.argv,
        "host": socket.gethostname(),
        "environment": environment.describe(device),
        "dataset": {
            "source": str(dataset.source.directory),
            "origin": dataset.source.origin,
            "sha256": data_module.dataset_digests(),
        },
        "git": environment.git_commit(Path(__file__).resolve().parent.parent),
        "started_at": started,
        "finished_at": None,
        "status": "running",
        "planned": [[item.model, item.fold] for item in work],
        "trained": [],
    }
    if not work:
        if reporter:
            reporter.note(
                "every requested fold is already stored with this config; nothing to train"
            )
        return outcome
    outcome.manifest = results.write_manifest(results_dir, manifest)
    if reporter:
        reporter.start(work, skipped=len(outcome.skipped))
    status = "interrupted"
    try:
        for item in work:
            plan = config.plan(item.model)
            fold_data = _fold_data(dataset, *splits[item.model], item.fold)
            if reporter:
                reporter.fold_started(item)
            spec = get_model(item.model)
            record, predictions = fit_fold(
                spec, plan.recipe, fold_data,
                seed=config.seed * 1000 + item.fold, device=device,
                strategy=config.strategy, reporter=reporter,
            )  # fmt: skip
            record = {
                "kind": "fold",
                "model": item.model,
                "display_name": spec.display_name,
                "family": spec.family,
                "fold": item.fold,
                "folds": item.folds,
                "profile": config.profile,
                "seed": config.seed,
                "fold_key": config.fold_key(item.model),
                "config": config.fold_config(item.model),
                "run_id": outcome.run_id,
                "device": device.kind,
                "backend": device.backend,
                "strategy": config.strategy,
                **record,
            }
            results.write_fold(results_dir, record, predictions)
            outcome.trained.append((item.model, item.fold))
            manifest["trained"].append([item.model, item.fold])
            results.write_manifest(results_dir, manifest)
            if reporter:
                reporter.fold_finished(item, record)
        status = "completed"
    except BenchError:
        status = "failed"
        raise
    finally:
        manifest.update(status=status, finished_at=results.now())
        results.write_manifest(results_dir, manifest)
    return outcome


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
    )
