"""`bench train` and `bench models` through typer's CliRunner."""

import json
import subprocess
import sys

import keras
import pytest
from typer.testing import CliRunner

from bench.cli import app
from bench.models import all_models
from bench.store import results
from bench.train import workflow

runner = CliRunner()


def _train(directory, results_dir, *arguments):
    return runner.invoke(
        app,
        ["train", "--profile", "smoke", "--quiet", "--data-dir", str(directory),
         "--results-dir", str(results_dir), *arguments],
    )  # fmt: skip


def test_train_stores_folds_and_prints_the_table(synthetic, tmp_path):
    directory, _ = synthetic
    result = _train(directory, tmp_path, "--model", "lenet5", "--seed", "7")
    assert result.exit_code == 0, result.output
    assert "lenet5 fold 2/2" in result.output
    assert "smoke" in result.output  # the profile is shown with the results
    record = json.loads(results.fold_path(tmp_path, "lenet5", "smoke", 0).read_text())
    assert record["config"]["seed"] == 7


def test_precision_option_reaches_every_fold_record(synthetic, tmp_path):
    directory, _ = synthetic
    result = _train(directory, tmp_path, "--model", "lenet5", "--model", "lstm",
                    "--precision", "float32")  # fmt: skip
    assert result.exit_code == 0, result.output
    for model in ("lenet5", "lstm"):
        record = json.loads(results.fold_path(tmp_path, model, "smoke", 1).read_text())
        assert record["mixed_precision"] == "float32"
    manifest = json.loads(next((tmp_path / "runs").glob("*.json")).read_text())
    assert manifest["environment"]["mixed_precision"] == "float32"
    assert manifest["environment"]["light_precision"] == "float32"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--profile", "huge"], "error: --profile 'huge': choose from smoke, quick, full or auto"),
        (["--shard", "3/2"], "error: --shard '3/2': need 0 <= I < N"),
        (["--model", "vgg16"], "error: --model: unknown model 'vgg16'; choose from: lenet5"),
        (["--epochs", "0"], "error: --epochs 0: must be at least 1"),
        (["--strategy", "ring"], "error: --strategy 'ring': choose from default, mirrored"),
        (["--precision", "fp8"], "error: --precision 'fp8': choose from auto, float32, "),
        *(
            (
                ["--time-budget", bad],
                f"error: --time-budget {bad!r}: expected a duration such as 90m, 2h or 1h30m",
            )
            for bad in ("0", "-5m", "abc", "5")
        ),
    ],
)
def test_bad_options_are_one_line_errors(synthetic, tmp_path, arguments, message):
    directory, _ = synthetic
    result = _train(directory, tmp_path, *arguments)
    assert result.exit_code == 1
    assert result.stderr.strip().startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1


def test_ctrl_c_exits_130_with_a_resume_hint(synthetic, tmp_path, monkeypatch):
    directory, _ = synthetic

    def interrupted(request, reporter):
        raise KeyboardInterrupt

    monkeypatch.setattr(workflow, "run", interrupted)
    result = _train(directory, tmp_path)
    assert result.exit_code == 130
    assert "run the same command to resume" in result.stderr


def test_out_of_memory_suggests_a_smaller_batch(synthetic, tmp_path, monkeypatch):
    directory, _ = synthetic

    def exhausted(self, *args, **kwargs):
        raise RuntimeError("RESOURCE_EXHAUSTED: OOM when allocating tensor")

    monkeypatch.setattr(keras.Model, "fit", exhausted)
    result = _train(directory, tmp_path, "--model", "lenet5", "--batch-size", "4096")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: out of memory training lenet5 with batch size 4096; "
        "retry with a smaller --batch-size"
    )


def test_models_lists_the_registry():
    result = runner.invoke(app, ["models"])
    assert result.exit_code == 0, result.output
    for spec in all_models():
        assert spec.name in result.output
    assert "61,706" in result.output
    assert "no (slow)" in result.output


def test_a_crash_is_reported_as_a_crash(synthetic, tmp_path, monkeypatch):
    directory, _ = synthetic

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("bench.train.executors.fit_fold", broken)
    result = _train(directory, tmp_path)
    assert result.exit_code == 1 and isinstance(result.exception, ZeroDivisionError)
    assert "bench crashed (a bug, not a problem with the options)" in result.stderr
    assert "interrupted" not in result.stderr
    manifest = json.loads(next((tmp_path / "runs").glob("*.json")).read_text())
    assert manifest["status"] == "crashed"


def test_bad_options_are_answered_before_keras_loads():
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from bench.cli import app\n"
        "result = CliRunner().invoke(app, ['train', '--time-budget', 'abc'])\n"
        "print(result.exit_code, 'keras' in sys.modules, 'tensorflow' in sys.modules)\n"
    )
    finished = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                              timeout=120)  # fmt: skip
    assert finished.stdout.split() == ["1", "False", "False"], finished.stderr[-2000:]
