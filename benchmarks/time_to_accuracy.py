"""Wall seconds of training until each model reaches the 2021 write-up's test accuracy.

Targets (../shared/REFERENCE.md): LeNet-5 0.8882, LSTM 0.8959, AlexNet 0.9060, ResNet-34
0.9111; goals on this project's 2-core CPU: AlexNet within 6 minutes, ResNet-34 within 30. Each
model trains on all 60,000 training images with bench's pipeline (the full recipe's optimizer,
learning rate and batch size, warm-up + cosine over the model's epochs, no augmentation); after
every epoch the 10,000 test images are scored, outside the timed span. This is a benchmark of
speed, not a way to choose recipes (those are chosen on a validation split:
benchmarks/recipe_trials.py). Precision and steps per execution are what `bench train` picks on
this machine. Reported: training seconds (compilation included) until the first epoch at or
above the target. Rows of models not run this time are kept from the previous results.
Writes benchmarks/results/time_to_accuracy.{json,md}.

    python benchmarks/time_to_accuracy.py [--model alexnet] [--epochs 4]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

from bench.train import devices

devices.prepare_environment()

import numpy as np  # noqa: E402

from bench import data  # noqa: E402
from bench.data import protocol  # noqa: E402
from bench.models import get_model  # noqa: E402
from bench.recipes import Augmentation  # noqa: E402
from bench.site import content  # noqa: E402
from bench.train.training import compile_for, steps_per_epoch  # noqa: E402

HERE = Path(__file__).parent
# The 2021 write-up's test accuracies, from the one place the project keeps them.
TARGETS = {row["model"]: row["accuracy"]
           for row in content.read_reference(HERE.parent / "content")["rows"]}  # fmt: skip
# Schedule length and budget. ResNet-34 trains about 19 minutes an epoch on all 60,000 images
# on the 2-core CPU, so 2 epochs already run past its 30-minute goal.
EPOCHS = {"lenet5": 12, "lstm": 12, "alexnet": 4, "resnet34": 2}
GOAL_MINUTES = {"alexnet": 6, "resnet34": 30}  # training-time goals on this project's CPU


def time_to_target(model_name: str, target: float, epochs: int, dataset) -> dict:
    recipe = replace(get_model(model_name).full, epochs=epochs, augmentation=Augmentation())
    train_x, test_x = (protocol.as_model_input(dataset.train_images),
                       protocol.as_model_input(dataset.test_images))  # fmt: skip
    train_y = np.eye(10, dtype=np.float32)[dataset.train_labels]
    spec, device = get_model(model_name), devices.detect()
    compiled = compile_for(
        spec, recipe, device=device, seed=0, metrics_=(),
        steps=steps_per_epoch(len(train_x), recipe.batch_size),
    )  # fmt: skip
    model, precision = compiled.model, compiled.precision
    steps_per_execution = compiled.steps_per_execution
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
    parser.add_argument("--model", action="append", choices=list(TARGETS), default=[])
    parser.add_argument("--epochs", type=int, help="schedule length and budget for every model")
    arguments = parser.parse_args()
    models = arguments.model or list(TARGETS)
    dataset = data.load_dataset()
    out = HERE / "results" / "time_to_accuracy"
    previous = (
        json.loads(out.with_suffix(".json").read_text())
        if out.with_suffix(".json").exists()
        else {}
    )
    rows = {row["model"]: row for row in previous.get("rows", [])}
    for model in models:
        epochs = arguments.epochs or EPOCHS[model]
        rows[model] = {**time_to_target(model, TARGETS[model], epochs, dataset),
                       "goal_minutes": GOAL_MINUTES.get(model),
                       "command": f"python benchmarks/time_to_accuracy.py --model {model} "
                                  f"--epochs {epochs}"}  # fmt: skip
    ordered = [rows[model] for model in TARGETS if model in rows]
    summary = {"cpu": devices.cpu_model(), "rows": ordered}
    out.with_suffix(".json").write_text(json.dumps(summary, indent=1) + "\n")
    lines = [
        "# Time to the 2021 write-up's test accuracy",
        "",
        f"{summary['cpu']}, TensorFlow with oneDNN; all 60,000 training images, the full "
        "recipe's optimizer, warm-up + cosine over the model's epochs, no augmentation; test "
        "scored after each epoch (not timed).",
        "",
        "| model | target | reached | training seconds | goal | epochs | batch | precision "
        "| steps/execution | command |",
        "|---|---:|---|---:|---:|---:|---:|---|---:|---|",
    ]
    for row in ordered:
        seconds = f"{row['seconds']:.1f}" if row["reached"] else "-"
        reached = "yes" if row["reached"] else "no"
        goal = f"{row['goal_minutes'] * 60} s" if row.get("goal_minutes") else "-"
        command = row.get("command") or previous.get("command", "")
        lines.append(f"| {row['model']} | {row['target']:.4f} | {reached} | {seconds} | {goal} | "
                     f"{row['epochs']} | {row['batch_size']} | {row['precision']} | "
                     f"{row['steps_per_execution']} | `{command}` |")  # fmt: skip
    lines.append("")
    out.with_suffix(".md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
