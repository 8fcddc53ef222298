"""Run a profile of `bench train` within a wall-clock budget, cutting folds (never epochs).

Phase 1 trains fold 0 of every default model and times each (compilation included). Phase 2
gives every model the same number of folds that the remaining budget allows, as the shard
``0/N`` (folds 0, N, 2N, ...), so the folds that ran are the protocol's own folds. The plan,
the timings and what ran are written to ``<results-dir>/gpu_plan.json``; the last thing printed
is the summary table.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

MODELS = ("lenet5", "lstm", "alexnet", "resnet34")  # cheapest first: the first minute measures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-seconds", type=float, default=540)
    parser.add_argument("--results-dir", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--profile", default="full")
    parser.add_argument("--folds", type=int, default=10)
    arguments = parser.parse_args()
    deadline = time.monotonic() + arguments.budget_seconds
    common = ["--profile", arguments.profile, "--folds", str(arguments.folds), "--quiet",
              "--data-dir", str(arguments.data_dir),
              "--results-dir", str(arguments.results_dir)]  # fmt: skip

    plan: dict = {"budget_seconds": arguments.budget_seconds, "profile": arguments.profile,
                  "first_fold_seconds": {}, "runs": []}  # fmt: skip
    for model in MODELS:
        if time.monotonic() > deadline:
            plan["runs"].append({"model": model, "skipped": "budget spent before its first fold"})
            continue
        seconds = _train(model, f"0/{arguments.folds}", common, plan)
        plan["first_fold_seconds"][model] = seconds

    remaining = deadline - time.monotonic()
    per_round = sum(plan["first_fold_seconds"].values())
    folds_each = min(arguments.folds, 1 + max(0, math.floor(remaining / per_round)))
    shard_count = math.ceil(arguments.folds / folds_each)
    plan.update(remaining_after_first_folds=remaining, folds_each=folds_each,
                shard=f"0/{shard_count}")  # fmt: skip
    if shard_count < arguments.folds:
        for model in plan["first_fold_seconds"]:
            _train(model, f"0/{shard_count}", common, plan)

    arguments.results_dir.mkdir(parents=True, exist_ok=True)
    (arguments.results_dir / "gpu_plan.json").write_text(json.dumps(plan, indent=1) + "\n")
    print(json.dumps(plan, indent=1))
    print(_summary(arguments.results_dir))


def _train(model: str, shard: str, common: list[str], plan: dict) -> float:
    command = [sys.executable, "-m", "bench", "train", "--model", model, "--shard", shard, *common]
    started = time.monotonic()
    finished = subprocess.run(command, check=False)
    seconds = time.monotonic() - started
    plan["runs"].append({"model": model, "shard": shard, "seconds": round(seconds, 1),
                         "exit_status": finished.returncode})  # fmt: skip
    print(
        f"[gpu_run] {model} shard {shard}: {seconds:.0f} s, exit {finished.returncode}", flush=True
    )
    return seconds


def _summary(results_dir: Path) -> str:
    from bench import devices

    devices.prepare_environment()
    from bench import report

    lines = [
        "| model | profile | folds | test accuracy | macro F1 | ensemble | train s | images/s |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in report.load_reports(results_dir):
        accuracy, f1 = r.test["accuracy"], r.test["f1_macro"]
        lines.append(
            f"| {r.model} | {r.profile} | {r.folds_done}/{r.folds_planned} | "
            f"{accuracy[0]:.4f} ± {accuracy[1]:.4f} | {f1[0]:.4f} ± {f1[1]:.4f} | "
            f"{r.ensemble['accuracy']:.4f} | {r.train_seconds:.0f} | {r.images_per_second:.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
