"""What the CLI shows on the terminal: progress bars and tables built with rich."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rich import box
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
from bench.data.download import ProgressCallback

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


def make_reporter(quiet: bool, parallel: bool = False):
    """A live progress display on a terminal, plain log lines otherwise or with --quiet;
    ``parallel``: folds train side by side (Ray), so the display counts folds, not steps."""
    from bench.cli.progress import FoldsReporter, LogReporter, RichReporter

    if quiet or not console.is_terminal:
        return LogReporter(console, parallel=parallel)
    return FoldsReporter(console) if parallel else RichReporter(console)


def print_models() -> None:
    """The registry as a table; the paper column names its first author and year."""
    from bench.models import all_models

    table = Table("model", "family", "parameters", "default", "origin", "paper")
    for column in table.columns[:4]:
        column.no_wrap = True  # a long origin wraps instead
    table.columns[4].overflow = "fold"  # a path without spaces, cut anywhere but never short
    for spec in all_models():
        default = "yes" if spec.in_default_set else ("no (slow)" if spec.slow else "no")
        authors = spec.citation.authors.split(",")
        first = authors[0].split()[-1] + (" et al." if len(authors) > 1 else "")
        paper = f"{first} ({spec.citation.year})"
        parameters = f"{spec.parameters:,}" if spec.parameters else "?"
        table.add_row(spec.name, spec.family, parameters, default, origin_label(spec.origin),
                      paper)  # fmt: skip
    console.print(table)


def origin_label(origin) -> str:
    """A model's origin in a few words: built-in, a project file, a module, a distribution."""
    if origin.kind == "built-in":
        return "built-in"
    if origin.kind == "project":
        return origin.source
    if origin.kind == "entry point":
        return f"{origin.distribution} {origin.version} (entry point)"
    return f"module {origin.module}"


def print_reports(reports) -> None:
    """Mean ± std over folds for every model, best first; the profile in the title or a column."""
    profiles = sorted({report.profile for report in reports})
    mixed = len(profiles) > 1
    table = Table(
        title=None if mixed else f"Results, profile {profiles[0]}",
        caption="test acc., macro F1: mean ± std over folds; ensemble: mean of their probabilities",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),  # fits 80 columns with the profile column too
    )
    headers = ["model", *(["profile"] if mixed else []), "folds", "test acc.", "macro F1",
               "ensemble", "held-out", "train"]  # fmt: skip
    for header in headers:
        table.add_column(header, no_wrap=True)
    for report in reports:
        accuracy, f1 = report.test.accuracy, report.test.f1_macro
        table.add_row(
            report.model, *([report.profile] if mixed else []),
            f"{report.folds_done}/{report.folds_planned}",
            f"{accuracy.mean:.3f}±{accuracy.std:.3f}", f"{f1.mean:.3f}±{f1.std:.3f}",
            f"{report.ensemble.scores.accuracy:.3f}", f"{report.cv.accuracy.mean:.3f}",
            f"{report.train_seconds:.0f} s",
        )  # fmt: skip
    console.print(table)
