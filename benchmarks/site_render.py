"""Time `bench render` on the committed results: every fold model the repository holds.

The results are the git-tracked ``results/`` folder at HEAD (``git archive``, so folds being
trained in the working tree are left out and nothing there is read or written); the dataset is
the real one. Writes benchmarks/results/site_render.{json,md} (or to --out): the render time
(wall and CPU), the size of the output and its largest file.

    python benchmarks/site_render.py [--data-dir DIR] [--work-dir DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import shlex
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import harness

from bench.paths import BENCHMARK_RESULTS
from bench.site.build import render_site

RESULTS = "results"  # the project's results folder, as git tracks it


def committed_results(work: Path) -> tuple[Path, str]:
    """Extract ``results/`` as committed at HEAD under ``work``; the folder and the commit."""
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=harness.ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    archive = subprocess.run(["git", "archive", "--format=tar", commit, RESULTS],
                             cwd=harness.ROOT, check=True, capture_output=True).stdout  # fmt: skip
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(work, filter="data")
    return work / RESULTS, commit


def shape_of(results_dir: Path) -> dict:
    """How much the site renders: models, fold models and the largest test set."""
    folds = [json.loads(path.read_text()) for path in results_dir.glob("*/*/fold-*.json")]
    return {"models": len({fold["model"] for fold in folds}), "fold_models": len(folds),
            "test_images": max((fold["test_images"] for fold in folds), default=0)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=harness.RESULTS)
    options = parser.parse_args()
    work = options.work_dir or Path(tempfile.mkdtemp(prefix="bench-site-render-"))
    results_dir, commit = committed_results(work)
    command = shlex.join(["python", "benchmarks/site_render.py", *sys.argv[1:]])
    report = harness.Report("site_render", command, options.out)
    started, cpu_started = time.perf_counter(), time.process_time()
    site = render_site(
        results_dir, work / "public", data_dir=options.data_dir, benchmarks_dir=BENCHMARK_RESULTS
    )  # as `bench render` does
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    files = [path for path in site.rglob("*") if path.is_file()]
    largest = max(files, key=lambda path: path.stat().st_size)
    payload = {
        "results": {**shape_of(results_dir), "source": f"{RESULTS}/ at {commit}"},
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
        f"`bench render` over {shape['source']}: {shape['models']} models, "
        f"{shape['fold_models']} fold models, up to {shape['test_images']:,} test images.",
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
