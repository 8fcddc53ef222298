"""The raw results published with the site: fold JSONs, test probabilities, run manifests,
and the results table as CSV, under ``data/`` in the output."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from bench.analysis.report import ModelReport
from bench.errors import BenchError
from bench.metrics import MeanStd
from bench.site import urls
from bench.site.jobs import Download
from bench.site.output import Writer
from bench.store import results

DATA_DIR = urls.RESULTS_DATA
CSV_PATH = urls.CSV
SUFFIXES = results.PREDICTION_SUFFIXES  # probabilities beside each fold JSON
# (CSV column, summary-row key); means ± std become two columns, and so do the 95%
# intervals named in INTERVAL_FIELDS (empty cells where a model has none).
CSV_FIELDS = (
    ("model", "name"), ("display_name", "display_name"), ("family", "family"),
    ("profile", "profile"), ("folds_done", "folds_done"), ("folds_planned", "folds_planned"),
    ("test_images", "test_images"), ("accuracy", "accuracy"),
    ("precision_macro", "precision_macro"), ("recall_macro", "recall_macro"),
    ("f1_macro", "f1_macro"), ("keras2021_precision", "keras2021_precision"),
    ("keras2021_recall", "keras2021_recall"),
    ("held_out_accuracy", "held_out_accuracy"), ("ensemble_accuracy", "ensemble_accuracy"),
    ("accuracy_ci95", "accuracy_ci"), ("ensemble_accuracy_ci95", "ensemble_accuracy_ci"),
    ("parameters", "parameters"), ("train_seconds", "train_seconds"),
    ("images_per_second", "images_per_second"),
)  # fmt: skip
INTERVAL_FIELDS = frozenset({"accuracy_ci", "ensemble_accuracy_ci"})


def result_files(results_dir: Path, reports: Sequence[ModelReport]) -> list[Download]:
    """The folds the site shows (each report's JSON files and probabilities) and every run
    manifest in ``results_dir``.

    Folds moved to ``superseded/``, and profiles a model is not shown from, are not published.
    """
    sources = []
    for shown in sorted(reports, key=lambda r: r.model):
        for path in shown.fold_paths:
            sources += [path, *(path.with_suffix(suffix) for suffix in SUFFIXES)]
    sources += sorted((results_dir / results.RUNS_DIR).glob("*.json"))
    for path in sources:
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise BenchError(
                f"{path}: not a plain file (a link or folder); results are published as they "
                "are stored, so replace it with the file itself"
            )
    return [
        Download(
            path, f"{DATA_DIR}/{path.relative_to(results_dir).as_posix()}", path.stat().st_size
        )
        for path in sources
        if path.is_file()
    ]


def table_csv(rows: list[dict]) -> str:
    """The results table, one model per line, full precision, means and stds (and interval
    bounds) in their own columns."""
    header, lines = [], [[] for _ in rows]
    for column, key in CSV_FIELDS:
        if key in INTERVAL_FIELDS:
            header += [f"{column}_low", f"{column}_high"]
            for line, row in zip(lines, rows, strict=True):
                line += list(row[key]) if row[key] is not None else ["", ""]
            continue
        paired = bool(rows) and isinstance(rows[0][key], MeanStd)
        header += [f"{column}_mean", f"{column}_std"] if paired else [column]
        for line, row in zip(lines, rows, strict=True):
            line += [row[key].mean, row[key].std] if paired else [row[key]]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(lines)
    return buffer.getvalue()


def export(downloads: tuple[Download, ...], csv_text: str, writer: Writer) -> None:
    for download in downloads:
        writer.copy(download.path, download.source)
    writer.write(CSV_PATH, csv_text.encode("utf-8"))
