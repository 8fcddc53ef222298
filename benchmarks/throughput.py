"""Training throughput of bench's pipeline against the 2021 write-up's, same machine, same run.

bench: the native 28x28 models with the full recipe's batch size, optimizer and augmentation,
oneDNN on, and the precision and steps per execution `bench train` picks on this machine.
2021: its architectures at 227x227 (`alexnet-227`, `resnet34-227`; LeNet-5 and the
LSTM were already native), batch 32, Adam, TensorFlow's default settings. Each measurement runs
in its own process (oneDNN is fixed at TensorFlow's import), times `fit` batch by batch on
random data and reports the steady state: images/s over the compiled calls after the first
``WARMUP_STEPS`` (compilation, allocation). Writes benchmarks/results/throughput.{json,md}.

    python benchmarks/throughput.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import json

import harness
import timing

WARMUP_STEPS = 3
PAIRS = (  # (model, bench's model, the 2021 pipeline's model)
    ("lenet5", "lenet5", "lenet5"),
    ("lstm", "lstm", "lstm"),
    ("alexnet", "alexnet", "alexnet-227"),
    ("resnet34", "resnet34", "resnet34-227"),
)


def measure(job: dict) -> dict:
    """Steady-state training images/s of one model under one pipeline (runs in a worker)."""
    from dataclasses import replace

    import numpy as np

    from bench.models import get_model
    from bench.recipes import RECIPE_2021
    from bench.train import devices
    from bench.train.training import compile_for

    spec = get_model(job["model"])
    if job["pipeline"] == "bench":  # exactly what `bench train` compiles, augmentation included
        compiled = compile_for(spec, spec.full, device=devices.detect(), seed=0, steps=100,
                               metrics_=())  # fmt: skip
    else:  # the 2021 pipeline: Adam at 1e-3 (AdamW without decay), batch 32, float32
        float32 = devices.Device(backend="tensorflow", gpus=(), mixed_precision="float32")
        compiled = compile_for(spec, replace(RECIPE_2021, epochs=1), device=float32, seed=0,
                               steps=100, metrics_=(), steps_per_execution=1)  # fmt: skip
    model, policy = compiled.model, compiled.precision
    steps_per_execution = compiled.steps_per_execution
    batch = spec.full.batch_size if job["pipeline"] == "bench" else RECIPE_2021.batch_size
    rng = np.random.default_rng(0)
    steps = 4000 if spec.input_resolution == 28 else 200
    images = rng.random((batch * min(steps, 64), 28, 28, 1), dtype=np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, len(images))]

    images_per_second, calls = timing.training_rate(
        model, images, labels, batch_size=batch, steps_per_execution=steps_per_execution,
        seconds=job["seconds"], warmup_calls=WARMUP_STEPS, epochs=steps // 64 + 1, shuffle=False,
    )  # fmt: skip
    return {"model": spec.name, "batch_size": batch, "steps_timed": calls,
            "precision": policy, "steps_per_execution": steps_per_execution,
            "images_per_second": images_per_second}  # fmt: skip


def _spawn(job: dict) -> dict:
    """bench runs with oneDNN on (its own setting); the 2021 pipeline with TensorFlow's default."""
    env = harness.worker_environment()
    env.pop("TF_ENABLE_ONEDNN_OPTS", None)
    if job["pipeline"] == "bench":
        env["TF_ENABLE_ONEDNN_OPTS"] = "1"
    return harness.spawn(__file__, job, env)


def _describe(job: dict, sample: dict) -> str:
    return f"{job['model']} ({job['pipeline']}): {sample['images_per_second']:,.1f} images/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="timed seconds per entry")
    parser.add_argument("--repeats", type=int, default=1, help="interleaved rounds")
    parser.add_argument(harness.WORKER_FLAG, metavar="JOB_JSON", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        print(json.dumps(measure(json.loads(arguments.worker))))
        return
    command = (f"python benchmarks/throughput.py --seconds {arguments.seconds:g} "
               f"--repeats {arguments.repeats}")  # fmt: skip
    report = harness.Report("throughput", command)
    jobs = [{"model": model, "pipeline": pipeline, "seconds": arguments.seconds}
            for _, bench_model, baseline_model in PAIRS
            for model, pipeline in ((bench_model, "bench"), (baseline_model, "2021"))]  # fmt: skip
    samples = harness.run_rounds(jobs, arguments.repeats, _spawn,
                                 key=lambda job: (job["model"], job["pipeline"]),
                                 describe=_describe)  # fmt: skip
    rows = []
    for name, bench_model, baseline_model in PAIRS:
        bench = _median_sample(samples[(bench_model, "bench")])
        baseline = _median_sample(samples[(baseline_model, "2021")])
        rate, base_rate = bench["images_per_second"], baseline["images_per_second"]
        ratio = rate / base_rate if rate and base_rate else None
        rows.append({"model": name, "bench": bench, "2021": baseline, "ratio": ratio})
    report.finish({"repeats": arguments.repeats, "rows": rows}, _markdown)


def _median_sample(runs: list[dict]) -> dict:
    """The first good run's settings with the median images/s over the rounds."""
    good = next((run for run in runs if "error" not in run), {"errors": runs})
    return {**good, "images_per_second": harness.median_of(runs, "images_per_second")}


def _markdown(summary: dict) -> str:
    lines = [
        "# Training throughput: bench's pipeline vs the 2021 write-up's",
        "",
        harness.machine_line(summary),
        "",
        "| model | bench: model, batch, precision, steps/execution | images/s "
        "| 2021: model, batch | images/s | ratio |",
        "|---|---|---:|---|---:|---:|",
    ]
    for row in summary["rows"]:
        bench, baseline = row["bench"], row["2021"]
        lines.append(
            f"| {row['model']} | {bench['model']}, {bench['batch_size']}, "
            f"{bench.get('precision', 'float32')}, {bench.get('steps_per_execution', 1)} | "
            f"{harness.cell(bench['images_per_second'], ',.0f')} | {baseline['model']}, "
            f"{baseline['batch_size']} | {harness.cell(baseline['images_per_second'], ',.1f')} | "
            f"{harness.cell(row['ratio'], '.1f')}x |"
        )
    lines += [
        "",
        "bench: native 28x28 models, the full recipe's batch size, optimizer and augmentation, "
        "`TF_ENABLE_ONEDNN_OPTS=1`, the precision and steps per execution `bench train` picks "
        "on this machine. 2021: the write-up's architectures (227x227 inside the "
        "model for AlexNet and ResNet-34), batch 32, Adam, TensorFlow defaults. Steady state: "
        f"images/s after the first {WARMUP_STEPS} compiled calls (batches, or groups of "
        "batches where several run per call).",
        "",
        f"Reproduce: `{summary['command']}`",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
