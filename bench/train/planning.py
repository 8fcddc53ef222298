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
from bench.train.devices import POLICIES, Device
from bench.train.training import FoldData


@dataclass(frozen=True)
class ModelPlan:
    """One model's share of the run, settled before anything on disk changes."""

    spec: ModelSpec
    precision: str  # the Keras dtype policy its folds train under (part of the key)
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
    fold_config = config.fold_config(spec.name)
    every_profile = results.load_folds(results_dir, spec.name)
    ours = [s for s in every_profile if s.profile == config.profile]
    precision = device.precision(spec)
    if device.auto_precision and not fresh:
        precision = auto_policy(spec.name, config.profile, fold_config, digest, precision, ours,
                                device.native)  # fmt: skip
    identity = fold_key.identity(fold_config, precision, digest)
    key = fold_key.key(identity)
    mine = protocol.shard_folds(plan.folds, shard)
    stale, legacy, done = [], [], set()
    for stored in ours:
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
    return ModelPlan(spec, precision, identity, key, splits, stale, legacy, done, mine,
                     every_profile)  # fmt: skip


def auto_policy(
    model: str,
    profile: str,
    fold_config: dict,
    architecture_digest: str,
    chosen: str,
    stored: list[results.StoredFold],
    native: tuple[str, ...],
) -> str:
    """The dtype policy ``--precision auto`` trains ``model`` under: ``chosen`` (the device's
    pick), unless stored folds differ from it in their policy alone and none has it. Then
    their policy (the most folds' where they differ among themselves), where
    this device computes it natively (a GPU adds bfloat16 folds to a CPU's bfloat16 ones, and
    float32 folds to float32 ones); else the run stops rather than move them aside (a CPU
    without bfloat16 instructions would pick float32 beside bfloat16 folds, and emulated
    bfloat16 is too slow to train in)."""
    # a results folder is untrusted: only a policy bench knows is matched
    identities = {p: fold_key.identity(fold_config, p, architecture_digest) for p in POLICIES}
    counts = {}
    for fold in stored:
        for policy, identity in identities.items():
            if fold.record.identity == identity:
                counts[policy] = counts.get(policy, 0) + 1
    if not counts or chosen in counts:
        return chosen
    policy = max(counts, key=counts.get)
    if policy in native:
        return policy
    raise BenchError(
        f"{model}: its {counts[policy]} stored {profile} fold(s) trained under {policy}, which "
        f"this machine does not compute natively (--precision auto would pick {chosen} and move "
        f"them aside); pass --precision {policy} to add folds to them anyway (slow where "
        f"emulated), or --fresh to retrain them under {chosen}"
    )


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
