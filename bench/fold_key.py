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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.records import FoldRecord

# Layer settings that change what a layer computes; names, dtypes and bookkeeping that a Keras
# upgrade may add are left out, so an upgrade alone does not invalidate stored folds.
ARCHITECTURE_SETTINGS = (
    "activation", "recurrent_activation", "filters", "kernel_size", "strides", "padding",
    "dilation_rate", "groups", "pool_size", "units", "use_bias", "rate", "momentum", "epsilon",
    "center", "scale", "offset", "axis", "target_shape", "data_format", "return_sequences",
    "go_backwards", "unroll", "height", "width", "interpolation", "cropping",
)  # fmt: skip


def layer_settings(layer: Any) -> dict:
    """The architecture-relevant settings of one Keras layer, as JSON-friendly values."""
    config = layer.get_config()
    chosen = {name: config[name] for name in ARCHITECTURE_SETTINGS if name in config}
    return json.loads(json.dumps(chosen, default=str))


def architecture_digest(layer_table: list[dict], settings: list[dict]) -> str:
    """A digest of a model's layers: names, types, shapes, parameter counts and settings."""
    payload = json.dumps([layer_table, settings], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def identity(fold_config: dict, precision: str, architecture: str) -> dict:
    """Everything that decides a fold's numbers (see the module docstring)."""
    return {**fold_config, "precision": precision, "architecture": architecture}


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
