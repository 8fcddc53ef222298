"""The whole site from fixture results: pages, links, valid HTML, determinism, banners."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib
import pytest

from bench.site import output
from tests.site_checkers import nu_problems
from tests.site_fixtures import SITE_COUNTS, build_fixture_site

GOLDEN = Path(__file__).parent / "golden"
MODELS = ("resnet34", "lstm", "lenet5")  # the fixture's order by accuracy


@pytest.fixture(scope="module")
def quick_site(tmp_path_factory) -> Path:
    return build_fixture_site(tmp_path_factory.mktemp("quick"))


@pytest.fixture(scope="module")
def full_site(tmp_path_factory) -> Path:
    return build_fixture_site(
        tmp_path_factory.mktemp("full"),
        profile="full",
        models=("lenet5", "lstm"),
        test_images=SITE_COUNTS["test"],  # the whole (fixture) test set, as the full profile
        base_url="https://example.github.io/bench",
    )


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


class _References(HTMLParser):
    """Collects every href/src and every id of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.references: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.references.append(value)
            if name == "id":
                self.ids.add(value)


def _parse(page: Path) -> _References:
    parser = _References()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def broken_references(site: Path) -> list[str]:
    """Internal links and assets that do not resolve to a file (or to an id in it)."""
    broken = []
    for page in html_pages(site):
        for reference in _parse(page).references:
            parts = urlsplit(reference)
            if parts.scheme in ("http", "https", "mailto", "data"):
                continue
            assert not parts.scheme and not parts.netloc, f"{page}: absolute link {reference}"
            assert not parts.path.startswith("/"), f"{page}: root-relative link {reference}"
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_file():
                broken.append(f"{page.relative_to(site)} -> {reference}")
            elif (
                parts.fragment
                and target.suffix == ".html"
                and parts.fragment not in _parse(target).ids
            ):
                broken.append(f"{page.relative_to(site)} -> {reference} (no such id)")
    return broken


def test_every_page_exists(quick_site):
    expected = [
        "index.html", "reproducibility.html", "404.html", "feed.xml", "style.css", "favicon.svg",
        ".nojekyll",
        output.MARKER, "data/results.csv",
        *(f"models/{model}.html" for model in MODELS),
        *(f"figures/{model}/{name}" for model in MODELS for name in (
            "confusion.svg", "misclassified.png", "learning-curves.svg", "fold-scores.svg",
            "reliability.svg")),
        "figures/dataset-examples.png", "figures/dataset-grid.png", "figures/class-balance.svg",
        "figures/shared-mistakes.png",
        *(f"data/results/{model}/quick/fold-{fold:02d}.{kind}"
          for model in MODELS for fold in (0, 1) for kind in ("json", "test.npz", "held-out.npz")),
    ]  # fmt: skip
    missing = [path for path in expected if not (quick_site / path).is_file()]
    assert not missing


@pytest.mark.parametrize("site_name", ["quick_site", "full_site"])
def test_every_internal_link_resolves(site_name, request):
    assert broken_references(request.getfixturevalue(site_name)) == []


@pytest.mark.parametrize("site_name", ["quick_site", "full_site"])
def test_html_parses_strictly(site_name, request):
    site = request.getfixturevalue(site_name)
    for page in html_pages(site):
        parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
        try:
            parser.parse(page.read_bytes())
        except html5lib.html5parser.ParseError as error:
            pytest.fail(f"{page.relative_to(site)}: {error}")


def test_nu_html_checker_finds_nothing(quick_site, full_site):
    """The W3C's Nu checker, once over both sites: no error and no warning on any page."""
    sites = (quick_site, full_site)
    pages = [page for site in sites for page in html_pages(site)]
    problems = nu_problems(pages, root=quick_site.parent.parent)
    assert not problems, "Nu HTML checker:\n" + "\n".join(problems)


class _ScrollContainers(HTMLParser):
    """The attributes of every element with the ``table-scroll`` class."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "table-scroll" in (attributes.get("class") or "").split():
            self.found.append(attributes)


@pytest.mark.parametrize("site_name", ["quick_site", "full_site"])
def test_scroll_containers_are_named_tab_stops(site_name, request):
    """A table that may scroll is reachable by keyboard and announced by name, at any width
    (axe only judges the containers that overflow at the width it runs)."""
    site = request.getfixturevalue(site_name)
    unreachable = []
    for page in html_pages(site):
        parser = _ScrollContainers()
        parser.feed(page.read_text(encoding="utf-8"))
        unreachable += [
            f"{page.relative_to(site)}: {attributes}"
            for attributes in parser.found
            if attributes.get("tabindex") != "0"
            or attributes.get("role") != "region"
            or not attributes.get("aria-label")
        ]
    assert not unreachable


def test_results_table_sorted_by_mean_accuracy(quick_site):
    html = (quick_site / "index.html").read_text()
    table = html[html.index('<table class="data results-table">') :]
    table = table[: table.index("</table>")]
    names = re.findall(r'<a href="models/([^"]+)\.html">', table)
    accuracies = [float(value) for value in re.findall(r'"num strong">([\d.]+) ±', table)]
    assert names == list(MODELS)
    assert accuracies == sorted(accuracies, reverse=True)


def test_results_table_matches_golden(quick_site):
    html = (quick_site / "index.html").read_text()
    start = html.index('<table class="data results-table">')
    fragment = html[start : html.index("</table>", start) + len("</table>")] + "\n"
    golden = GOLDEN / "results_table.html"
    if os.environ.get("BENCH_UPDATE_GOLDEN"):
        golden.write_text(fragment)
    assert fragment == golden.read_text(), "set BENCH_UPDATE_GOLDEN=1 to accept a new table"


def test_two_builds_are_byte_identical(quick_site):
    again = build_fixture_site(quick_site.parent, out_name="public-again")
    first = {
        p.relative_to(quick_site): p.read_bytes() for p in quick_site.rglob("*") if p.is_file()
    }
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_preview_banner_on_quick_pages(quick_site):
    for page in ("index.html", "reproducibility.html", *(f"models/{m}.html" for m in MODELS)):
        html = (quick_site / page).read_text()
        assert 'class="banner"' in html, page
        assert "Preview numbers" in html and "quick" in html, page
    assert 'class="banner"' not in (quick_site / "404.html").read_text()


def test_no_banner_on_full_pages(full_site):
    for page in html_pages(full_site):
        assert 'class="banner"' not in page.read_text(), page.name


def test_profile_shown_with_results(quick_site):
    html = (quick_site / "models/lenet5.html").read_text()
    assert html.count('<span class="profile profile-quick">quick</span>') >= 3


def test_comparison_with_2021_labels_keras_metrics(quick_site):
    html = (quick_site / "index.html").read_text()
    section = html[html.index('id="comparison-2021"') :]
    assert "Keras-style precision ours" in section
    assert ">91.11<" in section  # ResNet's 2021 accuracy
    assert "not run" in section  # AlexNet has no fixture results


def test_gallery_follows_the_dataset_section(quick_site):
    html = (quick_site / "index.html").read_text()
    assert (
        html.index('id="the-dataset"')
        < html.index('class="gallery"')
        < html.index('id="convolutional-networks"')
        < html.index('id="results"')
        < html.index('id="comparison-with-the-2021-write-up"')
        < html.index('id="comparison-2021"')
        < html.index('class="footnote"')
    )


def test_model_page_sections(quick_site):
    html = (quick_site / "models/lenet5.html").read_text()
    assert html.index('id="architecture"') < html.index('id="layer-table"')
    assert html.index('id="measured"') < html.index('id="citation"')
    assert "<code>C1</code>" in html and "28 × 28 × 6" in html
    assert 'alt="Confusion matrix of 50 test images' in html
    assert html.count('<tr><th scope="row">') >= 2 + 10  # folds and per-class rows


def test_model_page_shows_calibration_and_intervals(quick_site):
    html = (quick_site / "models/lenet5.html").read_text()
    section = html[html.index('id="calibration"') :]
    assert "ECE after temperature scaling" in section and "not available" not in section
    assert section.count('<th scope="row">Fold ') == 2
    assert 'src="../figures/lenet5/reliability.svg"' in section
    assert 'alt="Reliability diagram of the fold ensemble on 50 test images' in section
    assert "95% interval of the mean" in html


def test_index_states_significance_and_methods(quick_site):
    html = (quick_site / "index.html").read_text()
    assert "McNemar's exact test, Holm-adjusted p" in html
    assert '<table class="data pairwise-table">' in html
    assert '<td class="num muted">not comparable' in html  # a quick profile against 2021
    methods = (quick_site / "reproducibility.html").read_text()
    assert 'id="methods"' in methods and "Nadeau, C., and Bengio, Y. (2003)" in methods


def test_full_profile_differences_from_2021_carry_an_interval(full_site):
    html = (full_site / "index.html").read_text()
    section = html[html.index('<table class="data comparison-table">') :]
    section = section[: section.index("</table>")]
    assert "not comparable" not in section
    intervals = re.findall(r'pts <span class="detail">([−+][\d.]+) to ([−+][\d.]+) pts<', section)
    assert len(intervals) == 2  # LeNet-5 and the LSTM; the others were not run


def test_downloads_and_csv(quick_site):
    csv = (quick_site / "data/results.csv").read_text().splitlines()
    assert csv[0].startswith("model,display_name,family,profile,folds_done,folds_planned")
    assert [line.split(",")[0] for line in csv[1:]] == list(MODELS)
    runs = list((quick_site / "data/results/runs").glob("*.json"))
    assert len(runs) == 1
    html = (quick_site / "reproducibility.html").read_text()
    assert "bench build-site --profile quick --seed 0 --model lenet5 --model lstm" in html
    assert "0123456789abcdef0123456789abcdef01234567" in html


def test_relative_feed_and_no_canonical_without_base_url(quick_site):
    assert 'rel="canonical"' not in (quick_site / "index.html").read_text()
    feed = (quick_site / "feed.xml").read_text()
    assert 'href="index.html"' in feed and "urn:uuid:" in feed


def test_base_url_makes_feed_and_canonical_absolute(full_site):
    index = (full_site / "index.html").read_text()
    assert '<link rel="canonical" href="https://example.github.io/bench/">' in index
    model = (full_site / "models/lenet5.html").read_text()
    assert 'href="https://example.github.io/bench/models/lenet5.html"' in model
    feed = (full_site / "feed.xml").read_text()
    assert "<id>https://example.github.io/bench/feed.xml</id>" in feed
    assert 'href="https://example.github.io/bench/"' in feed
    # Internal links stay relative; only the 404 page, served at any depth, needs absolute ones.
    assert 'href="style.css"' in index
    assert (
        'href="https://example.github.io/bench/style.css"' in (full_site / "404.html").read_text()
    )


def test_feed_is_well_formed_atom(full_site):
    import xml.etree.ElementTree as ElementTree

    root = ElementTree.parse(full_site / "feed.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    assert root.tag == f"{atom}feed"
    assert root.find(f"{atom}entry/{atom}updated").text == "2026-11-29T00:00:00Z"
