"""The README's performance table, generated from the JSON files in benchmarks/results/ and
experiments/results/ (a test checks the README matches them).

Each row reads one benchmark's (or experiment's) JSON: what was measured, the figure, and the
command that reproduces it (the command the benchmark recorded, so a figure and its command
cannot drift apart). A benchmark that has not been run yet shows "not yet measured" and the
command to run; a file recorded by an earlier form of its script, whose options have changed,
shows its recorded command and today's.

    python benchmarks/readme_performance.py          # rewrite the block in README.md
    python benchmarks/readme_performance.py --check  # exit 1 when README.md is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import readme_block

from bench.durations import format_duration

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "benchmarks/readme_performance.py"
START, END = "<!-- performance:start -->", "<!-- performance:end -->"


@dataclass(frozen=True)
class Row:
    """One line of the table: which benchmark file, and how its JSON reads in words."""

    what: str
    source: str  # the JSON file's path from the project folder, without ".json"
    figure: Callable[[dict], str]
    command: str  # the command to show before the benchmark has recorded its own
    # Whether the file was written by today's script (its recorded command still runs).
    current: Callable[[dict], bool] = lambda summary: True


def _names() -> dict[str, str]:
    """Display names of the built-in models and of the example models (trials cover both)."""
    from bench.models import all_models, plugins
    from bench.paths import example_models_dir

    plugins.load_user_models(example_models_dir())

    return {spec.name: spec.display_name for spec in all_models()}


def data_load(summary: dict) -> str:
    return (f"{summary['warm_seconds']:.2f} s (first load, hashing every file: "
            f"{summary['first_seconds']:.2f} s)")  # fmt: skip


def build_site(summary: dict) -> str:
    figure = (f"{format_duration(summary['wall_seconds'])} wall, "
              f"{summary['peak_rss_mib'] / 1024:.1f} GiB peak RSS")  # fmt: skip
    before = ROOT / "benchmarks" / "results" / "build-site-quick-before.json"
    if before.exists():
        seconds = json.loads(before.read_text())["wall_seconds"]
        figure += f" ({format_duration(seconds)} before the CPU settings below)"
    return figure


def cpu_speedups(summary: dict) -> str:
    names, by_variant = _names(), {}
    for row in summary["rows"]:
        ratio = row["ratio"]["train"]
        cell = "failed" if ratio is None else f"{ratio:.2f}x"
        by_variant.setdefault(row["variant"], []).append(f"{names[row['model']]} {cell}")
    return "; ".join(f"{variant}: {', '.join(cells)}" for variant, cells in by_variant.items())


def input_pipeline(summary: dict) -> str:
    names = {**_names(), "linear": "a linear model (the ceiling)"}
    rates: dict[str, list[str]] = {}
    steps: dict[str, list[str]] = {}
    for row in summary["rows"]:
        rates.setdefault(row["model"], []).append(f"{row['images_per_second']:,.0f}")
        steps.setdefault(row["model"], []).append(str(row["steps_per_execution"]))
    return "; ".join(
        f"{names[model]} {' / '.join(rates[model])} at {' / '.join(steps[model])} steps per call"
        for model in rates
    )


def time_to_accuracy(summary: dict) -> str:
    names, parts = _names(), []
    for row in summary["rows"]:
        if row["reached"]:
            text = f"{row['seconds']:.1f} s ({row['epochs']} epochs)"
        else:
            text = f"not reached in {row['epochs']} epochs"
        goal = row.get("goal_minutes")
        goal_text = f", goal {goal} min" if goal else ""
        parts.append(f"{names[row['model']]} to {row['target']:.4f}: {text}{goal_text}")
    return "; ".join(parts)


def throughput(summary: dict) -> str:
    names = _names()
    return ", ".join(
        f"{names[row['model']]} {row['ratio']:.1f}x ({row['bench']['images_per_second']:,.0f} "
        f"vs {row['2021']['images_per_second']:,.1f})"
        for row in summary["rows"]
    )


def recipe_trials(summary: dict) -> str:
    names, by_model = _names(), {}
    for trial in summary["trials"]:
        by_model.setdefault(trial["model"], []).append(trial)
    parts = []
    for model, trials in by_model.items():
        best = max(trials, key=lambda trial: trial["validation_accuracy"])
        count = f"{len(trials)} trial{'s' if len(trials) != 1 else ''}"
        parts.append(f"{names[model]}: {count}, best {best['validation_accuracy']:.4f} "
                     f"({best['trial']})")  # fmt: skip
    return "; ".join(parts)


def step_profile(summary: dict) -> str:
    """The three groups where the two paths differ most, in seconds per step."""
    tf_groups = summary["paths"]["bench-tf"]["groups"]
    torch_groups = summary["paths"]["torch-bf16"]["groups"]

    def gap(group: str) -> float:
        return abs(tf_groups.get(group, 0.0) - torch_groups.get(group, 0.0))

    groups = sorted(set(tf_groups) | set(torch_groups), key=gap, reverse=True)
    parts = [f"{group} {tf_groups.get(group, 0.0) / 1000:.2f} s vs "
             f"{torch_groups.get(group, 0.0) / 1000:.2f} s" for group in groups[:3]]  # fmt: skip
    return "; ".join(parts) + " (`experiments/results/step_profile.md`)"


def side_by_side(summary: dict) -> str:
    names, parts = _names(), []
    rows = {(row["model"], row["case"]): row for row in summary["rows"]}
    for model in summary["settings"]["models"]:
        bench, torch = rows.get((model, "bench-tf")), rows.get((model, "torch-bf16"))
        if not bench or not torch or not bench["images_per_second"]:
            continue
        parts.append(
            f"{names[model]} bench {bench['images_per_second']:,.1f} vs PyTorch bf16 "
            f"{torch['images_per_second'] or 0:,.1f} images/s "
            f"({bench['ratio_to_reference'] or 0:.2f}x)"
        )
    return "; ".join(parts)


def site_render(summary: dict) -> str:
    shape = summary["results"]
    if "fold_models" in shape:  # the committed results/ folder
        of = f"{shape['models']} models, {shape['fold_models']} fold models"
    else:  # full-size made-up results (the earlier form)
        of = f"{shape['models']} models x {shape['folds']} folds"
    return (f"{summary['wall_seconds']:.1f} s wall ({summary['cpu_seconds']:.1f} s CPU), "
            f"{summary['bytes'] / 1e6:.1f} MB, for {of} x {shape['test_images']:,} test "
            "images")  # fmt: skip


def ray_overhead(summary: dict) -> str:
    parts = [
        f"{row['size']} folds: start-up {row['ray']['setup_seconds']:.1f} s per run (local "
        f"{row['local']['setup_seconds']:.1f} s), per fold "
        f"{row['ray_overhead_per_fold_seconds']:+.1f} s"
        for row in summary["rows"]
    ]
    return "; ".join(parts) + " (a per-fold cost inside the round-to-round spread)"


def model_costs(summary: dict) -> str:
    return f"{len(summary['models'])} models: `benchmarks/results/model_costs.md`"


def fold_cost(summary: dict) -> str:
    """Each case's predicted fold training time, against the first case's."""
    names, rows = _names(), summary["cases"]
    first = rows[0].get("predicted_fold_seconds") if rows else None
    parts = []
    for row in rows:
        seconds = row.get("predicted_fold_seconds")
        if seconds is None:
            continue
        name = names.get(row["model"], row["model"])
        shown = name if row["case"] == row["model"] else f"{name} in {row['precision']}"
        ratio = f", {seconds / first:.2f}x" if first and row is not rows[0] else ""
        parts.append(f"{shown} {seconds / 60:.1f} min ({row['images_per_second']:,.0f} "
                     f"images/s{ratio})")  # fmt: skip
    return "; ".join(parts)


BENCHMARKS, EXPERIMENTS = "benchmarks/results/", "experiments/results/"
ROWS = (
    Row("load both splits into numpy (digests remembered)", BENCHMARKS + "data_load", data_load,
        "python benchmarks/data_load.py --repeats 5"),
    Row("`bench build-site --profile quick` end to end (train all four, render)",
        BENCHMARKS + "build-site-quick", build_site,
        "python benchmarks/training_run.py build-site-quick --command build-site -- "
        "--profile quick --out /tmp/site"),
    Row("CPU settings, training images/s against oneDNN + float32 + 1 step per call "
        "(experiment)", EXPERIMENTS + "cpu_speedups", cpu_speedups,
        "python experiments/cpu_speedups.py --repeats 2 --seconds 6"),
    Row("input pipeline: numpy arrays into `fit`, training images/s", BENCHMARKS + "input_pipeline",
        input_pipeline, "python benchmarks/input_pipeline.py --epochs 3 --repeats 3"),
    Row("training time to the 2021 test accuracy (experiment, not recipe choice)",
        EXPERIMENTS + "time_to_accuracy", time_to_accuracy,
        "python experiments/time_to_accuracy.py"),
    Row("training images/s, bench vs the 2021 pipeline (227 px, batch 32; experiment)",
        EXPERIMENTS + "throughput", throughput, "python experiments/throughput.py",
        current=lambda summary: summary.get("timed") == "fit_fold"),
    Row("recipe trials on a validation split of fold 0's training images",
        BENCHMARKS + "recipe_trials", recipe_trials,
        "python benchmarks/recipe_trials.py --model lenet5 --model lstm --model alexnet "
        "--model resnet34"),
    Row("side by side on this CPU: bench (TensorFlow) against PyTorch eager bfloat16, same "
        "network, batch 256", BENCHMARKS + "cpu_side_by_side", side_by_side,
        "python benchmarks/cpu_side_by_side.py",
        current=lambda summary: summary.get("schema_version", 1) >= 2),
    Row("one ResNet-34 training step profiled, bench (TensorFlow) beside the PyTorch twin: op "
        "time per step by group (experiment)", EXPERIMENTS + "step_profile", step_profile,
        "python experiments/step_profile.py --steps 8"),
    Row("`bench render` over a full-size results folder", BENCHMARKS + "site_render",
        site_render, "python benchmarks/site_render.py"),
    Row("Ray executor against the local one, one fold at a time (`--executor ray`)",
        BENCHMARKS + "ray_overhead", ray_overhead,
        "python benchmarks/ray_overhead.py --repeats 5 --quick-epochs 1 --sizes smoke quick"),
    Row("parameters, FLOPs, images/s per model", BENCHMARKS + "model_costs", model_costs,
        "python benchmarks/model_costs.py"),
    Row("one full-profile fold's training time as `bench train` trains it (full recipe, "
        "bench's precision), side by side", BENCHMARKS + "fold_cost", fold_cost,
        "python benchmarks/fold_cost.py --cases resnet34 compact compact:mixed_bfloat16 "
        "--repeats 2 --train-images 4096 --epochs 2"),
)  # fmt: skip


def table(root: Path = ROOT) -> str:
    """The markdown block for the benchmark files under ``root`` (the project folder)."""
    lines = ["| what | figure | reproduce |", "|---|---|---|"]
    for row in ROWS:
        path = root / f"{row.source}.json"
        figure, command = "not yet measured", f"`{row.command}`"
        if path.exists():
            summary = json.loads(path.read_text())
            figure = row.figure(summary)
            recorded = summary.get("command") or row.command
            command = f"`{recorded}`"
            if not row.current(summary):
                command += f" (an earlier form of the script; today: `{row.command}`)"
        lines.append(f"| {row.what} | {figure} | {command} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    arguments = parser.parse_args()
    return readme_block.update(table(), START, END, check=arguments.check, script=SCRIPT)


if __name__ == "__main__":
    sys.exit(main())
