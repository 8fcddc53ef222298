"""How figures are written: ``save`` gives the same bytes for the same figure, in SVG or PNG,
and neither building nor saving leaves the caller's rcParams changed."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from bench.site import figures
from bench.site.figure_style import save

NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")  # fmt: skip
CONFUSION = (np.eye(10, dtype=int) * 100 + np.eye(10, k=1, dtype=int) * 7).tolist()
IMAGES = np.random.default_rng(0).integers(0, 256, size=(20, 28, 28), dtype=np.uint8)
LABELS = np.arange(20) % 10


@pytest.mark.parametrize("suffix, magic", [(".svg", (b"<?xml", b"<svg")), (".png", (b"\x89PNG",))])
def test_save_is_byte_identical_and_valid(tmp_path, suffix, magic):
    def build():
        return figures.confusion_matrix(CONFUSION, NAMES)

    first = save(build(), tmp_path / f"a{suffix}")
    second = save(build(), tmp_path / f"b{suffix}")
    assert first.read_bytes().startswith(magic)
    assert first.read_bytes() == second.read_bytes()


def test_save_same_figure_twice_is_identical(tmp_path):
    figure = figures.class_examples(IMAGES, LABELS, NAMES)
    first = save(figure, tmp_path / "a.svg", close=False)
    second = save(figure, tmp_path / "b.svg")
    assert first.read_bytes() == second.read_bytes()
    assert not figure.axes  # closed after the last save


def test_building_and_saving_leave_rc_params_alone(tmp_path):
    before = dict(matplotlib.rcParams)
    save(figures.fold_scores([0.9, 0.8], 0.95), tmp_path / "scores.svg")
    save(figures.class_balance([5] * 10, [2] * 10, NAMES), tmp_path / "balance.png")
    assert dict(matplotlib.rcParams) == before


def test_save_rejects_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="'x.pdf'"):
        save(figures.fold_scores([0.9]), tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
