"""Files written whole or not at all, readable as any other file would be: results, downloads,
the verified-file cache."""

import os
import stat

import pytest

from bench import data, files
from tests.conftest import write_dataset


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def open_mode() -> int:
    return 0o666 & ~_umask()


def test_atomic_write_gives_the_mode_open_would_give(tmp_path):
    target = tmp_path / "fold-00.json"
    files.atomic_write(target, b"{}\n")
    assert stat.S_IMODE(target.stat().st_mode) == open_mode()
    assert target.read_bytes() == b"{}\n"
    assert [path.name for path in tmp_path.iterdir()] == ["fold-00.json"]


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "fold-00.json"
    target.write_bytes(b"old\n")

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "fsync", fail)
    with pytest.raises(OSError, match="disk full"):
        files.atomic_write(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert [path.name for path in tmp_path.iterdir()] == ["fold-00.json"]


def test_downloaded_files_and_the_cache_index_get_the_mode_open_would_give(
    synthetic, http_root, tmp_path
):
    """mkstemp's 0600 would leave a downloaded dataset readable by its owner alone."""
    _, arrays = synthetic
    root, base = http_root
    write_dataset(root, arrays)
    source = data.locate(mirrors=(base,), system_dir=tmp_path / "none", timeout_seconds=5)
    data.load(source)
    written = sorted(source.directory.iterdir()) + [data.cache_dir().parent / "verified.json"]
    assert {spec.gz_name for spec in data.FILES} <= {path.name for path in written}
    assert {path.name: stat.S_IMODE(path.stat().st_mode) for path in written} == {
        path.name: open_mode() for path in written
    }
