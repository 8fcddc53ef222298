"""benchmarks/fold_cost.py: which fold time each case predicts, and how the report reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import load_script

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
MACHINE = {"cpu": "CPU", "cores": 2, "device": "cpu", "backend": "tensorflow",
           "mixed_precision": "mixed_bfloat16", "versions": {}, "date": "2026-12-02",
           "load_average": [0.1], "load_average_after": [0.2]}  # fmt: skip


@pytest.fixture
def fold_cost(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # the script imports its siblings
    return load_script(BENCHMARKS / "fold_cost.py")


def test_a_case_is_a_model_or_a_model_with_a_precision(fold_cost):
    assert fold_cost.parse_case("compact") == {"model": "compact", "precision": "auto"}
    job = fold_cost.parse_case("compact:mixed_bfloat16")
    assert job == {"model": "compact", "precision": "mixed_bfloat16"}
    assert fold_cost.case_name(job) == "compact:mixed_bfloat16"
    assert fold_cost.case_name(fold_cost.parse_case("resnet34")) == "resnet34"


def test_the_predicted_fold_is_the_full_epochs_over_a_full_fold_models_images(
    fold_cost, monkeypatch
):
    import timing

    seen = {}

    def fake_speed(spec, recipe, device, fold):
        seen.update(epochs=recipe.epochs, warmup=recipe.warmup_epochs, batch=recipe.batch_size)
        return {"steady_images_per_second": 400.0}

    monkeypatch.setattr(timing, "fit_speed", fake_speed)
    monkeypatch.setattr(timing, "fixed_fold", lambda images: images)
    row = fold_cost.measure({"model": "compact", "precision": "float32", "train_images": 64,
                             "epochs": 2})  # fmt: skip
    # The compact example model's full recipe: 8 epochs at batch 512, warm-up cut to fit 2.
    assert seen == {"epochs": 2, "warmup": 1, "batch": 512}
    assert (row["fold_train_images"], row["full_epochs"]) == (54_000, 8)
    assert row["predicted_fold_seconds"] == 8 * 54_000 / 400.0
    assert row["precision"] == "float32"


def test_the_report_sets_every_fold_beside_the_first_case(fold_cost):
    def case(name, seconds):
        return {"case": name, "precision": "float32", "steps_per_execution": 1,
                "images_per_second": 100.0, "full_epochs": 2,
                "predicted_fold_seconds": seconds}  # fmt: skip

    summary = {"cases": [case("resnet34", 2400.0), case("compact", 1080.0),
                         {"case": "lstm", "predicted_fold_seconds": None}],
               "train_images": 4096, "epochs": 3, "repeats": 2, "command": "python x",
               "minutes": 9.0, "machine": MACHINE}  # fmt: skip
    text = fold_cost.to_markdown(summary)
    assert "| resnet34 | float32 | 1 | 100.0 | 2 | 40.0 | 1.00x |" in text
    assert "| compact | float32 | 1 | 100.0 | 2 | 18.0 | 0.45x |" in text
    assert "| lstm | failed |" in text


def test_the_readme_row_gives_each_fold_time_against_the_first(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    performance = load_script(BENCHMARKS / "readme_performance.py")
    summary = {"cases": [
        {"case": "resnet34", "model": "resnet34", "precision": "mixed_bfloat16",
         "predicted_fold_seconds": 2400.0, "images_per_second": 45.0},
        {"case": "compact:mixed_bfloat16", "model": "compact", "precision": "mixed_bfloat16",
         "predicted_fold_seconds": 960.0, "images_per_second": 450.0},
        {"case": "lstm", "model": "lstm", "predicted_fold_seconds": None},
    ]}  # fmt: skip
    assert performance.fold_cost(summary) == (
        "ResNet-34 40.0 min (45 images/s); Compact ResNet-9 in mixed_bfloat16 16.0 min "
        "(450 images/s, 0.40x)"
    )
