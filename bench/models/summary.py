"""Describe a built model as data: a per-layer table, its parameter count and its FLOPs.

Everything here reads Keras layer attributes that every backend provides, returns plain
Python values and prints nothing; the site and the benchmarks decide how to show them.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import keras
from keras import layers

# Layers whose cost is a kernel applied once per output position: convolutions and dense
# layers (a dense layer is a 1x1 "convolution" over its input's leading axes).
_KERNEL_LAYERS = (layers.Conv1D, layers.Conv2D, layers.Conv3D, layers.Dense)


def _shape(tensor: Any) -> list[int | None]:
    return [None if dim is None else int(dim) for dim in tensor.shape]


def _single_output(layer: keras.layers.Layer) -> Any | None:
    """The layer's output tensor, or None if it has none or several (a shared layer)."""
    try:
        return layer.output
    except (AttributeError, ValueError):
        return None


def layer_table(model: keras.Model) -> list[dict[str, Any]]:
    """One row per layer with an output: name, type, output shape (batch as None), parameters."""
    rows = []
    for layer in model.layers:
        output = _single_output(layer)
        if output is None:
            continue
        if isinstance(output, (list, tuple)):
            output_shape: list = [_shape(tensor) for tensor in output]
        else:
            output_shape = _shape(output)
        rows.append(
            {
                "name": layer.name,
                "type": type(layer).__name__,
                "output_shape": output_shape,
                "parameters": int(layer.count_params()),
            }
        )
    return rows


def count_parameters(model: keras.Model) -> int:
    """All weights, trainable and not (batch-normalisation moving statistics included)."""
    return int(model.count_params())


def layer_flops(layer: keras.layers.Layer) -> int:
    """Forward floating-point operations per example for one layer, counting a
    multiply-add as 2 and ignoring element-wise work (biases, activations, normalisation,
    pooling, additions, resizing), which is a few percent at most in these models.

    - convolution: 2 x kernel height x kernel width x input channels (per group) x
      filters x output positions;
    - dense: 2 x inputs x outputs (per position when applied to a sequence or map);
    - recurrent (LSTM, GRU, SimpleRNN): 2 x (input kernel + recurrent kernel) x time
      steps, i.e. for an LSTM 2 x 4 x (inputs + units) x units per step.
    """
    if isinstance(layer, _KERNEL_LAYERS):
        output_positions = math.prod(_shape(layer.output)[1:-1])
        return 2 * math.prod(layer.kernel.shape) * output_positions
    if isinstance(layer, layers.RNN):
        cell = layer.cell
        time_steps = _shape(layer.input)[1]
        weights_per_step = math.prod(cell.kernel.shape) + math.prod(cell.recurrent_kernel.shape)
        return 2 * weights_per_step * time_steps
    return 0


def forward_flops(model: keras.Model) -> int:
    """Forward FLOPs per example for the whole model (see ``layer_flops`` for the method)."""
    return sum(layer_flops(layer) for layer in model.layers)


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


def _digest(layer_table: list[dict], settings: list[dict]) -> str:
    """A digest of a model's layers: names, types, shapes, parameter counts and settings."""
    payload = json.dumps([layer_table, settings], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def architecture_digest(model: keras.Model) -> str:
    """The model's architecture as one short digest, part of every fold's key
    (``bench.train.fold_key``): layer names, types, shapes, parameter counts and settings."""
    settings = [layer_settings(layer) for layer in model.layers]
    return _digest(layer_table(model), settings)
