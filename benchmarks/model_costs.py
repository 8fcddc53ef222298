"""What each registered model costs: weights, forward FLOPs and training images/s on this machine.

Weights and FLOPs are counted on a freshly built model (``bench.models.summary``). Training
speed is bench's trainer itself: each model is trained by ``bench.train.training.fit_fold`` on a
fixed, stratified subset of the training images (timing.py), in float32 with one step per
compiled call and no augmentation so that the networks, not bench's per-model settings, are
compared; the figure is the steady rate ``fit_fold``'s epoch times give after the first epoch.
Each model is its own worker process, in rotating rounds (harness.py). Writes
model_costs.{json,md} to --out (benchmarks/results).

    python benchmarks/model_costs.py [--models lenet5 lstm] [--repeats 1] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import harness

SCHEMA_VERSION = 2
FLOPS_METHOD = (
    "Forward FLOPs per image, counted analytically from the layer shapes with a multiply-add "
    "as 2 FLOPs: convolution 2 x k_h x k_w x C_in x C_out x H_out x W_out; dense "
    "2 x inputs x outputs; LSTM 2 x 4 x (inputs + units) x units per time step, times 28 "
    "steps. Biases, activations, normalisation, pooling, residual additions, resizing and "
    "the LSTM's element-wise gate arithmetic are not counted (a few percent at most). "
    "A training step costs roughly 3 times the forward pass."
)


@dataclass(frozen=True)
class TimingPlan:
    """How much training one model's speed is measured over."""

    batch_size: int  # images per step
    train_images: int  # the fixed subset, one epoch
    epochs: int  # the first is tracing and compilation, left out of the steady rate


# 28x28 models train at batch 256; the light ones (under bench's LIGHT_MODEL_FLOPS) over more
# images, so that an epoch's fixed costs do not dominate. The 227x227 variants are 4 to 8 times
# more arithmetic per image and run at a few images per second on a small CPU: batch 32.
PLANS = {
    "28 px, light": TimingPlan(batch_size=256, train_images=16_384, epochs=3),
    "28 px": TimingPlan(batch_size=256, train_images=2048, epochs=3),
    "227 px": TimingPlan(batch_size=32, train_images=128, epochs=3),
}


def plan_for(spec) -> TimingPlan:
    from bench.train.devices import LIGHT_MODEL_FLOPS

    if spec.input_resolution != 28:
        return PLANS["227 px"]
    return PLANS["28 px, light" if (spec.forward_flops or 0) < LIGHT_MODEL_FLOPS else "28 px"]


def measure(job: dict) -> dict:
    """Size, FLOPs and ``fit_fold``'s training speed of one model (runs in a worker)."""
    from bench.train import devices

    devices.load_backend()
    from dataclasses import replace

    import numpy as np
    import timing

    from bench.models import get_model
    from bench.models.summary import count_parameters, forward_flops
    from bench.recipes import Augmentation

    spec = get_model(job["model"])
    plan = plan_for(spec)
    built = spec.build()
    counted = {
        "parameters": count_parameters(built),
        "trainable_parameters": int(sum(np.prod(v.shape) for v in built.trainable_variables)),
        "forward_flops": forward_flops(built),
    }
    # float32 and one step per call for every model: the costs compare the networks.
    float32 = devices.Device(backend="tensorflow", gpus=(), mixed_precision="float32")
    recipe = replace(spec.full, epochs=plan.epochs, batch_size=plan.batch_size,
                     augmentation=Augmentation())  # fmt: skip
    fold = timing.fixed_fold(plan.train_images, source=job["data"])
    return {**counted, **timing.fit_speed(spec, recipe, float32, fold)}


def main() -> None:
    from bench.models import all_models

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=[spec.name for spec in all_models()])
    parser.add_argument("--repeats", type=int, default=1, help="rotating rounds")
    parser.add_argument("--data", choices=("real", "random"), default="real")
    parser.add_argument("--out", type=Path, default=harness.RESULTS)
    parser.add_argument(harness.WORKER_FLAG, metavar="JOB_JSON", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        print(json.dumps(measure(json.loads(arguments.worker))))
        return
    command = shlex.join(["python", "benchmarks/model_costs.py", *sys.argv[1:]])
    report = harness.Report("model_costs", command, arguments.out)
    jobs = [{"model": name, "data": arguments.data} for name in arguments.models]
    samples = harness.run_rounds(
        jobs, arguments.repeats,
        lambda job: harness.spawn(__file__, job, harness.worker_environment()),
        key=lambda job: (job["model"],),
        describe=lambda job, s: f"{job['model']}: {s['steady_images_per_second']:,.1f} images/s",
    )  # fmt: skip
    names = {spec.name: spec for spec in all_models()}
    rows = []
    for name in arguments.models:
        runs = samples[(name,)]
        good = next((run for run in runs if "error" not in run), {"errors": runs})
        spec = names[name]
        rows.append({
            **good, "name": name, "display_name": spec.display_name,
            "input_resolution": spec.input_resolution,
            "images_per_second": harness.median_of(runs, "steady_images_per_second"),
            "recorded_images_per_second": harness.median_of(runs, "images_per_second"),
            "samples": [run.get("steady_images_per_second") for run in runs],
        })  # fmt: skip
    method = (
        "bench.train.training.fit_fold on a fixed stratified subset of the training images, "
        "float32, one step per compiled call, the full recipe's optimizer without augmentation; "
        "images/s is the steady rate from fit_fold's epoch seconds after the first epoch "
        "(recorded: fit_fold's own figure over every epoch). "
        + "; ".join(
            f"{kind}: batch {p.batch_size}, {p.train_images} images, {p.epochs} epochs"
            for kind, p in PLANS.items()
        )  # fmt: skip
        + "."
    )
    payload = {"schema_version": SCHEMA_VERSION, "repeats": arguments.repeats,
               "method": {"flops": FLOPS_METHOD, "throughput": method}, "models": rows}  # fmt: skip
    report.finish(payload, to_markdown)


def to_markdown(summary: dict) -> str:
    """The report as a Markdown page: the table, then how it was measured."""
    lines = [
        "# Model costs",
        "",
        harness.machine_line(summary),
        "",
        "| Model | Input | Parameters | Forward MFLOPs / image | Batch | Training images/s "
        "(steady) | fit_fold's figure (first epoch included) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in summary["models"]:
        if "parameters" not in row:
            lines.append(f"| {row['display_name']} | {row['input_resolution']} px | failed |"
                         " | | | |")  # fmt: skip
            continue
        lines.append(
            f"| {row['display_name']} | {row['input_resolution']} px | {row['parameters']:,} "
            f"| {row['forward_flops'] / 1e6:,.1f} | {row['batch_size']} "
            f"| {harness.cell(row['images_per_second'], ',.1f')} "
            f"| {harness.cell(row['recorded_images_per_second'], ',.1f')} |"
        )
    lines += [
        "",
        "Parameters include batch-normalisation moving statistics (non-trainable).",
        "",
        "## Method",
        "",
        f"- FLOPs: {summary['method']['flops']}",
        f"- Throughput: {summary['method']['throughput']} Median of {summary['repeats']} "
        "round(s), each model its own process.",
        "",
        f"Reproduce: `{summary['command']}`",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
