"""Is the input pipeline a bottleneck? Training images/s of a model that does almost nothing.

`bench` feeds `fit` numpy arrays (Keras batches and shuffles them; no tf.data, so every backend
runs the same code). A linear classifier (flatten, one dense layer) trained by bench's own
trainer (``bench.train.training.fit_fold``) from the same arrays, batch size and optimizer as
LeNet-5 costs next to nothing per image, so its images/s is the ceiling the pipeline and the
per-step overhead allow; LeNet-5's own rate is measured beside it. Each rate is one worker
process with TensorFlow and oneDNN in float32, at 1 and 16 steps per execution, over whole
epochs of a fixed subset of the training images (all 60,000 by default) after one warm-up
epoch, read from fit_fold's epoch seconds; the cases rotate between rounds and the median is
reported (this machine is shared and its speed drifts). Writes input_pipeline.{json,md} to
--out (benchmarks/results).

    python benchmarks/input_pipeline.py [--epochs 3] [--repeats 3] [--train-images 60000]
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

import harness

CASES = (("linear", 1), ("linear", 16), ("lenet5", 1), ("lenet5", 16))
TRAIN_IMAGES = 60_000


def _linear_model():
    """Flatten and one dense layer: next to no arithmetic per image."""
    import keras

    image = keras.Input((28, 28, 1), name="image")
    return keras.Model(image, keras.layers.Dense(10)(keras.layers.Flatten()(image)))


def measure(job: dict) -> dict:
    """fit_fold's images/s over ``epochs`` timed epochs after one warm-up epoch (worker)."""
    from bench.train import devices

    devices.load_backend()
    from dataclasses import replace

    import timing

    from bench.models import get_model

    lenet5 = get_model("lenet5")
    # The linear model stands in LeNet-5's registry entry: a light CNN to bench's device, so
    # it gets the steps per execution under test.
    spec = lenet5 if job["model"] == "lenet5" else replace(lenet5, name="linear",
                                                            build=_linear_model)  # fmt: skip
    recipe = replace(lenet5.quick.recipe, epochs=job["epochs"] + 1)
    device = devices.Device(backend="tensorflow", gpus=(), mixed_precision="float32",
                            light_steps_per_execution=job["steps_per_execution"])  # fmt: skip
    fold = timing.fixed_fold(job["train_images"], source=job["data"])
    speed = timing.fit_speed(spec, recipe, device, fold)
    return {**speed, "model": job["model"]}


def _spawn(job: dict) -> dict:
    return harness.spawn(__file__, job, harness.worker_environment(TF_ENABLE_ONEDNN_OPTS="1"))


def _describe(job: dict, sample: dict) -> str:
    return (f"{job['model']}, {job['steps_per_execution']} steps/execution: "
            f"{sample['steady_images_per_second']:,.0f} images/s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per case")
    parser.add_argument("--repeats", type=int, default=3, help="rotating rounds")
    parser.add_argument("--train-images", type=int, default=TRAIN_IMAGES)
    parser.add_argument("--data", choices=("real", "random"), default="real")
    parser.add_argument("--out", type=Path, default=harness.RESULTS)
    parser.add_argument(harness.WORKER_FLAG, metavar="JOB_JSON", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        print(json.dumps(measure(json.loads(arguments.worker))))
        return
    command = shlex.join(["python", "benchmarks/input_pipeline.py", *sys.argv[1:]])
    report = harness.Report("input_pipeline", command, arguments.out)
    jobs = [{"model": name, "steps_per_execution": steps, "epochs": arguments.epochs,
             "train_images": arguments.train_images, "data": arguments.data}
            for name, steps in CASES]  # fmt: skip
    samples = harness.run_rounds(
        jobs, arguments.repeats, _spawn,
        key=lambda job: (job["model"], job["steps_per_execution"]), describe=_describe,
    )  # fmt: skip
    rows = []
    for (name, steps), runs in samples.items():
        good = next((run for run in runs if "error" not in run), {})
        rows.append({"model": name, "steps_per_execution": steps,
                     "batch_size": good.get("batch_size"),
                     "images_per_second": harness.median_of(runs, "steady_images_per_second"),
                     "samples": [run.get("steady_images_per_second") for run in runs]})  # fmt: skip
    report.finish({"epochs": arguments.epochs, "repeats": arguments.repeats,
                   "train_images": arguments.train_images, "timed": "fit_fold", "rows": rows},
                  _markdown)  # fmt: skip


def _markdown(summary: dict) -> str:
    lines = [
        "# Input pipeline: the ceiling of training images/s from numpy arrays",
        "",
        harness.machine_line(summary),
        "",
        f"oneDNN on, float32, batch {summary['rows'][0]['batch_size']}, AdamW (LeNet-5's quick "
        f"recipe), trained by bench.train.training.fit_fold on {summary['train_images']:,} "
        f"training images per epoch, {summary['epochs']} timed epochs after a warm-up epoch "
        "(fit_fold's epoch seconds); median of "
        f"{summary['repeats']} rounds, each measurement its own process, the order rotating "
        "between rounds (all rounds in brackets).",
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
