"""Training progress for the terminal: one rich display over models x folds x epochs, or logs."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from bench.budget import Budget, format_duration
from bench.engine import WorkItem
from bench.records import FoldRecord


class LogReporter:
    """Plain lines, one per finished fold (``--quiet``, or when stdout is not a terminal)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.item: WorkItem | None = None
        self.budget: Budget | None = None

    def start(self, work: list[WorkItem], skipped: int, budget: Budget | None = None) -> None:
        models = len({item.model for item in work})
        self.console.print(
            f"training {len(work)} fold(s) of {models} model(s); {skipped} stored already"
        )
        self.budget = budget
        if budget is not None:
            self.console.print(
                f"time budget {format_duration(budget.seconds)}: folds run round-robin across "
                "models; a fold predicted not to finish in time is not started"
            )

    def fold_started(self, item: WorkItem) -> None:
        self.item = item

    def batch_done(self, steps: int) -> None:
        pass

    def epoch_done(self, epoch: int, logs: dict) -> None:
        pass

    def fold_finished(self, item: WorkItem, record: FoldRecord) -> None:
        left = ""
        if self.budget is not None:
            left = f"; budget left {format_duration(self.budget.remaining())}"
        self.console.print(
            f"{item.model} fold {item.fold + 1}/{item.folds}: test accuracy "
            f"{record.test['accuracy']:.4f}, held-out {record.cv['accuracy']:.4f}, "
            f"{record.train_seconds:.0f} s, {record.images_per_second:.0f} images/s{left}"
        )

    def note(self, text: str) -> None:
        self.console.print(text)

    def close(self) -> None:
        pass


class RichReporter(LogReporter):
    """A live display: the whole run with ETA, and the current fold's epochs."""

    def __init__(self, console: Console) -> None:
        super().__init__(console)
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
        )
        self.overall = None
        self.current = None
        self.budget_task = None

    def start(self, work: list[WorkItem], skipped: int, budget: Budget | None = None) -> None:
        super().start(work, skipped, budget)
        total = sum(item.epochs * item.steps_per_epoch for item in work)
        self.progress.start()
        self.overall = self.progress.add_task("all folds (steps)", total=total)
        if budget is not None:
            self.budget_task = self.progress.add_task(
                f"time budget {format_duration(budget.seconds)} (seconds)", total=budget.seconds
            )

    def fold_started(self, item: WorkItem) -> None:
        super().fold_started(item)
        if self.current is not None:
            self.progress.remove_task(self.current)
        self.current = self.progress.add_task(
            f"{item.model} fold {item.fold + 1}/{item.folds} (epochs)", total=item.epochs
        )

    def batch_done(self, steps: int) -> None:
        self.progress.advance(self.overall, steps)
        if self.budget_task is not None:
            used = self.budget.seconds - self.budget.remaining()
            self.progress.update(self.budget_task, completed=min(used, self.budget.seconds))

    def epoch_done(self, epoch: int, logs: dict) -> None:
        self.progress.update(
            self.current,
            completed=epoch + 1,
            description=f"{self.item.model} fold {self.item.fold + 1}/{self.item.folds} "
            f"(epochs; loss {logs.get('loss', float('nan')):.3f})",
        )

    def close(self) -> None:
        self.progress.stop()
