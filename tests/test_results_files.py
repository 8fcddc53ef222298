"""How results files are written: whole or not at all, readable as any other file would be."""

import os
import stat

import pytest

from bench.store import results


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_atomic_write_gives_the_mode_open_would_give(tmp_path):
    target = tmp_path / "fold-00.json"
    results.atomic_write(target, b"{}\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()
    assert target.read_bytes() == b"{}\n"
    assert [path.name for path in tmp_path.iterdir()] == ["fold-00.json"]


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "fold-00.json"
    target.write_bytes(b"old\n")

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(results.os, "fsync", fail)
    with pytest.raises(OSError, match="disk full"):
        results.atomic_write(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert [path.name for path in tmp_path.iterdir()] == ["fold-00.json"]
