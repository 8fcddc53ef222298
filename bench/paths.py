"""Where bench's own files are: inside the installed package (a wheel), or beside it (a checkout).

A wheel carries the site templates, the default write-up (``content/``: the pages of the
built-in models and the 2021 reference numbers) and the quickstart's skeleton as package data;
a checkout keeps the first two at the top of the repository, where this write-up edits them.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The benchmark results the repository's own site shows (the side-by-side speed table); the
# command line passes it to the site, which reads no folder of its own accord. Absent outside a
# checkout, where the site leaves that section out.
BENCHMARK_RESULTS = PROJECT_ROOT / "benchmarks" / "results"


def packaged(name: str) -> Path:
    """The folder ``name`` that bench ships (``site_templates``, ``content``, ``skeleton``): the
    installed package's copy, or the checkout's where the package has none (an editable install,
    or the repository on ``PYTHONPATH``)."""
    inside = Path(str(resources.files("bench") / name))
    return inside if inside.is_dir() else PROJECT_ROOT / name


def templates_dir() -> Path:
    return packaged("site_templates")


def example_models_dir() -> Path:
    """The example model modules ``bench init`` copies into a new project's ``models/``."""
    return packaged("skeleton") / "models"


def default_content_dir() -> Path:
    """The write-up bench ships: this repository's pages, including each built-in model's."""
    return packaged("content")
