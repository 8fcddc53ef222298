"""A full disk (an injected ENOSPC from the writer) while storing a fold or writing the site: one
line saying what could not be written, the OS's words and how to resume; the folds finished
before it are kept, nothing half-written stays behind, and the previous site stays whole."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli import app
from bench.site import output
from bench.store import results
from tests.site_fixtures import install_site_dataset, write_results

runner = CliRunner()
FULL = os.strerror(errno.ENOSPC)  # "No space left on device"


def fill_disk_at(monkeypatch, module, name: str, when) -> list[str]:
    """Make ``module.name`` (a writer taking a path first) raise ENOSPC once ``when(path)`` is
    true, as a full disk would; returns the paths it refused."""
    real = getattr(module, name)
    refused: list[str] = []

    def writer(path, *args, **kwargs):
        if when(Path(path)):
            refused.append(str(path))
            raise OSError(errno.ENOSPC, FULL, str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(module, name, writer)
    return refused


def _train(directory, results_dir):
    arguments = ["--data-dir", str(directory), "--results-dir", str(results_dir)]
    return runner.invoke(app, ["train", "--profile", "smoke", "--quiet", "--model", "lenet5",
                               *arguments])  # fmt: skip


def _one_line(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("suffix", [".json", ".test.npz", ".held-out.npz"])
def test_a_full_disk_while_storing_a_fold_keeps_the_others_and_resumes(
    synthetic, tmp_path, monkeypatch, suffix
):
    directory, _ = synthetic
    results_dir = tmp_path / "results"
    real = results.atomic_write
    refused = fill_disk_at(monkeypatch, results, "atomic_write",
                           lambda path: path.name == f"fold-01{suffix}")  # fmt: skip
    line = _one_line(_train(directory, results_dir))
    stored = results_dir / "lenet5" / "smoke"
    assert line == (
        f"error: cannot write lenet5 fold 1 ({stored / 'fold-01.json'}) ({FULL}); the 1 fold(s) "
        "this run finished before it are stored; free the space or fix the folder, then run "
        "the same command to resume"
    )
    assert refused
    names = sorted(path.name for path in stored.iterdir())
    assert names == ["fold-00.held-out.npz", "fold-00.json", "fold-00.test.npz"]  # no fold-01.*
    assert not list(results_dir.rglob("*.tmp"))
    monkeypatch.setattr(results, "atomic_write", real)  # space again: only the missing fold
    resumed = _train(directory, results_dir)
    assert resumed.exit_code == 0, resumed.output
    assert "trained 1 fold(s), 1 already stored" in resumed.output


def test_a_full_disk_before_the_first_fold_trains_nothing(synthetic, tmp_path, monkeypatch):
    directory, _ = synthetic
    fill_disk_at(monkeypatch, results, "atomic_write", lambda path: path.parent.name == "runs")
    line = _one_line(_train(directory, tmp_path / "results"))
    assert line.startswith(f"error: cannot write the run manifest in {tmp_path / 'results'}")
    assert f"({FULL}); nothing was trained; free the space" in line
    assert not (tmp_path / "results" / "lenet5").exists()


@pytest.fixture
def built_site(tmp_path, monkeypatch):
    """(results dir, dataset dir, site folder) with a site built once."""
    directory, arrays = install_site_dataset(tmp_path / "fashion", monkeypatch)
    results_dir = write_results(tmp_path / "results", arrays["t10k-labels-idx1-ubyte"],
                                models=("lenet5", "lstm"))  # fmt: skip
    site = tmp_path / "public"
    first = _render(results_dir, site, directory)
    assert first.exit_code == 0, first.output
    return results_dir, directory, site


def _render(results_dir, site, directory):
    return runner.invoke(app, ["render", "--results-dir", str(results_dir), "--out", str(site),
                               "--data-dir", str(directory)])  # fmt: skip


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("writer", ["write", "copy"])
def test_a_full_disk_while_rendering_leaves_the_previous_site_whole(built_site, monkeypatch,
                                                                    writer):  # fmt: skip
    results_dir, directory, site = built_site
    before = _digests(site)
    calls = []

    def full_after_a_few(self, relative, *args):
        calls.append(relative)
        if len(calls) > 2:
            raise OSError(errno.ENOSPC, FULL, str(self.root / relative))
        return real(self, relative, *args)

    real = getattr(output.Writer, writer)
    monkeypatch.setattr(output.Writer, writer, full_after_a_few)
    line = _one_line(_render(results_dir, site, directory))
    assert line.startswith(f"error: cannot write the site into {site} ({FULL}, writing ")
    assert line.endswith("; the previous site there is unchanged; free the space or fix the "
                         "folder, then build again")  # fmt: skip
    assert _digests(site) == before
    leftovers = [path.name for path in site.parent.iterdir() if path.name.startswith(".public")]
    assert leftovers == []


def test_a_full_disk_on_a_first_build_writes_nothing(built_site, tmp_path, monkeypatch):
    results_dir, directory, _ = built_site
    fresh = tmp_path / "elsewhere" / "site"

    def full(self, relative, payload):
        raise OSError(errno.ENOSPC, FULL, str(self.root / relative))

    monkeypatch.setattr(output.Writer, "write", full)
    line = _one_line(_render(results_dir, fresh, directory))
    assert "; nothing was written there; " in line
    assert not fresh.exists()
    assert [path.name for path in fresh.parent.iterdir()] == []
