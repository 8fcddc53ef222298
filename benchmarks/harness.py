"""What every speed benchmark shares: one process per measurement, rounds whose order rotates,
medians, the host, and a JSON + markdown report.

A benchmark script describes its measurements as jobs (plain JSON-able dicts), says how to
run one job in a fresh worker process (its own ``--worker JOB_JSON`` entry point) and with
which environment, and turns the medians into rows. The harness does the rest:

- every job runs in its own process, because oneDNN, thread pools and the Keras backend are
  fixed when a process starts;
- round r starts at job r mod n, so no job always runs first (or always right after a heavy
  one) on a machine whose speed drifts;
- a failed or timed-out worker is recorded with its error instead of ending the run;
- the report carries the host (CPU, cores, versions, load before and after) and the command.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import host

from bench.results import atomic_write

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
WORKER_TIMEOUT_SECONDS = 1800
WORKER_FLAG = "--worker"


def worker_environment(backend: str = "tensorflow", **extra: str) -> dict[str, str]:
    """The environment of a worker: the Keras backend, TensorFlow's C++ logs quiet, this
    folder and the project importable; ``extra`` adds or overrides variables."""
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2",
           "PYTHONPATH": os.pathsep.join((str(HERE), str(HERE.parent)))}  # fmt: skip
    env.update(extra)
    return env


def spawn(script: str | Path, job: dict, env: dict[str, str],
          timeout: float = WORKER_TIMEOUT_SECONDS) -> dict:  # fmt: skip
    """Run ``job`` through ``script --worker JOB_JSON`` in a new process; its last stdout line
    is the result. A failure comes back as ``{"error": ...}`` rather than ending the run."""
    command = [sys.executable, str(Path(script).resolve()), WORKER_FLAG, json.dumps(job)]
    try:
        finished = subprocess.run(command, env=env, capture_output=True, text=True,
                                  timeout=timeout, check=False)  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"error": f"no result within {timeout:g} s"}
    if finished.returncode != 0:
        return {"error": f"exit status {finished.returncode}: {finished.stderr.strip()[-1500:]}"}
    lines = finished.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        return {"error": f"no JSON result line; stdout ended: {finished.stdout[-300:]!r}"}


def rotated(jobs: Sequence, round_index: int) -> list:
    """The jobs in the order round ``round_index`` runs them: starting at index r mod n."""
    if not jobs:
        return []
    start = round_index % len(jobs)
    return [*jobs[start:], *jobs[:start]]


def run_rounds(
    jobs: Sequence[dict],
    repeats: int,
    measure: Callable[[dict], dict],
    *,
    key: Callable[[dict], tuple],
    describe: Callable[[dict, dict], str] | None = None,
) -> dict[tuple, list[dict]]:
    """Run every job once per round, in rotated order; the samples of each job under
    ``key(job)``, in round order. ``describe(job, sample)`` gives a progress line."""
    samples: dict[tuple, list[dict]] = {key(job): [] for job in jobs}
    for round_index in range(repeats):
        for job in rotated(jobs, round_index):
            sample = measure(job)
            samples[key(job)].append(sample)
            if describe is not None:
                line = f"{job} failed: {sample['error']}" if "error" in sample else None
                print(f"round {round_index + 1}/{repeats}: {line or describe(job, sample)}",
                      flush=True)  # fmt: skip
    return samples


def median_of(samples: Iterable[dict], field: str) -> float | None:
    """The median of ``field`` over the samples that have it; None when every one failed."""
    values = [sample[field] for sample in samples if field in sample]
    return statistics.median(values) if values else None


class Report:
    """Times a benchmark run and writes its JSON and markdown under ``benchmarks/results``."""

    def __init__(self, name: str, command: str, out: Path = RESULTS) -> None:
        self.name, self.command, self.out = name, command, out
        self.machine = host.describe()
        self.started = time.perf_counter()

    def finish(self, payload: dict, markdown: Callable[[dict], str]) -> dict:
        """Add the command, host and duration to ``payload``; write both files atomically;
        print the markdown and return the summary."""
        summary = {
            "command": self.command,
            "machine": {**self.machine, "load_average_after": os.getloadavg()},
            "minutes": (time.perf_counter() - self.started) / 60,
            **payload,
        }
        self.out.mkdir(parents=True, exist_ok=True)
        target = self.out / self.name
        atomic_write(target.with_suffix(".json"), (json.dumps(summary, indent=1) + "\n").encode())
        text = markdown(summary)
        atomic_write(target.with_suffix(".md"), text.encode())
        print(text)
        return summary


def machine_line(summary: dict) -> str:
    """The host and load line every markdown report starts with."""
    machine = summary["machine"]
    return (
        f"{host.summary_line(machine)}; load average before {machine['load_average'][0]:.1f}, "
        f"after {machine['load_average_after'][0]:.1f}; {summary['minutes']:.0f} min."
    )


def cell(value: float | None, pattern: str) -> str:
    """A table cell: ``value`` formatted, or "failed" where every round failed."""
    return "failed" if value is None else format(value, pattern)
