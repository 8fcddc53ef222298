"""The README's generated results table matches the committed result files."""

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
