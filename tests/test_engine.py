"""The k-fold engine end to end on synthetic data (smoke profile: seconds per model)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bench.analysis import report
from bench.errors import BenchError
from bench.models import default_model_names
from bench.store import results
from bench.store.records import FoldRecord
from bench.train import training
from tests.engine_helpers import RecordingReporter, smoke_run

DEFAULT_MODELS = tuple(default_model_names())


def test_every_default_model_trains_end_to_end(synthetic, tmp_path):
    directory, _ = synthetic
    reporter = RecordingReporter()
    outcome = smoke_run(directory, tmp_path, DEFAULT_MODELS, reporter)
    assert sorted(outcome.trained) == sorted((m, f) for m in DEFAULT_MODELS for f in (0, 1))
    # Every training step is reported once, also when several run per compiled call.
    assert reporter.batches == sum(item.epochs * item.steps_per_epoch for item in reporter.started)
    for model in DEFAULT_MODELS:
        for fold in (0, 1):
            record = json.loads(results.fold_path(tmp_path, model, "smoke", fold).read_text())
            assert record["schema_version"] == results.SCHEMA_VERSION
            assert record["config"]["profile"] == "smoke" and record["config"]["plan"]["folds"] == 2
            assert record["parameters"] > 0 and record["architecture"]
            assert record["train_images"] + record["held_out_images"] == 40
            assert record["test_images"] == 20
            path = results.fold_path(tmp_path, model, "smoke", fold)
            stored = results.StoredFold(path, FoldRecord.from_json(record, path))
            assert (stored.record.profile, stored.record.folds) == ("smoke", 2)
            for which, scores in (("test", record["test"]), ("held_out", record["cv"])):
                arrays = results.load_predictions(stored, which)
                predicted = arrays.probabilities.argmax(axis=1)
                assert scores["accuracy"] == np.mean(predicted == arrays.labels)
            assert np.sum(record["test"]["confusion"]) == 20
            assert len(record["history"]["val_accuracy"]) == stored.record.epochs == 1
            # one epoch, no warm-up: the cosine schedule has reached zero when the epoch ends
            assert record["history"]["learning_rate"] == [pytest.approx(0.0, abs=1e-9)]
            assert record["train_seconds"] > 0 and record["images_per_second"] > 0
    manifest = results.load_manifests(tmp_path)[0]
    assert manifest.status == "completed"
    assert manifest.dataset["sha256"]["train-images-idx3-ubyte"]
    assert manifest.environment["versions"]["keras"]
    summaries = report.load_reports(tmp_path)
    assert {s.model for s in summaries} == set(DEFAULT_MODELS)
    accuracies = [s.test.accuracy.mean for s in summaries]
    assert accuracies == sorted(accuracies, reverse=True)
    assert summaries[0].predictions.probabilities.shape == (20, 10)


def test_second_run_trains_nothing(synthetic, tmp_path, monkeypatch):
    directory, _ = synthetic
    smoke_run(directory, tmp_path)
    # The executors' own name: patching bench.train.training would not reach the bound function.
    monkeypatch.setattr("bench.train.executors.fit_fold", _must_not_train)
    outcome = smoke_run(directory, tmp_path)
    assert outcome.trained == [] and outcome.skipped == [("lenet5", 0), ("lenet5", 1)]


def test_interrupted_run_keeps_finished_folds_and_resumes(synthetic, tmp_path, monkeypatch):
    directory, _ = synthetic
    real_fit = training.fit_fold
    calls = []

    def interrupt_second_fold(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_fit(*args, **kwargs)

    monkeypatch.setattr("bench.train.executors.fit_fold", interrupt_second_fold)
    with pytest.raises(KeyboardInterrupt):
        smoke_run(directory, tmp_path)
    assert results.fold_path(tmp_path, "lenet5", "smoke", 0).exists()
    assert not results.fold_path(tmp_path, "lenet5", "smoke", 1).exists()
    assert not list(tmp_path.rglob("*.tmp"))
    assert results.load_manifests(tmp_path)[0].status == "interrupted"
    monkeypatch.setattr("bench.train.executors.fit_fold", real_fit)
    assert smoke_run(directory, tmp_path).trained == [("lenet5", 1)]


def test_corrupt_result_file_is_named(synthetic, tmp_path):
    directory, _ = synthetic
    smoke_run(directory, tmp_path)
    path = results.fold_path(tmp_path, "lenet5", "smoke", 1)
    path.write_text(path.read_text()[:100])
    with pytest.raises(BenchError, match=r"fold-01\.json: fold result is not valid JSON"):
        smoke_run(directory, tmp_path)


def test_newer_schema_is_refused(synthetic, tmp_path):
    directory, _ = synthetic
    smoke_run(directory, tmp_path)
    path = results.fold_path(tmp_path, "lenet5", "smoke", 0)
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "schema_version": results.SCHEMA_VERSION + 1}))
    with pytest.raises(BenchError, match="written by a newer bench"):
        report.load_reports(tmp_path)


def test_config_change_retrains_and_keeps_the_old_folds(synthetic, tmp_path):
    directory, _ = synthetic
    smoke_run(directory, tmp_path)
    reporter = RecordingReporter()
    outcome = smoke_run(directory, tmp_path, reporter=reporter, epochs=2)
    assert outcome.trained == [("lenet5", 0), ("lenet5", 1)]
    moved = outcome.superseded[0]
    moved_names = sorted(p.name for p in (moved / "smoke").glob("*"))
    assert moved_names == [f"fold-0{i}.{kind}" for i in (0, 1)
                           for kind in ("held-out.npz", "json", "test.npz")]  # fmt: skip
    assert any("moved 2 fold(s)" in note for note in reporter.notes)
    record = json.loads(results.fold_path(tmp_path, "lenet5", "smoke", 0).read_text())
    assert record["config"]["plan"]["recipe"]["epochs"] == 2


def test_fresh_retrains_only_this_shard(synthetic, tmp_path):
    directory, _ = synthetic
    smoke_run(directory, tmp_path)
    outcome = smoke_run(directory, tmp_path, shard=(1, 2), fresh=True)
    assert outcome.trained == [("lenet5", 1)]
    assert outcome.skipped == []


def test_shards_split_the_folds(synthetic, tmp_path):
    directory, _ = synthetic
    first = smoke_run(directory, tmp_path / "a", shard=(0, 2), folds=3)
    second = smoke_run(directory, tmp_path / "b", shard=(1, 2), folds=3)
    assert first.trained == [("lenet5", 0), ("lenet5", 2)]
    assert second.trained == [("lenet5", 1)]


def test_too_many_folds_for_the_subset_is_a_clear_error(synthetic, tmp_path):
    directory, _ = synthetic
    with pytest.raises(BenchError, match="--folds 5: the smallest class has only 4"):
        smoke_run(directory, tmp_path, folds=5)


def test_unknown_model_lists_the_choices(synthetic, tmp_path):
    directory, _ = synthetic
    with pytest.raises(BenchError, match="unknown model 'resnet50'; choose from: lenet5"):
        smoke_run(directory, tmp_path, ("resnet50",))


def test_killed_process_leaves_whole_files_and_resumes(synthetic, tmp_path):
    directory, _ = synthetic
    script = Path(__file__).parent / "scripts" / "bench_with_synthetic_files.py"
    command = [sys.executable, str(script), _synthetic_files(), "train", "--profile", "smoke",
               "--model", "lenet5",
               "--folds", "4", "--epochs", "3", "--quiet", "--data-dir", str(directory),
               "--results-dir", str(tmp_path)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    first = results.fold_path(tmp_path, "lenet5", "smoke", 0)
    deadline = time.monotonic() + 120
    while not first.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert first.exists(), process.stderr.read().decode()[-2000:]
    stored = sorted(p.name for p in (tmp_path / "lenet5" / "smoke").glob("fold-*.json"))
    for name in stored:  # whole JSON files only
        json.loads((tmp_path / "lenet5" / "smoke" / name).read_text())
    resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"{len(stored)} already stored" in resumed.stdout
    assert len(list((tmp_path / "lenet5" / "smoke").glob("fold-*.json"))) == 4


def _must_not_train(*args, **kwargs):
    raise AssertionError("a stored fold was retrained")


def _synthetic_files() -> str:
    from bench import data

    return json.dumps([[spec.name, spec.count, spec.sha256] for spec in data.FILES])
