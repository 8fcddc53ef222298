"""Where bench's own files are: the project folder this package sits in (a checkout)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The benchmark results the repository's own site shows (the side-by-side speed table); the
# command line passes it to the site, which reads no folder of its own accord.
BENCHMARK_RESULTS = PROJECT_ROOT / "benchmarks" / "results"
