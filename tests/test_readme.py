"""The README's generated results table matches the committed result files."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tracked_results(target: Path) -> Path:
    """A copy of the result files git tracks: folds a user trains locally are not the README's
    business until they are committed."""
    listed = subprocess.run(["git", "ls-files", "-z", "results"], capture_output=True, cwd=ROOT,
                            check=True).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, target / name)
    return target / "results"


def test_readme_results_table_matches_the_committed_results(tmp_path):
    script = ROOT / "benchmarks" / "readme_results.py"
    results_dir = _tracked_results(tmp_path)
    assert any(results_dir.glob("*/*/fold-*.json"))
    checked = subprocess.run(
        [sys.executable, str(script), "--check", "--results-dir", str(results_dir)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_readme_performance_table_matches_the_benchmark_files():
    script = ROOT / "benchmarks" / "readme_performance.py"
    checked = subprocess.run([sys.executable, str(script), "--check"], capture_output=True,
                             text=True, cwd=ROOT, timeout=120)  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_performance_rows_read_their_benchmark_file(tmp_path, monkeypatch):
    from tests.conftest import load_script

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # the script imports its siblings
    performance = load_script(ROOT / "benchmarks" / "readme_performance.py")
    results = tmp_path / "benchmarks" / "results"
    results.mkdir(parents=True)
    (results / "data_load.json").write_text(
        '{"command": "python benchmarks/data_load.py --repeats 3", "first_seconds": 0.456, '
        '"warm_seconds": 0.123}'
    )
    lines = performance.table(tmp_path).splitlines()
    loaded = next(line for line in lines if "load both splits" in line)
    assert "0.12 s (first load, hashing every file: 0.46 s)" in loaded
    assert "`python benchmarks/data_load.py --repeats 3`" in loaded
    unmeasured = next(line for line in lines if "bench render" in line)
    assert "not yet measured" in unmeasured


def test_a_file_from_an_earlier_form_of_its_script_shows_todays_command(tmp_path, monkeypatch):
    from tests.conftest import load_script

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    performance = load_script(ROOT / "benchmarks" / "readme_performance.py")
    results = tmp_path / "experiments" / "results"
    results.mkdir(parents=True)
    row = {"model": "lenet5", "ratio": 2.0, "bench": {"images_per_second": 10.0},
           "2021": {"images_per_second": 5.0}}  # fmt: skip
    earlier = {"command": "python experiments/throughput.py --seconds 20", "rows": [row]}
    (results / "throughput.json").write_text(json.dumps(earlier))
    line = next(line for line in performance.table(tmp_path).splitlines() if "2021 pip" in line)
    assert "`python experiments/throughput.py --seconds 20` (an earlier form" in line
    (results / "throughput.json").write_text(json.dumps({**earlier, "timed": "fit_fold"}))
    line = next(line for line in performance.table(tmp_path).splitlines() if "2021 pip" in line)
    assert "earlier form" not in line
