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
import time

import harness

from bench.models import get_model

IMAGES = 60_000
BATCH_SIZE = get_model("lenet5").quick.recipe.batch_size
CASES = (("linear", 1), ("linear", 16), ("lenet5", 1), ("lenet5", 16))


def _linear_model():
    """Flatten and one dense layer: next to no arithmetic per image."""
    import keras

    image = keras.Input((28, 28, 1), name="image")
    return keras.Model(image, keras.layers.Dense(10)(keras.layers.Flatten()(image)))


def measure(job: dict) -> dict:
    """Images/s over ``epochs`` timed epochs after one warm-up epoch (runs in a worker)."""
    from dataclasses import replace

    import keras
    import numpy as np

    from bench.models import get_model
    from bench.train.devices import Device
    from bench.train.training import compile_for

    lenet5 = get_model("lenet5")
    spec = lenet5 if job["model"] == "lenet5" else replace(lenet5, name="linear",
                                                            build=_linear_model)  # fmt: skip
    recipe = lenet5.quick.recipe
    device = Device(backend="tensorflow", gpus=(), mixed_precision="float32")
    model = compile_for(spec, recipe, device=device, seed=0, steps=IMAGES // recipe.batch_size,
                        steps_per_execution=job["steps_per_execution"]).model  # fmt: skip
    rng = np.random.default_rng(0)
    images = rng.random((IMAGES, 28, 28, 1), dtype=np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, IMAGES)]
    seconds: list[float] = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.started)

    model.fit(images, labels, batch_size=recipe.batch_size, epochs=job["epochs"] + 1, verbose=0,
              shuffle=True, callbacks=[EpochTimer()])  # fmt: skip
    timed = seconds[1:]
    return {
        "model": job["model"],
        "steps_per_execution": job["steps_per_execution"],
        "batch_size": recipe.batch_size,
        "epoch_seconds": timed,
        "images_per_second": IMAGES * len(timed) / sum(timed),
    }


def _spawn(job: dict) -> dict:
    return harness.spawn(__file__, job, harness.worker_environment(TF_ENABLE_ONEDNN_OPTS="1"))


def _describe(job: dict, sample: dict) -> str:
    return (f"{job['model']}, {job['steps_per_execution']} steps/execution: "
            f"{sample['images_per_second']:,.0f} images/s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per case")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds")
    parser.add_argument(harness.WORKER_FLAG, metavar="JOB_JSON", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        print(json.dumps(measure(json.loads(arguments.worker))))
        return
    command = (f"python benchmarks/input_pipeline.py --epochs {arguments.epochs} "
               f"--repeats {arguments.repeats}")  # fmt: skip
    report = harness.Report("input_pipeline", command)
    jobs = [{"model": name, "steps_per_execution": steps, "epochs": arguments.epochs}
            for name, steps in CASES]  # fmt: skip
    samples = harness.run_rounds(
        jobs, arguments.repeats, _spawn,
        key=lambda job: (job["model"], job["steps_per_execution"]), describe=_describe,
    )  # fmt: skip
    rows = [
        {"model": name, "steps_per_execution": steps, "batch_size": BATCH_SIZE,
         "images_per_second": harness.median_of(runs, "images_per_second"),
         "samples": [run.get("images_per_second") for run in runs]}
        for (name, steps), runs in samples.items()
    ]  # fmt: skip
    report.finish({"epochs": arguments.epochs, "repeats": arguments.repeats, "rows": rows},
                  _markdown)  # fmt: skip


def _markdown(summary: dict) -> str:
    lines = [
        "# Input pipeline: the ceiling of training images/s from numpy arrays",
        "",
        harness.machine_line(summary),
        "",
        f"oneDNN on, float32, batch {BATCH_SIZE}, AdamW (LeNet-5's quick recipe, compiled by "
        f"bench.train.training.compile_for), {IMAGES:,} random images per epoch, "
        f"{summary['epochs']} "
        f"timed epochs after a warm-up epoch; median of {summary['repeats']} rounds, each "
        "measurement its own process, the order rotating between rounds (all rounds in "
        "brackets).",
        "",
        "| model | steps per execution | images/s |",
        "|---|---:|---:|",
    ]
    for row in summary["rows"]:
        rounds = ", ".join(harness.cell(rate, ",.0f") for rate in row["samples"])
        lines.append(f"| {row['model']} | {row['steps_per_execution']} | "
                     f"{harness.cell(row['images_per_second'], ',.0f')} ({rounds}) |")  # fmt: skip
    lines += [
        "",
        "linear: flatten and one dense layer, so nearly all of its time is the pipeline (batching "
        "and shuffling the arrays) and the per-step overhead.",
        "",
        f"Reproduce: `{summary['command']}`",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
