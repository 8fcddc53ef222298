"""The side-by-side speed benchmark on the reproducibility page: bench's training path against
PyTorch eager on the same networks, read from ``benchmarks/results/cpu_side_by_side.json``.

That file travels with the repository like a results folder, so it is untrusted input: every
field the page shows is checked here (known models and paths, finite positive numbers, short
printable text) and a bad file stops the build with one line naming it. No file, no section.
"""

from __future__ import annotations

import math
from pathlib import Path

from bench.errors import BenchError
from bench.models import all_models
from bench.site import urls
from bench.site.jobs import Download
from bench.store import bounded_json

SIDE_BY_SIDE = "cpu_side_by_side.json"
REFERENCE_PATH = "torch-bf16"
# The benchmark's paths (its `case` names), in the words the page uses.
PATHS = {
    "bench-tf": "bench (Keras on TensorFlow)",
    "keras-torch-fp32": "the same Keras model on the PyTorch backend, float32",
    "keras-torch-bf16": "the same Keras model on the PyTorch backend, mixed bfloat16",
    "torch-bf16": "PyTorch eager, bfloat16 autocast",
    "torch-fp32": "PyTorch eager, float32",
}
MAX_TEXT = 300
FIX = "rerun `python benchmarks/cpu_side_by_side.py` to rewrite it"


def read(benchmarks_dir: Path | None) -> tuple[dict | None, list[Download]]:
    """The page's speed section (None when the benchmark has not been run) and the file to
    publish beside it, so every figure shown can be checked against the published JSON."""
    if benchmarks_dir is None:
        return None, []
    path = Path(benchmarks_dir) / SIDE_BY_SIDE
    if not path.exists():
        return None, []
    if path.is_symlink() or not path.is_file():
        raise BenchError(f"{path}: not a plain file (a link or folder); {FIX}")
    try:
        summary = bounded_json.loads(bounded_json.read_bytes(path))
    except (OSError, ValueError) as error:  # damaged, or past the size or nesting limits
        raise BenchError(
            f"{path}: cannot read the side-by-side benchmark ({error}); {FIX}"
        ) from None
    section = _section(path, summary)
    return section, [Download(path, urls.SPEED_DATA, path.stat().st_size)]


def _section(path: Path, summary: object) -> dict:
    names = {spec.name: spec.display_name for spec in all_models()}
    machine = _field(path, summary, "machine", dict)
    rows = []
    for row in _field(path, summary, "rows", list):
        model, case = _field(path, row, "model", str), _field(path, row, "case", str)
        if model not in names or case not in PATHS:
            raise BenchError(f"{path}: unknown model {model[:40]!r} or path {case[:40]!r}; {FIX}")
        rows.append(
            {
                "model": names[model],
                "path": PATHS[case],
                "reference": case == REFERENCE_PATH,
                # None where every round of the case failed, or its reference did
                "images_per_second": _number(path, row, "images_per_second", optional=True),
                "ratio": _number(path, row, "ratio_to_reference", optional=True),
            }
        )
    return {
        "rows": rows,
        "command": _text(path, summary, "command"),
        "cpu": _text(path, machine, "cpu"),
        "cores": _number(path, machine, "cores"),
        "date": _text(path, machine, "date"),
        "versions": [
            (name, _text(path, machine, key))
            for name, key in (
                ("TensorFlow", "tensorflow"),
                ("Keras", "keras"),
                ("PyTorch", "torch"),
            )
        ],
        "href": urls.SPEED_DATA,
    }


def _field(path: Path, record: object, key: str, kind: type):
    value = record.get(key) if isinstance(record, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BenchError(f"{path}: field {key!r} missing or not a {kind.__name__}; {FIX}")
    return value


def _number(path: Path, record: object, key: str, *, optional: bool = False) -> float | None:
    value = record.get(key) if isinstance(record, dict) else None
    if value is None and optional and isinstance(record, dict) and key in record:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BenchError(f"{path}: field {key!r} missing or not a number; {FIX}")
    if not math.isfinite(value) or value <= 0:
        raise BenchError(f"{path}: field {key!r} is {value!r}, not a positive number; {FIX}")
    return float(value)


def _text(path: Path, record: object, key: str) -> str:
    value = _field(path, record, key, str)
    if len(value) > MAX_TEXT or not value.isprintable():
        raise BenchError(f"{path}: field {key!r} is too long or not printable text; {FIX}")
    return value
