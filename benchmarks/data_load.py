"""Seconds to load both Fashion-MNIST splits into numpy: the first time (every file hashed) and
once the digests are remembered.

Each round is a fresh worker process with an empty cache folder of its own (XDG_CACHE_HOME), so
its first load hashes all four files and records them, and its second load trusts the record.
The median over the rounds is reported. Writes benchmarks/results/data_load.{json,md}.

    python benchmarks/data_load.py [--repeats 5] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import harness


def measure(job: dict) -> dict:
    """Two loads in this process: the first hashes, the second does not (worker)."""
    from bench import data

    seconds = []
    for _ in range(2):
        started = time.perf_counter()
        dataset = data.load_dataset(job["data_dir"], allow_download=False)
        seconds.append(time.perf_counter() - started)
    images = len(dataset.train_images) + len(dataset.test_images)
    return {"first": seconds[0], "warm": seconds[1], "images": images}


def _spawn(job: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-data-load-") as cache:
        return harness.spawn(__file__, job, harness.worker_environment(XDG_CACHE_HOME=cache))


def _describe(job: dict, sample: dict) -> str:
    return f"first load {sample['first']:.2f} s, warm {sample['warm']:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds (fresh processes)")
    parser.add_argument("--data-dir", default=None, help="default: where bench finds the data")
    parser.add_argument("--out", type=Path, default=harness.RESULTS, help="output folder")
    parser.add_argument(harness.WORKER_FLAG, metavar="JOB_JSON", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        print(json.dumps(measure(json.loads(arguments.worker))))
        return
    command = f"python benchmarks/data_load.py --repeats {arguments.repeats}"
    if arguments.data_dir:
        command += f" --data-dir {arguments.data_dir}"
    if arguments.out.resolve() != harness.RESULTS.resolve():
        command += f" --out {arguments.out}"
    report = harness.Report("data_load", command, arguments.out)
    samples = harness.run_rounds([{"data_dir": arguments.data_dir}], arguments.repeats, _spawn,
                                 key=lambda job: ("load",), describe=_describe)  # fmt: skip
    runs = samples[("load",)]
    payload = {
        "repeats": arguments.repeats,
        "first_seconds": harness.median_of(runs, "first"),
        "warm_seconds": harness.median_of(runs, "warm"),
        "samples": runs,
    }
    report.finish(payload, _markdown)


def _markdown(summary: dict) -> str:
    return "\n".join([
        "# Loading the dataset",
        "",
        harness.machine_line(summary),
        "",
        "| load | seconds (median) |",
        "|---|---:|",
        f"| first (all four files hashed) | {harness.cell(summary['first_seconds'], '.2f')} |",
        f"| warm (digests remembered) | {harness.cell(summary['warm_seconds'], '.2f')} |",
        "",
        f"Both splits (70,000 images) into numpy; median of {summary['repeats']} fresh "
        "processes, each with an empty cache folder.",
        "",
        f"Reproduce: `{summary['command']}`",
        "",
    ])  # fmt: skip


if __name__ == "__main__":
    main()
