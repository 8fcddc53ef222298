"""Time a `bench train` (or `bench build-site`) run end to end: wall, peak RSS, accuracy.

Usage (from the repository root, in the project's virtualenv):

    python benchmarks/training_run.py quick-profile -- --profile quick
    python benchmarks/training_run.py full-recipe-cpu -- --profile full --model lenet5 \
        --model lstm --shard 0/4
    python benchmarks/training_run.py build-site-quick --command build-site -- --profile quick \
        --out /tmp/bench-e2e-site

Everything after ``--`` goes to the bench command; results go to a fresh temporary directory
unless ``--results-dir`` is among them. Writes <name>.json and <name>.md to --out
(benchmarks/results) through the harness (the machine as bench describes it, atomic files).
"""

from __future__ import annotations

import argparse
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="name of the result files")
    parser.add_argument("--command", choices=("train", "build-site"), default="train")
    parser.add_argument("--out", type=Path, default=harness.RESULTS, help="output folder")
    own, separator, rest = _split_at_separator(sys.argv[1:])
    arguments = parser.parse_args(own)
    train_arguments = rest if separator else []
    if "--results-dir" not in train_arguments:
        train_arguments += ["--results-dir", tempfile.mkdtemp(prefix="bench-benchmark-")]
    results_dir = Path(train_arguments[train_arguments.index("--results-dir") + 1])
    command = [sys.executable, "-m", "bench", arguments.command, "--quiet", *train_arguments]
    benchmark = harness.Report(arguments.name,
                               "python benchmarks/training_run.py " + shlex.join(sys.argv[1:]),
                               arguments.out)  # fmt: skip

    started = time.perf_counter()
    finished = subprocess.run(command, check=False)
    wall_seconds = time.perf_counter() - started
    peak_rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if finished.returncode != 0:
        sys.exit(f"bench train failed with exit status {finished.returncode}")

    from bench.train import devices

    devices.prepare_environment()
    from bench.analysis import report

    rows = [
        {
            "model": r.model,
            "profile": r.profile,
            "folds": f"{r.folds_done}/{r.folds_planned}",
            "train_images_per_fold": r.folds[0].train_images,
            "test_images": r.test_images,
            "test_accuracy_mean": r.test.accuracy.mean,
            "test_accuracy_std": r.test.accuracy.std,
            "ensemble_accuracy": r.ensemble.scores.accuracy,
            "train_seconds": r.train_seconds,
            "images_per_second": r.images_per_second,
        }
        for r in report.load_reports(results_dir)
    ]
    payload = {
        "bench_command": shlex.join(["bench", arguments.command, "--quiet", *train_arguments]),
        "wall_seconds": wall_seconds,
        "peak_rss_mib": peak_rss_mib,
        "models": rows,
    }
    benchmark.finish(payload, _markdown)


def _split_at_separator(argv: list[str]) -> tuple[list[str], bool, list[str]]:
    """This script's arguments, whether ``--`` was given, and what follows it (bench's)."""
    if "--" not in argv:
        return argv, False, []
    cut = argv.index("--")
    return argv[:cut], True, argv[cut + 1 :]


def _markdown(summary: dict) -> str:
    lines = [
        f"# {summary['bench_command']}",
        "",
        f"Wall time {summary['wall_seconds']:.0f} s, peak RSS {summary['peak_rss_mib']:.0f} MiB.",
        "",
        harness.machine_line(summary),
        "",
        "| model | profile | folds | train images/fold | test images | test accuracy | ensemble "
        "| train s | images/s |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in summary["models"]:
        lines.append(
            f"| {row['model']} | {row['profile']} | {row['folds']} | "
            f"{row['train_images_per_fold']:,} | {row['test_images']:,} | "
            f"{row['test_accuracy_mean']:.4f} ± {row['test_accuracy_std']:.4f} | "
            f"{row['ensemble_accuracy']:.4f} | {row['train_seconds']:.0f} | "
            f"{row['images_per_second']:.0f} |"
        )
    lines += ["", f"Reproduce: `{summary['command']}`", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
