"""The URL map: where every page, figure and download of the site lives, spelled once.

Paths are relative to the site root; templates prefix them with ``root`` so the site opens from
disk, from `bench serve` and under a GitHub Pages project path alike.
"""

from __future__ import annotations

INDEX = "index.html"
REPRODUCIBILITY = "reproducibility.html"
NOT_FOUND = "404.html"
FEED = "feed.xml"
STYLE = "style.css"
FAVICON = "favicon.svg"
CSV = "data/results.csv"
RESULTS_DATA = "data/results"  # the published copy of results/
SPEED_DATA = "data/benchmarks/cpu_side_by_side.json"  # the side-by-side speed benchmark
DATASET_EXAMPLES = "figures/dataset-examples.png"
DATASET_GRID = "figures/dataset-grid.png"
CLASS_BALANCE = "figures/class-balance.svg"
SHARED_MISTAKES = "figures/shared-mistakes.png"
RUNS_DATA = f"{RESULTS_DATA}/runs"  # the published run manifests
RESULTS_SECTION = f"{INDEX}#results"  # the results table on the write-up
METHODS_SECTION = f"{REPRODUCIBILITY}#methods"


def model_page(model: str) -> str:
    return f"models/{model}.html"


def run_manifest(run_id: str) -> str:
    return f"{RUNS_DATA}/{run_id}.json"


def root_of(path: str) -> str:
    """The way back to the site root from the page at ``path``: "" at the top, "../" one
    folder down (``models/lenet5.html``), and so on."""
    return "../" * path.count("/")


def model_figure(model: str, name: str) -> str:
    """A model page's figure, e.g. ``model_figure("lenet5", "confusion.svg")``."""
    return f"figures/{model}/{name}"


def for_templates() -> dict[str, str]:
    """The site-wide links templates use (``site.urls.csv`` and so on)."""
    return {
        "index": INDEX,
        "reproducibility": REPRODUCIBILITY,
        "feed": FEED,
        "style": STYLE,
        "favicon": FAVICON,
        "csv": CSV,
        "results": RESULTS_SECTION,
        "methods": METHODS_SECTION,
    }
