import gzip
import os

import numpy as np
import pytest

from bench import data
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


def test_corrupt_gzip_is_reported(synthetic):
    directory, _ = synthetic
    path = directory / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(BenchError, match="train-images-idx3-ubyte.gz: corrupt gzip data"):
        data.load_dataset(directory)


def test_verification_is_remembered_until_the_file_changes(synthetic, monkeypatch):
    directory, arrays = synthetic
    data.load_dataset(directory)
    calls = []
    monkeypatch.setattr(data, "_check_digest", lambda payload, spec: calls.append(spec.name))
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


def test_real_fashion_mnist_wherever_installed():
    """CI installs Debian's dataset-fashion-mnist and sets BENCH_REQUIRE_REAL_DATA=1."""
    if not data.SYSTEM_DIR.is_dir():
        if os.environ.get("BENCH_REQUIRE_REAL_DATA"):
            pytest.fail(f"{data.SYSTEM_DIR} is missing; install dataset-fashion-mnist")
        pytest.skip("Debian's dataset-fashion-mnist is not installed on this machine")
    dataset = data.load_dataset()
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
