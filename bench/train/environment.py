"""Provenance for run manifests: software versions, hardware and the project's git commit."""

from __future__ import annotations

import contextlib
import importlib.metadata
import platform
import subprocess
from pathlib import Path

from bench.train.devices import LIGHT_MODEL_FLOPS, Device, cpu_model

_PACKAGES = ("keras", "tensorflow", "jax", "torch", "numpy", "scikit-learn", "bench")


def describe(device: Device) -> dict:
    """Versions, OS, CPU, GPUs, backend and precision of this process."""
    versions = {"python": platform.python_version()}
    for package in _PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[package] = importlib.metadata.version(package)
    return {
        "versions": versions,
        "os": platform.platform(),
        "cpu": cpu_model(),
        "gpus": list(device.gpus),
        "device": device.kind,
        "backend": device.backend,
        "mixed_precision": device.mixed_precision,
        "light_precision": device.light_precision or device.mixed_precision,
        "light_steps_per_execution": device.light_steps_per_execution,
        "light_model_flops": LIGHT_MODEL_FLOPS,
    }


def git_commit(directory: Path | None = None) -> dict | None:
    """HEAD of the git checkout holding ``directory`` and whether it had local changes."""

    def git(*arguments: str) -> str:
        return subprocess.run(
            ["git", *arguments], cwd=directory, capture_output=True, text=True, check=True,
            timeout=10,
        ).stdout.strip()  # fmt: skip

    try:
        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}
    except (OSError, subprocess.SubprocessError):
        return None
