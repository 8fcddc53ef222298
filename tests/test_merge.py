"""Merging results folders, every way the README documents: shards of one experiment from
several machines render as one site; a copy holding another seed or another recipe of the same
model is refused in one line naming the folder, and nothing is written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import config
from bench.store import results
from tests.site_fixtures import install_site_dataset, write_results
from tests.test_site_cli import assert_one_line_error, render

FOLDS = 4


@pytest.fixture
def labels_and_data(tmp_path, monkeypatch):
    directory, arrays = install_site_dataset(tmp_path / "fashion", monkeypatch)
    return arrays["t10k-labels-idx1-ubyte"], directory


def machine(root: Path, labels, keep: set[int], run_id: str, **options) -> Path:
    """One machine's results folder: the folds ``keep`` of lenet5 (quick, FOLDS folds)."""
    folder = write_results(root, labels, models=("lenet5",), folds=FOLDS, run_id=run_id,
                           **options)  # fmt: skip
    for fold in set(range(FOLDS)) - keep:
        path = results.fold_path(folder, "lenet5", config.QUICK, fold)
        for file in (path, *(path.with_suffix(s) for s in results.PREDICTION_SUFFIXES)):
            file.unlink()
    return folder


def merge(into: Path, other: Path) -> None:
    """What the README says to do: copy the other folder's files into this one."""
    shutil.copytree(other, into, dirs_exist_ok=True)


def test_shards_from_two_machines_render_as_one_experiment(labels_and_data, tmp_path):
    labels, data_dir = labels_and_data
    first = machine(tmp_path / "a", labels, {0, 2}, "2026-11-28T090000-aaaaaa")
    second = machine(tmp_path / "b", labels, {1, 3}, "2026-11-28T090000-bbbbbb")
    merge(first, second)
    result = render(first, tmp_path / "site", data_dir)
    assert result.exit_code == 0, result.output
    page = (tmp_path / "site" / "models" / "lenet5.html").read_text()
    assert f"{FOLDS} fold models ({FOLDS} planned)" in page
    published = sorted(p.name for p in (tmp_path / "site" / "data" / "results" / "runs").iterdir())
    assert published == ["2026-11-28T090000-aaaaaa.json", "2026-11-28T090000-bbbbbb.json"]


@pytest.mark.parametrize(
    "other", [{"seed": 1}, {"epochs": 7}], ids=["another seed", "another recipe"]
)
def test_a_copy_of_another_experiment_is_one_line_naming_the_folder(
    labels_and_data, tmp_path, other
):
    labels, data_dir = labels_and_data
    first = machine(tmp_path / "a", labels, {0, 1}, "2026-11-28T090000-aaaaaa")
    second = machine(tmp_path / "b", labels, {2, 3}, "2026-11-28T090000-bbbbbb", **other)
    merge(first, second)
    result = render(first, tmp_path / "site", data_dir)
    assert_one_line_error(result, str(first / "lenet5" / config.QUICK), "different configs")
    assert not (tmp_path / "site").exists()
