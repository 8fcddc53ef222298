"""The engine under other set-ups, each in its own process: JAX backend, MirroredStrategy."""

import json
import os
import subprocess
import sys
from pathlib import Path

from bench import data
from bench.models import default_model_names
from bench.store import results
from tests.conftest import requires

SCRIPT = Path(__file__).parent / "scripts" / "bench_with_synthetic_files.py"


def _train(directory, results_dir, *arguments, **env):
    files = json.dumps([[spec.name, spec.count, spec.sha256] for spec in data.FILES])
    command = [sys.executable, str(SCRIPT), files, "train", "--profile", "smoke", "--quiet",
               "--data-dir", str(directory), "--results-dir", str(results_dir),
               *arguments]  # fmt: skip
    environment = {**os.environ, "PYTHONPATH": str(SCRIPT.parent.parent.parent), **env}
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=900)


@requires("jax")
def test_smoke_profile_under_jax(synthetic, tmp_path):
    directory, _ = synthetic
    finished = _train(directory, tmp_path, KERAS_BACKEND="jax")
    assert finished.returncode == 0, finished.stderr[-3000:]
    for model in default_model_names():
        record = json.loads(results.fold_path(tmp_path, model, "smoke", 1).read_text())
        assert record["backend"] == "jax"
        assert record["steps_per_execution"] == 1  # only measured (and used) under TensorFlow
        assert 0.0 <= record["test"]["accuracy"] <= 1.0
    manifest = results.load_manifests(tmp_path)[0]
    assert manifest.environment["backend"] == "jax"


def test_mirrored_strategy_on_two_logical_cpus(synthetic, tmp_path):
    directory, _ = synthetic
    finished = _train(
        directory, tmp_path, "--model", "lenet5", "--strategy", "mirrored", LOGICAL_CPUS="2"
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    record = json.loads(results.fold_path(tmp_path, "lenet5", "smoke", 0).read_text())
    assert record["strategy"] == "mirrored"
    assert record["steps_per_execution"] == 1  # TensorFlow's multi-step loop fails under it
    assert "lenet5 fold 2/2" in finished.stdout


@requires("jax")
def test_mirrored_strategy_is_refused_under_jax(synthetic, tmp_path):
    directory, _ = synthetic
    finished = _train(directory, tmp_path, "--strategy", "mirrored", KERAS_BACKEND="jax")
    assert finished.returncode == 1
    assert finished.stderr.strip().splitlines()[-1] == (
        "error: --strategy mirrored needs the TensorFlow backend, not jax"
    )
