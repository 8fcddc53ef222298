import gzip

import numpy as np
import pytest

from bench import data
from bench.data import idx
from bench.errors import BenchError
from tests.conftest import write_dataset


def _locate(mirrors, tmp_path):
    return data.locate(mirrors=tuple(mirrors), system_dir=tmp_path / "no-system", timeout_seconds=5)


def test_download_fills_the_cache(synthetic, http_root, tmp_path):
    _, arrays = synthetic
    root, base = http_root
    write_dataset(root, arrays)
    progress = []
    source = data.locate(
        mirrors=(base,), system_dir=tmp_path / "none", on_progress=lambda *a: progress.append(a)
    )
    assert source.origin == "download"
    assert source.directory == data.cache_dir()
    assert data.load(source).train_images.shape == (40, 28, 28)
    assert {name for name, _, _ in progress} == {spec.gz_name for spec in data.FILES}
    assert data.locate(system_dir=tmp_path / "none").origin == "cache"


def test_404_on_first_mirror_then_second_mirror(synthetic, http_root, tmp_path):
    _, arrays = synthetic
    root, base = http_root
    write_dataset(root / "second", arrays)
    source = _locate([f"{base}/first/", f"{base}/second/"], tmp_path)
    assert data.load(source).test_labels.shape == (20,)


def test_corrupt_payload_is_rejected_and_not_cached(synthetic, http_root, tmp_path):
    _, arrays = synthetic
    root, base = http_root
    write_dataset(root, arrays)
    bad = root / "train-labels-idx1-ubyte.gz"
    labels = arrays["train-labels-idx1-ubyte"].copy()
    labels[:] = 1
    bad.write_bytes(gzip.compress(idx.encode(labels)))
    with pytest.raises(BenchError) as caught:
        _locate([base], tmp_path)
    message = str(caught.value)
    assert "could not download train-labels-idx1-ubyte.gz" in message
    assert "rejected (SHA-256" in message
    assert "check the network" in message
    assert not (data.cache_dir() / "train-labels-idx1-ubyte.gz").exists()
    assert not list(data.cache_dir().glob("*.part"))


def test_damaged_download_never_replaces_a_good_file(synthetic, http_root, tmp_path):
    _, arrays = synthetic
    root, base = http_root
    cache = write_dataset(
        data.cache_dir(), {"train-images-idx3-ubyte": arrays["train-images-idx3-ubyte"]}
    )
    good = (cache / "train-images-idx3-ubyte.gz").read_bytes()
    (root / "train-labels-idx1-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(BenchError, match="train-labels-idx1-ubyte.gz"):
        _locate([base], tmp_path)
    assert (cache / "train-images-idx3-ubyte.gz").read_bytes() == good


def test_unreachable_mirror_is_reported(synthetic, tmp_path):
    with pytest.raises(BenchError, match=r"http://127\.0\.0\.1:9/.*check the network"):
        _locate(["http://127.0.0.1:9/"], tmp_path)


@pytest.mark.parametrize(
    ("served", "reason"),
    [
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 64, "corrupt gzip data (Error -3"),
        (gzip.compress(idx.encode(np.zeros(40, np.uint8)) + b"\0"), "decompresses to more than"),
    ],
    ids=["invalid-deflate-data", "decompresses-too-long"],
)
def test_mirror_serving_a_damaged_stream_is_rejected(
    synthetic, http_root, tmp_path, served, reason
):
    _, arrays = synthetic
    root, base = http_root
    write_dataset(root, arrays)
    (root / "train-labels-idx1-ubyte.gz").write_bytes(served)
    with pytest.raises(BenchError) as caught:
        _locate([base], tmp_path)
    message = str(caught.value)
    assert f"train-labels-idx1-ubyte.gz: rejected ({reason}" in message
    assert "\n" not in message
    assert not (data.cache_dir() / "train-labels-idx1-ubyte.gz").exists()
