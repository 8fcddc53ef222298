import struct

import numpy as np
import pytest

from bench.data import idx


def test_round_trip_images_and_labels():
    images = np.arange(2 * 28 * 28, dtype=np.uint32).astype(np.uint8).reshape(2, 28, 28)
    labels = np.array([3, 9], dtype=np.uint8)
    np.testing.assert_array_equal(idx.parse_images(idx.encode(images), 2), images)
    np.testing.assert_array_equal(idx.parse_labels(idx.encode(labels), 2), labels)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (struct.pack(">I", 2051), "too short"),
        (struct.pack(">IIII", 2049, 1, 28, 28) + bytes(784), "magic number 2049, expected 2051"),
        (struct.pack(">IIII", 2051, 1, 32, 32) + bytes(1024), "32x32, expected 28x28"),
        (struct.pack(">IIII", 2051, 2, 28, 28) + bytes(1568), "holds 2 images, expected 1"),
        (struct.pack(">IIII", 2051, 1, 28, 28) + bytes(700), "truncated"),
        (struct.pack(">IIII", 2051, 1, 28, 28) + bytes(785), "trailing bytes"),
    ],
)
def test_bad_image_files_are_rejected_with_the_reason(payload, message):
    with pytest.raises(idx.IdxFormatError, match=message):
        idx.parse_images(payload, 1)


def test_label_out_of_range_names_value_and_position():
    payload = idx.encode(np.array([1, 2, 10, 4], dtype=np.uint8))
    with pytest.raises(idx.IdxFormatError, match="label 10 at index 2"):
        idx.parse_labels(payload, 4)


def test_labels_with_image_magic_are_rejected():
    with pytest.raises(idx.IdxFormatError, match="magic number 2051"):
        idx.parse_labels(struct.pack(">II", 2051, 0), 0)


class Trickle:
    """A stream that hands out at most ``step`` bytes per read and counts what it served."""

    def __init__(self, payload: bytes, step: int, endless: bool = False) -> None:
        self.payload, self.step, self.endless, self.served = payload, step, endless, 0

    def readinto(self, buffer: memoryview) -> int:
        count = min(self.step, len(buffer))
        if not self.endless:
            count = min(count, len(self.payload) - self.served)
        padded = self.payload[self.served : self.served + count].ljust(count, b"\0")
        buffer[:count] = padded
        self.served += count
        return count


def test_short_reads_are_completed():
    images = np.arange(3 * 28 * 28, dtype=np.uint32).astype(np.uint8).reshape(3, 28, 28)
    parsed = idx.read_images(Trickle(idx.encode(images), step=7), 3)
    np.testing.assert_array_equal(parsed, images)
    assert not parsed.flags.writeable


def test_endless_stream_is_read_one_byte_past_the_file_size():
    header = struct.pack(">IIII", 2051, 2, 28, 28)
    stream = Trickle(header, step=1 << 20, endless=True)
    with pytest.raises(idx.IdxFormatError, match="trailing bytes beyond the 1,584 expected"):
        idx.read_images(stream, 2)
    assert stream.served == idx.file_bytes("images", 2) + 1 == 1_585


def test_header_count_is_checked_before_anything_is_allocated():
    huge = struct.pack(">IIII", 2051, 4_000_000_000, 28, 28)
    stream = Trickle(huge, step=1 << 20, endless=True)
    with pytest.raises(idx.IdxFormatError, match="holds 4,000,000,000 images, expected 2"):
        idx.read_images(stream, 2)
    assert stream.served == 16


@pytest.mark.parametrize(
    ("kind", "count", "size"), [("images", 60_000, 47_040_016), ("labels", 10_000, 10_008)]
)
def test_file_bytes_matches_the_published_files(kind, count, size):
    assert idx.file_bytes(kind, count) == size
