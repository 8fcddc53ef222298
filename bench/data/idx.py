"""Strict parsing of the IDX format used by the (Fashion-)MNIST files.

IDX is big-endian: a 4-byte magic number (2051 for images, 2049 for labels), then one 4-byte count
per dimension, then the raw uint8 payload. Anything that deviates is rejected, so a truncated or
foreign file can never reach training. Files are read from a stream into a preallocated array,
never past the size the header promises plus one byte, so a huge input costs no memory.
"""

from __future__ import annotations

import io
import struct
from typing import Protocol

import numpy as np

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
IMAGE_SIDE = 28
NUM_CLASSES = 10
CHUNK_BYTES = 1 << 20  # small enough to stay in cache for whatever wraps the stream (hashing)


class Readable(Protocol):
    """What the readers need of a stream: an open file, a ``GzipFile``, a ``BytesIO``."""

    def readinto(self, buffer: memoryview, /) -> int | None: ...


class IdxFormatError(ValueError):
    """The bytes are not a valid IDX file of the expected kind; the message says what is wrong."""


def file_bytes(kind: str, count: int) -> int:
    """Exact size of an IDX file holding ``count`` images or labels (``kind``)."""
    if kind == "images":
        return _header_bytes(3) + count * IMAGE_SIDE * IMAGE_SIDE
    return _header_bytes(1) + count


def read_images(stream: Readable, expected_count: int) -> np.ndarray:
    """Return a read-only ``(count, 28, 28)`` uint8 array read from an IDX3 image stream."""
    count, rows, cols = _header(stream, IMAGES_MAGIC, dimensions=3, kind="images")
    if (rows, cols) != (IMAGE_SIDE, IMAGE_SIDE):
        raise IdxFormatError(f"images are {rows}x{cols}, expected {IMAGE_SIDE}x{IMAGE_SIDE}")
    _check_count(count, expected_count, "images")
    return _body(stream, (count, rows, cols), _header_bytes(3))


def read_labels(stream: Readable, expected_count: int) -> np.ndarray:
    """Return a read-only ``(count,)`` uint8 array of labels 0-9 read from an IDX1 label stream."""
    (count,) = _header(stream, LABELS_MAGIC, dimensions=1, kind="labels")
    _check_count(count, expected_count, "labels")
    labels = _body(stream, (count,), _header_bytes(1))
    if labels.size and int(labels.max()) >= NUM_CLASSES:
        position = int(np.argmax(labels >= NUM_CLASSES))
        raise IdxFormatError(
            f"label {int(labels[position])} at index {position} is outside 0-{NUM_CLASSES - 1}"
        )
    return labels


def parse_images(payload: bytes, expected_count: int) -> np.ndarray:
    """``read_images`` for an IDX3 file already in memory."""
    return read_images(io.BytesIO(payload), expected_count)


def parse_labels(payload: bytes, expected_count: int) -> np.ndarray:
    """``read_labels`` for an IDX1 file already in memory."""
    return read_labels(io.BytesIO(payload), expected_count)


def encode(array: np.ndarray) -> bytes:
    """Serialise a uint8 array as IDX (labels for 1-D, images for 3-D); used to make test data."""
    magic = {1: LABELS_MAGIC, 3: IMAGES_MAGIC}[array.ndim]
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def _header_bytes(dimensions: int) -> int:
    return 4 * (1 + dimensions)


def _header(stream: Readable, magic: int, dimensions: int, kind: str) -> tuple[int, ...]:
    header = bytearray(_header_bytes(dimensions))
    received = _read_into(stream, memoryview(header))
    if received < len(header):
        raise IdxFormatError(f"only {received} bytes, too short for an IDX {kind} header")
    found, *shape = struct.unpack(f">I{dimensions}I", header)
    if found != magic:
        raise IdxFormatError(f"magic number {found}, expected {magic} for IDX {kind}")
    return tuple(shape)


def _check_count(count: int, expected: int, kind: str) -> None:
    if count != expected:
        raise IdxFormatError(f"holds {count:,} {kind}, expected {expected:,}")


def _body(stream: Readable, shape: tuple[int, ...], header_size: int) -> np.ndarray:
    """Fill a new array of ``shape`` from ``stream``, which must then be at its end."""
    array = np.empty(shape, dtype=np.uint8)
    view = memoryview(array).cast("B")
    expected = header_size + view.nbytes
    for start in range(0, view.nbytes, CHUNK_BYTES):
        chunk = view[start : start + CHUNK_BYTES]
        received = _read_into(stream, chunk)
        if received < chunk.nbytes:
            raise IdxFormatError(
                f"truncated: {header_size + start + received:,} bytes, expected {expected:,}"
            )
    if _read_into(stream, memoryview(bytearray(1))):
        raise IdxFormatError(f"has trailing bytes beyond the {expected:,} expected")
    array.flags.writeable = False  # one copy shared by every fold; nobody may change it
    return array


def _read_into(stream: Readable, buffer: memoryview) -> int:
    """Fill ``buffer`` unless the stream ends first; return how many bytes it received."""
    received = 0
    while received < buffer.nbytes:
        count = stream.readinto(buffer[received:])
        if not count:
            break
        received += count
    return received
