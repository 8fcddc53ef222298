"""The results store: one JSON (+ test probabilities) per (model, fold), and run manifests.

Layout of a results directory::

    <model>/fold-03.json        scores, history, timings, the fold's config key
    <model>/fold-03.test.npz    test-set probabilities (float16), indices and labels
    runs/<run id>.json          run manifest: config, command, environment, dataset, times
    superseded/<stamp>/<model>/ folds of an older config, moved aside (never deleted)

Every file is written to a temporary name and renamed, the probabilities before the JSON that
names their digest, so an interrupted run leaves finished folds intact and nothing half-written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.errors import BenchError

SCHEMA_VERSION = 1
RUNS_DIR = "runs"
SUPERSEDED_DIR = "superseded"


@dataclass(frozen=True)
class TestPredictions:
    """A fold model's class probabilities on the (possibly subsampled) test set."""

    indices: np.ndarray  # int32 positions in the 10,000 test images
    labels: np.ndarray  # uint8 true labels at those positions
    probabilities: np.ndarray  # (n, 10)


@dataclass(frozen=True)
class StoredFold:
    """A fold as read back: its JSON record and where it lives."""

    path: Path
    record: dict

    @property
    def fold(self) -> int:
        return self.record["fold"]


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def fold_path(results_dir: Path, model: str, fold: int) -> Path:
    return results_dir / model / f"fold-{fold:02d}.json"


def write_fold(results_dir: Path, record: dict, predictions: TestPredictions) -> Path:
    """Store one finished fold atomically and return the JSON's path."""
    path = fold_path(results_dir, record["model"], record["fold"])
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        indices=predictions.indices.astype(np.int32),
        labels=predictions.labels.astype(np.uint8),
        probabilities=predictions.probabilities.astype(np.float16),
    )
    payload = buffer.getvalue()
    npz_path = path.with_suffix(".test.npz")
    atomic_write(npz_path, payload)
    record = {
        "schema_version": SCHEMA_VERSION,
        **record,
        "test_predictions": {
            "file": npz_path.name,
            "sha256": hashlib.sha256(payload).hexdigest(),
        },
    }
    atomic_write(path, (json.dumps(record, indent=1, sort_keys=True) + "\n").encode())
    return path


def read_json(path: Path, *, what: str) -> dict:
    """Parse a bench JSON file, refusing damaged files and newer schemas with one-line errors."""
    try:
        record = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as error:
        raise BenchError(f"{path}: cannot read {what} ({error}); delete it to recompute") from None
    except json.JSONDecodeError as error:
        raise BenchError(
            f"{path}: {what} is not valid JSON (truncated or edited? {error.msg} at line "
            f"{error.lineno}); delete it and rerun `bench train` to recompute it"
        ) from None
    if not isinstance(record, dict) or not isinstance(record.get("schema_version"), int):
        raise BenchError(f"{path}: not a bench {what} (no schema_version); move it out of the way")
    if record["schema_version"] > SCHEMA_VERSION:
        raise BenchError(
            f"{path}: written by a newer bench (schema {record['schema_version']} > "
            f"{SCHEMA_VERSION}); upgrade bench to read it"
        )
    return record


def load_folds(results_dir: Path, model: str) -> list[StoredFold]:
    """Every stored fold of ``model``, sorted by fold index (empty when none)."""
    folds = []
    for path in sorted((results_dir / model).glob("fold-*.json")):
        record = read_json(path, what="fold result")
        missing = {"model", "fold", "folds", "fold_key", "profile", "test"} - record.keys()
        if missing:
            raise BenchError(f"{path}: fold result lacks {', '.join(sorted(missing))}; delete it")
        folds.append(StoredFold(path, record))
    return folds


def load_predictions(stored: StoredFold) -> TestPredictions:
    """Read and verify the probabilities a fold JSON points to."""
    reference = stored.record["test_predictions"]
    path = stored.path.parent / reference["file"]
    try:
        payload = path.read_bytes()
    except OSError:
        raise BenchError(
            f"{path}: missing; delete {stored.path.name} to retrain that fold"
        ) from None
    if hashlib.sha256(payload).hexdigest() != reference["sha256"]:
        raise BenchError(
            f"{path}: does not match the digest in {stored.path.name}; retrain that fold"
        )
    with np.load(io.BytesIO(payload)) as arrays:
        return TestPredictions(
            arrays["indices"], arrays["labels"], arrays["probabilities"].astype(np.float32)
        )


def stored_models(results_dir: Path) -> list[str]:
    """Names of the model folders that hold at least one fold result."""
    if not results_dir.is_dir():
        return []
    return sorted(
        entry.name
        for entry in results_dir.iterdir()
        if entry.is_dir() and any(entry.glob("fold-*.json"))
    )


def supersede(results_dir: Path, model: str, stale: list[StoredFold], stamp: str) -> Path:
    """Move folds of an older config aside (with their probabilities); returns the new folder."""
    target = results_dir / SUPERSEDED_DIR / stamp / model
    target.mkdir(parents=True, exist_ok=True)
    for stored in stale:
        for path in (stored.path, stored.path.with_suffix(".test.npz")):
            if path.exists():
                shutil.move(str(path), target / path.name)
    return target


def write_manifest(results_dir: Path, manifest: dict) -> Path:
    path = results_dir / RUNS_DIR / f"{manifest['run_id']}.json"
    content = {"schema_version": SCHEMA_VERSION, **manifest}
    atomic_write(path, (json.dumps(content, indent=1, sort_keys=True) + "\n").encode())
    return path


def load_manifests(results_dir: Path) -> list[dict]:
    """Every run manifest, oldest first."""
    paths = sorted((results_dir / RUNS_DIR).glob("*.json"))
    manifests = [read_json(path, what="run manifest") for path in paths]
    return sorted(manifests, key=lambda manifest: manifest.get("started_at", ""))


def atomic_write(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` so that readers see either the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
