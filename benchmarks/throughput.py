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
import os
import subprocess
import sys
from pathlib import Path

import host
import timing

HERE = Path(__file__).parent
WARMUP_STEPS = 3
PAIRS = (  # (model, bench's model, the 2021 pipeline's model)
    ("lenet5", "lenet5", "lenet5"),
    ("lstm", "lstm", "lstm"),
    ("alexnet", "alexnet", "alexnet-227"),
    ("resnet34", "resnet34", "resnet34-227"),
)


def measure(model_name: str, pipeline: str, seconds: float) -> dict:
    """Steady-state training images/s of one model under one pipeline (runs in a worker)."""
    import keras
    import numpy as np

    from bench import devices
    from bench.models import get_model
    from bench.training import compile_for

    spec = get_model(model_name)
    keras.utils.set_random_seed(0)
    policy, steps_per_execution = "float32", 1
    if pipeline == "bench":  # exactly what `bench train` compiles, augmentation included
        compiled = compile_for(spec, spec.full, device=devices.detect(), seed=0, steps=100,
                               metrics_=())  # fmt: skip
        model, batch = compiled.model, spec.full.batch_size
        policy, steps_per_execution = compiled.precision, compiled.steps_per_execution
    else:  # the 2021 pipeline: Adam at 1e-3, batch 32, float32
        batch = 32
        model = spec.build()
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        )
    rng = np.random.default_rng(0)
    steps = 4000 if spec.input_resolution == 28 else 200
    images = rng.random((batch * min(steps, 64), 28, 28, 1), dtype=np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, len(images))]

    images_per_second, calls = timing.training_rate(
        model, images, labels, batch_size=batch, steps_per_execution=steps_per_execution,
        seconds=seconds, warmup_calls=WARMUP_STEPS, epochs=steps // 64 + 1, shuffle=False,
    )  # fmt: skip
    return {"model": spec.name, "batch_size": batch, "steps_timed": calls,
            "precision": policy, "steps_per_execution": steps_per_execution,
            "images_per_second": images_per_second}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="timed seconds per entry")
    parser.add_argument("--worker", nargs=2, metavar=("MODEL", "PIPELINE"))
    arguments = parser.parse_args()
    if arguments.worker:
        model_name, pipeline = arguments.worker
        print(json.dumps(measure(model_name, pipeline, arguments.seconds)))
        return

    rows = []
    for name, bench_model, baseline_model in PAIRS:
        bench = _run_worker(bench_model, "bench", arguments.seconds, onednn=True)
        baseline = _run_worker(baseline_model, "2021", arguments.seconds, onednn=None)
        ratio = bench["images_per_second"] / baseline["images_per_second"]
        rows.append({"model": name, "bench": bench, "2021": baseline, "ratio": ratio})
        print(f"{name}: bench {bench['images_per_second']:.0f} images/s, 2021 "
              f"{baseline['images_per_second']:.1f} images/s, {rows[-1]['ratio']:.1f}x",
              flush=True)  # fmt: skip
    summary = {
        "command": "python benchmarks/throughput.py --seconds " + f"{arguments.seconds:g}",
        "machine": host.describe(),
        "rows": rows,
    }
    out = HERE / "results" / "throughput"
    out.with_suffix(".json").write_text(json.dumps(summary, indent=1) + "\n")
    out.with_suffix(".md").write_text(_markdown(summary))


def _run_worker(model: str, pipeline: str, seconds: float, onednn: bool | None) -> dict:
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2",
           "PYTHONPATH": str(HERE.parent)}  # fmt: skip
    env.pop("TF_ENABLE_ONEDNN_OPTS", None)
    if onednn:
        env["TF_ENABLE_ONEDNN_OPTS"] = "1"
    command = [
        sys.executable,
        __file__,
        "--seconds",
        str(seconds),
        "--worker",
        model,
        pipeline,
    ]
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(finished.stdout.strip().splitlines()[-1])


def _markdown(summary: dict) -> str:
    machine = summary["machine"]
    lines = [
        "# Training throughput: bench's pipeline vs the 2021 write-up's",
        "",
        f"{host.summary_line(machine)}; load average at the end {machine['load_average'][0]:.1f}.",
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
            f"{bench['images_per_second']:,.0f} | {baseline['model']}, {baseline['batch_size']} | "
            f"{baseline['images_per_second']:,.1f} | {row['ratio']:.1f}x |"
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
