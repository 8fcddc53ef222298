"""Wall seconds of training until LeNet-5 and the LSTM reach the 2021 write-up's test accuracy.

Targets (../shared/REFERENCE.md): LeNet-5 0.8882, LSTM 0.8959. Each model trains on all 60,000
training images with bench's pipeline (AdamW, warm-up + cosine over ``--epochs``, the quick
profile's batch size, no augmentation); after every epoch the 10,000 test images are scored,
outside the timed span. Precision and steps per execution are what `bench train` picks on this
machine. Reported: training seconds (compilation included) until the first epoch at or above
the target. Writes benchmarks/results/time_to_accuracy.{json,md}.

    python benchmarks/time_to_accuracy.py [--epochs 12]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

from bench import devices

devices.prepare_environment()

import keras  # noqa: E402
import numpy as np  # noqa: E402

from bench import data, protocol  # noqa: E402
from bench.config import FULL_RECIPES, Augmentation  # noqa: E402
from bench.models import get_model  # noqa: E402
from bench.training import make_optimizer, steps_per_epoch  # noqa: E402

HERE = Path(__file__).parent
TARGETS = {"lenet5": 0.8882, "lstm": 0.8959}  # the 2021 write-up's test accuracy


def time_to_target(model_name: str, target: float, epochs: int, dataset) -> dict:
    recipe = replace(FULL_RECIPES[model_name], epochs=epochs, augmentation=Augmentation())
    train_x, test_x = (protocol.as_model_input(dataset.train_images),
                       protocol.as_model_input(dataset.test_images))  # fmt: skip
    train_y = np.eye(10, dtype=np.float32)[dataset.train_labels]
    spec, device = get_model(model_name), devices.detect()
    precision = device.precision(spec)
    steps_per_execution = device.steps_per_execution(spec)
    keras.utils.set_random_seed(0)
    keras.mixed_precision.set_global_policy(precision)
    model = spec.build()
    model.compile(
        optimizer=make_optimizer(recipe, steps_per_epoch(len(train_x), recipe.batch_size)),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        steps_per_execution=steps_per_execution,
    )
    trained_seconds, curve = 0.0, []
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        model.fit(train_x, train_y, batch_size=recipe.batch_size, epochs=1, verbose=0)
        trained_seconds += time.perf_counter() - started
        predicted = model.predict(test_x, batch_size=1024, verbose=0).argmax(axis=1)
        accuracy = float(np.mean(predicted == dataset.test_labels))
        curve.append({"epoch": epoch, "seconds": trained_seconds, "test_accuracy": accuracy})
        print(
            f"{model_name} epoch {epoch}: {accuracy:.4f} after {trained_seconds:.1f} s", flush=True
        )
        if accuracy >= target:
            break
    reached = curve[-1]["test_accuracy"] >= target
    return {
        "model": model_name,
        "target": target,
        "reached": reached,
        "seconds": curve[-1]["seconds"] if reached else None,
        "epochs": curve[-1]["epoch"],
        "batch_size": recipe.batch_size,
        "precision": precision,
        "steps_per_execution": steps_per_execution,
        "curve": curve,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12, help="schedule length and budget")
    arguments = parser.parse_args()
    dataset = data.load_dataset()
    rows = [time_to_target(m, t, arguments.epochs, dataset) for m, t in TARGETS.items()]
    summary = {
        "command": f"python benchmarks/time_to_accuracy.py --epochs {arguments.epochs}",
        "cpu": devices.cpu_model(),
        "rows": rows,
    }
    out = HERE / "results" / "time_to_accuracy"
    out.with_suffix(".json").write_text(json.dumps(summary, indent=1) + "\n")
    lines = [
        "# Time to the 2021 write-up's test accuracy",
        "",
        f"{summary['cpu']}, TensorFlow with oneDNN; all 60,000 training images, AdamW, warm-up "
        f"+ cosine over {arguments.epochs} epochs, no augmentation; test scored after each "
        "epoch (not timed).",
        "",
        "| model | target | reached | training seconds | epochs | batch | precision "
        "| steps/execution |",
        "|---|---:|---|---:|---:|---:|---|---:|",
    ]
    for row in rows:
        seconds = f"{row['seconds']:.1f}" if row["reached"] else "-"
        reached = "yes" if row["reached"] else "no"
        lines.append(f"| {row['model']} | {row['target']:.4f} | {reached} | {seconds} | "
                     f"{row['epochs']} | {row['batch_size']} | {row['precision']} | "
                     f"{row['steps_per_execution']} |")  # fmt: skip
    lines += ["", f"Reproduce: `{summary['command']}`", ""]
    out.with_suffix(".md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
