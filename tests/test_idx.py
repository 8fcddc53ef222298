import struct

import numpy as np
import pytest

from bench import idx


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
