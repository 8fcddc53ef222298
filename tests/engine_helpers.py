"""Run the engine in-process on the synthetic dataset (shared by the engine tests)."""

from __future__ import annotations

from pathlib import Path

from bench import config, data
from bench.train import devices

devices.prepare_environment()

from bench.train import engine, executors, work  # noqa: E402  (after the environment is prepared)


class RecordingReporter:
    """Collects what the engine reports, for assertions."""

    def __init__(self) -> None:
        self.started: list = []
        self.finished: list = []
        self.failed: list = []
        self.notes: list[str] = []
        self.batches = 0

    def start(self, work, skipped, budget=None):
        self.started = list(work)
        self.budget = budget

    def fold_started(self, item):
        pass

    def batch_done(self, steps):
        self.batches += steps

    def epoch_done(self, epoch, logs):
        pass

    def fold_finished(self, item, record):
        self.finished.append((item.model, item.fold))

    def fold_failed(self, item, message):
        self.failed.append((item.model, item.fold, message))

    def note(self, text):
        self.notes.append(text)


def smoke_run(
    data_dir: Path,
    results_dir: Path,
    models: tuple[str, ...] = ("lenet5",),
    reporter: RecordingReporter | None = None,
    shard: tuple[int, int] = (0, 1),
    fresh: bool = False,
    budget=None,
    precision: str = "auto",
    executor=None,
    **overrides,
) -> work.RunOutcome:
    run_config = config.build_config("smoke", models, **overrides)
    return engine.run(
        run_config,
        data.load_dataset(data_dir),
        results_dir,
        device=(executor or executors.LocalExecutor()).detect_device(precision),
        shard=shard,
        fresh=fresh,
        budget=budget,
        reporter=reporter or RecordingReporter(),
        executor=executor,
    )
