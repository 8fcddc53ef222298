"""Prediction files checked where they are read, before any score is computed from them.

A results folder travels between machines, so an ``.npz`` whose digest matches its fold record
is still untrusted: both may have been written by anyone. Its arrays must be what bench writes
(``bench.store.results``): one integer index per image, unique and inside its split, one label per
index from 0 to 9, and one row of finite probabilities per index that sums to 1. Each way a file
can fail is one line naming it; every check is vectorised, so honest files pass in milliseconds.
"""

from __future__ import annotations

import io
import math
import zipfile
import zlib
from pathlib import Path

import numpy as np

from bench.errors import BenchError
from bench.metrics import LABELS

CLASSES = len(LABELS)
ARRAYS = ("indices", "labels", "probabilities")
# A full-profile test file is about 400 KB and unpacks to under 0.5 MB; the largest honest file
# (a held-out fold of half the 60,000 training images, stored as float64) unpacks to 3 MB.
NPZ_BYTES_LIMIT = 64 * 2**20  # of the file, and of its arrays unpacked
# float16 (schema 1) keeps 11 significant bits: storing each of the 10 probabilities moves the
# row's sum by at most 2**-11 of it (5e-4), and a softmax computed in float16 besides (its sum
# of exponentials rounded at each of 9 additions) by at most 5e-3 more. 2e-2 passes any such
# row four times over, and still refuses a row that was rescaled, truncated or never
# normalised, none of which comes close to 1.
ROW_SUM_TOLERANCE = 2e-2
_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}
_READ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error)


def read_payload(path: Path, *, fix: str) -> bytes:
    """The bytes of a prediction file, read no further than ``NPZ_BYTES_LIMIT``; ``OSError``
    where there is no file to read."""
    if path.exists() and not path.is_file():
        raise BenchError(f"{path}: not a regular file; {fix}")
    with path.open("rb") as handle:
        payload = handle.read(NPZ_BYTES_LIMIT + 1)
    if len(payload) > NPZ_BYTES_LIMIT:
        raise BenchError(
            f"{path}: larger than {_mib(NPZ_BYTES_LIMIT)}, far past any prediction file "
            f"bench writes; {fix}"
        )
    return payload


def read_arrays(
    payload: bytes, path: Path, *, split: str, split_images: int | None, fix: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indices, labels, probabilities) of an ``.npz`` payload, each checked; ``split`` names
    the images the indices point into ("test" or "training"), ``split_images`` how many there
    are (None: not known here, only the lower bound is checked)."""
    try:
        archive = np.load(io.BytesIO(payload), allow_pickle=False)
    except _READ_ERRORS as error:
        problem = (
            f"a damaged .npz archive ({_words(error)})"
            if payload.startswith(b"PK")  # a zip file's signature
            else "not a NumPy .npz archive (a zip file of .npy arrays)"
        )
        raise _refused(path, problem, fix) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise _refused(path, "a single NumPy array, not an .npz archive of named arrays", fix)
    with archive:
        if sum(info.file_size for info in archive.zip.infolist()) > NPZ_BYTES_LIMIT:
            raise _refused(path, f"arrays unpack to over {_mib(NPZ_BYTES_LIMIT)}", fix)
        for name in ARRAYS:
            if name not in archive.files:
                raise _refused(path, f"has no {name} array", fix)
        for name in ARRAYS:
            _check_header(archive, name, path, fix)
        arrays = []
        for name in ARRAYS:
            try:
                arrays.append(archive[name])
            except _READ_ERRORS as error:
                raise _refused(path, f"{name} array is damaged ({_words(error)})", fix) from None
    indices, labels, probabilities = arrays
    problem = (
        _index_problem(indices, split, split_images)
        or _row_count_problem(len(indices), labels, probabilities)
        or _label_problem(labels)
        or _probability_problem(probabilities)
    )
    if problem:
        raise _refused(path, problem, fix)
    return indices, labels, probabilities


def check_labels(
    indices: np.ndarray,
    labels: np.ndarray,
    split_labels: np.ndarray,
    path: Path,
    *,
    split: str,
    fix: str,
) -> None:
    """Refuse stored ``labels`` that are not the dataset's ``split_labels`` at ``indices``: the
    file was scored against other images than the ones the site shows."""
    problem = _index_problem(indices, split, len(split_labels))
    if problem:
        raise _refused(path, problem, fix)
    differs = np.flatnonzero(labels != split_labels[indices])
    if differs.size:
        row = int(differs[0])
        raise BenchError(
            f"{path}: label {int(labels[row])} at row {row} ({split} image "
            f"{int(indices[row])}) is not the dataset's {int(split_labels[indices[row]])} "
            f"({_rows_differ(differs.size)}); render with the dataset these results were "
            f"trained on (--data-dir), or {fix}"
        )


def _check_header(archive: np.lib.npyio.NpzFile, name: str, path: Path, fix: str) -> None:
    """Refuse an array of the wrong type or shape from its header, before its data is read
    (so a header promising a huge array allocates nothing)."""
    try:
        with archive.zip.open(f"{name}.npy") as member:
            version = np.lib.format.read_magic(member)
            if version not in _HEADER_READERS:
                raise ValueError(f".npy format version {version}")
            shape, _, dtype = _HEADER_READERS[version](member)
        declared = archive.zip.getinfo(f"{name}.npy").file_size
    except _READ_ERRORS as error:
        raise _refused(path, f"{name} array is damaged ({_words(error)})", fix) from None
    problem = _header_problem(name, shape, dtype, declared)
    if problem:
        raise _refused(path, problem, fix)


def _header_problem(name: str, shape: tuple, dtype: np.dtype, declared: int) -> str | None:
    if dtype.hasobject:
        return f"{name} array holds Python objects (only pickle loads those; bench stores numbers)"
    if name == "probabilities":
        if dtype.kind != "f" or dtype.itemsize not in (2, 4, 8):
            return f"probabilities are {dtype}; allowed: float16, float32 or float64"
        if len(shape) != 2:
            return f"probabilities have shape {shape}; allowed: (n, {CLASSES}), one row per index"
    elif dtype.kind not in "iu":
        return f"{name} are {dtype}; allowed: integers"
    elif len(shape) != 1:
        return f"{name} have shape {shape}; allowed: (n,), one per image"
    if math.prod(shape) * dtype.itemsize > declared:
        return f"{name} array is damaged (shorter than its header says)"
    return None


def _index_problem(indices: np.ndarray, split: str, split_images: int | None) -> str | None:
    """Indices must name each image of their split at most once."""
    if indices.size == 0:
        return "holds no images (no indices)"
    low, high = int(indices.min()), int(indices.max())
    if low < 0:
        return f"index {low} at row {_first(indices == low)} is negative"
    if split_images is not None and high >= split_images:
        return (
            f"results refer to {split} image {high} (row {_first(indices == high)}), but the "
            f"{split} split has {split_images:,} images (0 to {split_images - 1})"
        )
    ordered = np.sort(indices)
    repeated = np.flatnonzero(ordered[1:] == ordered[:-1])
    if repeated.size:
        value = ordered[repeated[0]]
        first, second = np.flatnonzero(indices == value)[:2]
        return (
            f"{split} image {int(value)} appears more than once (rows {first} and {second}); "
            "allowed: each image once"
        )
    return None


def _row_count_problem(rows: int, labels: np.ndarray, probabilities: np.ndarray) -> str | None:
    if len(labels) != rows:
        return f"has {len(labels):,} labels for {rows:,} indices; allowed: one per index"
    if probabilities.shape != (rows, CLASSES):
        return (
            f"probabilities have shape {probabilities.shape}; allowed: ({rows}, {CLASSES}), "
            "one row per index, one column per class"
        )
    return None


def _label_problem(labels: np.ndarray) -> str | None:
    outside = (labels < 0) | (labels >= CLASSES)
    if outside.any():
        row = _first(outside)
        return f"label {int(labels[row])} at row {row} is not a class (0 to {CLASSES - 1})"
    return None


def _probability_problem(probabilities: np.ndarray) -> str | None:
    """Each row: finite probabilities from 0 to 1 that sum to 1 (within the tolerance)."""
    infinite = ~np.isfinite(probabilities)
    if infinite.any():
        row, column = np.argwhere(infinite)[0]
        return f"probability of row {row}, class {column} is {probabilities[row, column]}"
    outside = (probabilities < 0) | (probabilities > 1)
    if outside.any():
        row, column = np.argwhere(outside)[0]
        value = float(probabilities[row, column])
        return f"probability of row {row}, class {column} is {value:.4g}, outside 0 to 1"
    sums = probabilities.sum(axis=1, dtype=np.float64)
    off = np.abs(sums - 1) > ROW_SUM_TOLERANCE
    if off.any():
        row = _first(off)
        return (
            f"probabilities of row {row} sum to {sums[row]:.4g}, not 1 (within {ROW_SUM_TOLERANCE})"
        )
    return None


def _rows_differ(count: int) -> str:
    return "1 row differs" if count == 1 else f"{count:,} rows differ"


def _mib(size: int) -> str:
    return f"{size / 2**20:g} MiB"


def _first(mask: np.ndarray) -> int:
    return int(np.argmax(mask))


def _words(error: BaseException) -> str:
    """An exception's message, on one line and short."""
    return " ".join(str(error).split())[:80] or type(error).__name__


def _refused(path: Path, problem: str, fix: str) -> BenchError:
    return BenchError(f"{path}: {problem}; {fix}")
