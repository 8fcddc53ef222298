"""Training images/s of AlexNet and ResNet-34 at 28x28 through four paths, side by side.

- bench-tf: bench's own path, Keras 3 on TensorFlow with oneDNN, with the dtype policy, steps
  per execution and jit_compile that bench.train.devices picks here, compiled as
  bench.train.training does.
- keras-torch: the same Keras model and compile under KERAS_BACKEND=torch, float32 and
  mixed_bfloat16.
- torch-bf16: the layer-for-layer PyTorch twin (torch_reference.py), eager, channels_last
  memory, bfloat16 autocast, the recipe's optimizer (SGD with Nesterov momentum, or AdamW) and
  its decoupled weight decay.
- torch-fp32: the same network in float32.

Batch 256, random data and no augmentation layers: the network's training step only. Each
(case, model) is its own process, cases are interleaved in rounds whose starting case rotates,
and the median over rounds is reported, because this 2-core machine is shared and speeds drift.
A 2048x2048 matmul gives the CPU's bfloat16 and float32 peaks for context. Writes
cpu_side_by_side.{json,md} to --out (benchmarks/results). About 25 minutes with the defaults.

    python benchmarks/cpu_side_by_side.py [--seconds 20] [--repeats 3] [--models ...] [--paths ...]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
import shlex
import statistics
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import harness

from bench.models import all_models
from bench.train.devices import LIGHT_MODEL_FLOPS

HERE = Path(__file__).resolve().parent
SCHEMA_VERSION = 1
# The heavy models of the default set (the ones bench trains in bfloat16 on this CPU).
MODELS = tuple(s.name for s in all_models()
               if s.in_default_set and (s.forward_flops or 0) >= LIGHT_MODEL_FLOPS)  # fmt: skip
REFERENCE_CASE = "torch-bf16"
FOLD_TRAIN_IMAGES = 54_000  # a full-profile fold trains on nine tenths of the 60,000
BATCHES_OF_DATA = 8  # distinct random batches each worker cycles through
MATMUL_SIZE = 2048
MATMUL_SECONDS = 5.0  # per dtype, at most
TRAINING_FLOPS_PER_FORWARD = 3  # forward plus a backward pass that costs about two forwards


@dataclass(frozen=True)
class Case:
    """One way of training a model: which engine, Keras backend and precision."""

    name: str
    path: str  # the --paths choice that selects it
    engine: str  # "keras" (bench's model and compile) or "torch" (torch_reference.py)
    backend: str  # KERAS_BACKEND of the worker
    precision: str  # Keras dtype policy ("auto": bench's choice) or PyTorch compute dtype


CASES = (
    Case("bench-tf", "bench-tf", "keras", "tensorflow", "auto"),
    Case("keras-torch-fp32", "keras-torch", "keras", "torch", "float32"),
    Case("keras-torch-bf16", "keras-torch", "keras", "torch", "mixed_bfloat16"),
    Case("torch-bf16", "torch-bf16", "torch", "torch", "bfloat16"),
    Case("torch-fp32", "torch-fp32", "torch", "torch", "float32"),
)
CASES_BY_NAME = {case.name: case for case in CASES}
PATHS = tuple(dict.fromkeys(case.path for case in CASES))
MATMUL_CASE = Case("matmul-peak", "", "torch", "torch", "")


@dataclass(frozen=True)
class Row:
    """The medians of one (model, case) over the rounds, and what they are relative to."""

    model: str
    case: str
    precision: str
    parameters: int | None
    images_per_second: float | None  # median; None when every round failed
    ratio_to_reference: float | None  # over torch-bf16's median for the same model
    training_gflops: float | None  # images/s x 3 x documented forward FLOPs
    share_of_bfloat16_peak: float | None
    samples: list[dict]


def measure_keras(case: Case, job: dict) -> dict:
    """bench's model, dtype policy and compile, timed around ``model.fit`` (worker)."""
    from bench.train.devices import detect, prepare_environment

    prepare_environment()  # before Keras: oneDNN on under TensorFlow, as bench does
    import numpy as np
    import timing

    from bench.models import get_model
    from bench.recipes import Augmentation
    from bench.train.training import compile_for, steps_per_epoch

    spec = get_model(job["model"])
    recipe = replace(spec.full, batch_size=job["batch_size"],
                     augmentation=Augmentation())  # fmt: skip
    compiled = compile_for(spec, recipe, device=detect(case.precision), seed=0,
                           steps=steps_per_epoch(FOLD_TRAIN_IMAGES, recipe.batch_size))  # fmt: skip
    model, policy, spe = compiled.model, compiled.precision, compiled.steps_per_execution
    rng = np.random.default_rng(0)
    images = rng.random((recipe.batch_size * spe * BATCHES_OF_DATA, 28, 28, 1), dtype=np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, len(images))]
    rate, calls = timing.training_rate(
        model, images, labels, batch_size=recipe.batch_size, steps_per_execution=spe,
        seconds=job["seconds"], warmup_calls=math.ceil(job["warmup_steps"] / spe),
        epochs=1_000_000, shuffle=False,
    )  # fmt: skip
    return {
        "images_per_second": rate, "timed_steps": calls * spe, "precision": policy,
        "steps_per_execution": spe, "jit_compile": model.jit_compile,
        "parameters": model.count_params(), "forward_flops": spec.forward_flops,
        "threads": _threads(case.backend), "recipe": asdict(recipe),
    }  # fmt: skip


def measure_torch(case: Case, job: dict) -> dict:
    """The PyTorch twin in eager mode, timed around whole training steps (worker)."""
    import torch
    import torch_reference

    from bench.models import get_model  # Keras on its torch backend: TensorFlow stays out

    spec = get_model(job["model"])
    torch.manual_seed(0)
    network = torch_reference.NETWORKS[spec.name]().to(memory_format=torch.channels_last)
    train_step = torch_reference.training_step(
        network, spec.full, bfloat16=case.precision == "bfloat16"
    )
    batch = job["batch_size"]
    batches = [
        (torch.rand(batch, 1, 28, 28).contiguous(memory_format=torch.channels_last),
         torch.randint(0, 10, (batch,)))
        for _ in range(BATCHES_OF_DATA)
    ]  # fmt: skip
    for step in range(job["warmup_steps"]):
        train_step(*batches[step % BATCHES_OF_DATA])
    started, steps = time.perf_counter(), 0
    while steps < 3 or time.perf_counter() - started < job["seconds"]:
        train_step(*batches[steps % BATCHES_OF_DATA])
        steps += 1
    return {
        "images_per_second": batch * steps / (time.perf_counter() - started),
        "timed_steps": steps, "precision": case.precision,
        "parameters": torch_reference.comparable_parameter_count(network),
        "forward_flops": spec.forward_flops, "threads": torch.get_num_threads(),
    }  # fmt: skip


def measure_matmul_peak(job: dict) -> dict:
    """GFLOP/s of a square matmul in bfloat16 and float32 (worker): the CPU's ceiling."""
    import torch

    gflops = {}
    for dtype in (torch.bfloat16, torch.float32):
        a, b = (torch.randn(MATMUL_SIZE, MATMUL_SIZE).to(dtype) for _ in range(2))
        out = torch.empty(MATMUL_SIZE, MATMUL_SIZE, dtype=dtype)
        for _ in range(3):
            torch.mm(a, b, out=out)
        started, count = time.perf_counter(), 0
        while count < 3 or time.perf_counter() - started < job["seconds"]:
            torch.mm(a, b, out=out)
            count += 1
        seconds = time.perf_counter() - started
        gflops[str(dtype).removeprefix("torch.")] = 2 * MATMUL_SIZE**3 * count / seconds / 1e9
    return {"gflops": gflops, "threads": torch.get_num_threads()}


def _threads(backend: str) -> int | str:
    if backend == "torch":
        import torch

        return torch.get_num_threads()
    import tensorflow as tf

    return tf.config.threading.get_intra_op_parallelism_threads() or "one per core"


def run_worker(job: dict) -> dict:
    """Measure one job in this process (a fresh one: the backend is fixed at import)."""
    if job["case"] == MATMUL_CASE.name:
        return measure_matmul_peak(job)
    case = CASES_BY_NAME[job["case"]]
    return (measure_keras if case.engine == "keras" else measure_torch)(case, job)


def _spawn(job: dict) -> dict:
    """Run one job in a new process; bench's own default decides oneDNN."""
    case = CASES_BY_NAME.get(job["case"], MATMUL_CASE)
    env = harness.worker_environment(case.backend)
    env.pop("TF_ENABLE_ONEDNN_OPTS", None)
    return harness.spawn(__file__, job, env)


def run(arguments: argparse.Namespace) -> dict:
    """Every round runs each job once, in rotated order; returns the summary."""
    report = harness.Report("cpu_side_by_side", _command(arguments), arguments.out)
    report.machine["torch"] = importlib.metadata.version("torch")
    cases = [case for case in CASES if case.path in arguments.paths]
    common = {"batch_size": arguments.batch_size, "seconds": arguments.seconds,
              "warmup_steps": arguments.warmup_steps}  # fmt: skip
    jobs = [{"case": case.name, "model": model, **common}
            for model in arguments.models for case in cases]  # fmt: skip
    jobs.append({"case": MATMUL_CASE.name, "model": "",
                 "seconds": min(arguments.seconds, MATMUL_SECONDS)})  # fmt: skip
    samples = harness.run_rounds(jobs, arguments.repeats, _spawn,
                                 key=lambda job: (job["model"], job["case"]),
                                 describe=_progress)  # fmt: skip
    peaks = [s["gflops"] for s in samples[("", MATMUL_CASE.name)] if "gflops" in s]
    peak = {dtype: statistics.median(p[dtype] for p in peaks) for dtype in (peaks or [{}])[0]}
    rows = _rows(arguments.models, cases, samples, peak.get("bfloat16"))
    payload = {
        "schema_version": SCHEMA_VERSION,
        "settings": {
            **common,
            "repeats": arguments.repeats,
            "models": arguments.models,
            "cases": [asdict(case) for case in cases],
        },
        "matmul_peak_gflops": {"size": MATMUL_SIZE, **peak},
        "rows": [asdict(row) for row in rows],
    }
    return report.finish(payload, markdown)


def _rows(models, cases, samples, bfloat16_peak: float | None) -> list[Row]:
    medians = {}
    for key, runs in samples.items():
        rates = [run["images_per_second"] for run in runs if "images_per_second" in run]
        medians[key] = statistics.median(rates) if rates else None
    rows = []
    for model in models:
        reference = medians.get((model, REFERENCE_CASE))
        for case in cases:
            runs = samples[(model, case.name)]
            good = next((run for run in runs if "error" not in run), {})
            rate = medians[(model, case.name)]
            flops = rate and rate * TRAINING_FLOPS_PER_FORWARD * good["forward_flops"] / 1e9
            rows.append(Row(
                model=model, case=case.name, precision=good.get("precision", case.precision),
                parameters=good.get("parameters"), images_per_second=rate,
                ratio_to_reference=rate / reference if rate and reference else None,
                training_gflops=flops,
                share_of_bfloat16_peak=flops / bfloat16_peak if flops and bfloat16_peak else None,
                samples=runs,
            ))  # fmt: skip
    return rows


def _progress(job: dict, sample: dict) -> str:
    label = f"{job['model']} {job['case']}".strip()
    if "gflops" in sample:
        peaks = (f"{dtype} {gflops:,.0f} GFLOP/s" for dtype, gflops in sample["gflops"].items())
        return f"{label}: {', '.join(peaks)}"
    return f"{label}: {sample['images_per_second']:,.1f} training images/s"


def _command(arguments: argparse.Namespace) -> str:
    words = ["python", "benchmarks/cpu_side_by_side.py", "--seconds", f"{arguments.seconds:g}",
             "--repeats", str(arguments.repeats), "--batch-size", str(arguments.batch_size),
             "--warmup-steps", str(arguments.warmup_steps), "--models", *arguments.models,
             "--paths", *arguments.paths]  # fmt: skip
    if arguments.out.resolve() != (HERE / "results").resolve():
        words += ["--out", str(arguments.out)]
    return shlex.join(words)


def markdown(summary: dict) -> str:
    """The summary as a page: the set-up in words, one table, the command."""
    machine, settings = summary["machine"], summary["settings"]
    peak = summary["matmul_peak_gflops"]
    peaks = ", ".join(f"{dtype} {peak[dtype]:,.0f} GFLOP/s" for dtype in ("bfloat16", "float32")
                      if dtype in peak)  # fmt: skip
    lines = [
        "# The same networks, four ways: training images/s on this CPU",
        "",
        f"{harness.machine_line(summary)} PyTorch {machine['torch']}.",
        "",
        f"AlexNet and ResNet-34 at 28x28, batch {settings['batch_size']}, random data, **no "
        "augmentation layers** (bench's full recipes add random flips, shifts and erasing): the "
        "network's training step only. *bench-tf* is bench's own path (Keras on TensorFlow with "
        "oneDNN; bench's dtype policy, steps per execution and jit_compile for this CPU; its "
        "optimizer, loss and accuracy metric); *keras-torch* is the same Keras model and compile "
        "on the PyTorch backend; *torch-bf16* and *torch-fp32* are hand-written PyTorch twins "
        "(benchmarks/torch_reference.py: same layers and parameter count), eager, channels_last, "
        "each model's full-recipe optimizer (SGD with Nesterov momentum or AdamW) and decoupled "
        "weight decay, label-smoothed cross-entropy. "
        "Keras paths are timed around `model.fit` calls (its data adapter and metric included), "
        "PyTorch paths around whole steps (forward, loss, backward, update). Each number is the "
        f"median over {settings['repeats']} rounds of {settings['seconds']:g} s after "
        f"{settings['warmup_steps']} warm-up steps, every measurement in its own process and "
        "the order rotating between rounds. GFLOP/s is images/s x 3 x the model's documented "
        f"forward FLOPs. A {peak['size']}x{peak['size']} matmul in PyTorch reaches {peaks}.",
        "",
        "| model | path | precision | parameters | train images/s | vs torch-bf16 | GFLOP/s "
        "| of bf16 peak |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in summary["rows"]:
        parameters = f"{row['parameters']:,}" if row["parameters"] else "-"
        lines.append(
            f"| {row['model']} | {row['case']} | {row['precision']} | {parameters} | "
            f"{harness.cell(row['images_per_second'], ',.1f')} | "
            f"{harness.cell(row['ratio_to_reference'], '.2f')}x | "
            f"{harness.cell(row['training_gflops'], ',.0f')} | "
            f"{harness.cell(row['share_of_bfloat16_peak'], '.0%')} |"
        )
    lines += ["", f"Reproduce: `{summary['command']}`", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="timed seconds per case")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS))
    parser.add_argument("--batch-size", type=int, default=256, help="images per training step")
    parser.add_argument("--warmup-steps", type=int, default=3, help="untimed steps first")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="output folder")
    parser.add_argument(harness.WORKER_FLAG, metavar="JOB_JSON", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        print(json.dumps(run_worker(json.loads(arguments.worker))))
        return
    run(arguments)


if __name__ == "__main__":
    main()
