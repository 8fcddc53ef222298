"""Where a model page's words come from, and where its model's code came from.

A model's page is the project's own ``content/models/<name>.md`` if there is one, else (for a
model built into bench) the page bench ships, else a page generated from what its fold records
say: the registry entry's summary, its builder's docstring and its citation (``FoldRecord.card``).
Nothing here imports a model: a site rebuilds from results and content alone.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench import paths
from bench.analysis.report import ModelReport
from bench.models.registry import BUILT_IN
from bench.site import content

ORIGIN_WORDS = {"project": "project file", "module": "module", "entry point": "entry point"}
GENERATED_SUMMARY = "A model of this write-up's own; its page is generated from its registry entry."


def content_page(content_dir: Path, report: ModelReport) -> content.Page | None:
    """The hand-written page of ``report``'s model, or None where it has none."""
    for folder in (content_dir, paths.default_content_dir() if built_in(report) else None):
        if folder is not None and (folder / "models" / f"{report.model}.md").is_file():
            return content.read_model_page(folder, report.model)
    return None


def built_in(report: ModelReport) -> bool:
    """Whether every fold says bench's own code built the model (records before origins were
    stored were all of built-in models)."""
    return all((record.origin or {}).get("kind", BUILT_IN) == BUILT_IN for record in report.folds)


def card(report: ModelReport) -> dict:
    """The newest fold's card: summary, description (docstring) and citation; {} if none."""
    return report.folds[-1].card or {}


def title_and_summary(report: ModelReport, page: content.Page | None) -> tuple[str, str]:
    if page is not None:
        return page.meta["title"], page.meta["summary"]
    return report.display_name, card(report).get("summary") or GENERATED_SUMMARY


def generated_blocks(report: ModelReport) -> list[dict]:
    """The blocks of a generated page: the description, the layer table, the measurements and
    the citation, in the order a hand-written page places them."""
    words = card(report)
    paragraphs = [part.strip() for part in words.get("description", "").split("\n\n")]
    citation = words.get("citation") or {}
    return [
        {"kind": "description", "paragraphs": [" ".join(p.split()) for p in paragraphs if p]},
        {"kind": "layers"},
        {"kind": "measurements"},
        {"kind": "cited", "citation": citation} if citation else {"kind": "uncited"},
    ]


def origins(report: ModelReport) -> list[dict]:
    """Each distinct origin of the fold models' code, with how many folds it built; [] for a
    model built into bench."""
    if built_in(report):
        return []
    counted = Counter(_origin_key(record.origin or {}) for record in report.folds)
    return [
        dict(key, folds=count, what=ORIGIN_WORDS.get(dict(key)["kind"], "module"))
        for key, count in sorted(counted.items(), key=lambda pair: str(pair))
    ]


def _origin_key(origin: dict) -> tuple:
    fields = ("kind", "module", "source", "distribution", "version", "source_sha256")
    return tuple((name, origin.get(name)) for name in fields)
