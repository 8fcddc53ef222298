"""What running a fold as a Ray task costs on this CPU, against training it in the driver.

Each measurement is one `bench train` run (``workflow.train``, the trainer itself) of LeNet-5 in
its own worker process, under the local executor or embedded Ray, on a fresh results folder:

- smoke-sized folds: the smoke profile (2 folds of 30 training images, 1 epoch), where a fold
  is almost all overhead;
- quick-sized folds: the quick profile's data (fold 0 of 3: 40,000 training images, 2,000 test
  images), with ``--quick-epochs`` epochs (the profile trains 10; the overhead does not grow
  with epochs, so fewer keep the run short on a shared machine).

Ray runs with ``--cpus-per-fold`` equal to the cores, so one fold trains at a time with as many
TensorFlow threads as the local executor: the difference per fold is Ray's overhead (submitting
the task, the worker fetching the arrays from the object store, the results coming back), not
parallelism. Setup is the time before the first fold starts: for Ray it includes starting Ray
and the worker that reports the device. Writes benchmarks/results/ray_overhead.{json,md}.

    python benchmarks/ray_overhead.py [--repeats 3] [--quick-epochs 1] [--sizes smoke quick]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import harness

EXECUTORS = ("local", "ray")
SIZES = {"smoke": {"profile": "smoke", "shard": "0/1"}, "quick": {"profile": "quick",
                                                                 "shard": "0/3"}}  # fmt: skip


class _FoldClock:
    """A reporter that notes when each fold starts and is stored."""

    def __init__(self) -> None:
        self.started_at: dict = {}
        self.seconds: list[float] = []
        self.first_start: float | None = None

    def start(self, work, skipped, budget=None):
        pass

    def fold_started(self, item):
        now = time.perf_counter()
        self.first_start = self.first_start or now
        self.started_at[(item.model, item.fold)] = now

    def fold_finished(self, item, record):
        self.seconds.append(time.perf_counter() - self.started_at[(item.model, item.fold)])

    def fold_failed(self, item, message):
        raise RuntimeError(f"{item.model} fold {item.fold} failed: {message}")

    def batch_done(self, steps):
        pass

    def epoch_done(self, epoch, logs):
        pass

    def note(self, text):
        pass


def measure(job: dict) -> dict:
    """One run of `bench train` (in a worker): setup seconds and seconds per fold."""
    from bench.train import devices

    devices.load_backend()
    from bench.train import workflow
    from bench.train.options import TrainOptions

    results_dir = Path(tempfile.mkdtemp(prefix="bench-ray-overhead-"))
    size = SIZES[job["size"]]
    ray_options = {}
    if job["executor"] == "ray":
        ray_options = {"executor": "ray", "cpus_per_fold": str(os.cpu_count())}
    options = TrainOptions(
        models=("lenet5",), profile=size["profile"], shard=size["shard"],
        epochs=job["epochs"], results_dir=results_dir, **ray_options,
    )  # fmt: skip
    clock = _FoldClock()
    try:
        started = time.perf_counter()
        outcome = workflow.train(options, clock)
        wall = time.perf_counter() - started
    finally:
        shutil.rmtree(results_dir, ignore_errors=True)
    return {
        "executor": job["executor"],
        "size": job["size"],
        "folds": len(outcome.trained),
        "setup_seconds": clock.first_start - started,
        "fold_seconds": clock.seconds,
        "median_fold_seconds": sorted(clock.seconds)[len(clock.seconds) // 2],
        "wall_seconds": wall,
    }


def _spawn(job: dict) -> dict:
    return harness.spawn(__file__, job, harness.worker_environment(TF_ENABLE_ONEDNN_OPTS="1"))


def _describe(job: dict, sample: dict) -> str:
    return (f"{job['size']} {job['executor']}: setup {sample['setup_seconds']:.1f} s, "
            f"folds {', '.join(f'{s:.1f}' for s in sample['fold_seconds'])} s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--quick-epochs", type=int, default=1, help="epochs of a quick fold")
    parser.add_argument("--sizes", nargs="+", choices=tuple(SIZES), default=list(SIZES))
    parser.add_argument("--out", type=Path, default=harness.RESULTS, help="output folder")
    parser.add_argument(harness.WORKER_FLAG, metavar="JOB_JSON", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        print(json.dumps(measure(json.loads(arguments.worker))))
        return
    sizes = " ".join(arguments.sizes)
    command = (f"python benchmarks/ray_overhead.py --repeats {arguments.repeats} "
               f"--quick-epochs {arguments.quick_epochs} --sizes {sizes}")  # fmt: skip
    if arguments.out.resolve() != harness.RESULTS.resolve():
        command += f" --out {arguments.out}"
    report = harness.Report("ray_overhead", command, arguments.out)
    jobs = [{"executor": executor, "size": size,
             "epochs": arguments.quick_epochs if size == "quick" else None}
            for size in arguments.sizes for executor in EXECUTORS]  # fmt: skip
    samples = harness.run_rounds(jobs, arguments.repeats, _spawn,
                                 key=lambda job: (job["size"], job["executor"]),
                                 describe=_describe)  # fmt: skip
    rows = []
    for size in arguments.sizes:
        medians = {
            executor: {field: harness.median_of(samples[(size, executor)], field)
                       for field in ("setup_seconds", "median_fold_seconds", "wall_seconds")}
            for executor in EXECUTORS
        }  # fmt: skip
        local, ray = medians["local"], medians["ray"]
        overhead = None
        if local["median_fold_seconds"] is not None and ray["median_fold_seconds"] is not None:
            overhead = ray["median_fold_seconds"] - local["median_fold_seconds"]
        rows.append({"size": size, "local": local, "ray": ray,
                     "ray_overhead_per_fold_seconds": overhead,
                     "samples": {e: samples[(size, e)] for e in EXECUTORS}})  # fmt: skip
    report.finish({"repeats": arguments.repeats, "quick_epochs": arguments.quick_epochs,
                   "rows": rows}, _markdown)  # fmt: skip


def _markdown(summary: dict) -> str:
    lines = [
        "# Ray's overhead per fold against the local executor",
        "",
        harness.machine_line(summary),
        "",
        "Measured on a loaded machine: a full-profile training run had both cores the whole "
        "time, and these runs were started under `nice -n 19`, so every number here is slower "
        "than on an idle machine; the differences between the executors are what to read.",
        "",
        "LeNet-5 through `workflow.train` (the code `bench train` runs), each run its own "
        f"process, the order rotating between rounds; median of {summary['repeats']} rounds. "
        "Ray: embedded, one fold at a time (`--cpus-per-fold` = the cores), so a fold has the "
        "same TensorFlow threads under both executors. Fold: from its start (Ray: submission) "
        "until its files are written. Setup: from the call until the first fold starts (Ray: "
        "starting Ray and the worker that reports the device).",
        "",
        "| fold size | local setup | Ray setup | local fold | Ray fold | Ray overhead per fold |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    epochs = summary["quick_epochs"]
    names = {"smoke": "smoke (30 training images, 1 epoch)",
             "quick": f"quick (40,000 training images, {epochs} epoch(s))"}  # fmt: skip
    for row in summary["rows"]:
        local, ray = row["local"], row["ray"]
        lines.append(
            f"| {names[row['size']]} | {harness.cell(local['setup_seconds'], '.1f')} s | "
            f"{harness.cell(ray['setup_seconds'], '.1f')} s | "
            f"{harness.cell(local['median_fold_seconds'], '.1f')} s | "
            f"{harness.cell(ray['median_fold_seconds'], '.1f')} s | "
            f"{harness.cell(row['ray_overhead_per_fold_seconds'], '+.1f')} s |"
        )
    lines += ["", "Every round's median fold (seconds), local | Ray:", ""]
    for row in summary["rows"]:
        rounds = {e: ", ".join(harness.cell(sample.get("median_fold_seconds"), ".1f")
                               for sample in row["samples"][e]) for e in EXECUTORS}  # fmt: skip
        lines.append(f"- {row['size']}: {rounds['local']} | {rounds['ray']}")
    lines += [
        "",
        "A difference smaller than the spread between rounds (negative ones included) is "
        "noise: Ray's overhead per fold is then too small to measure on this machine.",
        "",
        f"Reproduce: `{summary['command']}`",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
