"""Time `bench render` on full-size fixture results: 4 models x 10 folds x 10,000 test images.

The results are made up (tests/site_fixtures.py writes them without training) but have the size
of a full run; the dataset is the real one. Prints the render time, the size of the output and
its largest file.

    python benchmarks/site_render.py [--data-dir DIR] [--work-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import data  # noqa: E402
from bench.models import default_model_names  # noqa: E402
from bench.site.build import render_site  # noqa: E402
from tests.site_fixtures import write_results  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--work-dir", type=Path, default=None)
    options = parser.parse_args()
    work = options.work_dir or Path(tempfile.mkdtemp(prefix="bench-site-render-"))
    dataset = data.load_dataset(options.data_dir, allow_download=False)
    results_dir = work / "results"
    if not results_dir.exists():
        write_results(
            results_dir, dataset.test_labels, models=tuple(default_model_names()),
            profile="full", folds=10, test_images=10_000,
        )  # fmt: skip
    started, cpu_started = time.perf_counter(), time.process_time()
    site = render_site(results_dir, work / "public", data_dir=options.data_dir)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    files = [path for path in site.rglob("*") if path.is_file()]
    largest = max(files, key=lambda path: path.stat().st_size)
    total = sum(path.stat().st_size for path in files)
    # CPU seconds are the better figure on a shared machine: the render is single-threaded.
    print(
        f"render: {seconds:.1f} s wall, {cpu_seconds:.1f} s CPU, for 4 models x 10 folds x "
        "10,000 test images"
    )
    print(f"output: {len(files)} files, {total / 1e6:.1f} MB in {site}")
    print(f"largest: {largest.relative_to(site)} ({largest.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
