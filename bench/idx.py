"""Strict parsing of the IDX format used by the (Fashion-)MNIST files.

IDX is big-endian: a 4-byte magic number (2051 for images, 2049 for labels), then one 4-byte count
per dimension, then the raw uint8 payload. Anything that deviates is rejected, so a truncated or
foreign file can never reach training.
"""

from __future__ import annotations

import struct

import numpy as np

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
IMAGE_SIDE = 28
NUM_CLASSES = 10


class IdxFormatError(ValueError):
    """The bytes are not a valid IDX file of the expected kind; the message says what is wrong."""


def parse_images(payload: bytes, expected_count: int) -> np.ndarray:
    """Return a read-only ``(count, 28, 28)`` uint8 array parsed from an IDX3 image file."""
    header = _header(payload, IMAGES_MAGIC, dimensions=3, kind="images")
    count, rows, cols = header
    if (rows, cols) != (IMAGE_SIDE, IMAGE_SIDE):
        raise IdxFormatError(f"images are {rows}x{cols}, expected {IMAGE_SIDE}x{IMAGE_SIDE}")
    _check_count(count, expected_count, "images")
    _check_length(payload, 16, count * rows * cols)
    return np.frombuffer(payload, dtype=np.uint8, offset=16).reshape(count, rows, cols)


def parse_labels(payload: bytes, expected_count: int) -> np.ndarray:
    """Return a read-only ``(count,)`` uint8 array of labels 0-9 parsed from an IDX1 label file."""
    (count,) = _header(payload, LABELS_MAGIC, dimensions=1, kind="labels")
    _check_count(count, expected_count, "labels")
    _check_length(payload, 8, count)
    labels = np.frombuffer(payload, dtype=np.uint8, offset=8)
    if labels.size and int(labels.max()) >= NUM_CLASSES:
        position = int(np.argmax(labels >= NUM_CLASSES))
        raise IdxFormatError(
            f"label {int(labels[position])} at index {position} is outside 0-{NUM_CLASSES - 1}"
        )
    return labels


def encode(array: np.ndarray) -> bytes:
    """Serialise a uint8 array as IDX (labels for 1-D, images for 3-D); used to make test data."""
    magic = {1: LABELS_MAGIC, 3: IMAGES_MAGIC}[array.ndim]
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def _header(payload: bytes, magic: int, dimensions: int, kind: str) -> tuple[int, ...]:
    size = 4 * (1 + dimensions)
    if len(payload) < size:
        raise IdxFormatError(f"only {len(payload)} bytes, too short for an IDX {kind} header")
    found, *shape = struct.unpack(f">I{dimensions}I", payload[:size])
    if found != magic:
        raise IdxFormatError(f"magic number {found}, expected {magic} for IDX {kind}")
    return tuple(shape)


def _check_count(count: int, expected: int, kind: str) -> None:
    if count != expected:
        raise IdxFormatError(f"holds {count:,} {kind}, expected {expected:,}")


def _check_length(payload: bytes, header_size: int, body_size: int) -> None:
    expected = header_size + body_size
    if len(payload) != expected:
        state = "truncated" if len(payload) < expected else "has trailing bytes"
        raise IdxFormatError(f"{state}: {len(payload):,} bytes, expected {expected:,}")
