import gzip
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench import data
from bench.data import idx
from bench.errors import BenchError
from tests.conftest import write_dataset


def test_load_returns_the_arrays_and_class_names(synthetic):
    directory, arrays = synthetic
    dataset = data.load_dataset(directory)
    np.testing.assert_array_equal(dataset.train_images, arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(dataset.test_labels, arrays["t10k-labels-idx1-ubyte"])
    assert dataset.train_images.dtype == np.uint8
    assert dataset.class_names[6] == "Shirt"
    assert dataset.source.origin == "--data-dir"


def test_uncompressed_files_are_accepted(synthetic, tmp_path):
    _, arrays = synthetic
    raw = write_dataset(tmp_path / "raw", arrays, compress=False)
    assert data.load_dataset(raw).train_labels.shape == (40,)


def test_missing_file_names_it(synthetic):
    directory, _ = synthetic
    (directory / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(BenchError, match="missing t10k-labels-idx1-ubyte.gz; point it at"):
        data.locate(directory)


def test_missing_directory_names_the_option(tmp_path):
    with pytest.raises(BenchError, match=r"--data-dir .*nowhere: no such directory"):
        data.locate(tmp_path / "nowhere")


def test_wrong_digest_names_the_file_and_the_fix(synthetic):
    directory, arrays = synthetic
    changed = arrays["train-labels-idx1-ubyte"].copy()
    changed[0] = 9
    write_dataset(directory, {"train-labels-idx1-ubyte": changed})
    with pytest.raises(BenchError) as caught:
        data.load_dataset(directory)
    message = str(caught.value)
    assert "train-labels-idx1-ubyte.gz: SHA-256 of the content is" in message
    assert "pass another --data-dir" in message
    assert "\n" not in message


def _gz(payload: bytes) -> bytes:
    return gzip.compress(payload, mtime=0)


def _flip(blob: bytes, position: int) -> bytes:
    changed = bytearray(blob)
    changed[position] ^= 0xFF
    return bytes(changed)


# Damage done to the synthetic train images (IDX bytes in, file out) and the refusal it earns;
# the synthetic file must decompress to exactly 16 + 40 * 784 = 31,376 bytes.
DAMAGED_FILES = [
    pytest.param(
        ".gz", lambda idx_bytes: _gz(idx_bytes)[: len(_gz(idx_bytes)) // 2],
        "corrupt gzip data (Compressed file ended before", id="gzip-cut-in-half",
    ),
    pytest.param(
        ".gz", lambda idx_bytes: _gz(idx_bytes)[:-8],
        "corrupt gzip data (Compressed file ended before", id="gzip-trailer-missing",
    ),
    pytest.param(
        ".gz", lambda idx_bytes: _flip(_gz(idx_bytes), -5),
        "corrupt gzip data (CRC check failed", id="gzip-checksum-wrong",
    ),
    pytest.param(
        ".gz", lambda idx_bytes: _gz(idx_bytes)[:10] + b"\xff" * 64,
        "corrupt gzip data (Error -3", id="deflate-data-invalid",
    ),
    pytest.param(
        ".gz", lambda idx_bytes: _gz(idx_bytes) + b"trailing garbage",
        "corrupt gzip data (Not a gzipped file", id="garbage-after-gzip-stream",
    ),
    pytest.param(
        ".gz", lambda idx_bytes: _gz(idx_bytes[:-100]),
        "truncated: 31,276 bytes, expected 31,376", id="decompresses-short",
    ),
    pytest.param(
        ".gz", lambda idx_bytes: _gz(idx_bytes + b"\0"),
        "decompresses to more than the 31,376 bytes this file must have", id="decompresses-long",
    ),
    pytest.param(
        ".gz", lambda idx_bytes: _gz(idx_bytes) + _gz(b"\0"),
        "decompresses to more than the 31,376 bytes this file must have", id="second-gzip-member",
    ),
    pytest.param(
        ".gz", lambda idx_bytes: _gz(_flip(idx_bytes, -1)),
        "SHA-256 of the content is", id="right-size-wrong-digest",
    ),
    pytest.param(
        ".gz", lambda idx_bytes: _gz(bytes(len(idx_bytes))),
        "magic number 0, expected 2051", id="zeros-instead-of-idx",
    ),
    pytest.param(
        "", lambda idx_bytes: idx_bytes + b"\0",
        "holds more than the 31,376 bytes this file must have", id="raw-too-long",
    ),
    pytest.param(
        "", lambda idx_bytes: idx_bytes[:20],
        "truncated: 20 bytes, expected 31,376", id="raw-too-short",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("suffix", "damage", "reason"), DAMAGED_FILES)
def test_damaged_file_is_refused_in_one_line(synthetic, suffix, damage, reason):
    directory, arrays = synthetic
    (directory / "train-images-idx3-ubyte.gz").unlink()
    path = directory / f"train-images-idx3-ubyte{suffix}"
    path.write_bytes(damage(idx.encode(arrays["train-images-idx3-ubyte"])))
    with pytest.raises(BenchError) as caught:
        data.load_dataset(directory)
    message = str(caught.value)
    assert message.startswith(f"{path}: {reason}")
    assert message.endswith("; replace it with the official file or pass another --data-dir")
    assert "\n" not in message


def test_verification_is_remembered_until_the_file_changes(synthetic, monkeypatch):
    directory, arrays = synthetic
    data.load_dataset(directory)
    calls = []
    monkeypatch.setattr(data, "_check_digest", lambda digest, spec: calls.append(spec.name))
    data.load_dataset(directory)
    assert calls == []
    path = directory / "t10k-images-idx3-ubyte.gz"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    data.load_dataset(directory)
    assert calls == ["t10k-images-idx3-ubyte"]


def test_search_order_option_then_env_then_cache_then_system(synthetic, tmp_path, monkeypatch):
    directory, arrays = synthetic
    system = write_dataset(tmp_path / "system", arrays)
    assert data.locate(system_dir=system).origin == "system package"
    cache = write_dataset(data.cache_dir(), arrays)
    assert data.locate(system_dir=system).directory == cache
    monkeypatch.setenv("BENCH_DATA_DIR", str(system))
    assert data.locate(system_dir=system).origin == "BENCH_DATA_DIR"
    assert data.locate(directory, system_dir=system).origin == "--data-dir"


def test_nothing_found_without_download_says_what_to_do(tmp_path):
    with pytest.raises(BenchError, match="run `bench data fetch`, pass --data-dir"):
        data.locate(system_dir=tmp_path / "empty", allow_download=False)


def test_real_fashion_mnist_wherever_installed(real_data_dir):
    dataset = data.load_dataset(real_data_dir)
    assert dataset.train_images.shape == (60_000, 28, 28)
    assert dataset.test_images.shape == (10_000, 28, 28)
    assert data.class_counts(dataset.train_labels) == [6_000] * 10
    assert data.class_counts(dataset.test_labels) == [1_000] * 10


def test_gzip_wrapper_does_not_matter(synthetic, tmp_path):
    """Debian recompresses the files; only the decompressed content is checked."""
    directory, arrays = synthetic
    other = tmp_path / "recompressed"
    other.mkdir()
    for path in directory.iterdir():
        payload = gzip.decompress(path.read_bytes())
        (other / path.name).write_bytes(gzip.compress(payload, compresslevel=1, mtime=12345))
    assert data.load_dataset(other).test_images.shape == (20, 28, 28)


# Loads the real specs' directory argv[1] in a fresh process; prints the refusal, then the peak
# RSS. VmHWM, not ru_maxrss: ru_maxrss carries over the parent's peak across fork and exec.
LOAD_AND_MEASURE = """
import sys
from pathlib import Path
from bench import data
from bench.errors import BenchError
try:
    data.load(data.DataSource(Path(sys.argv[1]), "cache"))
except BenchError as error:
    print(error)
status = Path("/proc/self/status").read_text()
print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
"""


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux's /proc")
def test_decompression_bomb_is_refused_without_filling_memory(tmp_path):
    """A valid header then 1 GiB of zeros: the old whole-file decompress peaked above 1 GiB."""
    spec = data.FILES[0]  # the real train images: a 47,040,016-byte array is filled first
    path = tmp_path / spec.gz_name
    zeros = bytes(16 << 20)
    with gzip.GzipFile(path, "wb", compresslevel=1, mtime=0) as bomb:
        bomb.write(struct.pack(">IIII", idx.IMAGES_MAGIC, spec.count, 28, 28))
        for _ in range(64):
            bomb.write(zeros)
    assert path.stat().st_size < 8 << 20
    finished = subprocess.run(
        [sys.executable, "-c", LOAD_AND_MEASURE, str(tmp_path)],
        capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[1],
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr[-2000:]
    message, peak_kib = finished.stdout.splitlines()
    assert message == (
        f"{path}: decompresses to more than the 47,040,016 bytes this file must have; "
        "delete the file and run `bench data fetch` again"
    )
    assert int(peak_kib) < 500 * 1024
