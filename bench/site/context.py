"""Phase one of the build: gather results, manifests, content and the dataset into plain data.

Nothing here writes files or formats numbers. Pages get dicts of raw values (the template
filters format them), figures get deferred drawing jobs, downloads get a list of files.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from bench import data
from bench.analysis import report
from bench.analysis.analyse import Analysis
from bench.config import FULL
from bench.errors import BenchError
from bench.site import (
    alt_text,
    content,
    downloads,
    figures,
    findings,
    model_page,
    model_source,
    provenance,
    speed,
    urls,
)
from bench.site.jobs import FigureJob, PageJob, SiteContext
from bench.site.model_page import model_href, summary_row
from bench.store import results
from bench.store.records import RunManifest

SITE_NAME = "bench · Fashion-MNIST"
# Where generated blocks go in the write-up: (before|after, heading id, block). A block whose
# heading is missing goes at the end, so an edited write-up still shows everything.
INDEX_BLOCKS = (
    ("after", "the-dataset", "gallery"),
    ("before", "comparison-with-the-2021-write-up", "results"),
    ("after", "comparison-with-the-2021-write-up", "comparison"),
    ("after", "what-the-results-show", "findings"),
)
GALLERY_PER_CLASS = 8


def gather(
    analysis: Analysis,
    results_dir: Path,
    *,
    content_dir: Path,
    data_dir: Path | None,
    base_url: str | None,
    benchmarks_dir: Path | None = None,
    given: dict | None = None,
) -> SiteContext:
    """Turn the analysis of ``results_dir`` and everything else the site shows (manifests,
    content, the dataset) into page contexts and figure jobs; ``given``: the project file's
    title and author, which replace the index page's."""
    reports = analysis.reports
    manifests = results.load_manifests(results_dir)
    index = content.read_index(content_dir, given)
    reference = content.read_reference(content_dir)
    model_pages = {r.model: model_source.content_page(content_dir, r) for r in reports}
    titles = {r.model: model_source.title_and_summary(r, model_pages[r.model]) for r in reports}
    dataset = data.load_dataset(data_dir, allow_download=False)
    report.check_labels(reports, dataset)  # before any page: the results are of these images

    base_url = normalise_base_url(base_url)
    site = {
        "name": SITE_NAME,
        "author": index.meta["author"],
        "base_url": base_url,
        "urls": urls.for_templates(),
        "models": [
            {"name": r.model, "title": titles[r.model][0], "path": model_href(r)} for r in reports
        ],
    }
    rows = [summary_row(m) for m in analysis.models]
    files = downloads.result_files(results_dir, reports)
    speed_section, speed_files = speed.read(benchmarks_dir)
    found = findings.build(analysis, dataset.class_names)
    mistakes, mistakes_jobs = shared_mistakes_figure(found["shared_mistakes"], dataset)
    jobs = dataset_figures(dataset) + mistakes_jobs
    pages = [
        _page(
            urls.INDEX,
            site,
            shown=reports,
            title=index.meta["title"],
            description=index.meta["summary"],
            blocks=content.place_blocks(index, INDEX_BLOCKS),
            post={"date": index.meta["date"], "author": index.meta["author"]},
            rows=rows,
            gallery=gallery(dataset),
            comparison=comparison(reference, rows),
            findings=found,
            shared_mistakes=mistakes,
        ),
        _page(
            urls.REPRODUCIBILITY,
            site,
            shown=reports,
            title="Reproducibility",
            description="Run manifests, the commands that reproduce every number, and the raw "
            "results for download.",
            speed=speed_section,
            **provenance.reproducibility(analysis, manifests, files),
        ),
        # GitHub Pages serves 404.html at any depth: only absolute links work there.
        _page(
            urls.NOT_FOUND,
            site,
            title="Page not found",
            description="There is no page at this address.",
            root=base_url or "",
        ),
        _page(
            urls.FEED,
            site,
            title=index.meta["title"],
            description=index.meta["summary"],
            feed=feed(index, manifests, base_url),
        ),
    ]
    for m in analysis.models:
        r = m.report
        values, model_jobs = model_page.model_context(m, model_pages[r.model], dataset)
        title, summary = titles[r.model]
        pages.append(
            _page(
                model_href(r),
                site,
                template="model.html",
                shown=[r],
                title=title,
                description=summary,
                root=urls.root_of(model_href(r)),
                **values,
            )
        )
        jobs += model_jobs
    return SiteContext(
        tuple(pages), tuple(jobs), tuple(files + speed_files), downloads.table_csv(rows)
    )


def _page(
    path: str,
    site: dict,
    *,
    title: str,
    description: str,
    template: str | None = None,
    shown: Sequence[report.ModelReport] = (),
    root: str = "",
    **values,
) -> PageJob:
    """A page's context: the site, the page's own meta, the way back to the site root, and
    the preview profiles among the results it shows (``template`` defaults to ``path``)."""
    base_url = site["base_url"]
    canonical = None
    if base_url:
        canonical = base_url if path == urls.INDEX else base_url + path
    preview = preview_of(shown)
    page = {"title": title, "description": description, "path": path, "canonical": canonical}
    context = {"site": site, "page": page, "root": root, "preview": preview, **values}
    return PageJob(template or path, path, context)


def preview_of(shown: Sequence[report.ModelReport]) -> dict | None:
    """Which of the shown models come from a preview profile (None when all are full)."""
    previews = [r for r in shown if r.profile != FULL]
    if not previews:
        return None
    return {
        "profiles": sorted({r.profile for r in previews}),
        "models": [r.display_name for r in previews],
        "partial": len(previews) < len(shown),
    }


def normalise_base_url(base_url: str | None) -> str | None:
    """``https://x.github.io/repo`` -> ``https://x.github.io/repo/``; empty means none."""
    if not base_url:
        return None
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise BenchError(
            f"--base-url {base_url!r}: expected an absolute http(s) address such as "
            "https://you.github.io/repo/"
        )
    return base_url.rstrip("/") + "/"


def dataset_figures(dataset: data.FashionMNIST) -> list[FigureJob]:
    names = dataset.class_names
    train_images, train_labels = dataset.train_images, dataset.train_labels
    return [
        FigureJob(urls.DATASET_EXAMPLES,
                  functools.partial(figures.class_examples, train_images, train_labels, names)),
        FigureJob(urls.DATASET_GRID,
                  functools.partial(figures.class_grid, train_images, train_labels, names,
                                    per_class=GALLERY_PER_CLASS)),
        FigureJob(urls.CLASS_BALANCE,
                  functools.partial(figures.class_balance, data.class_counts(train_labels),
                                    data.class_counts(dataset.test_labels), names)),
    ]  # fmt: skip


def shared_mistakes_figure(
    mistakes: dict | None, dataset: data.FashionMNIST
) -> tuple[dict | None, list[FigureJob]]:
    """The grid of test images every ensemble gets wrong, with its alt text (None and no job
    when the models share no test images or no mistake)."""
    if not mistakes or not mistakes["count"]:
        return None, []
    names = dataset.class_names
    images = model_page.test_images_at(mistakes["indices"], dataset, "shared mistakes")
    path = urls.SHARED_MISTAKES
    shown = len(mistakes["true"])
    alt = alt_text.shared_mistakes(mistakes, names)
    job = FigureJob(
        path,
        functools.partial(
            figures.misclassified_grid, images, mistakes["true"], mistakes["predicted"], names
        ),
    )
    return {"src": path, "alt": alt, "shown": shown}, [job]


def gallery(dataset: data.FashionMNIST) -> dict:
    """Captions and alt text of the dataset figures."""
    train, test = data.class_counts(dataset.train_labels), data.class_counts(dataset.test_labels)
    return {
        "examples": {
            "src": urls.DATASET_EXAMPLES,
            "alt": alt_text.dataset_examples(dataset.class_names),
        },
        "grid": {"src": urls.DATASET_GRID, "alt": alt_text.dataset_grid(GALLERY_PER_CLASS)},
        "balance": {"src": urls.CLASS_BALANCE, "alt": alt_text.class_balance(train, test)},
        "train_images": sum(train),
        "test_images": sum(test),
        "classes": len(dataset.class_names),
    }


def comparison(reference: dict, rows: list[dict]) -> dict:
    """The 2021 table's rows beside our row for the same model (None where we have none).

    Only a model trained as the 2021 models were (``ModelReport.comparable_with_2021``: the full
    profile, the whole test set) has its difference given, with the 95% interval of our mean fold
    accuracy shifted by their single number; a preview profile's row is marked not comparable.
    """
    ours = {row["name"]: row for row in rows}
    matched = []
    for theirs in reference["rows"]:
        row = ours.get(theirs["model"])
        comparable = row is not None and row["comparable_with_2021"]
        interval = row["accuracy_ci"] if comparable else None
        matched.append(
            {
                "theirs": theirs,
                "ours": row,
                "comparable": comparable,
                "accuracy_gain": row["accuracy"].mean - theirs["accuracy"] if comparable else None,
                "gain_interval": (
                    tuple(bound - theirs["accuracy"] for bound in interval) if interval else None
                ),
            }
        )
    return {
        "source": reference.get("source", {}),
        "rows": matched,
        "published": sorted(reference.get("published", []), key=lambda p: -p["accuracy"]),
    }


def feed(index: content.Page, manifests: list[RunManifest], base_url: str | None) -> dict:
    """One Atom entry, the write-up, updated when the post's date or the latest run is newer."""
    published = dt.datetime.combine(index.meta["date"], dt.time(), tzinfo=dt.timezone.utc)
    finished = [_utc(m.finished_at) for m in manifests if m.finished_at]
    # Without a base URL there is no absolute address: the ids are stable name-based UUIDs
    # and the links are relative to the feed (see the README).
    title = index.meta["title"]
    return {
        "id": f"{base_url}{urls.FEED}" if base_url else _urn(f"{title} (feed)"),
        "entry_id": base_url or _urn(title),
        "self": f"{base_url}{urls.FEED}" if base_url else urls.FEED,
        "alternate": base_url or urls.INDEX,
        "published": published,
        "updated": max([published, *finished]),
    }


def _utc(timestamp: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(timestamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"
