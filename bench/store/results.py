"""The results store: one JSON (+ test probabilities) per (model, fold), and run manifests.

Layout of a results directory (profiles side by side, so a quick preview never touches full
folds)::

    <model>/<profile>/fold-03.json          scores, history, timings, the fold's key
    <model>/<profile>/fold-03.test.npz      test-set probabilities (float32), indices, labels
    <model>/<profile>/fold-03.held-out.npz  the held-out fold's probabilities, indices, labels
    runs/<run id>.json                      run manifest: config, command, environment, times
    superseded/<stamp>/<model>/<profile>/   folds of an older key, moved aside (never deleted)

Schema 1 stored folds directly under ``<model>/`` with float16 test probabilities and no
held-out probabilities; such folds are still read (see ``load_folds``). Schema 3 changed only
what a fold's JSON holds (each fact once; see ``bench.store.records``).

Every file is written to a temporary name and renamed, the probabilities before the JSON that
names their digest, so an interrupted run leaves finished folds intact and nothing half-written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.config import PROFILES
from bench.errors import BenchError
from bench.files import atomic_write
from bench.store import bounded_json, prediction_checks
from bench.store.records import SCHEMA_VERSION, FoldRecord, RunManifest

RUNS_DIR = "runs"
SUPERSEDED_DIR = "superseded"
TEST_SUFFIX = ".test.npz"  # beside fold-NN.json: the test images' probabilities
HELD_OUT_SUFFIX = ".held-out.npz"  # and the held-out fold's (since schema 2)
PREDICTION_SUFFIXES = (TEST_SUFFIX, HELD_OUT_SUFFIX)


@dataclass(frozen=True)
class Predictions:
    """A fold model's class probabilities on a set of images of one split."""

    indices: np.ndarray  # int32 positions in the split (10,000 test or 60,000 training images)
    labels: np.ndarray  # uint8 true labels at those positions
    probabilities: np.ndarray  # (n, 10) float32


TestPredictions = Predictions  # the name schema-1 code used


@dataclass(frozen=True)
class FoldPredictions:
    """What a fold model predicted: the test images and its own held-out fold."""

    test: Predictions
    held_out: Predictions


@dataclass(frozen=True)
class StoredFold:
    """A fold as read back: its JSON record and where it lives."""

    path: Path
    record: FoldRecord

    @property
    def fold(self) -> int:
        return self.record.fold

    @property
    def profile(self) -> str:
        return self.record.profile


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def fold_path(results_dir: Path, model: str, profile: str, fold: int) -> Path:
    return results_dir / model / profile / f"fold-{fold:02d}.json"


def _npz(predictions: Predictions) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        indices=predictions.indices.astype(np.int32),
        labels=predictions.labels.astype(np.uint8),
        probabilities=predictions.probabilities.astype(np.float32),
    )
    return buffer.getvalue()


def write_fold(results_dir: Path, record: FoldRecord, predictions: FoldPredictions) -> Path:
    """Store one finished fold atomically, in its record's schema (the engine's records are of
    the current one), and return the JSON's path.

    Probabilities are kept at float32 so every published score can be recomputed exactly.
    """
    path = fold_path(results_dir, record.model, record.profile, record.fold)
    references, written = {}, []
    try:
        for field_name, suffix, arrays in (
            ("test_predictions", TEST_SUFFIX, predictions.test),
            ("held_out_predictions", HELD_OUT_SUFFIX, predictions.held_out),
        ):
            payload = _npz(arrays)
            npz_path = path.with_suffix(suffix)
            atomic_write(npz_path, payload)
            written.append(npz_path)
            references[field_name] = {
                "file": npz_path.name,
                "sha256": hashlib.sha256(payload).hexdigest(),
            }
        record = dataclasses.replace(record, **references)
        _write_record(path, record)
    except BaseException:
        # The record is written last: without it these files belong to no fold (a full disk,
        # an interrupt), so they go too and the fold is simply missing, to be trained again.
        for npz_path in written:
            npz_path.unlink(missing_ok=True)
        raise
    return path


def _write_record(path: Path, record: FoldRecord) -> None:
    atomic_write(path, (json.dumps(record.to_json(), indent=1, sort_keys=True) + "\n").encode())


def upgrade_record(results_dir: Path, stored: StoredFold, record: FoldRecord) -> StoredFold:
    """Store a schema-1 fold's upgraded ``record`` in the per-profile layout, its probabilities
    moved beside it unchanged (their digest still holds), and remove the old JSON."""
    path = fold_path(results_dir, record.model, record.profile, record.fold)
    if path != stored.path:
        old_npz = stored.path.with_suffix(TEST_SUFFIX)
        if old_npz.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old_npz, path.with_suffix(TEST_SUFFIX))
    _write_record(path, record)
    if path != stored.path:
        stored.path.unlink()
    return StoredFold(path, record)


def read_json(path: Path, *, what: str) -> dict:
    """Parse a bench JSON file within the limits of ``bench.store.bounded_json``, refusing damaged
    files and newer schemas with one-line errors."""
    fix = "delete it and rerun `bench train` to recompute it"
    record = bounded_json.load(path, what=what, fix=fix)
    if not isinstance(record, dict) or not isinstance(record.get("schema_version"), int):
        raise BenchError(f"{path}: not a bench {what} (no schema_version); move it out of the way")
    if record["schema_version"] > SCHEMA_VERSION:
        raise BenchError(
            f"{path}: written by a newer bench (schema {record['schema_version']} > "
            f"{SCHEMA_VERSION}); upgrade bench to read it"
        )
    return record


def load_folds(results_dir: Path, model: str, profile: str | None = None) -> list[StoredFold]:
    """Stored folds of ``model`` (of ``profile``, or of every profile), by profile then fold.

    Reads ``<model>/<profile>/`` and, for schema-1 results, ``<model>/`` itself.
    """
    model_dir = results_dir / model
    paths = sorted(model_dir.glob("fold-*.json")) + sorted(model_dir.glob("*/fold-*.json"))
    folds = []
    for path in paths:
        record = FoldRecord.from_json(read_json(path, what="fold result"), path)
        if record.model != model or (
            path.parent != model_dir and path.parent.name != record.profile
        ):
            raise BenchError(
                f"{path}: its record says model {record.model!r}, profile {record.profile!r}, "
                "which does not match where it is stored; move it out of the results folder"
            )
        if profile is None or record.profile == profile:
            folds.append(StoredFold(path, record))
    return sorted(folds, key=lambda stored: (stored.profile, stored.fold))


def load_predictions(
    stored: StoredFold, which: str = "test", *, split_images: int | None = None
) -> Predictions | None:
    """Read, verify and check a fold's test (or ``held_out``) probabilities; None where the
    fold has none stored (held-out probabilities before schema 2). ``split_images``: how many
    images the split its indices point into has (None: not checked against a size)."""
    reference = getattr(stored.record, f"{which}_predictions")
    if reference is None:
        if which == "test":
            raise BenchError(f"{stored.path}: names no test probabilities; delete it to retrain")
        return None
    if not isinstance(reference, dict):
        raise BenchError(f"{stored.path}: its {which} probabilities entry is malformed; delete it")
    path = predictions_file(stored.path, reference)
    fix = f"retrain that fold (delete {stored.path.name})"
    try:
        payload = prediction_checks.read_payload(path, fix=fix)
    except OSError:
        raise BenchError(
            f"{path}: missing; delete {stored.path.name} to retrain that fold"
        ) from None
    if hashlib.sha256(payload).hexdigest() != reference.get("sha256"):
        raise BenchError(
            f"{path}: does not match the digest in {stored.path.name}; retrain that fold"
        )
    split = "test" if which == "test" else "training"
    indices, labels, probabilities = prediction_checks.read_arrays(
        payload, path, split=split, split_images=split_images, fix=fix
    )
    return Predictions(indices, labels, probabilities.astype(np.float32))


def predictions_file(fold_json: Path, reference: dict) -> Path:
    """Where a fold record's probabilities entry points: a file beside the record."""
    return fold_json.parent / Path(str(reference.get("file", ""))).name


def stored_models(results_dir: Path) -> list[str]:
    """Names of the model folders that hold at least one fold result (any profile)."""
    if not results_dir.is_dir():
        return []
    return sorted(
        entry.name
        for entry in results_dir.iterdir()
        if entry.is_dir()
        and entry.name not in (RUNS_DIR, SUPERSEDED_DIR)
        and (any(entry.glob("fold-*.json")) or any(entry.glob("*/fold-*.json")))
    )


def supersede(results_dir: Path, model: str, stale: list[StoredFold], stamp: str) -> Path:
    """Move folds of an older key aside (with their probabilities); returns the new folder."""
    target = results_dir / SUPERSEDED_DIR / stamp / model
    for stored in stale:
        folder = target / stored.profile
        folder.mkdir(parents=True, exist_ok=True)
        for suffix in (".json", *PREDICTION_SUFFIXES):
            path = stored.path.with_suffix(suffix)
            if path.exists():
                shutil.move(str(path), folder / path.name)
    return target


def write_manifest(results_dir: Path, manifest: RunManifest) -> Path:
    path = results_dir / RUNS_DIR / f"{manifest.run_id}.json"
    content = manifest.to_json()
    atomic_write(path, (json.dumps(content, indent=1, sort_keys=True) + "\n").encode())
    return path


def load_manifests(results_dir: Path) -> list[RunManifest]:
    """Every run manifest, oldest first."""
    paths = sorted((results_dir / RUNS_DIR).glob("*.json"))
    manifests = [
        RunManifest.from_json(read_json(path, what="run manifest"), path) for path in paths
    ]
    return sorted(manifests, key=lambda manifest: manifest.started_at or "")


def best_profile_folds(results_dir: Path, model: str) -> list[StoredFold]:
    """The stored folds of ``model`` from its most complete protocol: full over quick over
    smoke (over any other name); empty when none is stored."""
    stored = load_folds(results_dir, model)
    by_profile: dict[str, list[StoredFold]] = {}
    for fold in stored:
        by_profile.setdefault(fold.profile, []).append(fold)
    for profile in sorted(by_profile, key=profile_rank):
        return by_profile[profile]
    return []


def profile_rank(profile: str) -> tuple[int, str]:
    """Sort key: the fullest profile first (full, quick, smoke, then any other name)."""
    ranks = {name: rank for rank, name in enumerate(reversed(PROFILES))}
    return ranks.get(profile, len(ranks)), profile


def shown_from_fuller(results_dir: Path, model: str, profile: str) -> str | None:
    """The profile ``model`` is shown from when that is fuller than ``profile``, else None."""
    stored = best_profile_folds(results_dir, model)
    if stored and profile_rank(stored[0].profile) < profile_rank(profile):
        return stored[0].profile
    return None
