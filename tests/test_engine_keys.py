"""Which stored folds count: fold keys, option checks before any move, profiles side by side,
schema-1 folds, and the time budget (a fake clock) on the smoke profile."""

import dataclasses
import json
import shutil

import keras
import numpy as np
import pytest

from bench.analysis import report
from bench.errors import BenchError
from bench.models import registry
from bench.store import results
from bench.train import budget, devices, training
from tests.engine_helpers import RecordingReporter, smoke_run


def _must_not_train(*args, **kwargs):
    raise AssertionError("a stored fold was retrained")


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_precision_is_part_of_the_key(synthetic, tmp_path):
    directory, _ = synthetic
    smoke_run(directory, tmp_path, precision="float32")
    outcome = smoke_run(directory, tmp_path, precision="mixed_bfloat16")
    assert outcome.trained == [("lenet5", 0), ("lenet5", 1)]
    assert len(outcome.superseded) == 1
    (stored, _) = results.load_folds(tmp_path, "lenet5", "smoke")
    assert stored.record.identity["precision"] == stored.record.mixed_precision
    assert stored.record.mixed_precision == "mixed_bfloat16"


def test_auto_precision_stops_before_moving_folds_of_a_policy_this_cpu_lacks(
    synthetic, tmp_path, monkeypatch
):
    """A CPU without bfloat16 instructions once moved every stored mixed_bfloat16 fold aside
    under --precision auto; now the run stops first, naming the ways on."""
    monkeypatch.setattr(devices, "cpu_has_bfloat16", lambda: False)
    directory, _ = synthetic
    smoke_run(directory, tmp_path, precision="mixed_bfloat16")
    before = _files(tmp_path / "lenet5")
    expected = (r"lenet5: its 2 stored smoke fold\(s\) trained under mixed_bfloat16, which "
                r"this machine does not compute natively .* --precision mixed_bfloat16 .* "
                r"--fresh to retrain them under float32")  # fmt: skip
    with pytest.raises(BenchError, match=expected):
        smoke_run(directory, tmp_path, precision="auto")
    assert _files(tmp_path / "lenet5") == before
    assert not (tmp_path / results.SUPERSEDED_DIR).exists()
    outcome = smoke_run(directory, tmp_path, precision="auto", fresh=True)
    assert outcome.trained == [("lenet5", 0), ("lenet5", 1)]
    assert len(outcome.superseded) == 1


def test_auto_precision_joins_stored_folds_of_a_native_policy(synthetic, tmp_path, monkeypatch):
    """Where the machine computes the stored folds' policy natively (a GPU beside a CPU's
    bfloat16 folds, any machine beside float32 ones), auto trains the missing folds under it."""
    monkeypatch.setattr(devices, "cpu_has_bfloat16", lambda: True)
    directory, _ = synthetic
    smoke_run(directory, tmp_path, precision="mixed_bfloat16", shard=(0, 2))
    reporter = RecordingReporter()
    outcome = smoke_run(directory, tmp_path, precision="auto", reporter=reporter)
    assert (outcome.skipped, outcome.trained, outcome.superseded) == (
        [("lenet5", 0)],
        [("lenet5", 1)],
        [],
    )
    stored = results.load_folds(tmp_path, "lenet5", "smoke")
    assert {s.record.mixed_precision for s in stored} == {"mixed_bfloat16"}
    assert len({s.record.fold_key for s in stored}) == 1
    assert "lenet5: trains under mixed_bfloat16, the policy of its stored folds" in reporter.notes


def test_an_edited_architecture_retrains(synthetic, tmp_path, monkeypatch):
    directory, _ = synthetic
    smoke_run(directory, tmp_path)
    spec = registry.get_model("lenet5")

    def narrower(num_classes: int = 10) -> keras.Model:
        image = keras.Input(shape=(28, 28, 1), name="image")
        x = keras.layers.Flatten(name="flatten")(image)
        return keras.Model(image, keras.layers.Dense(num_classes, name="logits")(x))

    monkeypatch.setitem(
        registry._MODELS,
        "lenet5",
        spec.__class__(
            **{**{f: getattr(spec, f) for f in spec.__dataclass_fields__}, "build": narrower}
        ),
    )
    outcome = smoke_run(directory, tmp_path)
    assert outcome.trained == [("lenet5", 0), ("lenet5", 1)]
    record = json.loads(results.fold_path(tmp_path, "lenet5", "smoke", 0).read_text())
    assert [row["type"] for row in record["architecture"]][-1] == "Dense"
    assert record["parameters"] == 28 * 28 * 10 + 10


def test_same_config_other_run_reuses_folds(synthetic, tmp_path, monkeypatch):
    directory, _ = synthetic
    smoke_run(directory, tmp_path)
    monkeypatch.setattr("bench.train.executors.fit_fold", _must_not_train)
    outcome = smoke_run(directory, tmp_path)
    assert outcome.trained == [] and len(outcome.skipped) == 2


def test_bad_fold_count_fails_before_anything_moves(synthetic, tmp_path):
    directory, _ = synthetic
    smoke_run(directory, tmp_path)
    before = _files(tmp_path)
    with pytest.raises(BenchError, match="--folds 100"):
        smoke_run(directory, tmp_path, folds=100)
    assert _files(tmp_path) == before
    assert not (tmp_path / results.SUPERSEDED_DIR).exists()


def test_another_profile_never_supersedes_and_the_fuller_one_is_shown(synthetic, tmp_path):
    directory, _ = synthetic
    smoke_run(directory, tmp_path)
    smoke_files = _files(tmp_path / "lenet5" / "smoke")
    from bench import config, data
    from bench.train import devices, engine

    quick = config.build_config("quick", ("lenet5",), epochs=1, batch_size=16)
    outcome = engine.run(quick, data.load_dataset(directory), tmp_path,
                         device=devices.detect(), reporter=RecordingReporter())  # fmt: skip
    assert outcome.trained == [("lenet5", 0), ("lenet5", 1), ("lenet5", 2)]
    assert outcome.superseded == []
    assert _files(tmp_path / "lenet5" / "smoke") == smoke_files
    (shown,) = report.load_reports(tmp_path)
    assert shown.profile == "quick" and shown.folds_done == 3
    # and a later smoke run still finds its own folds
    assert smoke_run(directory, tmp_path).trained == []


def test_held_out_probabilities_are_stored_at_full_precision(synthetic, tmp_path):
    directory, arrays = synthetic
    smoke_run(directory, tmp_path)
    (stored, _) = results.load_folds(tmp_path, "lenet5", "smoke")
    held = results.load_predictions(stored, "held_out")
    test = results.load_predictions(stored)
    assert held.probabilities.dtype == test.probabilities.dtype == np.float32
    assert len(held.indices) == stored.record.held_out_images
    train_labels = arrays["train-labels-idx1-ubyte"]
    np.testing.assert_array_equal(held.labels, train_labels[held.indices])
    predicted = held.probabilities.argmax(axis=1)
    assert np.mean(predicted == held.labels) == stored.record.cv.accuracy
    with np.load(stored.path.with_suffix(".test.npz")) as raw:
        assert raw["probabilities"].dtype == np.float32


def test_schema_1_folds_are_kept_and_moved_into_their_profile(synthetic, tmp_path, monkeypatch):
    directory, _ = synthetic
    smoke_run(directory, tmp_path)
    for stored in results.load_folds(tmp_path, "lenet5"):  # rewrite as the old bench stored them
        flat = dataclasses.replace(stored.record, schema_version=1).to_json()
        record = {k: v for k, v in flat.items()
                  if k not in ("identity", "held_out_predictions")}  # fmt: skip
        record.update(schema_version=1, fold_key="0123456789abcdef")
        old = tmp_path / "lenet5" / stored.path.name
        shutil.move(stored.path.with_suffix(".test.npz"), old.with_suffix(".test.npz"))
        stored.path.with_suffix(".held-out.npz").unlink()
        stored.path.unlink()
        old.write_text(json.dumps(record))
    reporter = RecordingReporter()
    monkeypatch.setattr("bench.train.executors.fit_fold", _must_not_train)
    outcome = smoke_run(directory, tmp_path, reporter=reporter)
    assert outcome.trained == [] and len(outcome.migrated) == 2
    assert any("2 fold(s) of an older bench kept" in note for note in reporter.notes)
    assert not list((tmp_path / "lenet5").glob("fold-*"))
    (first, _) = results.load_folds(tmp_path, "lenet5", "smoke")
    assert first.record.migrated_from_schema == 1
    assert results.load_predictions(first, "held_out") is None  # not available, not invented
    assert report.load_reports(tmp_path)[0].folds_done == 2


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class ClockedReporter(RecordingReporter):
    """Every fold 'takes' 50 fake seconds (smoke folds train one epoch)."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock

    def epoch_done(self, epoch, logs):
        self.clock.now += 50.0


def test_time_budget_runs_round_robin_and_never_starts_a_fold_that_cannot_finish(
    synthetic, tmp_path
):
    directory, _ = synthetic
    clock = FakeClock()
    reporter = ClockedReporter(clock)
    allowance = budget.Budget(170.0, clock=clock)
    outcome = smoke_run(directory, tmp_path, ("lenet5", "lstm"), reporter, budget=allowance)
    # lenet5 0 and lstm 0 are untimed guesses (120 s left), lenet5 1 is predicted at 50 s
    # (fits in 70 s), lstm 1 at 50 s does not fit in the 20 s left.
    assert outcome.trained == [("lenet5", 0), ("lstm", 0), ("lenet5", 1)]
    assert outcome.left == [("lstm", 1)]
    assert reporter.budget is allowance
    manifest = results.load_manifests(tmp_path)[0]
    assert manifest.status == "stopped by the time budget"
    assert manifest.left == (("lstm", 1),)
    resumed = smoke_run(directory, tmp_path, ("lenet5", "lstm"))
    assert resumed.trained == [("lstm", 1)]


def test_time_budget_resumes_with_the_model_furthest_from_its_planned_folds(synthetic, tmp_path):
    directory, _ = synthetic
    smoke_run(directory, tmp_path, ("lenet5",), shard=(0, 2), folds=4)  # lenet5 0 and 2 stored
    clock = FakeClock()
    allowance = budget.Budget(170.0, clock=clock)
    outcome = smoke_run(directory, tmp_path, ("lenet5", "lstm"), ClockedReporter(clock),
                        budget=allowance, folds=4)  # fmt: skip
    # lstm has four folds left against lenet5's two: it trains two folds before lenet5 trains
    # its next (round-robin by fold index would have put lenet5 1 second). lstm 0 is an
    # untimed guess, lstm 1 is predicted at 50 s with 70 s left, lenet5 1 at the stored folds'
    # rate; then 20 s are left, too few for any 50-second fold.
    assert outcome.trained == [("lstm", 0), ("lstm", 1), ("lenet5", 1)]
    assert outcome.left == [("lstm", 2), ("lenet5", 3), ("lstm", 3)]


def test_time_budget_already_spent_trains_nothing(synthetic, tmp_path, monkeypatch):
    directory, _ = synthetic
    clock = FakeClock()
    allowance = budget.Budget(10.0, clock=clock)
    clock.now = 11.0
    monkeypatch.setattr("bench.train.executors.fit_fold", _must_not_train)
    outcome = smoke_run(directory, tmp_path, budget=allowance)
    assert outcome.trained == [] and outcome.left == [("lenet5", 0), ("lenet5", 1)]


def test_training_module_is_the_one_the_executors_call():
    from bench.train import executors

    assert executors.fit_fold is training.fit_fold


def test_build_site_leaves_models_shown_from_a_fuller_profile(synthetic, tmp_path, monkeypatch):
    from bench.train import workflow

    directory, _ = synthetic
    options = workflow.TrainOptions(models=("lenet5",), profile="quick", epochs=1, batch_size=16,
                                    data_dir=directory, results_dir=tmp_path)  # fmt: skip
    workflow.train(options, RecordingReporter())
    monkeypatch.setattr("bench.train.executors.fit_fold", _must_not_train)
    reporter = RecordingReporter()
    smoke = dataclasses.replace(options, profile="smoke", skip_shown_from_fuller=True)
    outcome = workflow.train(smoke, reporter)
    assert outcome.trained == []
    assert "lenet5: the site shows its quick results; no smoke folds trained" in reporter.notes
    with pytest.raises(AssertionError, match="retrained"):  # plain `train` does train smoke
        workflow.train(dataclasses.replace(smoke, skip_shown_from_fuller=False), reporter)


@pytest.mark.parametrize(
    ("field", "value"),
    [("fold", "../../etc"), ("fold", 7), ("folds", True), ("profile", "../full"),
     ("model", "LeNet 5"), ("profile", None)],
)  # fmt: skip
def test_hostile_fold_fields_are_refused_with_one_line(synthetic, tmp_path, field, value):
    directory, _ = synthetic
    smoke_run(directory, tmp_path)
    path = results.fold_path(tmp_path, "lenet5", "smoke", 1)
    record = json.loads(path.read_text())
    if field == "profile":  # each where the record keeps it
        record["config"]["profile"] = value
    elif field == "folds":
        record["config"]["plan"]["folds"] = value
    else:
        record[field] = value
    path.write_text(json.dumps(record))
    with pytest.raises(BenchError, match="malformed model, profile, fold or folds") as raised:
        results.load_folds(tmp_path, "lenet5")
    assert str(path) in str(raised.value) and "\n" not in str(raised.value)
