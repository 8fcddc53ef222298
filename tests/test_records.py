"""Fold records on disk (bench/store/records.py): schema 3 stores each fact once, and the older
schemas, the committed results among them, load exactly as before."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from bench import config, metrics
from bench.errors import BenchError
from bench.store import results
from bench.store.records import SCHEMA_VERSION, FitResult, FoldRecord
from bench.train import fold_key

COMMITTED = sorted((Path(__file__).resolve().parent.parent / "results").glob("*/*/fold-*.json"))
ONCE = ("profile", "seed", "folds", "epochs", "batch_size")  # schema 3: only in the config
# Two classes, four test images: two right, and one image with no class above 0.5.
TEST_SCORES = metrics.evaluate(np.array([0, 0, 1, 1]), np.array([[0.9, 0.1], [0.4, 0.6],
                               [0.45, 0.55], [0.5, 0.5]]), labels=(0, 1))  # fmt: skip


def make_record(**changes) -> FoldRecord:
    """A smoke-profile lenet5 fold record as the engine builds it (no training)."""
    run_config = config.build_config("smoke", ("lenet5",), seed=3)
    plan = run_config.plan("lenet5")
    identity = fold_key.identity(run_config.fold_config("lenet5"), "float32", "abcdef0123456789")
    fit = FitResult(
        parameters=10, architecture=[{"name": "image", "type": "InputLayer",
                                      "output_shape": [None, 28, 28, 1], "parameters": 0}],
        train_images=30, held_out_images=30, test_images=40, epochs=plan.recipe.epochs,
        batch_size=plan.recipe.batch_size, epoch_seconds=[1.0], train_seconds=1.0,
        images_per_second=30.0, history={"loss": [1.0]}, cv=metrics.Scores(0.5, 0.5, 0.5, 1 / 3),
        test=TEST_SCORES, finished_at="2026-11-28T09:00:00+00:00",
        mixed_precision="float32", steps_per_execution=1, jit_compile=False,
        architecture_digest="abcdef0123456789", wall_seconds=2.0,
    )  # fmt: skip
    record = FoldRecord.of(
        fit, model="lenet5", display_name="LeNet-5", family="CNN", fold=1, folds=plan.folds,
        profile="smoke", seed=3, fold_key=fold_key.key(identity), identity=identity,
        config=run_config.fold_config("lenet5"), run_id="r1", device="cpu",
        backend="tensorflow", test_predictions={"file": "fold-01.test.npz", "sha256": "0"},
    )  # fmt: skip
    return dataclasses.replace(record, **changes)


def test_schema_3_stores_each_fact_once_and_loads_back_the_same_record():
    record = make_record()
    stored = record.to_json()
    assert stored["schema_version"] == SCHEMA_VERSION == 3
    assert not {"identity", *ONCE} & stored.keys()
    assert stored["config"]["profile"] == "smoke" and stored["config"]["seed"] == 3
    assert stored["config"]["plan"]["recipe"]["epochs"] == record.epochs
    assert stored["architecture_digest"] == "abcdef0123456789"
    assert json.dumps(stored).count("abcdef0123456789") == 1
    assert FoldRecord.from_json(stored, "fold-01.json") == record


def test_a_schema_3_file_rebuilds_the_identity_its_key_was_computed_from():
    loaded = FoldRecord.from_json(make_record().to_json(), "fold-01.json")
    assert fold_key.key(loaded.identity) == loaded.fold_key


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: "/".join(p.parts[-3:]))
def test_committed_folds_load_and_keep_their_schema_and_keys(path):
    data = json.loads(path.read_text())
    record = FoldRecord.from_json(data, path)
    assert record.schema_version == data["schema_version"] in (2, SCHEMA_VERSION)
    stored = record.to_json()
    assert {key: stored[key] for key in data} == data  # every key kept as it is
    assert fold_key.key(record.identity) == record.fold_key


def test_schema_1_and_2_records_keep_their_flat_fields():
    flat = dataclasses.replace(make_record(), schema_version=2).to_json()
    assert {"identity", *ONCE} <= flat.keys()
    old = {k: v for k, v in flat.items() if k not in ("identity", "architecture_digest")}
    record = FoldRecord.from_json({**old, "schema_version": 1}, "fold-01.json")
    assert (record.identity, record.architecture_digest, record.epochs) == (None, None, 1)


@pytest.mark.parametrize(
    ("damage", "message"),
    [(lambda r: r.pop("config"), "lacks config"),
     (lambda r: r.pop("mixed_precision"), "lacks mixed_precision"),
     (lambda r: r["config"]["plan"].pop("folds"), "config has no plan.folds"),
     (lambda r: r["config"].update(plan=[]), "config has no plan.folds"),
     (lambda r: r["config"].update(profile="../full"), "malformed model, profile"),
     (lambda r: r["cv"].update(accuracy="high"), "malformed scores"),
     (lambda r: r["test"].pop("confusion"), "malformed scores"),
     (lambda r: r.update(test=[0.5]), "malformed scores")],
)  # fmt: skip
def test_a_damaged_schema_3_record_is_one_line(damage, message):
    stored = make_record().to_json()
    damage(stored)
    with pytest.raises(BenchError, match=message) as raised:
        FoldRecord.from_json(stored, "results/lenet5/smoke/fold-01.json")
    assert "fold-01.json" in str(raised.value) and "\n" not in str(raised.value)


def test_a_schema_3_record_without_identity_cannot_be_stored():
    with pytest.raises(ValueError, match="identity"):
        make_record(identity=None).to_json()


def test_write_fold_writes_schema_3_and_suffixes_come_from_one_place(tmp_path):
    arrays = results.Predictions(np.arange(3), np.zeros(3, np.uint8), np.full((3, 10), 0.1))
    path = results.write_fold(tmp_path, make_record(), results.FoldPredictions(arrays, arrays))
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == sorted(["fold-01.json", *(f"fold-01{s}" for s in results.PREDICTION_SUFFIXES)])
    (stored,) = results.load_folds(tmp_path, "lenet5")
    assert stored.record.schema_version == SCHEMA_VERSION
    assert results.load_predictions(stored, "held_out").probabilities.shape == (3, 10)
