"""The README's generated results table matches the committed result files."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_results_table_matches_the_results():
    script = ROOT / "benchmarks" / "readme_results.py"
    checked = subprocess.run([sys.executable, str(script), "--check"], capture_output=True,
                             text=True, cwd=ROOT, timeout=120)  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
