"""Test-only code that runs inside Ray workers: a worker that dies in the middle of a fold.

``die_in_worker(monkeypatch, "model:fold[:marker]")`` makes the driver start Ray with this
module's ``setup`` as every worker's ``worker_process_setup_hook``. In the worker, ``setup``
wraps the executors' ``train_task`` so that the named fold's worker process exits at its first
training step, as a machine that goes away mid-fold would: every time, or only the first time
when a marker file remembers it. Nothing of this ships in the package.
"""

from __future__ import annotations

import os
from pathlib import Path

VARIABLE = "BENCH_TEST_RAY_DIE_AT"
ROOT = Path(__file__).resolve().parent.parent


def die_in_worker(monkeypatch, setting: str) -> None:
    """Start Ray (in this test) with the hook and ``setting`` in every worker's environment."""
    import ray

    start = ray.init

    def init(*args, **kwargs):
        runtime_env = {
            "worker_process_setup_hook": f"{__name__}.setup",
            "env_vars": {VARIABLE: setting, "PYTHONPATH": str(ROOT)},
        }
        return start(*args, runtime_env=runtime_env, **kwargs)

    monkeypatch.setattr(ray, "init", init)


class _ExitMidFold:
    """A fold reporter that ends the worker process at the fold's first training step."""

    def __init__(self, marker: Path | None) -> None:
        self.marker = marker

    def batch_done(self, steps: int) -> None:
        if self.marker is None or not self.marker.exists():
            if self.marker is not None:
                self.marker.touch()
            os._exit(1)

    def epoch_done(self, epoch: int, logs: dict) -> None:
        pass


def setup() -> None:
    """Worker side: make the fold named in the environment die mid-fold."""
    model, _, rest = os.environ.get(VARIABLE, "").partition(":")
    fold, _, marker = rest.partition(":")
    if not model:
        return
    from bench.train import executors

    train_task = executors.train_task

    def dying(task, dataset, splits, device, reporter=None):
        if task.model == model and str(task.fold) == fold:
            reporter = _ExitMidFold(Path(marker) if marker else None)
        return train_task(task, dataset, splits, device, reporter)

    executors.train_task = dying
