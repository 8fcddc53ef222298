"""Run a profile of `bench train` on the GPU machine within a wall-clock budget.

One `bench train --time-budget` call does the planning: the model with the most folds left goes
first, then level models take turns (fold 0 of every empty model early), each fold's time is
predicted from the folds already timed, and no fold starts that is predicted to overrun, so the
folds that ran are the protocol's own folds and a later run resumes the rest. The last thing
printed is the summary table.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-seconds", type=int, default=540)
    parser.add_argument("--results-dir", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--profile", default="full")
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--models-dir", type=Path, help="also train this folder's models")
    arguments = parser.parse_args()
    command = [sys.executable, "-m", "bench", "train", "--profile", arguments.profile,
               "--folds", str(arguments.folds), "--time-budget", f"{arguments.budget_seconds}s",
               "--quiet", "--data-dir", str(arguments.data_dir),
               "--results-dir", str(arguments.results_dir)]  # fmt: skip
    if arguments.models_dir:  # its models join the default set
        command += ["--models-dir", str(arguments.models_dir)]
    finished = subprocess.run(command, check=False)
    print(f"[gpu_run] bench train exit {finished.returncode}", flush=True)
    print(_summary(arguments.results_dir))
    sys.exit(finished.returncode)


def _summary(results_dir: Path) -> str:
    from bench.train import devices

    devices.prepare_environment()
    from bench.analysis import report

    lines = [
        "| model | profile | folds | test accuracy | macro F1 | ensemble | train s | images/s |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in report.load_reports(results_dir):
        accuracy, f1 = r.test.accuracy, r.test.f1_macro
        lines.append(
            f"| {r.model} | {r.profile} | {r.folds_done}/{r.folds_planned} | "
            f"{accuracy.mean:.4f} ± {accuracy.std:.4f} | {f1.mean:.4f} ± {f1.std:.4f} | "
            f"{r.ensemble.scores.accuracy:.4f} | {r.train_seconds:.0f} | "
            f"{r.images_per_second:.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
