"""What one full-profile fold of each model costs on this machine, side by side, as `bench train`
trains it: the model's full recipe (augmentation included) and bench's device choices for it
(precision and steps per compiled call, from ``bench.train.devices.detect``).

Each case is ``fit_fold`` on a fixed stratified subset for a few epochs, in its own worker
process, in rotating rounds (harness.py). The steady rate (epochs after the first) predicts a
fold's training time: the full recipe's epochs over the images a full-profile fold model trains
on. A case is a model name, or ``model:precision`` to try another Keras dtype policy than
bench's choice (a fold trained so would have another fold key). Writes fold_cost.{json,md} to
--out (benchmarks/results).

    python benchmarks/fold_cost.py --cases compact resnet34 [--repeats 2] [--train-images 4096]
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

import harness

SCHEMA_VERSION = 1
AUTO = "auto"  # bench's own precision choice for the model


def parse_case(text: str) -> dict:
    model, _, precision = text.partition(":")
    return {"model": model, "precision": precision or AUTO}


def case_name(job: dict) -> str:
    return job["model"] if job["precision"] == AUTO else f"{job['model']}:{job['precision']}"


def measure(job: dict) -> dict:
    """``fit_fold``'s speed for one case, and the fold time it predicts (runs in a worker)."""
    from bench.train import devices

    devices.load_backend()
    from dataclasses import replace

    import timing

    from bench import config
    from bench.data import TRAIN_IMAGES
    from bench.models import get_model, plugins
    from bench.paths import example_models_dir

    plugins.load_user_models(example_models_dir())
    spec = get_model(job["model"])
    device = devices.detect(job["precision"])
    plan = config.build_config("full", (spec.name,), seed=timing.SEED).plan(spec.name)
    recipe = replace(spec.full, epochs=job["epochs"],
                     warmup_epochs=min(spec.full.warmup_epochs, job["epochs"] - 1))  # fmt: skip
    speed = timing.fit_speed(spec, recipe, device, timing.fixed_fold(job["train_images"]))
    fold_images = (plan.train_images or TRAIN_IMAGES) * (plan.folds - 1) // plan.folds
    steady = speed["steady_images_per_second"]
    return {
        **speed,
        "precision": device.precision(spec),
        "steps_per_execution": device.steps_per_execution(spec),
        "full_epochs": spec.full.epochs,
        "fold_train_images": fold_images,
        "predicted_fold_seconds": spec.full.epochs * fold_images / steady if steady else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=[], help="model or model:precision")
    parser.add_argument("--repeats", type=int, default=1, help="rotating rounds")
    parser.add_argument("--train-images", type=int, default=4096, help="images per epoch")
    parser.add_argument("--epochs", type=int, default=3, help="the first one is not timed")
    parser.add_argument("--out", type=Path, default=harness.RESULTS)
    parser.add_argument(harness.WORKER_FLAG, metavar="JOB_JSON", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        print(json.dumps(measure(json.loads(arguments.worker))))
        return
    if not arguments.cases:
        parser.error("--cases: name one model (or model:precision) at least")
    if arguments.epochs < 2:
        parser.error("--epochs must be 2 or more: the first epoch is not timed")
    command = shlex.join(["python", "benchmarks/fold_cost.py", *sys.argv[1:]])
    report = harness.Report("fold_cost", command, arguments.out)
    jobs = [{**parse_case(case), "train_images": arguments.train_images,
             "epochs": arguments.epochs} for case in arguments.cases]  # fmt: skip
    samples = harness.run_rounds(
        jobs, arguments.repeats,
        lambda job: harness.spawn(__file__, job, harness.worker_environment()),
        key=lambda job: (case_name(job),),
        describe=lambda job, s: (f"{case_name(job)}: {s['steady_images_per_second']:,.1f} "
                                 f"images/s, fold {s['predicted_fold_seconds'] / 60:.1f} min"),
    )  # fmt: skip
    rows = []
    for job in jobs:
        runs = samples[(case_name(job),)]
        good = next((run for run in runs if "error" not in run), {"errors": runs})
        rows.append({
            **good, "case": case_name(job), "model": job["model"],
            "images_per_second": harness.median_of(runs, "steady_images_per_second"),
            "predicted_fold_seconds": harness.median_of(runs, "predicted_fold_seconds"),
            "samples": [run.get("steady_images_per_second") for run in runs],
        })  # fmt: skip
    payload = {"schema_version": SCHEMA_VERSION, "repeats": arguments.repeats,
               "train_images": arguments.train_images, "epochs": arguments.epochs,
               "cases": rows}  # fmt: skip
    report.finish(payload, to_markdown)


def to_markdown(summary: dict) -> str:
    """The report as a Markdown page: the table, each fold time beside the first case's."""
    rows = summary["cases"]
    first = rows[0].get("predicted_fold_seconds") if rows else None
    lines = [
        "# One full-profile fold, side by side",
        "",
        harness.machine_line(summary),
        "",
        "| Case | Precision | Steps per call | Training images/s (steady) | Full epochs "
        f"| Predicted fold training (min) | Against {rows[0]['case'] if rows else '-'} |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        seconds = row.get("predicted_fold_seconds")
        if seconds is None:
            lines.append(f"| {row['case']} | failed | | | | | |")
            continue
        ratio = f"{seconds / first:.2f}x" if first else "-"
        lines.append(
            f"| {row['case']} | {row['precision']} | {row['steps_per_execution']} "
            f"| {harness.cell(row['images_per_second'], ',.1f')} | {row['full_epochs']} "
            f"| {seconds / 60:.1f} | {ratio} |"
        )
    lines += [
        "",
        f"Method: `fit_fold` on a fixed stratified subset of {summary['train_images']:,} "
        f"training images for {summary['epochs']} epochs with the model's full recipe, "
        "bench's precision and steps per call unless the case names a precision; the steady "
        "rate leaves the first epoch (tracing and compilation) out and predicts the training "
        "time of one full-profile fold (its epochs over the fold model's training images; "
        f"validation and predictions not included). Median of {summary['repeats']} round(s), "
        "each case its own process, the order rotating between rounds.",
        "",
        f"Reproduce: `{summary['command']}`",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
