"""`bench render`, `bench build-site` and `bench serve`: success, and one-line errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench import cli
from bench.cli import app
from tests.site_fixtures import install_site_dataset, write_results

runner = CliRunner()
CONTENT = Path(__file__).resolve().parents[1] / "content"


@pytest.fixture
def stored(tmp_path, monkeypatch):
    """(results dir, dataset dir) with two quick-profile models of two folds."""
    directory, arrays = install_site_dataset(tmp_path / "fashion", monkeypatch)
    labels = arrays["t10k-labels-idx1-ubyte"]
    return write_results(tmp_path / "results", labels, models=("lenet5", "lstm")), directory


def render(results_dir: Path, out: Path, data_dir: Path, *options: str):
    arguments = ["--results-dir", results_dir, "--out", out, "--data-dir", data_dir, *options]
    return runner.invoke(app, ["render", *map(str, arguments)])


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr


def test_render_writes_the_site(stored, tmp_path):
    results_dir, data_dir = stored
    out = tmp_path / "site"
    result = render(results_dir, out, data_dir, "--base-url", "https://x.io/r")
    assert result.exit_code == 0, result.output
    assert "site written to" in result.output and "bench serve" in result.output
    assert '<link rel="canonical" href="https://x.io/r/">' in (out / "index.html").read_text()


def test_render_empty_results_dir(stored, tmp_path):
    _, data_dir = stored
    (tmp_path / "empty").mkdir()
    result = render(tmp_path / "empty", tmp_path / "site", data_dir)
    assert_one_line_error(result, "no fold results found")
    assert not (tmp_path / "site").exists()


def test_render_newer_schema(stored, tmp_path):
    results_dir, data_dir = stored
    path = results_dir / "lstm" / "quick" / "fold-01.json"
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "schema_version": 99}))
    result = render(results_dir, tmp_path / "site", data_dir)
    assert_one_line_error(result, str(path), "newer bench")


def copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def test_render_malformed_front_matter(stored, tmp_path):
    results_dir, data_dir = stored
    content_dir = copy_content(tmp_path)
    (content_dir / "models" / "lstm.md").write_text("---\ntitle: 'LSTM\n---\nBody\n")
    result = render(results_dir, tmp_path / "site", data_dir, "--content-dir", content_dir)
    assert_one_line_error(result, "lstm.md: front matter is not valid YAML")


def test_a_built_in_model_without_a_page_here_gets_bench_s_own(stored, tmp_path):
    results_dir, data_dir = stored
    content_dir = copy_content(tmp_path)
    (content_dir / "models" / "lenet5.md").unlink()
    result = render(results_dir, tmp_path / "site", data_dir, "--content-dir", content_dir)
    assert result.exit_code == 0, result.output
    page = (tmp_path / "site" / "models" / "lenet5.html").read_text()
    assert "<h1>LeNet-5</h1>" in page and 'id="history"' in page  # the shipped page's prose


def test_render_refuses_a_folder_with_user_files(stored, tmp_path):
    results_dir, data_dir = stored
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("mine")
    result = render(results_dir, tmp_path / "docs", data_dir)
    assert_one_line_error(result, "not a previous bench site")
    assert (tmp_path / "docs" / "notes.txt").read_text() == "mine"


def test_build_site_refuses_bad_out_before_training(tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "run_training", lambda *a, **k: pytest.fail("trained anyway"))
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["build-site", "--out", str(tmp_path / "docs")])
    assert_one_line_error(result, "--out")


def test_build_site_trains_then_renders(stored, tmp_path, monkeypatch):
    results_dir, data_dir = stored
    calls = []
    monkeypatch.setattr(cli, "_import_keras_stack", lambda: None)
    monkeypatch.setattr(cli, "run_training", lambda options, quiet: calls.append((options, quiet)))
    out = tmp_path / "site"
    result = runner.invoke(app, [
        "build-site", "--model", "lenet5", "--profile", "smoke", "--folds", "3", "--epochs", "2",
        "--batch-size", "8", "--seed", "7", "--fresh", "--quiet", "--data-dir", str(data_dir),
        "--results-dir", str(results_dir), "--out", str(out), "--shard", "1/2",
        "--strategy", "mirrored", "--time-budget", "90m",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    ((options, quiet),) = calls
    assert quiet is True
    assert (options.models, options.profile, options.folds, options.epochs) == (
        ("lenet5",), "smoke", 3, 2)  # fmt: skip
    assert (options.batch_size, options.seed, options.fresh) == (8, 7, True)
    assert (options.data_dir, options.results_dir) == (data_dir, results_dir)
    assert (options.shard, options.strategy, options.time_budget) == ("1/2", "mirrored", "90m")
    assert options.skip_shown_from_fuller  # build-site leaves models shown from fuller results
    assert (out / "models" / "lstm.html").is_file()


def test_build_site_errors_are_one_line(stored, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "_import_keras_stack", lambda: None)
    monkeypatch.setattr(cli, "run_training", lambda options, quiet: None)
    result = runner.invoke(app, ["build-site", "--results-dir", str(tmp_path / "nothing"),
                                 "--out", str(tmp_path / "site")])  # fmt: skip
    assert_one_line_error(result, "no fold results found")


def test_serve_without_a_site(tmp_path):
    result = runner.invoke(app, ["serve", "--out", str(tmp_path / "nowhere")])
    assert_one_line_error(result, "no index.html there; run `bench render` first")


def test_render_refuses_a_crafted_model_name_and_writes_nothing_outside(stored, tmp_path):
    results_dir, data_dir = stored
    path = results_dir / "lstm" / "quick" / "fold-00.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "model": "../../../pwned"}))
    result = render(results_dir, tmp_path / "site", data_dir)
    assert_one_line_error(result, str(path), "malformed")
    assert not (tmp_path / "site").exists()
    assert not list(tmp_path.parent.glob("pwned*"))


def test_render_refuses_a_linked_result_file(stored, tmp_path):
    results_dir, data_dir = stored
    npz = results_dir / "lstm" / "quick" / "fold-00.held-out.npz"
    elsewhere = tmp_path / "elsewhere.npz"  # same bytes, so only the link itself is wrong
    shutil.move(npz, elsewhere)
    npz.symlink_to(elsewhere)
    result = render(results_dir, tmp_path / "site", data_dir)
    assert_one_line_error(result, str(npz), "not a plain file")


@pytest.mark.parametrize(
    ("field", "value"),
    [("run_id", "../../x"), ("command", "rm -rf /"), ("finished_at", "yesterday"),
     ("environment", ["a"]), ("trained", [["lstm"]])],
)  # fmt: skip
def test_render_refuses_a_crafted_run_manifest(stored, tmp_path, field, value):
    results_dir, data_dir = stored
    (path,) = (results_dir / "runs").glob("*.json")
    path.write_text(json.dumps({**json.loads(path.read_text()), field: value}))
    result = render(results_dir, tmp_path / "site", data_dir)
    assert_one_line_error(result, str(path), "run manifest has a malformed field")
