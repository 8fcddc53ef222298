"""What the CLI shows on the terminal: progress bars and tables built with rich."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from bench.data import FILES, FashionMNIST, class_counts
from bench.download import ProgressCallback

console = Console()


@contextlib.contextmanager
def download_progress() -> Iterator[ProgressCallback]:
    """A progress bar per downloaded file; yields the callback the downloader reports to."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        tasks: dict[str, int] = {}

        def report(name: str, received: int, total: int | None) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(name, total=total)
            progress.update(tasks[name], completed=received)

        yield report


def print_data_info(dataset: FashionMNIST) -> None:
    """Source, verification status and per-class counts of both splits."""
    console.print(f"source: {dataset.source.directory} ({dataset.source.origin})")
    console.print(f"verified: all {len(FILES)} files match their SHA-256 and parse as IDX")
    table = Table("label", "class", "train", "test")
    train = class_counts(dataset.train_labels)
    test = class_counts(dataset.test_labels)
    for label, name in enumerate(dataset.class_names):
        table.add_row(str(label), name, f"{train[label]:,}", f"{test[label]:,}")
    table.add_row("", "total", f"{sum(train):,}", f"{sum(test):,}", style="bold")
    console.print(table)
