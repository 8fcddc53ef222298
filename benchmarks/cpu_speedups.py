"""What each CPU setting buys: training, evaluation and prediction images/s, before and after.

The baseline is TensorFlow with TF_ENABLE_ONEDNN_OPTS=1, float32, one step per execution and
TensorFlow's default thread pools, each model at the quick profile's batch size and optimizer
(what a CPU user runs). Each variant changes one setting. Every measurement is its own process
(oneDNN and thread pools are fixed at start-up); baseline and variants are interleaved and
repeated, and the median is reported, because this machine is shared and speeds drift. Data is
random (speed does not depend on it). Writes benchmarks/results/cpu_speedups.{json,md}.

    python benchmarks/cpu_speedups.py [--repeats 2] [--seconds 8]
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
import timing

from bench.models import default_model_names

HERE = Path(__file__).parent
MODELS = tuple(default_model_names())  # the registry's default set
WARMUP_EXECUTIONS = 3
EVALUATION_IMAGES = 2048
KINDS = ("train", "evaluate", "predict")
BASELINE = {"onednn": "1", "policy": "float32", "steps_per_execution": 1, "inter_op": 0}
VARIANTS = {  # name: (what changes, the setting's values)
    "oneDNN off": {"onednn": "0"},
    "mixed_bfloat16": {"policy": "mixed_bfloat16"},
    "steps_per_execution 16": {"steps_per_execution": 16},
    "inter-op threads 1": {"inter_op": 1},
}


def measure(model_name: str, setting: dict, seconds: float) -> dict:
    """Training, evaluation and prediction images/s of one model under one setting (worker)."""
    import keras
    import numpy as np

    if setting["inter_op"]:
        import tensorflow as tf

        tf.config.threading.set_inter_op_parallelism_threads(setting["inter_op"])
    from bench.models import get_model
    from bench.training import EVALUATION_BATCH, make_optimizer

    recipe = get_model(model_name).quick.recipe
    keras.mixed_precision.set_global_policy(setting["policy"])
    keras.utils.set_random_seed(0)
    model = get_model(model_name).build()
    spe = setting["steps_per_execution"]
    model.compile(
        optimizer=make_optimizer(recipe, steps=100),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        steps_per_execution=spe,
    )
    rng = np.random.default_rng(0)
    images_per_execution = recipe.batch_size * spe
    executions = max(256 // spe, 8)  # per epoch; the timer stops early
    images = rng.random((images_per_execution * executions, 28, 28, 1), dtype=np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, len(images))]

    train, _ = timing.training_rate(
        model, images, labels, batch_size=recipe.batch_size, steps_per_execution=spe,
        seconds=seconds, warmup_calls=WARMUP_EXECUTIONS, epochs=100, shuffle=True,
    )  # fmt: skip

    held_x, held_y = images[:EVALUATION_IMAGES], labels[:EVALUATION_IMAGES]
    rates = {}
    for name, call, arguments in (
        ("evaluate", model.evaluate, (held_x, held_y)),
        ("predict", model.predict, (held_x,)),
    ):
        call(*arguments, batch_size=EVALUATION_BATCH, verbose=0)  # traces the function
        started = time.perf_counter()
        call(*arguments, batch_size=EVALUATION_BATCH, verbose=0)
        rates[name] = len(held_x) / (time.perf_counter() - started)
    return {"train": train, **rates, "batch_size": recipe.batch_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="interleaved rounds")
    parser.add_argument("--seconds", type=float, default=8.0, help="timed training seconds")
    parser.add_argument("--model", action="append", choices=MODELS, help="default: the default set")
    parser.add_argument("--worker", nargs=2, metavar=("MODEL", "SETTING_JSON"))
    arguments = parser.parse_args()
    if arguments.worker:
        model_name, setting = arguments.worker
        print(json.dumps(measure(model_name, json.loads(setting), arguments.seconds)))
        return

    started = time.perf_counter()
    machine = host.describe()
    models = tuple(arguments.model or MODELS)
    samples: dict[tuple[str, str], list[dict]] = {}
    for round_number in range(arguments.repeats):
        for model in models:
            for variant in ("baseline", *VARIANTS):
                setting = {**BASELINE, **VARIANTS.get(variant, {})}
                sample = _run_worker(model, setting, arguments.seconds)
                samples.setdefault((model, variant), []).append(sample)
                print(f"round {round_number + 1}: {model} {variant}: {sample['train']:,.0f} "
                      "training images/s", flush=True)  # fmt: skip
    rows = []
    for model in models:
        base = _medians(samples[(model, "baseline")])
        for variant in VARIANTS:
            after = _medians(samples[(model, variant)])
            rows.append({
                "model": model, "variant": variant, "batch_size": base["batch_size"],
                "baseline": base, "variant_rates": after,
                "ratio": {kind: after[kind] / base[kind] for kind in KINDS},
                "samples": {"baseline": samples[(model, "baseline")],
                            "variant": samples[(model, variant)]},
            })  # fmt: skip
    command = "python benchmarks/cpu_speedups.py"
    command += f" --repeats {arguments.repeats} --seconds {arguments.seconds:g}"
    command += "".join(f" --model {model}" for model in arguments.model or ())
    summary = {
        "command": command,
        "machine": {**machine, "load_average_after": os.getloadavg()},
        "baseline": BASELINE,
        "seconds": time.perf_counter() - started,
        "rows": rows,
    }
    out = HERE / "results" / "cpu_speedups"
    out.with_suffix(".json").write_text(json.dumps(summary, indent=1) + "\n")
    out.with_suffix(".md").write_text(_markdown(summary))
    print(_markdown(summary))


def _run_worker(model: str, setting: dict, seconds: float) -> dict:
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2",
           "TF_ENABLE_ONEDNN_OPTS": setting["onednn"], "PYTHONPATH": str(HERE.parent)}  # fmt: skip
    command = [sys.executable, __file__, "--seconds", str(seconds), "--worker", model,
               json.dumps(setting)]  # fmt: skip
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        sys.exit(f"worker {model} {setting} failed:\n{finished.stderr[-2000:]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def _medians(samples: list[dict]) -> dict:
    medians = {kind: statistics.median(sample[kind] for sample in samples) for kind in KINDS}
    return {**medians, "batch_size": samples[0]["batch_size"]}


def _markdown(summary: dict) -> str:
    machine = summary["machine"]
    lines = [
        "# CPU settings: images/s before and after, per model",
        "",
        f"{host.summary_line(machine)}; load average before "
        f"{machine['load_average'][0]:.1f}, after {machine['load_average_after'][0]:.1f}; "
        f"{summary['seconds'] / 60:.0f} min.",
        "",
        "Baseline: oneDNN on, float32, steps_per_execution 1, TensorFlow's default thread pools, "
        "the quick profile's batch size and AdamW. Each row changes one setting. Images/s are "
        "medians over the rounds; the ratio is the variant over the baseline (above 1: faster). "
        f"Training is the steady state after {WARMUP_EXECUTIONS} executions; evaluation and "
        f"prediction are a second pass over {EVALUATION_IMAGES:,} images at batch 512.",
        "",
        "| model | batch | variant | train images/s (baseline → variant) | train | evaluate "
        "| predict |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for row in summary["rows"]:
        ratio = row["ratio"]
        lines.append(
            f"| {row['model']} | {row['batch_size']} | {row['variant']} | "
            f"{row['baseline']['train']:,.0f} → {row['variant_rates']['train']:,.0f} | "
            f"{ratio['train']:.2f}x | {ratio['evaluate']:.2f}x | {ratio['predict']:.2f}x |"
        )
    lines += ["", f"Reproduce: `{summary['command']}`", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
