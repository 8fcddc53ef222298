"""Training progress for the terminal: one rich display over models x folds x epochs (or over
folds, when they train in parallel on Ray), or log lines."""

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

from bench.durations import format_duration
from bench.store.records import FoldRecord
from bench.train.budget import Budget
from bench.train.work import WorkItem


class LogReporter:
    """Plain lines, one per finished fold (``--quiet``, or when stdout is not a terminal)."""

    def __init__(self, console: Console, parallel: bool = False) -> None:
        self.console = console
        self.parallel = parallel  # folds train side by side (Ray): say how many run and wait
        self.item: WorkItem | None = None
        self.budget: Budget | None = None
        self.queued = self.running = self.done = 0

    def start(self, work: list[WorkItem], skipped: int, budget: Budget | None = None) -> None:
        self.queued = len(work)
        models = len({item.model for item in work})
        self.console.print(
            f"training {len(work)} fold(s) of {models} model(s); {skipped} stored already"
        )
        self.budget = budget
        if budget is not None:
            self.console.print(
                f"time budget {format_duration(budget.seconds)}: the model with the most folds "
                "left goes first, level models take turns; a fold predicted not to finish in "
                "time is not started"
            )

    def fold_started(self, item: WorkItem) -> None:
        self.item = item
        self.queued, self.running = self.queued - 1, self.running + 1

    def batch_done(self, steps: int) -> None:
        pass

    def epoch_done(self, epoch: int, logs: dict) -> None:
        pass

    def fold_finished(self, item: WorkItem, record: FoldRecord) -> None:
        self.running, self.done = self.running - 1, self.done + 1
        left = ""
        if self.budget is not None:
            left = f"; budget left {format_duration(self.budget.remaining())}"
        self.console.print(
            f"{item.model} fold {item.fold + 1}/{item.folds}: test accuracy "
            f"{record.test.scores.accuracy:.4f}, held-out {record.cv.accuracy:.4f}, "
            f"{record.train_seconds:.0f} s, {record.images_per_second:.0f} images/s{left}"
            f"{self._counts()}"
        )

    def fold_failed(self, item: WorkItem, message: str) -> None:
        self.running = self.running - 1
        self.console.print(f"{item.model} fold {item.fold + 1}/{item.folds} failed: {message}")

    def _counts(self) -> str:
        if not self.parallel:
            return ""
        return f"; {self.done} done, {self.running} running, {self.queued} queued"

    def note(self, text: str) -> None:
        self.console.print(text)

    def close(self) -> None:
        pass


def _live_progress(console: Console) -> Progress:
    """Bars with a description, count, elapsed time and ETA: both live displays use them."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
    )


class RichReporter(LogReporter):
    """A live display: the whole run with ETA, and the current fold's epochs."""

    def __init__(self, console: Console) -> None:
        super().__init__(console)
        self.progress = _live_progress(console)
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


class FoldsReporter(LogReporter):
    """A live display for folds training side by side (Ray): folds done, running and queued,
    with the ETA rich infers from the pace of finished folds; a line per finished fold."""

    def __init__(self, console: Console) -> None:
        super().__init__(console, parallel=True)
        self.progress = _live_progress(console)
        self.folds = None

    def start(self, work: list[WorkItem], skipped: int, budget: Budget | None = None) -> None:
        super().start(work, skipped, budget)
        self.progress.start()
        self.folds = self.progress.add_task(self._description(), total=len(work))

    def fold_started(self, item: WorkItem) -> None:
        super().fold_started(item)
        self.progress.update(self.folds, description=self._description())

    def fold_finished(self, item: WorkItem, record: FoldRecord) -> None:
        super().fold_finished(item, record)
        self.progress.update(self.folds, advance=1, description=self._description())

    def fold_failed(self, item: WorkItem, message: str) -> None:
        super().fold_failed(item, message)
        self.progress.update(self.folds, advance=1, description=self._description())

    def _description(self) -> str:
        return f"folds ({self.running} running, {self.queued} queued)"

    def close(self) -> None:
        self.progress.stop()
