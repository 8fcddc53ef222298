"""Find, verify and load Fashion-MNIST.

Search order: ``--data-dir`` / ``BENCH_DATA_DIR``, the user cache, Debian's
``dataset-fashion-mnist`` package, and only then the official mirrors. Every file is checked
against the SHA-256 of its *decompressed* content (so any gzip wrapper passes) and parsed strictly;
a successful check is remembered in a stamp keyed on path, size and mtime, so later loads skip
the hashing. Each file is decompressed, hashed and parsed as one stream that stops one byte past
the size the file must have, so a damaged or hostile file is refused without filling memory.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.data import download, idx
from bench.errors import BenchError
from bench.files import atomic_write

CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
GZIP_MAGIC = b"\x1f\x8b"
ENV_DATA_DIR = "BENCH_DATA_DIR"


@dataclass(frozen=True)
class DataFile:
    """One of the four dataset files, with the digest of its decompressed content."""

    name: str
    split: str  # "train" or "test"
    kind: str  # "images" or "labels"
    count: int
    sha256: str

    @property
    def gz_name(self) -> str:
        return self.name + ".gz"

    @property
    def size_bytes(self) -> int:
        """The exact size of the decompressed file."""
        return idx.file_bytes(self.kind, self.count)


TRAIN_IMAGES, TEST_IMAGES = 60_000, 10_000  # the sizes of Fashion-MNIST's two splits
# Digests of the decompressed files: ../shared/REFERENCE.md (Zalando's published files).
FILES = (
    DataFile("train-images-idx3-ubyte", "train", "images", TRAIN_IMAGES,
             "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
    DataFile("train-labels-idx1-ubyte", "train", "labels", TRAIN_IMAGES,
             "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
    DataFile("t10k-images-idx3-ubyte", "test", "images", TEST_IMAGES,
             "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
    DataFile("t10k-labels-idx1-ubyte", "test", "labels", TEST_IMAGES,
             "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
)  # fmt: skip


def split_size(split: str) -> int:
    """Images in the ``train`` or ``test`` split (60,000 and 10,000), read from ``FILES``."""
    return next(spec.count for spec in FILES if spec.split == split and spec.kind == "labels")


@dataclass(frozen=True)
class DataSource:
    """Where the files were found and how (``origin`` is shown to the user)."""

    directory: Path
    origin: str  # "--data-dir", "BENCH_DATA_DIR", "cache", "system package", "download"


@dataclass(frozen=True)
class FashionMNIST:
    """The dataset as uint8 arrays: images (N, 28, 28), labels (N,)."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    source: DataSource
    class_names: tuple[str, ...] = CLASS_NAMES


def cache_dir() -> Path:
    """The per-user download cache, ``$XDG_CACHE_HOME/bench/fashion-mnist``."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "bench" / "fashion-mnist"


def locate(
    data_dir: Path | None = None,
    *,
    allow_download: bool = True,
    system_dir: Path | None = None,
    mirrors: tuple[str, ...] | None = None,
    timeout_seconds: float = 30.0,
    on_progress: download.ProgressCallback | None = None,
) -> DataSource:
    """Find a directory holding all four files, downloading into the cache as a last resort."""
    if data_dir is not None:
        return _explicit(Path(data_dir), "--data-dir")
    if os.environ.get(ENV_DATA_DIR):
        return _explicit(Path(os.environ[ENV_DATA_DIR]), ENV_DATA_DIR)
    cache = cache_dir()
    if not _missing(cache):
        return DataSource(cache, "cache")
    system = system_dir or SYSTEM_DIR
    if not _missing(system):
        return DataSource(system, "system package")
    if not allow_download:
        raise BenchError(
            f"Fashion-MNIST is neither in {cache} nor in {system}; run `bench data fetch`, "
            "pass --data-dir, or install Debian's dataset-fashion-mnist package"
        )
    for spec in _missing(cache):
        download.fetch(
            spec.gz_name,
            cache,
            mirrors=mirrors or download.configured_mirrors(),
            timeout_seconds=timeout_seconds,
            verify=lambda path, spec=spec: _read_array(path, spec, check_digest=True),
            on_progress=on_progress,
        )
    return DataSource(cache, "download")


def load(source: DataSource) -> FashionMNIST:
    """Read, verify (once per file version) and parse the four files of ``source``."""
    stamps = _Stamps(cache_dir().parent / "verified.json")
    arrays = {}
    for spec in FILES:
        path = _file_path(source.directory, spec)
        try:
            arrays[spec.name] = _read_array(path, spec, check_digest=not stamps.known(path))
        except (ValueError, OSError) as error:
            raise BenchError(f"{path}: {_describe(error)}; {_fix(source)}") from error
        stamps.remember(path)
    stamps.save()
    train_images, train_labels, test_images, test_labels = (arrays[f.name] for f in FILES)
    return FashionMNIST(train_images, train_labels, test_images, test_labels, source)


def load_dataset(data_dir: Path | None = None, **locate_options) -> FashionMNIST:
    """Locate then load: the one call training and the site use."""
    return load(locate(data_dir, **locate_options))


def class_counts(labels: np.ndarray) -> list[int]:
    """Number of examples of each class, in label order."""
    return np.bincount(labels, minlength=len(CLASS_NAMES)).tolist()


def dataset_digests() -> dict[str, str]:
    """The expected digests, recorded in every run manifest."""
    return {spec.name: spec.sha256 for spec in FILES}


def _explicit(directory: Path, option: str) -> DataSource:
    if not directory.is_dir():
        raise BenchError(
            f"{option} {directory}: no such directory; point it at the folder "
            "holding the four Fashion-MNIST files"
        )
    missing = _missing(directory)
    if missing:
        names = ", ".join(spec.gz_name for spec in missing)
        raise BenchError(
            f"{option} {directory}: missing {names}; point it at the folder holding "
            "the four Fashion-MNIST files (.gz or uncompressed)"
        )
    return DataSource(directory, option)


def _file_path(directory: Path, spec: DataFile) -> Path:
    compressed = directory / spec.gz_name
    return compressed if compressed.is_file() else directory / spec.name


def _missing(directory: Path) -> list[DataFile]:
    return [spec for spec in FILES if not _file_path(directory, spec).is_file()]


def _read_array(path: Path, spec: DataFile, *, check_digest: bool) -> np.ndarray:
    """Decompress, parse and (if asked) hash ``path`` in one pass; ValueError says what is wrong."""
    read = idx.read_images if spec.kind == "images" else idx.read_labels
    with path.open("rb") as file:
        compressed = file.peek(2)[:2] == GZIP_MAGIC
        stream = gzip.GzipFile(fileobj=file, mode="rb") if compressed else file
        content = _Content(stream, spec.size_bytes, compressed, hashed=check_digest)
        try:
            array = read(content, spec.count)
        except (gzip.BadGzipFile, EOFError, zlib.error) as error:
            raise ValueError(f"corrupt gzip data ({error})") from error
    if check_digest:
        _check_digest(content.hexdigest(), spec)
    return array


class _Content:
    """A file's decompressed bytes, hashed as they pass and refused past the size it must have."""

    def __init__(
        self, stream: io.BufferedIOBase, size_bytes: int, compressed: bool, *, hashed: bool
    ) -> None:
        self.stream = stream
        self.size_bytes = size_bytes
        self.compressed = compressed
        self.received = 0
        self.digest = hashlib.sha256() if hashed else None

    def readinto(self, buffer: memoryview) -> int:
        # Never ask for more than one byte past the limit: that byte alone proves the excess.
        room = max(self.size_bytes - self.received, 0) + 1
        window = memoryview(buffer).cast("B")[:room]
        count = self.stream.readinto(window) or 0
        self.received += count
        if self.received > self.size_bytes:
            verb = "decompresses to" if self.compressed else "holds"
            raise ValueError(f"{verb} more than the {self.size_bytes:,} bytes this file must have")
        if self.digest is not None:
            self.digest.update(window[:count])
        return count

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


def _check_digest(digest: str, spec: DataFile) -> None:
    if digest != spec.sha256:
        raise ValueError(
            f"SHA-256 of the content is {digest[:12]}..., expected {spec.sha256[:12]}..."
        )


def _describe(error: Exception) -> str:
    if isinstance(error, OSError):
        return f"cannot read ({error.strerror or error})"
    return str(error)


def _fix(source: DataSource) -> str:
    if source.origin in ("cache", "download"):
        return "delete the file and run `bench data fetch` again"
    if source.origin == "system package":
        return "reinstall it: apt-get install --reinstall dataset-fashion-mnist"
    return f"replace it with the official file or pass another {source.origin}"


class _Stamps:
    """Remembers files whose digest matched, keyed on resolved path, size and mtime."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.entries: dict[str, list[int]] = json.loads(path.read_text())
        except (OSError, ValueError):
            self.entries = {}
        self.changed = False

    @staticmethod
    def _key(file: Path) -> tuple[str, list[int]]:
        stat = file.stat()
        return str(file.resolve()), [stat.st_size, stat.st_mtime_ns]

    def known(self, file: Path) -> bool:
        key, value = self._key(file)
        return self.entries.get(key) == value

    def remember(self, file: Path) -> None:
        key, value = self._key(file)
        if self.entries.get(key) != value:
            self.entries[key] = value
            self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        with contextlib.suppress(OSError):  # a read-only cache only costs re-hashing next time
            atomic_write(self.path, json.dumps(self.entries, indent=1, sort_keys=True).encode())
