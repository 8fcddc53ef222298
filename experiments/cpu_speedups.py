"""What each CPU setting buys: training, evaluation and prediction images/s, before and after.

The baseline is TensorFlow with TF_ENABLE_ONEDNN_OPTS=1, float32, one step per execution and
TensorFlow's default thread pools, each model at the quick profile's batch size and optimizer
(what a CPU user runs). Each variant changes one setting. Every measurement is its own process
(oneDNN and thread pools are fixed at start-up); baseline and variants are interleaved and
repeated, and the median is reported, because this machine is shared and speeds drift. Data is
random (speed does not depend on it). Writes experiments/results/cpu_speedups.{json,md}.

An experiment, the record of how bench's CPU defaults (bench/train/devices.py) were chosen.
Its variants are settings the trainer does not expose (several steps per call for the heavy
models, one inter-op thread, oneDNN off), so unlike the benchmarks it cannot time
``fit_fold``: it compiles through ``bench.train.training.compile_for`` and times ``model.fit``
with its own callback (``training_rate`` below).

    python experiments/cpu_speedups.py [--repeats 2] [--seconds 8] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "benchmarks"))  # the harness

import harness  # noqa: E402

from bench.models import default_model_names  # noqa: E402

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


def training_rate(
    model, images, labels, *, batch_size: int, steps_per_execution: int, seconds: float,
    warmup_calls: int, epochs: int, shuffle: bool,
) -> float:  # fmt: skip
    """Images/s over the compiled calls after the first ``warmup_calls`` (compilation,
    allocation), stopping once ``seconds`` have been timed. Keras reports the end of every
    compiled call: one batch, or ``steps_per_execution`` of them."""
    import keras

    ends: list[float] = []

    class CallTimer(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            ends.append(time.perf_counter())
            timed = ends[warmup_calls:]
            if len(timed) >= 3 and timed[-1] - timed[0] > seconds:
                self.model.stop_training = True

    model.fit(images, labels, batch_size=batch_size, epochs=epochs, verbose=0,
              callbacks=[CallTimer()], shuffle=shuffle)  # fmt: skip
    timed = ends[warmup_calls:]
    return batch_size * steps_per_execution * (len(timed) - 1) / (timed[-1] - timed[0])


def measure(job: dict) -> dict:
    """Training, evaluation and prediction images/s of one model under one setting (worker)."""
    import numpy as np

    setting = job["setting"]
    if setting["inter_op"]:
        import tensorflow as tf

        tf.config.threading.set_inter_op_parallelism_threads(setting["inter_op"])
    from bench.models import get_model
    from bench.train.devices import Device
    from bench.train.training import EVALUATION_BATCH, compile_for

    spec = get_model(job["model"])
    recipe = spec.quick.recipe
    spe = setting["steps_per_execution"]
    device = Device(backend="tensorflow", gpus=(), mixed_precision=setting["policy"])
    model = compile_for(spec, recipe, device=device, seed=0, steps=100,
                        steps_per_execution=spe).model  # fmt: skip
    rng = np.random.default_rng(0)
    images_per_execution = recipe.batch_size * spe
    executions = max(256 // spe, 8)  # per epoch; the timer stops early
    images = rng.random((images_per_execution * executions, 28, 28, 1), dtype=np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, len(images))]

    train = training_rate(
        model, images, labels, batch_size=recipe.batch_size, steps_per_execution=spe,
        seconds=job["seconds"], warmup_calls=WARMUP_EXECUTIONS, epochs=100, shuffle=True,
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


def _spawn(job: dict) -> dict:
    env = harness.worker_environment(TF_ENABLE_ONEDNN_OPTS=job["setting"]["onednn"])
    return harness.spawn(__file__, job, env)


def _describe(job: dict, sample: dict) -> str:
    return f"{job['model']} {job['variant']}: {sample['train']:,.0f} training images/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="interleaved rounds")
    parser.add_argument("--seconds", type=float, default=8.0, help="timed training seconds")
    parser.add_argument("--model", action="append", choices=MODELS, help="default: the default set")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument(harness.WORKER_FLAG, metavar="JOB_JSON", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        print(json.dumps(measure(json.loads(arguments.worker))))
        return

    command = "python experiments/cpu_speedups.py"
    command += f" --repeats {arguments.repeats} --seconds {arguments.seconds:g}"
    command += "".join(f" --model {model}" for model in arguments.model or ())
    if arguments.out.resolve() != (HERE / "results").resolve():
        command += f" --out {arguments.out}"
    report = harness.Report("cpu_speedups", command, arguments.out)
    models = tuple(arguments.model or MODELS)
    jobs = [
        {"model": model, "variant": variant, "seconds": arguments.seconds,
         "setting": {**BASELINE, **VARIANTS.get(variant, {})}}
        for model in models for variant in ("baseline", *VARIANTS)
    ]  # fmt: skip
    samples = harness.run_rounds(jobs, arguments.repeats, _spawn,
                                 key=lambda job: (job["model"], job["variant"]),
                                 describe=_describe)  # fmt: skip
    rows = []
    for model in models:
        base = _medians(samples[(model, "baseline")])
        for variant in VARIANTS:
            after = _medians(samples[(model, variant)])
            rows.append({
                "model": model, "variant": variant, "batch_size": base["batch_size"],
                "baseline": base, "variant_rates": after,
                "ratio": {kind: _ratio(after[kind], base[kind]) for kind in KINDS},
                "samples": {"baseline": samples[(model, "baseline")],
                            "variant": samples[(model, variant)]},
            })  # fmt: skip
    report.finish({"baseline": BASELINE, "rows": rows}, _markdown)


def _medians(samples: list[dict]) -> dict:
    medians = {kind: harness.median_of(samples, kind) for kind in KINDS}
    good = next((sample for sample in samples if "batch_size" in sample), {})
    return {**medians, "batch_size": good.get("batch_size")}


def _ratio(after: float | None, before: float | None) -> float | None:
    return after / before if after and before else None


def _markdown(summary: dict) -> str:
    lines = [
        "# CPU settings: images/s before and after, per model",
        "",
        harness.machine_line(summary),
        "",
        "Baseline: oneDNN on, float32, steps_per_execution 1, TensorFlow's default thread pools, "
        "the quick profile's batch size and AdamW, compiled by bench.train.training.compile_for. "
        "Each "
        "row changes one setting. Images/s are medians over the rounds (each measurement its own "
        "process, the order rotating between rounds); the ratio is the variant over the baseline "
        f"(above 1: faster). Training is the steady state after {WARMUP_EXECUTIONS} executions; "
        f"evaluation and prediction are a second pass over {EVALUATION_IMAGES:,} images at "
        "batch 512.",
        "",
        "| model | batch | variant | train images/s (baseline → variant) | train | evaluate "
        "| predict |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for row in summary["rows"]:
        ratio = row["ratio"]
        lines.append(
            f"| {row['model']} | {row['batch_size']} | {row['variant']} | "
            f"{harness.cell(row['baseline']['train'], ',.0f')} → "
            f"{harness.cell(row['variant_rates']['train'], ',.0f')} | "
            f"{harness.cell(ratio['train'], '.2f')}x | {harness.cell(ratio['evaluate'], '.2f')}x | "
            f"{harness.cell(ratio['predict'], '.2f')}x |"
        )
    lines += ["", f"Reproduce: `{summary['command']}`", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
