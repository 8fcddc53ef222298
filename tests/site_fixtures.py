"""Fixture results for the site: fold records, probabilities and a run manifest, no training.

The records carry every key that bench.train.engine and bench.train.training wrote in schema 2
(the committed results' schema), with scores computed by bench.metrics from made-up
probabilities, so the site reads them exactly as real results. Schema 2, because these records
state some facts twice, differently: 2 folds of 3 epochs at batch 16, under a config that plans
the profile's own (schema 3 keeps only the config's).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench import config, data, metrics
from bench.paths import BENCHMARK_RESULTS
from bench.store import results
from bench.store.records import FoldRecord, RunManifest
from bench.train import fold_key
from tests.conftest import install_dataset

# A small dataset: every class present, the test split large enough for 50-image subsets.
SITE_COUNTS = {"train": 100, "test": 100}

# model -> (display name, family, skill): a higher skill gives a higher accuracy, so the
# order of the results table is known in advance.
MODELS = {
    "resnet34": ("ResNet-34", "CNN", 3.0),
    "alexnet": ("AlexNet", "CNN", 2.4),
    "lstm": ("LSTM", "RNN", 1.8),
    "lenet5": ("LeNet-5", "CNN", 1.2),
}
LAYERS = (
    ("image", "InputLayer", [None, 28, 28, 1], 0),
    ("C1", "Conv2D", [None, 28, 28, 6], 156),
    ("S2", "AveragePooling2D", [None, 14, 14, 6], 0),
    ("flatten", "Flatten", [None, 1176], 0),
    ("F6", "Dense", [None, 84], 98_868),
    ("output", "Dense", [None, 10], 850),
)
EPOCHS = 3
STARTED = "2026-11-28T09:00:00+00:00"
FINISHED = "2026-11-28T09:42:10+00:00"


def install_site_dataset(directory: Path, monkeypatch) -> tuple[Path, dict[str, np.ndarray]]:
    """Write the small dataset and make bench.data expect exactly its counts and digests."""
    return install_dataset(directory, monkeypatch, SITE_COUNTS, seed=1)


def write_results(
    results_dir: Path,
    test_labels: np.ndarray,
    *,
    models: tuple[str, ...] = ("lenet5", "lstm", "resnet34"),
    profile: str = "quick",
    folds: int = 2,
    test_images: int = 50,
    seed: int = 0,
    run_id: str = "2026-11-28T090000-a1b2c3",
    epochs: int | None = None,
) -> Path:
    """Store ``folds`` folds of every model in ``models`` and one manifest; returns the dir.
    ``epochs`` overrides the recipe's, as ``bench train --epochs`` would (another key)."""
    run_config = config.build_config(profile, models, seed=seed, epochs=epochs)
    rng = np.random.default_rng(seed)
    indices = np.sort(rng.choice(len(test_labels), size=test_images, replace=False))
    labels = test_labels[indices].astype(np.int64)
    trained = []
    for model in models:
        # Noise shared by a model's folds, so their ensemble still makes mistakes.
        shared = rng.normal(size=(len(labels), 10))
        for fold in range(folds):
            record, predictions = fold_record(
                model, fold, folds, indices, labels, shared, rng, run_config, run_id
            )
            results.write_fold(results_dir, FoldRecord(**record), predictions)
            trained.append([model, fold])
    results.write_manifest(
        results_dir, RunManifest.from_json(manifest(run_config, run_id, trained), "fixture")
    )
    return results_dir


def fold_record(model, fold, folds, indices, labels, shared, rng, run_config, run_id):
    display_name, family, skill = MODELS[model]
    logits = shared + 0.6 * rng.normal(size=shared.shape)
    logits[np.arange(len(labels)), labels] += skill + 0.1 * fold
    probabilities = metrics.softmax(logits).astype(np.float32)
    held_labels = np.arange(40) % 10
    held_predicted = np.where(rng.random(40) < 0.7, held_labels, (held_labels + 1) % 10)
    train_seconds = 12.5 + 3 * fold + skill
    identity = fold_key.identity(run_config.fold_config(model), "float32", "fixture")
    epochs = np.arange(1, EPOCHS + 1)
    record = {
        "schema_version": 2,
        "kind": "fold",
        "model": model,
        "display_name": display_name,
        "family": family,
        "fold": fold,
        "folds": folds,
        "profile": run_config.profile,
        "seed": run_config.seed,
        "fold_key": fold_key.key(identity),
        "identity": identity,
        "config": run_config.fold_config(model),
        "run_id": run_id,
        "device": "cpu",
        "backend": "tensorflow",
        "mixed_precision": "float32",
        "strategy": "default",
        "parameters": sum(layer[3] for layer in LAYERS),
        "architecture": [
            {"name": name, "type": kind, "output_shape": shape, "parameters": parameters}
            for name, kind, shape, parameters in LAYERS
        ],
        "train_images": 80,
        "held_out_images": 40,
        "test_images": len(labels),
        "epochs": EPOCHS,
        "batch_size": 16,
        "epoch_seconds": [train_seconds / EPOCHS] * EPOCHS,
        "train_seconds": train_seconds,
        "images_per_second": EPOCHS * 80 / train_seconds,
        "history": {
            "loss": (2.0 / epochs).tolist(),
            "accuracy": (0.5 + 0.1 * epochs).tolist(),
            "val_loss": (2.2 / epochs + 0.05 * fold).tolist(),
            "val_accuracy": (0.45 + 0.09 * epochs).tolist(),
            "learning_rate": [0.002, 0.001, 0.0],
        },
        "cv": metrics.summary_scores(held_labels, held_predicted),
        "test": metrics.evaluate(labels, probabilities),
        "finished_at": FINISHED,
    }
    held_probabilities = np.eye(10, dtype=np.float32)[held_predicted] * 0.9 + 0.01
    held_out = results.Predictions(np.arange(40, dtype=np.int32), held_labels, held_probabilities)
    test = results.Predictions(indices.astype(np.int32), labels, probabilities)
    return record, results.FoldPredictions(test=test, held_out=held_out)


def manifest(run_config: config.RunConfig, run_id: str, trained: list) -> dict:
    return {
        "kind": "run",
        "run_id": run_id,
        "profile": run_config.profile,
        "config": run_config.as_dict(),
        "shard": [0, 1],
        "fresh": False,
        "command": ["bench", "train", "--profile", run_config.profile],
        "host": "fixture-host",
        "environment": {
            "versions": {"python": "3.12.0", "keras": "3.15.0", "numpy": "2.4.0"},
            "os": "Linux-6.1-x86_64",
            "cpu": "Fixture CPU @ 2.0GHz",
            "gpus": [],
            "device": "cpu",
            "backend": "tensorflow",
            "mixed_precision": "float32",
        },
        "dataset": {
            "source": "/usr/share/datasets/fashion-mnist",
            "origin": "system package",
            "sha256": data.dataset_digests(),
        },
        "git": {"commit": "0123456789abcdef0123456789abcdef01234567", "dirty": False},
        "started_at": STARTED,
        "finished_at": FINISHED,
        "status": "completed",
        "planned": trained,
        "trained": trained,
    }


def build_fixture_site(
    root: Path,
    *,
    out_name: str = "public",
    base_url: str | None = None,
    benchmarks_dir: Path | None = None,
    **result_options,
) -> Path:
    """Write a dataset and fixture results under ``root`` (once) and render them into
    ``root / out_name``; usable from fixtures of any scope. ``benchmarks_dir`` defaults to the
    repository's benchmarks/results (its side-by-side speed file), as `bench render` passes."""
    from bench.site.build import render_site

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(root / "cache"))
        directory, arrays = install_site_dataset(root / "fashion", patch)
        results_dir = root / "results"
        if not results_dir.exists():
            write_results(results_dir, arrays["t10k-labels-idx1-ubyte"], **result_options)
        options = {"benchmarks_dir": benchmarks_dir or BENCHMARK_RESULTS}
        return render_site(
            results_dir, root / out_name, data_dir=directory, base_url=base_url, **options
        )
