"""Training images/s of AlexNet and ResNet-34 at 28x28 through four paths, side by side.

- bench-tf: bench's own trainer, ``bench.train.training.fit_fold`` (Keras 3 on TensorFlow with
  oneDNN, the dtype policy, steps per execution and jit_compile that bench.train.devices picks
  here), timed by the epoch seconds it records (timing.py).
- keras-torch: the same ``fit_fold`` under KERAS_BACKEND=torch, float32 and mixed_bfloat16.
- torch-bf16: the layer-for-layer PyTorch twin (torch_reference.py), eager, channels_last
  memory, bfloat16 autocast, the recipe's optimizer (SGD with Nesterov momentum, or AdamW) and
  its decoupled weight decay.
- torch-fp32: the same network in float32.

Every path trains the same fixed subset of the training images (--train-images, stratified,
seed 0) for --epochs epochs at batch 256 without augmentation layers (the network's training
step only); the first epoch is the warm-up and the rate is over the others. Each (case, model)
is its own process, cases are interleaved in rounds whose starting case rotates, and the median
over rounds is reported, because this 2-core machine is shared and speeds drift (harness.py).
A 2048x2048 matmul gives the CPU's bfloat16 and float32 peaks for context. Writes
cpu_side_by_side.{json,md} to --out (benchmarks/results). About 25 minutes with the defaults.

    python benchmarks/cpu_side_by_side.py [--train-images 1024] [--epochs 3] [--repeats 3]
        [--models ...] [--paths ...]
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import harness

from bench.models import all_models
from bench.train.devices import LIGHT_MODEL_FLOPS

HERE = Path(__file__).resolve().parent
SCHEMA_VERSION = 2  # 2: Keras paths timed through fit_fold, every path over the same images
# The heavy models of the default set (the ones bench trains in bfloat16 on this CPU).
MODELS = tuple(s.name for s in all_models()
               if s.in_default_set and (s.forward_flops or 0) >= LIGHT_MODEL_FLOPS)  # fmt: skip
REFERENCE_CASE = "torch-bf16"
MATMUL_SIZE = 2048
MATMUL_SECONDS = 5.0  # per dtype
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
    """bench's trainer, ``fit_fold``, on the fixed subset; its recorded epoch seconds (worker)."""
    from bench.train.devices import detect, load_backend

    load_backend()  # before Keras: oneDNN on under TensorFlow, as bench does
    import timing

    from bench.models import get_model
    from bench.recipes import Augmentation

    spec = get_model(job["model"])
    recipe = replace(spec.full, epochs=job["epochs"], batch_size=job["batch_size"],
                     augmentation=Augmentation())  # fmt: skip
    fold = timing.fixed_fold(job["train_images"])
    speed = timing.fit_speed(spec, recipe, detect(case.precision), fold)
    return {**speed, "images_per_second": speed["steady_images_per_second"],
            "recorded_images_per_second": speed["images_per_second"],
            "forward_flops": spec.forward_flops, "threads": _threads(case.backend)}  # fmt: skip


def measure_torch(case: Case, job: dict) -> dict:
    """The PyTorch twin in eager mode over the same images, timed per epoch (worker)."""
    import timing
    import torch
    import torch_reference

    from bench.models import get_model  # Keras on its torch backend: TensorFlow stays out

    spec = get_model(job["model"])
    fold = timing.fixed_fold(job["train_images"])
    torch.manual_seed(0)
    network = torch_reference.NETWORKS[spec.name]().to(memory_format=torch.channels_last)
    train_step = torch_reference.training_step(
        network, spec.full, bfloat16=case.precision == "bfloat16"
    )
    images = torch.from_numpy(fold.train_x).permute(0, 3, 1, 2)  # NHWC -> NCHW
    labels = torch.from_numpy(fold.train_y)
    batch = job["batch_size"]
    batches = [
        (images[start : start + batch].contiguous(memory_format=torch.channels_last),
         labels[start : start + batch])
        for start in range(0, len(labels), batch)
    ]  # fmt: skip
    epoch_seconds = []
    for _ in range(job["epochs"]):
        started = time.perf_counter()
        for batch_images, batch_labels in batches:
            train_step(batch_images, batch_labels)
        epoch_seconds.append(time.perf_counter() - started)
    timed = epoch_seconds[1:]
    return {
        "images_per_second": len(labels) * len(timed) / sum(timed) if timed else None,
        "epoch_seconds": epoch_seconds, "train_images": len(labels), "precision": case.precision,
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
        while count < 3 or time.perf_counter() - started < MATMUL_SECONDS:
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
    cases = [case for case in CASES if case.path in arguments.paths]
    common = {"batch_size": arguments.batch_size, "train_images": arguments.train_images,
              "epochs": arguments.epochs}  # fmt: skip
    jobs = [{"case": case.name, "model": model, **common}
            for model in arguments.models for case in cases]  # fmt: skip
    jobs.append({"case": MATMUL_CASE.name, "model": ""})
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
            "timed": "fit_fold (Keras paths); whole eager epochs (PyTorch paths)",
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
    words = ["python", "benchmarks/cpu_side_by_side.py", "--train-images",
             str(arguments.train_images), "--epochs", str(arguments.epochs), "--repeats",
             str(arguments.repeats), "--batch-size", str(arguments.batch_size), "--models",
             *arguments.models, "--paths", *arguments.paths]  # fmt: skip
    if arguments.out.resolve() != (HERE / "results").resolve():
        words += ["--out", str(arguments.out)]
    return shlex.join(words)


def markdown(summary: dict) -> str:
    """The summary as a page: the set-up in words, one table, the command."""
    settings = summary["settings"]
    peak = summary["matmul_peak_gflops"]
    peaks = ", ".join(f"{dtype} {peak[dtype]:,.0f} GFLOP/s" for dtype in ("bfloat16", "float32")
                      if dtype in peak)  # fmt: skip
    lines = [
        "# The same networks, four ways: training images/s on this CPU",
        "",
        harness.machine_line(summary),
        "",
        f"AlexNet and ResNet-34 at 28x28, batch {settings['batch_size']}, "
        f"{settings['train_images']:,} training images for {settings['epochs']} epochs (the "
        "first is the warm-up), **no augmentation layers** (bench's full recipes add random "
        "flips and shifts): the network's training step only. *bench-tf* is bench's own "
        "trainer, `fit_fold` (Keras on TensorFlow with oneDNN; bench's dtype policy, steps per "
        "execution and jit_compile for this CPU; its optimizer, loss and accuracy metric); "
        "*keras-torch* is the same `fit_fold` on the PyTorch backend; *torch-bf16* and "
        "*torch-fp32* are hand-written PyTorch twins "
        "(benchmarks/torch_reference.py: same layers and parameter count), eager, channels_last, "
        "each model's full-recipe optimizer (SGD with Nesterov momentum or AdamW) and decoupled "
        "weight decay, label-smoothed cross-entropy. "
        "Keras paths are timed by the epoch seconds `fit_fold` records (its data adapter and "
        "metric included, validation excluded), PyTorch paths around whole epochs of steps "
        "(forward, loss, backward, update). Each number is the "
        f"median over {settings['repeats']} rounds, every measurement in its own process and "
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
    parser.add_argument("--train-images", type=int, default=1024, help="fixed subset size")
    parser.add_argument("--epochs", type=int, default=3, help="epochs, the first untimed")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS))
    parser.add_argument("--batch-size", type=int, default=256, help="images per training step")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="output folder")
    parser.add_argument(harness.WORKER_FLAG, metavar="JOB_JSON", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        print(json.dumps(run_worker(json.loads(arguments.worker))))
        return
    run(arguments)


if __name__ == "__main__":
    main()
