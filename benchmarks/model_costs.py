"""Measure what each registered model costs: weights, forward FLOPs and CPU training speed.

Writes ``benchmarks/results/model_costs.json`` (versioned, with machine and versions) and
``model_costs.md`` (the same as a table). Training throughput is measured with the
TensorFlow backend on random data, timing ``train_on_batch`` after warm-up steps.

    python benchmarks/model_costs.py [--models lenet5 lstm] [--output-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import sys
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

# Both must be set before Keras (and so TensorFlow) is imported.
os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import bench  # noqa: E402
from bench.models import all_models, get_model  # noqa: E402
from bench.models.summary import count_parameters, forward_flops  # noqa: E402
from bench.recipes import Augmentation  # noqa: E402
from bench.train.devices import Device  # noqa: E402
from bench.train.training import compile_for  # noqa: E402

SCHEMA_VERSION = 1
# Every model in float32 on the CPU, whatever bench would pick: the costs compare the networks.
FLOAT32_CPU = Device(backend="tensorflow", gpus=(), mixed_precision="float32")
RESULTS_DIR = Path(__file__).resolve().parent / "results"

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
    """How one model's training speed is measured."""

    batch_size: int  # images per step
    warmup_steps: int  # untimed: tracing the tf.function and first-touch allocation
    min_timed_steps: int
    max_timed_steps: int
    target_seconds: float  # stop timing once this much has elapsed and min steps are done


# 28x28 models train at batch 256. The 227x227 variants are 4 to 8 times more arithmetic
# per image and run at a few images per second on a small CPU, so they use batch 32.
PLANS = {
    28: TimingPlan(batch_size=256, warmup_steps=2, min_timed_steps=2, max_timed_steps=200,
                   target_seconds=10.0),
    227: TimingPlan(batch_size=32, warmup_steps=1, min_timed_steps=2, max_timed_steps=10,
                    target_seconds=15.0),
}  # fmt: skip


@dataclass(frozen=True)
class ModelCost:
    """One model's measured costs (one row of the results)."""

    name: str
    display_name: str
    input_resolution: int
    parameters: int
    trainable_parameters: int
    forward_flops: int
    batch_size: int
    warmup_steps: int
    step_seconds: list[float]  # each timed step, in order
    images_per_second: float  # timed images / timed seconds
    images_per_second_stdev: float  # spread of the per-step rates


def measure_training_speed(model: keras.Model, plan: TimingPlan, seed: int = 0) -> list[float]:
    """Seconds per ``train_on_batch`` step on random data, after ``plan.warmup_steps``; the
    model comes compiled by ``bench.train.training.compile_for``."""
    rng = np.random.default_rng(seed)
    images = rng.random((plan.batch_size, 28, 28, 1), dtype=np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, size=plan.batch_size)]
    for _ in range(plan.warmup_steps):
        model.train_on_batch(images, labels)
    step_seconds: list[float] = []
    started = time.perf_counter()
    while len(step_seconds) < plan.max_timed_steps:
        enough_steps = len(step_seconds) >= plan.min_timed_steps
        if enough_steps and time.perf_counter() - started >= plan.target_seconds:
            break
        step_started = time.perf_counter()
        model.train_on_batch(images, labels)
        step_seconds.append(time.perf_counter() - step_started)
    return step_seconds


def measure_model(name: str) -> ModelCost:
    """Build ``name`` fresh, compiled as ``bench train`` compiles it but in float32, one step
    per call and without augmentation, and measure its size, FLOPs and training speed."""
    spec = get_model(name)
    plan = PLANS[spec.input_resolution]
    recipe = replace(spec.full, batch_size=plan.batch_size, augmentation=Augmentation())
    compiled = compile_for(spec, recipe, device=FLOAT32_CPU, seed=0, steps=100,
                           metrics_=(), steps_per_execution=1)  # fmt: skip
    model = compiled.base
    step_seconds = measure_training_speed(compiled.model, plan)
    rates = [plan.batch_size / seconds for seconds in step_seconds]
    cost = ModelCost(
        name=spec.name,
        display_name=spec.display_name,
        input_resolution=spec.input_resolution,
        parameters=count_parameters(model),
        trainable_parameters=int(sum(np.prod(v.shape) for v in model.trainable_variables)),
        forward_flops=forward_flops(model),
        batch_size=plan.batch_size,
        warmup_steps=plan.warmup_steps,
        step_seconds=[round(seconds, 4) for seconds in step_seconds],
        images_per_second=plan.batch_size * len(step_seconds) / sum(step_seconds),
        images_per_second_stdev=statistics.stdev(rates) if len(rates) > 1 else 0.0,
    )
    keras.backend.clear_session()
    return cost


def machine() -> dict:
    """CPU model, core counts and memory of the machine the numbers come from."""
    cpuinfo = Path("/proc/cpuinfo")
    models = []
    if cpuinfo.exists():
        models = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
    memory_gib = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kib = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory_gib = round(total_kib / 2**20, 1)
    return {
        "cpu_model": models[0] if models else platform.processor(),
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gib": memory_gib,
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
        "platform": platform.platform(),
    }


def environment() -> dict:
    return {
        "python": platform.python_version(),
        "bench": bench.__version__,
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "numpy": np.__version__,
        "keras_backend": keras.backend.backend(),
        "TF_ENABLE_ONEDNN_OPTS": os.environ["TF_ENABLE_ONEDNN_OPTS"],
        "jit_compile": "auto (XLA off on CPU)",
    }


def to_markdown(report: dict) -> str:
    """The report as a Markdown page: the table, then how it was measured."""
    lines = [
        "# Model costs",
        "",
        "| Model | Input | Parameters | Forward MFLOPs / image | Batch | Training images/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in report["models"]:
        lines.append(
            f"| {row['display_name']} | {row['input_resolution']} px | {row['parameters']:,} "
            f"| {row['forward_flops'] / 1e6:,.1f} | {row['batch_size']} "
            f"| {row['images_per_second']:,.1f} ± {row['images_per_second_stdev']:,.1f} "
            f"({len(row['step_seconds'])} steps) |"
        )
    host, env = report["machine"], report["environment"]
    lines += [
        "",
        "Parameters include batch-normalisation moving statistics (non-trainable).",
        "",
        "## Method",
        "",
        f"- FLOPs: {report['method']['flops']}",
        f"- Throughput: {report['method']['throughput']}",
        "",
        "## Machine and versions",
        "",
        f"- CPU: {host['cpu_model']}, {host['usable_cores']} usable of {host['logical_cores']} "
        f"logical cores, {host['memory_gib']} GiB memory; load average at start "
        f"{host['load_average_at_start']} (the machine was shared, so treat speeds as rough).",
        f"- Python {env['python']}, Keras {env['keras']}, TensorFlow {env['tensorflow']}, "
        f"NumPy {env['numpy']}; backend {env['keras_backend']}, "
        f"TF_ENABLE_ONEDNN_OPTS={env['TF_ENABLE_ONEDNN_OPTS']}, jit_compile {env['jit_compile']}.",
        f"- Generated {report['created']} by `{report['command']}` "
        f"in {report['total_seconds']:.0f} s.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=[spec.name for spec in all_models()])
    parser.add_argument("--output-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    costs = []
    for name in args.models:
        cost = measure_model(name)
        print(f"{name}: {cost.images_per_second:,.1f} images/s", file=sys.stderr)
        costs.append(asdict(cost))
    report = {
        "schema_version": SCHEMA_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": shlex.join([os.path.relpath(sys.executable), *sys.argv]),
        "machine": machine(),
        "environment": environment(),
        "method": {
            "flops": FLOPS_METHOD,
            "throughput": (
                "train_on_batch with the full recipe's optimizer and loss, compiled by "
                "bench.train.training.compile_for in float32, on one fixed batch of random images, "
                "timed per step with time.perf_counter after untimed warm-up steps; images/s "
                "is timed images over timed seconds, ± the standard deviation of the per-step "
                "rates. Batch and step counts: "
                + "; ".join(
                    f"{res} px: batch {p.batch_size}, {p.warmup_steps} warm-up, "
                    f"{p.min_timed_steps}-{p.max_timed_steps} timed steps, "
                    f"stopping after {p.target_seconds:g} s"
                    for res, p in PLANS.items()
                )
                + "."
            ),
        },
        "models": costs,
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / "model_costs.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.output_dir / "model_costs.md").write_text(to_markdown(report))
    return report


if __name__ == "__main__":
    main()
