"""Training throughput of bench's pipeline against the 2021 write-up's, same machine, same run.

bench: the native 28x28 models with the full recipe's batch size, optimizer and augmentation,
oneDNN on, and the precision and steps per execution `bench train` picks on this machine.
2021: its architectures at 227x227 (`alexnet-227`, `resnet34-227`; LeNet-5 and the
LSTM were already native), batch 32, Adam, TensorFlow's default settings. An experiment, run
once for the comparison, not a benchmark kept current. Each measurement runs in its own process
(oneDNN is fixed at TensorFlow's import) and trains through bench's trainer,
``bench.train.training.fit_fold``, on a fixed subset of the training images (benchmarks/timing.py);
the figure is the steady rate from its epoch seconds after the first epoch (tracing,
compilation). Writes experiments/results/throughput.{json,md} (or to --out).

    python experiments/throughput.py [--repeats 1] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "benchmarks"))  # the harness

import harness  # noqa: E402

EPOCHS = 3  # the first is the warm-up
TRAIN_IMAGES = {28: 4096, 227: 128}  # per epoch, by the resolution the network computes at
PAIRS = (  # (model, bench's model, the 2021 pipeline's model)
    ("lenet5", "lenet5", "lenet5"),
    ("lstm", "lstm", "lstm"),
    ("alexnet", "alexnet", "alexnet-227"),
    ("resnet34", "resnet34", "resnet34-227"),
)


def measure(job: dict) -> dict:
    """fit_fold's steady training images/s of one model under one pipeline (runs in a worker)."""
    from bench.train import devices

    devices.load_backend()
    from dataclasses import replace

    import timing

    from bench.models import get_model
    from bench.recipes import RECIPE_2021

    spec = get_model(job["model"])
    if job["pipeline"] == "bench":  # exactly what `bench train` trains, augmentation included
        recipe, device = replace(spec.full, epochs=EPOCHS), devices.detect()
    else:  # the 2021 pipeline: Adam at 1e-3 (AdamW without decay), batch 32, float32
        recipe = replace(RECIPE_2021, epochs=EPOCHS)
        device = devices.Device(backend="tensorflow", gpus=(), mixed_precision="float32")
    fold = timing.fixed_fold(TRAIN_IMAGES[spec.input_resolution])
    speed = timing.fit_speed(spec, recipe, device, fold)
    return {**speed, "model": spec.name, "images_per_second": speed["steady_images_per_second"],
            "recorded_images_per_second": speed["images_per_second"]}  # fmt: skip


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
    parser.add_argument("--repeats", type=int, default=1, help="interleaved rounds")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--models", nargs="+", choices=[pair[0] for pair in PAIRS],
                        default=[pair[0] for pair in PAIRS])  # fmt: skip
    parser.add_argument(harness.WORKER_FLAG, metavar="JOB_JSON", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        print(json.dumps(measure(json.loads(arguments.worker))))
        return
    command = shlex.join(["python", "experiments/throughput.py", *sys.argv[1:]])
    report = harness.Report("throughput", command, arguments.out)
    jobs = [{"model": model, "pipeline": pipeline}
            for name, bench_model, baseline_model in PAIRS if name in arguments.models
            for model, pipeline in ((bench_model, "bench"), (baseline_model, "2021"))]  # fmt: skip
    samples = harness.run_rounds(jobs, arguments.repeats, _spawn,
                                 key=lambda job: (job["model"], job["pipeline"]),
                                 describe=_describe)  # fmt: skip
    rows = []
    for name, bench_model, baseline_model in PAIRS:
        if name not in arguments.models:
            continue
        bench = _median_sample(samples[(bench_model, "bench")])
        baseline = _median_sample(samples[(baseline_model, "2021")])
        rate, base_rate = bench["images_per_second"], baseline["images_per_second"]
        ratio = rate / base_rate if rate and base_rate else None
        rows.append({"model": name, "bench": bench, "2021": baseline, "ratio": ratio})
    report.finish({"repeats": arguments.repeats, "timed": "fit_fold", "rows": rows}, _markdown)


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
        "model for AlexNet and ResNet-34), batch 32, Adam, TensorFlow defaults. Both trained by "
        f"`fit_fold` for {EPOCHS} epochs over {TRAIN_IMAGES[28]:,} training images "
        f"({TRAIN_IMAGES[227]:,} at 227 px); steady state: images/s over the epochs after the "
        "first, from the epoch seconds fit_fold records.",
        "",
        f"Reproduce: `{summary['command']}`",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
