"""Phase 1 of a run, for one model: its splits, its key, and which stored folds count.

Pure planning: reads the results store and the dataset, changes nothing on disk. The engine
acts on the plan (supersedes, trains); every executor builds a fold's arrays with ``fold_data``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from bench.config import RunConfig
from bench.data import FashionMNIST, protocol
from bench.errors import BenchError
from bench.models import ModelSpec
from bench.models.summary import architecture_digest, layer_table
from bench.store import results
from bench.store.records import FoldRecord
from bench.train import fold_key
from bench.train.budget import FoldTimer
from bench.train.devices import PRECISIONS, Device
from bench.train.training import FoldData


@dataclass(frozen=True)
class ModelPlan:
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


def plan_model(
    config: RunConfig,
    spec: ModelSpec,
    dataset: FashionMNIST,
    results_dir: Path,
    device: Device,
    shard: tuple[int, int],
    fresh: bool,
) -> ModelPlan:
    """Which folds of ``spec`` count, which are stale and which remain; changes nothing."""
    plan = config.plan(spec.name)
    splits = model_splits(dataset, plan, config.seed)  # fails early on bad --folds
    table, digest = architecture(spec)
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
    if device.auto_precision and not fresh:
        check_auto_precision(spec.name, config.profile, identity, stale)
    return ModelPlan(spec, identity, key, splits, stale, legacy, done, mine, every_profile)


def check_auto_precision(
    model: str, profile: str, identity: dict, stale: list[results.StoredFold]
) -> None:
    """Refuse to move stored folds aside only because ``--precision auto`` chose another dtype
    policy on this machine (a CPU without bfloat16 instructions picks float32 where the stored
    folds trained under mixed_bfloat16): naming the policy joins them, --fresh replaces them."""
    others = [s for s in stale if _differs_only_in_precision(s.record.identity, identity)]
    if others:
        stored = sorted({str(s.record.identity["precision"]) for s in others})
        raise BenchError(
            f"{model}: its {len(others)} stored {profile} fold(s) trained under "
            f"{' and '.join(stored)}, but --precision auto picks {identity['precision']} on this "
            f"machine and would move them aside; pass --precision {stored[0]} to add folds to "
            f"them, or --fresh to retrain them under {identity['precision']}"
        )


def _differs_only_in_precision(stored: object, current: dict) -> bool:
    if not isinstance(stored, dict) or stored.get("precision") not in PRECISIONS:
        return False  # a results folder is untrusted: only a policy bench knows is named
    if stored["precision"] == current["precision"]:
        return False
    return {**stored, "precision": current["precision"]} == current


def architecture(spec: ModelSpec) -> tuple[list[dict], str]:
    """The layer table and architecture digest of ``spec`` as built now (float32 policy).

    Built here, once per model and run, because the key must be known before any fold trains;
    each fold still builds its own model (fresh weights from its seed, under its dtype policy
    and distribution scope, perhaps in a Ray worker), so this one cannot be handed on."""
    keras.mixed_precision.set_global_policy("float32")
    model = spec.build()
    return layer_table(model), architecture_digest(model)


def seed_timer(timer: FoldTimer, record: FoldRecord) -> None:
    """Teach the budget's predictor from a stored fold of any config (wall or training time)."""
    seconds = record.wall_seconds or record.train_seconds
    work = (record.epochs or 0) * (record.train_images or 0)
    if isinstance(seconds, (int, float)) and seconds > 0 and work > 0:
        timer.prior(record.model, float(seconds), float(work))


def fold_train_count(train_images: int | None, folds: int) -> int:
    total = train_images or 60_000
    return total - total // folds


def model_splits(dataset: FashionMNIST, plan, seed: int) -> tuple:
    """Subset indices of both splits and the fold splits over the training subset."""
    train_index = protocol.stratified_subset(dataset.train_labels, plan.train_images, seed)
    test_index = protocol.stratified_subset(dataset.test_labels, plan.test_images, seed)
    splits = protocol.fold_splits(dataset.train_labels[train_index], plan.folds, seed)
    return train_index, test_index, splits


def fold_data(dataset: FashionMNIST, train_index, test_index, splits, fold: int) -> FoldData:
    """The arrays of one fold: its training and held-out images, and the test subset."""
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
