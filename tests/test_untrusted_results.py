"""Results folders are untrusted input (``bench.store``: prediction_checks, record_fields and
bounded_json): crafted files that pass their digest are refused by `bench render` in one line
naming the file, with exit status 1 and no site written."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bench import metrics
from bench.analysis import report
from bench.errors import BenchError
from bench.store import bounded_json, prediction_checks
from bench.store.records import FoldRecord
from tests.site_fixtures import SITE_COUNTS, install_site_dataset, write_results
from tests.test_records import make_record
from tests.test_site_cli import assert_one_line_error, render

MODEL_DIR = ("lenet5", "quick")
TEST_IMAGES = 50  # write_results' default subset of the fixture's 100 test images


@pytest.fixture
def stored(tmp_path, monkeypatch):
    """(results dir, dataset dir, the fold JSON the cases damage) for one quick model."""
    directory, arrays = install_site_dataset(tmp_path / "fashion", monkeypatch)
    labels = arrays["t10k-labels-idx1-ubyte"]
    results_dir = write_results(tmp_path / "results", labels, models=("lenet5",))
    return results_dir, directory, results_dir.joinpath(*MODEL_DIR, "fold-01.json")


def refused(stored, tmp_path, *fragments: str, path: Path | None = None) -> None:
    """`bench render` refuses in one line naming ``path`` and writes no site."""
    results_dir, data_dir, fold_json = stored
    out = tmp_path / "site"
    result = render(results_dir, out, data_dir)
    assert_one_line_error(result, str(path or fold_json), *fragments)
    assert not out.exists()


def npz_of(fold_json: Path, which: str) -> Path:
    return fold_json.parent / json.loads(fold_json.read_text())[f"{which}_predictions"]["file"]


def stored_arrays(fold_json: Path, which: str = "test") -> dict[str, np.ndarray]:
    with np.load(npz_of(fold_json, which)) as arrays:
        return {name: arrays[name] for name in arrays.files}


def store_payload(fold_json: Path, which: str, payload: bytes) -> Path:
    """Replace a fold's prediction file and update its digest, so the digest check passes."""
    record = json.loads(fold_json.read_text())
    path = fold_json.parent / record[f"{which}_predictions"]["file"]
    path.write_bytes(payload)
    record[f"{which}_predictions"]["sha256"] = hashlib.sha256(payload).hexdigest()
    fold_json.write_text(json.dumps(record))
    return path


def store_arrays(fold_json: Path, which: str = "test", **arrays) -> Path:
    """Rewrite a fold's prediction file with ``arrays`` changed (None: left out)."""
    changed = {**stored_arrays(fold_json, which), **arrays}
    buffer = io.BytesIO()
    kept = {name: value for name, value in changed.items() if value is not None}
    np.savez_compressed(buffer, allow_pickle=True, **kept)
    return store_payload(fold_json, which, buffer.getvalue())


def _probabilities(change):
    def damage(arrays):
        probabilities = arrays["probabilities"].copy()
        change(probabilities)
        return {"probabilities": probabilities}

    return damage


def _indices(change):
    def damage(arrays):
        indices = arrays["indices"].copy()
        change(indices)
        return {"indices": indices}

    return damage


def _copy_first_index(indices):
    indices[1] = indices[0]


def _put(index, value):
    def change(array):
        array[index] = value

    return change


# name -> (what replaces the arrays, fragments of the message)
ARRAY_CASES = {
    "string indices": (lambda a: {"indices": a["indices"].astype(str)}, ["allowed: integers"]),
    "bool indices": (lambda a: {"indices": a["indices"] > 0}, ["indices are bool"]),
    "object labels": (
        lambda a: {"labels": a["labels"].astype(object)},
        ["labels array holds Python objects"],
    ),
    "integer probabilities": (
        lambda a: {"probabilities": (a["probabilities"] > 0.5).astype(np.int64)},
        ["probabilities are int64", "float16, float32 or float64"],
    ),
    "indices of two columns": (
        lambda a: {"indices": a["indices"].reshape(-1, 2)},
        ["indices have shape (25, 2)"],
    ),
    "probabilities flat": (
        lambda a: {"probabilities": a["probabilities"].ravel()},
        ["probabilities have shape (500,)"],
    ),
    "nine columns": (
        lambda a: {"probabilities": a["probabilities"][:, :9]},
        ["probabilities have shape (50, 9)", "one column per class"],
    ),
    "a row too few": (
        lambda a: {"probabilities": a["probabilities"][:-1]},
        ["probabilities have shape (49, 10)", f"allowed: ({TEST_IMAGES}, 10)"],
    ),
    "a label too few": (lambda a: {"labels": a["labels"][:-1]}, ["49 labels for 50 indices"]),
    "no images": (
        lambda a: {
            "indices": a["indices"][:0],
            "labels": a["labels"][:0],
            "probabilities": a["probabilities"][:0],
        },
        ["holds no images"],
    ),
    "duplicate index": (_indices(_copy_first_index), ["appears more than once (rows 0 and 1)"]),
    "index past the test set": (
        _indices(_put(3, SITE_COUNTS["test"])),
        ["results refer to test image 100 (row 3)", "the test split has 100 images"],
    ),
    "negative index": (_indices(_put(2, -1)), ["index -1 at row 2 is negative"]),
    "label not a class": (
        lambda a: {"labels": np.where(np.arange(TEST_IMAGES) == 4, 10, a["labels"])},
        ["label 10 at row 4 is not a class (0 to 9)"],
    ),
    "NaN": (_probabilities(_put((17, 3), np.nan)), ["probability of row 17, class 3 is nan"]),
    "inf": (_probabilities(_put((4, 0), np.inf)), ["probability of row 4, class 0 is inf"]),
    "negative probability": (
        _probabilities(_put(5, [-0.1, 0.2, *[0.1] * 8])),
        ["probability of row 5, class 0 is -0.1, outside 0 to 1"],
    ),
    "probability above 1": (
        _probabilities(_put(6, [0.0, 1.2, *[0.0] * 8])),
        ["probability of row 6, class 1 is 1.2, outside 0 to 1"],
    ),
    "row sums to 1.4": (
        _probabilities(_put(17, [0.14] * 10)),
        ["probabilities of row 17 sum to 1.4, not 1"],
    ),
    "row sums to 0.9": (
        _probabilities(_put(0, [0.09] * 10)),
        ["probabilities of row 0 sum to 0.9, not 1"],
    ),
    "no labels array": (lambda a: {"labels": None}, ["has no labels array"]),
    "no probabilities array": (lambda a: {"probabilities": None}, ["has no probabilities array"]),
}


@pytest.mark.parametrize("case", ARRAY_CASES, ids=list(ARRAY_CASES))
def test_a_crafted_test_prediction_file_is_refused(stored, tmp_path, case):
    damage, fragments = ARRAY_CASES[case]
    fold_json = stored[2]
    path = store_arrays(fold_json, "test", **damage(stored_arrays(fold_json)))
    refused(stored, tmp_path, *fragments, "retrain that fold (delete fold-01.json)", path=path)


def test_labels_that_are_not_the_dataset_s_are_refused(stored, tmp_path):
    fold_json = stored[2]
    arrays = stored_arrays(fold_json)
    labels = arrays["labels"].copy()
    labels[7] = (labels[7] + 1) % 10
    path = store_arrays(fold_json, "test", labels=labels)
    image = int(arrays["indices"][7])
    refused(
        stored, tmp_path, f"label {labels[7]} at row 7 (test image {image}) is not the dataset's",
        "--data-dir", path=path,
    )  # fmt: skip


def test_held_out_labels_that_are_not_the_dataset_s_are_refused(stored, tmp_path):
    fold_json = stored[2]
    labels = stored_arrays(fold_json, "held_out")["labels"].copy()
    labels[0] = (labels[0] + 1) % 10
    path = store_arrays(fold_json, "held_out", labels=labels)
    refused(stored, tmp_path, "at row 0 (training image 0) is not the dataset's", path=path)


def test_a_held_out_index_past_the_training_set_is_refused(stored, tmp_path):
    fold_json = stored[2]
    indices = stored_arrays(fold_json, "held_out")["indices"].copy()
    indices[5] = SITE_COUNTS["train"] + 7
    path = store_arrays(fold_json, "held_out", indices=indices)
    refused(stored, tmp_path, "results refer to training image 107 (row 5)", path=path)


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _lying_header() -> bytes:
    """An archive whose probabilities header promises 10**12 rows (40 TB) it does not hold."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (10**12, 10)}
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("indices.npy", _npy(np.arange(3, dtype=np.int32)))
        archive.writestr("labels.npy", _npy(np.zeros(3, np.uint8)))
        archive.writestr("probabilities.npy", header.getvalue() + b"\0" * 400)
    return buffer.getvalue()


PAYLOAD_CASES = {
    "not an archive": (b"definitely not numpy", "not a NumPy .npz archive"),
    "empty": (b"", "not a NumPy .npz archive"),
    "a single array": (_npy(np.zeros(3)), "a single NumPy array, not an .npz archive"),
    "a pickle": (b"\x80\x04K\x01.", "not a NumPy .npz archive"),
    "a damaged archive": (b"PK\x03\x04" + b"\0" * 40, "a damaged .npz archive"),
    "a header promising more than it holds": (_lying_header(), "shorter than its header says"),
}


@pytest.mark.parametrize("case", PAYLOAD_CASES, ids=list(PAYLOAD_CASES))
def test_a_payload_that_is_no_npz_archive_is_refused(stored, tmp_path, case):
    payload, fragment = PAYLOAD_CASES[case]
    path = store_payload(stored[2], "test", payload)
    refused(stored, tmp_path, fragment, path=path)


def test_an_oversized_prediction_file_is_refused_before_it_is_read(stored, tmp_path, monkeypatch):
    monkeypatch.setattr(prediction_checks, "NPZ_BYTES_LIMIT", 1_000)
    first = npz_of(stored[2].with_name("fold-00.json"), "test")  # every file is over it now
    refused(stored, tmp_path, "far past any prediction file", path=first)


def test_arrays_that_unpack_past_the_limit_are_refused(stored, tmp_path, monkeypatch):
    monkeypatch.setattr(prediction_checks, "NPZ_BYTES_LIMIT", 100_000)
    path = store_arrays(stored[2], "test", padding=np.zeros(10**6, np.uint8))  # ~1 KB packed
    refused(stored, tmp_path, "arrays unpack to over", path=path)


def test_float16_probabilities_of_older_schemas_pass(stored, tmp_path):
    """Schema 1 stored float16: rows rounded to it sum to 1 only within the tolerance."""
    results_dir, data_dir, fold_json = stored
    arrays = stored_arrays(fold_json)
    logits = np.random.default_rng(3).normal(scale=4, size=arrays["probabilities"].shape)
    probabilities = metrics.softmax(logits).astype(np.float16)
    probabilities[0] = 0.1  # float16's 0.1 is 0.09998: the row sums to 0.9998
    sums = probabilities.astype(np.float64).sum(axis=1)
    assert np.abs(sums - 1).max() > 1e-4  # not exactly 1, as float16 rows are not
    store_arrays(fold_json, "test", probabilities=probabilities)
    result = render(results_dir, tmp_path / "site", data_dir)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "site" / "models" / "lenet5.html").is_file()


def test_load_reports_refuses_a_crafted_file_in_one_line(stored):
    results_dir, _, fold_json = stored
    original = stored_arrays(fold_json)
    for damage, fragment in (
        (_probabilities(_put((2, 2), np.nan)), "probability of row 2, class 2 is nan"),
        (_indices(_copy_first_index), "appears more than once"),
    ):
        path = store_arrays(fold_json, "test", **damage(stored_arrays(fold_json)))
        with pytest.raises(BenchError, match=fragment) as raised:
            report.load_reports(results_dir)
        assert str(raised.value).startswith(f"{path}: ") and "\n" not in str(raised.value)
        store_arrays(fold_json, "test", **original)
    assert report.load_reports(results_dir)[0].folds_done == 2  # the restored file passes


# --- fold records, field by field ------------------------------------------------------------

LAYER = {"name": "C1", "type": "Conv2D", "output_shape": [None, 28, 28, 6], "parameters": 156}
DIGEST = "0" * 64
# field -> (the value stored, what the message names)
RECORD_CASES = [
    ("parameters", True, "parameters is true; allowed: a whole number from 1"),
    ("parameters", 0, "parameters is 0"),
    ("parameters", 1.5, "parameters is 1.5"),
    ("train_images", -1, "train_images is -1"),
    ("held_out_images", "40", "held_out_images is '40'"),
    ("test_images", None, "test_images is null"),
    ("epochs", True, "epochs is true"),
    ("batch_size", 0, "batch_size is 0"),
    ("epoch_seconds", [1.0, float("nan")], "epoch_seconds[1] is nan; allowed: a finite number"),
    ("epoch_seconds", [-1.0], "epoch_seconds[0] is -1.0"),
    ("epoch_seconds", "fast", "epoch_seconds is 'fast'; allowed: a list"),
    ("train_seconds", -5, "train_seconds is -5"),
    ("images_per_second", float("inf"), "images_per_second is inf"),
    ("wall_seconds", False, "wall_seconds is false"),
    ("history", {"loss": [1.0, "x"]}, "history.loss[1] is 'x'"),
    ("history", {"loss": [float("-inf")]}, "history.loss[0] is -inf"),
    ("history", {"loss": 1.0}, "history.loss is 1.0; allowed: a list"),
    ("history", [1], "history is a list of 1; allowed: a mapping"),
    ("architecture", "layers", "architecture is 'layers'; allowed: a list"),
    ("architecture", [{**LAYER, "parameters": -3}], "architecture[0].parameters is -3"),
    ("architecture", [{**LAYER, "name": 5}], "architecture[0].name is 5"),
    ("architecture", [{"type": "Dense", "output_shape": [], "parameters": 0}],
     "architecture[0].name is missing"),
    ("architecture", [{**LAYER, "output_shape": [None, "28"]}],
     "architecture[0].output_shape is a list of 2; allowed: a shape or a list of shapes"),
    ("device", ["cpu"], "device is a list of 1; allowed: text"),
    ("backend", "x" * 500, "backend is 'xxxx"),
    ("display_name", "", "display_name is ''; allowed: text of 1 to"),
    ("family", 3, "family is 3"),
    ("run_id", "../../x", "run_id is '../../x'"),
    ("finished_at", "yesterday", "finished_at is 'yesterday'; allowed: an ISO 8601 time"),
    ("fold_key", "not-hex!", "fold_key is 'not-hex!'"),
    ("seed", -1, "seed is -1"),
    ("seed", True, "seed is true"),
    ("gpus", "A100", "gpus is 'A100'; allowed: a list"),
    ("mixed_precision", 16, "mixed_precision is 16"),
    ("steps_per_execution", 0, "steps_per_execution is 0"),
    ("identity", [1], "identity is a list of 1; allowed: a mapping"),
    ("config", {"plan": {"recipe": {"epochs": True}}}, "config.plan.recipe.epochs is true"),
    ("config", {"plan": {"recipe": []}}, "config.plan.recipe is a list of 0; allowed: a mapping"),
    ("config", {"plan": {"folds": 1}}, "config.plan.folds is 1; allowed: a whole number from 2"),
    ("config", [], "config is a list of 0; allowed: a mapping"),
    ("test_predictions", {"file": "../../x.npz", "sha256": DIGEST},
     "test_predictions.file is '../../x.npz'"),
    ("held_out_predictions", {"file": "fold-01.held-out.npz"},
     "held_out_predictions.sha256 is missing"),
    ("origin", "models/mine.py", "origin is 'models/mine.py'; allowed: a mapping"),
    ("origin", {"module": "bench_project_models.mine"}, "origin.kind is missing"),
    ("origin", {"kind": "project", "module": "m", "source_sha256": "<b>"},
     "origin.source_sha256 is '<b>'"),
    ("origin", {"kind": "project", "module": "m", "version": ["1"]}, "origin.version is a list"),
    ("card", {"summary": "x" * 4_001}, "card.summary is 'xxxx"),
    ("card", {"description": 7}, "card.description is 7"),
    ("card", {"citation": {"year": "2018"}}, "card.citation.year is '2018'"),
    ("card", {"citation": []}, "card.citation is a list of 0; allowed: a mapping"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "message"), RECORD_CASES, ids=[f"{c[0]}={c[1]!r}"[:40] for c in RECORD_CASES]
)
def test_a_crafted_fold_record_field_is_refused(stored, tmp_path, field, value, message):
    fold_json = stored[2]
    record = json.loads(fold_json.read_text())
    fold_json.write_text(json.dumps({**record, field: value}))
    refused(stored, tmp_path, "fold result has a malformed field", message, "allowed")


def test_a_schema_3_record_names_the_config_field_its_facts_come_from():
    stored = make_record().to_json()
    stored["config"]["plan"]["recipe"]["batch_size"] = False
    with pytest.raises(BenchError, match=r"config\.plan\.recipe\.batch_size is false") as raised:
        FoldRecord.from_json(stored, "results/lenet5/smoke/fold-01.json")
    assert "fold-01.json" in str(raised.value) and "\n" not in str(raised.value)


# --- run manifests -----------------------------------------------------------------------------

MANIFEST_CASES = [
    ("git", {"dirty": False}, "git.commit is missing"),
    ("git", {"commit": "<script>"}, "git.commit is '<script>'"),
    ("config", {"plans": [["lenet5", {"recipe": []}]]}, "config.plans[0][1].recipe is a list"),
    ("config", {"plans": "lenet5"}, "config.plans is 'lenet5'; allowed: a list"),
    ("config", {"seed": "zero"}, "config.seed is 'zero'"),
    ("environment", {"light_model_flops": "many"}, "environment.light_model_flops is 'many'"),
    ("environment", {"versions": {"keras": 3}}, "environment.versions.keras is 3"),
    ("dataset", {"sha256": {"train": 5}}, "dataset.sha256.train is 5"),
    ("shard", [0, 0], "shard[1] is 0"),
    ("fresh", "no", "fresh is 'no'; allowed: true or false"),
    ("time_budget_seconds", -1, "time_budget_seconds is -1"),
    ("status", 7, "status is 7"),
    ("started_at", 12, "started_at is 12"),
    ("planned", [["lenet5", -1]], "planned[0][1] is -1"),
    ("host", {"name": "x"}, "host is a mapping"),
]


@pytest.mark.parametrize(
    ("field", "value", "message"), MANIFEST_CASES, ids=[c[2][:40] for c in MANIFEST_CASES]
)
def test_a_crafted_run_manifest_field_is_refused(stored, tmp_path, field, value, message):
    results_dir = stored[0]
    (path,) = (results_dir / "runs").glob("*.json")
    path.write_text(json.dumps({**json.loads(path.read_text()), field: value}))
    refused(stored, tmp_path, "run manifest has a malformed field", message, path=path)


# --- bounded parsing -----------------------------------------------------------------------------


def test_a_record_nested_100000_deep_is_refused_before_parsing(stored, tmp_path):
    fold_json = stored[2]
    fold_json.write_text("[" * 100_000 + "]" * 100_000)
    refused(stored, tmp_path, "nests 100,000 levels deep, past the 64")


def test_a_manifest_nested_100000_deep_is_refused(stored, tmp_path):
    (path,) = (stored[0] / "runs").glob("*.json")
    path.write_text('{"schema_version": 2, "x": ' + "[{" * 50_000 + "}]" * 50_000 + "}")
    refused(stored, tmp_path, "run manifest nests 100,001 levels deep", path=path)


def test_an_oversized_record_is_refused_before_it_is_read(stored, tmp_path):
    fold_json = stored[2]
    record = fold_json.read_text()
    fold_json.write_text(record + " " * bounded_json.JSON_BYTES_LIMIT)
    refused(stored, tmp_path, "is larger than 16 MiB")


def test_an_integer_too_long_to_convert_is_refused(stored, tmp_path):
    fold_json = stored[2]
    fold_json.write_text('{"schema_version": 2, "parameters": ' + "9" * 5_000 + "}")
    refused(stored, tmp_path, "holds an unreadable value")


@pytest.mark.parametrize(
    ("text", "depth"),
    [(b"", 0), (b"1", 0), (b"[]", 1), (b'{"a": [[1], {"b": []}]}', 4),
     (b'{"a": "[[[{{{", "b": "\\"[[[", "c": ["]]]"]}', 2),  # brackets in strings do not count
     (b'["\\\\", [[]]]', 3),  # an escaped backslash ends before the quote
     (b'[["unterminated [[[[', 2)],
)  # fmt: skip
def test_nesting_depth_counts_only_brackets_outside_strings(text, depth):
    assert bounded_json.nesting_depth(text) == depth


def test_nesting_depth_is_linear_on_many_escaped_quotes():
    text = b'"' + b'\\"' * 2_000_000  # an unterminated string of escaped quotes
    assert bounded_json.nesting_depth(text) == 0


def test_a_recursion_error_is_one_line_even_past_the_depth_check(tmp_path, monkeypatch):
    monkeypatch.setattr(bounded_json, "JSON_DEPTH_LIMIT", 10**9)
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(BenchError, match="nests too deeply to parse"):
        bounded_json.load(path, what="fold result", fix="delete it")


def test_the_committed_records_are_far_inside_the_limits():
    committed = sorted((Path(__file__).resolve().parent.parent / "results").glob("**/*.json"))
    for path in committed:
        text = path.read_bytes()
        assert len(text) < bounded_json.JSON_BYTES_LIMIT / 100
        assert bounded_json.nesting_depth(text) <= 8 < bounded_json.JSON_DEPTH_LIMIT
