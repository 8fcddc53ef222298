"""What a stored fold must match to be reused: its identity, and the short key derived from it.

A fold is reused only when retraining it would give the same numbers. The identity therefore
holds the profile, the seed, the plan (recipe, data subset, folds), the Keras dtype policy the
model trained under, and a digest of the model's architecture as built. Device, backend, steps
per compiled call and XLA are recorded in the fold but not keyed: they change only the order of
floating-point sums, as a different machine does, and folds from different machines of one
experiment must merge.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bench.store.records import FoldRecord, fold_identity


def identity(fold_config: dict, precision: str, architecture: str) -> dict:
    """Everything that decides a fold's numbers (see the module docstring); the record schema
    defines its shape (``bench.store.records.fold_identity``), so a stored fold rebuilds it."""
    return fold_identity(fold_config, precision, architecture)


def key(fold_identity: dict) -> str:
    encoded = json.dumps(fold_identity, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


def legacy_identity(
    record: FoldRecord, current_table: list[dict], current_digest: str
) -> dict | None:
    """The identity of a schema-1 fold, which stored its config and layer table but no key of
    this kind: its architecture counts as the current one when its layer table is the current
    table. None when the record lacks what that needs."""
    config, table = record.config, record.architecture
    if not isinstance(config, dict) or not isinstance(table, list):
        return None
    same = _normalised(table) == _normalised(current_table)
    architecture = current_digest if same else "schema-1:" + _digest(table)
    return identity(config, str(record.mixed_precision or "float32"), architecture)


def _normalised(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _digest(value: Any) -> str:
    return hashlib.sha256(_normalised(value).encode()).hexdigest()[:16]
