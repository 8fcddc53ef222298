"""Is the input pipeline a bottleneck? Training images/s of a model that does almost nothing.

`bench` feeds `fit` numpy arrays (Keras batches and shuffles them; no tf.data, so every backend
runs the same code). A linear classifier (flatten, one dense layer) trained from the same arrays,
batch size and optimizer as LeNet-5 costs next to nothing per image, so its images/s is the
ceiling the pipeline and the per-step overhead allow; LeNet-5's own rate is measured beside it.
Each rate is one worker process with TensorFlow and oneDNN, at 1 and 16 steps per execution,
over whole epochs of 60,000 random images after one warm-up epoch; the cases are interleaved
and repeated, and the median is reported (this machine is shared and its speed drifts). Writes
benchmarks/results/input_pipeline.{json,md}.

    python benchmarks/input_pipeline.py [--epochs 3] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import host

HERE = Path(__file__).parent
IMAGES = 60_000
CASES = (("linear", 1), ("linear", 16), ("lenet5", 1), ("lenet5", 16))


def measure(model_name: str, steps_per_execution: int, epochs: int) -> dict:
    """Images/s over ``epochs`` timed epochs after one warm-up epoch (runs in a worker)."""
    import keras
    import numpy as np

    from bench.models import get_model
    from bench.training import make_optimizer

    recipe = get_model("lenet5").quick.recipe
    keras.utils.set_random_seed(0)
    if model_name == "linear":
        image = keras.Input((28, 28, 1))
        model = keras.Model(image, keras.layers.Dense(10)(keras.layers.Flatten()(image)))
    else:
        model = get_model(model_name).build()
    model.compile(
        optimizer=make_optimizer(recipe, steps=IMAGES // recipe.batch_size),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )
    rng = np.random.default_rng(0)
    images = rng.random((IMAGES, 28, 28, 1), dtype=np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, IMAGES)]
    seconds: list[float] = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.started)

    model.fit(images, labels, batch_size=recipe.batch_size, epochs=epochs + 1, verbose=0,
              shuffle=True, callbacks=[EpochTimer()])  # fmt: skip
    timed = seconds[1:]
    return {
        "model": model_name,
        "steps_per_execution": steps_per_execution,
        "batch_size": recipe.batch_size,
        "epoch_seconds": timed,
        "images_per_second": IMAGES * len(timed) / sum(timed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per case")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--worker", nargs=2, metavar=("MODEL", "STEPS_PER_EXECUTION"))
    arguments = parser.parse_args()
    if arguments.worker:
        name, steps = arguments.worker
        print(json.dumps(measure(name, int(steps), arguments.epochs)))
        return
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2",
           "TF_ENABLE_ONEDNN_OPTS": "1", "PYTHONPATH": str(HERE.parent)}  # fmt: skip
    samples: dict[tuple[str, int], list[dict]] = {case: [] for case in CASES}
    for _ in range(arguments.repeats):
        for name, steps in CASES:
            command = [sys.executable, __file__, "--epochs", str(arguments.epochs), "--worker",
                       name, str(steps)]  # fmt: skip
            finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if finished.returncode != 0:
                sys.exit(f"worker {name} failed:\n{finished.stderr[-2000:]}")
            sample = json.loads(finished.stdout.strip().splitlines()[-1])
            samples[(name, steps)].append(sample)
            print(f"{name}, {steps} steps/execution: {sample['images_per_second']:,.0f} images/s",
                  flush=True)  # fmt: skip
    rows = [
        {**runs[0], "images_per_second": statistics.median(r["images_per_second"] for r in runs),
         "samples": [r["images_per_second"] for r in runs], "epoch_seconds": None}
        for runs in samples.values()
    ]  # fmt: skip
    summary = {
        "command": f"python benchmarks/input_pipeline.py --epochs {arguments.epochs} "
        f"--repeats {arguments.repeats}",
        "machine": host.describe(),
        "rows": rows,
    }
    out = HERE / "results" / "input_pipeline"
    out.with_suffix(".json").write_text(json.dumps(summary, indent=1) + "\n")
    lines = [
        "# Input pipeline: the ceiling of training images/s from numpy arrays",
        "",
        f"{host.summary_line(summary['machine'])}; oneDNN on, float32, batch "
        f"{rows[0]['batch_size']}, AdamW, {IMAGES:,} random images per epoch, "
        f"{arguments.epochs} timed epochs after a warm-up epoch; median of {arguments.repeats} "
        "interleaved rounds (all rounds in brackets).",
        "",
        "| model | steps per execution | images/s |",
        "|---|---:|---:|",
    ]
    for row in rows:
        rounds = ", ".join(f"{rate:,.0f}" for rate in row["samples"])
        lines.append(f"| {row['model']} | {row['steps_per_execution']} | "
                     f"{row['images_per_second']:,.0f} ({rounds}) |")  # fmt: skip
    lines += [
        "",
        "linear: flatten and one dense layer, so nearly all of its time is the pipeline (batching "
        "and shuffling the arrays) and the per-step overhead.",
        "",
        f"Reproduce: `{summary['command']}`",
        "",
    ]
    out.with_suffix(".md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
