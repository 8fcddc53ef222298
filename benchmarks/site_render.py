"""Time `bench render` on full-size fixture results: 4 models x 10 folds x 10,000 test images.

The results are made up (tests/site_fixtures.py writes them without training) but have the size
of a full run; the dataset is the real one. Writes benchmarks/results/site_render.{json,md}: the
render time (wall and CPU), the size of the output and its largest file.

    python benchmarks/site_render.py [--data-dir DIR] [--work-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness  # noqa: E402

from bench import data  # noqa: E402
from bench.models import default_model_names  # noqa: E402
from bench.site.build import render_site  # noqa: E402
from tests.site_fixtures import write_results  # noqa: E402

FOLDS = 10


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
            profile="full", folds=FOLDS, test_images=10_000,
        )  # fmt: skip
    command = "python benchmarks/site_render.py"
    report = harness.Report("site_render", command)
    started, cpu_started = time.perf_counter(), time.process_time()
    site = render_site(results_dir, work / "public", data_dir=options.data_dir)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    files = [path for path in site.rglob("*") if path.is_file()]
    largest = max(files, key=lambda path: path.stat().st_size)
    payload = {
        "results": {"models": len(default_model_names()), "folds": FOLDS, "test_images": 10_000},
        "wall_seconds": seconds,
        "cpu_seconds": cpu_seconds,  # the better figure on a shared machine: one thread renders
        "files": len(files),
        "bytes": sum(path.stat().st_size for path in files),
        "largest": {"path": str(largest.relative_to(site)), "bytes": largest.stat().st_size},
    }
    report.finish(payload, _markdown)


def _markdown(summary: dict) -> str:
    shape = summary["results"]
    return "\n".join([
        "# Rendering the site",
        "",
        harness.machine_line(summary),
        "",
        f"`bench render` over made-up results of full size: {shape['models']} models x "
        f"{shape['folds']} folds x {shape['test_images']:,} test images.",
        "",
        "| render wall s | render CPU s | files | MB | largest file |",
        "|---:|---:|---:|---:|---|",
        f"| {summary['wall_seconds']:.1f} | {summary['cpu_seconds']:.1f} | {summary['files']} | "
        f"{summary['bytes'] / 1e6:.1f} | {summary['largest']['path']} "
        f"({summary['largest']['bytes'] / 1e6:.2f} MB) |",
        "",
        f"Reproduce: `{summary['command']}`",
        "",
    ])  # fmt: skip


if __name__ == "__main__":
    main()
