"""What the gather phase hands the render phase: pages to render, figures to draw, files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure


@dataclass(frozen=True)
class FigureJob:
    """A figure to draw and save at ``path`` (relative to the site root, .svg or .png)."""

    path: str
    draw: Callable[[], Figure]


@dataclass(frozen=True)
class PageJob:
    """A page to render: template name, output path relative to the site root, context."""

    template: str
    path: str
    context: dict


@dataclass(frozen=True)
class Download:
    """A results file published for download: where it is and where it goes in the site."""

    source: Path
    path: str
    size: int


@dataclass(frozen=True)
class SiteContext:
    pages: tuple[PageJob, ...]
    figures: tuple[FigureJob, ...]
    downloads: tuple[Download, ...]
    table_csv: str
