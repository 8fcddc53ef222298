"""What a run plans and tells: the folds it will train, what became of them, and the reporter
that shows them. Plain records, so the engine, the driver and the progress display share them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bench.store.records import FoldRecord
from bench.train.budget import Budget
from bench.train.training import FoldReporter


@dataclass(frozen=True)
class WorkItem:
    """One fold to train, with what the progress display needs to know in advance."""

    model: str
    fold: int
    folds: int
    epochs: int
    steps_per_epoch: int
    train_images: int = 0

    @property
    def work(self) -> float:
        """Size of the fold's training, for predicting its time (epochs x training images)."""
        return float(max(self.epochs * self.train_images, 1))


class RunReporter(FoldReporter, Protocol):
    def start(self, work: list[WorkItem], skipped: int, budget: Budget | None) -> None: ...
    def fold_started(self, item: WorkItem) -> None: ...
    def fold_finished(self, item: WorkItem, record: FoldRecord) -> None: ...
    def fold_failed(self, item: WorkItem, message: str) -> None: ...
    def note(self, text: str) -> None: ...


@dataclass
class RunOutcome:
    run_id: str
    trained: list[tuple[str, int]] = field(default_factory=list)
    skipped: list[tuple[str, int]] = field(default_factory=list)
    left: list[tuple[str, int]] = field(default_factory=list)  # not started: time budget
    failed: list[tuple[str, int, str]] = field(default_factory=list)  # model, fold, why
    superseded: list[Path] = field(default_factory=list)
    migrated: list[Path] = field(default_factory=list)
    manifest: Path | None = None
