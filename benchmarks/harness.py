"""The one benchmark harness: worker processes, rounds whose order rotates, medians, the machine
as bench describes it, and a JSON + markdown report written atomically.

A benchmark script describes its measurements as jobs (plain JSON-able dicts), says how to
run one job in a fresh worker process (its own ``--worker JOB_JSON`` entry point) and with
which environment, and turns the medians into rows. The harness does the rest:

- every job runs in its own process, because oneDNN, thread pools and the Keras backend are
  fixed when a process starts;
- round r starts at job r mod n, so no job always runs first (or always right after a heavy
  one) on a machine whose speed drifts;
- a failed or timed-out worker is recorded with its error instead of ending the run;
- the report carries the machine (``bench.train.environment.describe`` in a worker of the
  benchmark's backend, plus cores, date and load before and after) and the command.

Training speed itself is measured by ``timing.py``, around bench's own trainer.

    python benchmarks/harness.py   # print the machine description the reports carry
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

from bench.store.results import atomic_write

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
WORKER_TIMEOUT_SECONDS = 1800
WORKER_FLAG = "--worker"
# bench/site/speed.py reads these versions at the top level of a report's machine.
FLAT_VERSIONS = ("tensorflow", "keras", "torch")


def worker_environment(backend: str = "tensorflow", **extra: str) -> dict[str, str]:
    """The environment of a worker: the Keras backend, TensorFlow's C++ logs quiet, the
    benchmarks and the project importable; ``extra`` adds or overrides variables."""
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2",
           "PYTHONPATH": os.pathsep.join((str(HERE), str(ROOT)))}  # fmt: skip
    env.update(extra)
    return env


def spawn(script: str | Path, job: dict, env: dict[str, str],
          timeout: float = WORKER_TIMEOUT_SECONDS) -> dict:  # fmt: skip
    """Run ``job`` through ``script --worker JOB_JSON`` in a new process; its last stdout line
    is the result. A failure comes back as ``{"error": ...}`` rather than ending the run."""
    script = Path(script).resolve()
    # The script's own folder first (experiments/ import their siblings as benchmarks/ do).
    env = {**env, "PYTHONPATH": os.pathsep.join((str(script.parent), env.get("PYTHONPATH", "")))}
    command = [sys.executable, str(script), WORKER_FLAG, json.dumps(job)]
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
    values = [sample[field] for sample in samples if sample.get(field) is not None]
    return statistics.median(values) if values else None


def describe_here() -> dict:
    """This process's machine: bench's run provenance for the detected device (what a run
    manifest records), plus cores, date and load average. Imports Keras: call in a worker."""
    from bench.train import devices, environment

    devices.load_backend()
    described = environment.describe(devices.detect())
    versions = described["versions"]
    return {
        **described,
        "cores": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d"),
        "load_average": os.getloadavg(),
        **{name: versions[name] for name in FLAT_VERSIONS if name in versions},
    }


def describe_machine(backend: str = "tensorflow") -> dict:
    """The machine as a worker of ``backend`` sees it (this process need not import Keras)."""
    described = spawn(__file__, {"describe": True}, worker_environment(backend))
    if "error" in described:
        raise SystemExit(f"cannot describe the machine: {described['error']}")
    return {**described, "load_average": os.getloadavg()}


class Report:
    """Times a benchmark run and writes its JSON and markdown under ``out``."""

    def __init__(self, name: str, command: str, out: Path = RESULTS,
                 backend: str = "tensorflow") -> None:  # fmt: skip
        self.name, self.command, self.out = name, command, Path(out)
        self.machine = describe_machine(backend)
        self.started = time.perf_counter()

    def finish(self, payload: dict, markdown: Callable[[dict], str]) -> dict:
        """Add the command, machine and duration to ``payload``; write both files atomically;
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
    """The machine and load line every markdown report starts with."""
    machine = summary["machine"]
    versions = machine["versions"]
    software = ", ".join(f"{name} {versions[key]}" for name, key in
                         (("TensorFlow", "tensorflow"), ("Keras", "keras"), ("PyTorch", "torch"))
                         if key in versions)  # fmt: skip
    return (
        f"{machine['cpu']}, {machine['cores']} cores, {machine['device']} "
        f"({machine['backend']}, {machine['mixed_precision']}), {software}, {machine['date']}; "
        f"load average before {machine['load_average'][0]:.1f}, "
        f"after {machine['load_average_after'][0]:.1f}; {summary['minutes']:.0f} min."
    )


def cell(value: float | None, pattern: str) -> str:
    """A table cell: ``value`` formatted, or "failed" where every round failed."""
    return "failed" if value is None else format(value, pattern)


def _main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == WORKER_FLAG:
        print(json.dumps(describe_here()))
        return
    print(json.dumps(describe_machine(), indent=1))


if __name__ == "__main__":
    _main()
