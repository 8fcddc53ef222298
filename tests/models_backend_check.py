"""Build and train every registered model for one step on the current Keras backend.

Run by ``tests/test_models.py`` in a subprocess with ``KERAS_BACKEND`` set (the backend is
fixed when Keras is imported, so each backend needs its own process); its checks are also
imported by that test file for the in-process backend. Usage:

    KERAS_BACKEND=jax python tests/models_backend_check.py REPORT.json [MODEL ...]

REPORT.json receives ``{"backend": ..., "models": [one dict per model]}``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import keras
import numpy as np

BATCH_SIZE = 2  # enough for batch normalisation's batch statistics, small for the 227 px models


def random_batch(batch_size: int = BATCH_SIZE, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Images uniform in [0, 1] shaped like Fashion-MNIST, and integer labels."""
    rng = np.random.default_rng(seed)
    images = rng.random((batch_size, 28, 28, 1), dtype=np.float32)
    labels = rng.integers(0, 10, size=batch_size)
    return images, labels


def unchanged_after_one_step(model: keras.Model, images: np.ndarray, labels: np.ndarray):
    """Train one Adam step; return (loss, paths of trainable variables that did not move)."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    before = [np.array(variable.numpy()) for variable in model.trainable_variables]
    loss = model.train_on_batch(images, labels)
    unchanged = [
        variable.path
        for variable, old in zip(model.trainable_variables, before, strict=True)
        if np.array_equal(variable.numpy(), old)
    ]
    return float(np.asarray(loss)), unchanged


def check_model(name: str) -> dict[str, Any]:
    """Build ``name``, run it in inference mode, train one step; report what was seen."""
    from bench.models import get_model

    started = time.perf_counter()
    keras.utils.set_random_seed(0)
    model = get_model(name).build()
    images, labels = random_batch()
    logits = model(images, training=False)
    loss, unchanged = unchanged_after_one_step(model, images, labels)
    report = {
        "name": name,
        "parameters": int(model.count_params()),
        "output_shape": list(logits.shape),
        "output_dtype": keras.backend.standardize_dtype(logits.dtype),
        "loss": loss,
        "trainable_variables": len(model.trainable_variables),
        "unchanged_trainable_variables": unchanged,
        "seconds": round(time.perf_counter() - started, 2),
    }
    keras.backend.clear_session()
    return report


def main(argv: list[str]) -> int:
    from bench.models import all_models

    report_path, *names = argv
    names = names or [spec.name for spec in all_models()]
    report = {"backend": keras.backend.backend(), "models": [check_model(n) for n in names]}
    Path(report_path).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
