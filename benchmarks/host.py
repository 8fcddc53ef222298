"""The machine a benchmark ran on, for its JSON and markdown (shared by the benchmark scripts)."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import time

from bench.train.devices import cpu_model


def describe() -> dict:
    """CPU, cores, versions, date and the load average now (this machine is shared)."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "tensorflow": importlib.metadata.version("tensorflow"),
        "keras": importlib.metadata.version("keras"),
        "date": time.strftime("%Y-%m-%d"),
        "load_average": os.getloadavg(),
    }


def summary_line(machine: dict) -> str:
    """One line for a markdown report: CPU, cores, versions, date."""
    return (
        f"{machine['cpu']}, {machine['cores']} cores, TensorFlow {machine['tensorflow']}, Keras "
        f"{machine['keras']}, {machine['date']}"
    )
