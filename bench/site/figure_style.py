"""How the site's figures look and are written: colours, fonts, the blank figure, ``save``.

Every figure has an opaque white background and dark text, so it reads on the site's light card
in both colour schemes, and uses colour-blind-safe colours (Okabe-Ito) together with line styles,
markers and hatching. The style applies only while a figure is built and saved, never globally,
and nothing here touches pyplot, so the caller's rcParams stay as they were.
"""

from __future__ import annotations

import functools
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Okabe & Ito (2008), "Color Universal Design": https://jfly.uni-koeln.de/color/
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}  # fmt: skip
TRAIN, HELD_OUT = OKABE_ITO["blue"], OKABE_ITO["vermillion"]
TEXT_COLOUR = "#1a1a1a"
GRID_COLOUR = "#e5e5e5"
# Applied while building and while saving, never globally, so callers keep their own rcParams.
STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],  # bundled with matplotlib
    "svg.fonttype": "path",  # glyphs as outlines: the SVG needs no installed font
    "svg.hashsalt": "bench",  # fixed element ids: the same figure gives the same SVG bytes
    "savefig.dpi": 150,
    "savefig.transparent": False,
    "axes.edgecolor": "#555555",
    **dict.fromkeys(("figure.facecolor", "axes.facecolor", "savefig.facecolor"), "white"),
    **dict.fromkeys(
        ("text.color", "axes.labelcolor", "axes.titlecolor", "xtick.color", "ytick.color"),
        TEXT_COLOUR,
    ),
}
METADATA = {"svg": {"Date": None, "Creator": None}, "png": {"Software": None}}
ABOVE_AXES = {"loc": "lower center", "bbox_to_anchor": (0.5, 1.0), "frameon": False}


def styled(build):
    """Run a figure builder under ``STYLE``: fonts and colours are fixed as artists are made."""

    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return build(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained", facecolor="white")
    FigureCanvasAgg(figure)  # Agg without pyplot: the figure is never registered globally
    return figure


def figure_and_axes(ax: Axes | None, width: float, height: float) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    figure = new_figure(width, height)
    return figure, figure.add_subplot()


def show_image(ax: Axes, image: np.ndarray) -> None:
    """Greyscale, garment dark on white; integer pixels span 0..255, floats 0..1."""
    pixels = np.asarray(image)
    pixels = pixels.reshape(pixels.shape[:2]) if pixels.ndim == 3 else pixels
    top = 255 if np.issubdtype(pixels.dtype, np.integer) else 1.0
    ax.imshow(pixels, cmap="gray_r", vmin=0, vmax=top, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#bbbbbb")


def blank(ax: Axes) -> None:
    """An empty grid cell; unlike ``set_axis_off`` it keeps a row label."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_frame_on(False)


def save(figure: Figure, path: str | Path, *, close: bool = True) -> Path:
    """Write ``figure`` as SVG or PNG (by suffix); the same figure gives the same bytes.

    ``close`` clears the figure afterwards to free its memory; pass ``close=False`` to write
    the same figure in a second format. Saving freezes the figure's layout.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in METADATA:
        raise ValueError(f"cannot save a figure as {path.name!r}; use one of: .svg, .png")
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(STYLE):
        # Constrained layout nudges the axes on every draw: settle it once, then freeze it,
        # so writing the figure again (or in the other format) gives the same picture.
        figure.draw_without_rendering()
        figure.set_layout_engine("none")
        figure.savefig(path, format=fmt, metadata=METADATA[fmt])
    if close:
        figure.clear()
    return path
