"""The built site in a real browser: headless Chromium driven by Playwright.

Opens pages from a local HTTP server and from file://, in light and dark schemes, on a desktop
and a phone viewport, and fails on any failed request, HTTP error, console error, image that
did not load or sideways scrolling of the page. Screenshots go to test-artifacts/. Every page
of the fixture site also passes axe-core's WCAG 2.1 AA and best-practice rules in both schemes.

Locally the tests skip when Chromium, Playwright or axe-core is missing; under CI (the CI
variable set) they fail instead, because CI installs all three.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.site import serve
from tests.conftest import require, serving
from tests.site_checkers import axe_source, axe_violations
from tests.site_fixtures import build_fixture_site

CHROMIUM = Path(os.environ.get("BENCH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
PAGES = ("index.html", "models/lenet5.html")
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# Scroll through the page so that lazily loaded images are requested too.
SCROLL_THROUGH = """async () => {
  for (let y = 0; y < document.body.scrollHeight; y += 500) {
    window.scrollTo(0, y);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  window.scrollTo(0, 0);
}"""
BROKEN_IMAGES = """() => Array.from(document.images)
  .filter((image) => !image.complete || image.naturalWidth === 0)
  .map((image) => image.getAttribute('src'))"""
SIDEWAYS_OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def _unavailable(reason: str) -> None:
    require(False, f"{reason} (apt-get install chromium; pip install -e .[dev])")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        _unavailable(f"no Chromium at {CHROMIUM} (set BENCH_CHROMIUM to another binary)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_fixture_site(tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def server_url(site):
    with serving(serve.make_server(site, 0)) as url:
        yield url + "/"


def visit(browser, url: str, *, scheme: str, viewport: str, screenshot: Path) -> list[str]:
    """Open ``url`` and return every problem seen (empty when the page is clean)."""
    problems: list[str] = []
    context = browser.new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme)
    page = context.new_page()
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} ({r.failure})"))
    page.on(
        "response",
        lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    page.on(
        "console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    try:
        page.goto(url, wait_until="load")
        page.evaluate(SCROLL_THROUGH)
        page.wait_for_load_state("networkidle")
        problems += [f"image not loaded: {src}" for src in page.evaluate(BROKEN_IMAGES)]
        overflow = page.evaluate(SIDEWAYS_OVERFLOW)
        if overflow > 0:
            problems.append(f"page scrolls sideways by {overflow}px")
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
    finally:
        context.close()
    return problems


@pytest.mark.parametrize("origin", ["http", "file"])
@pytest.mark.parametrize("path", PAGES)
def test_pages_load_cleanly(browser, site, server_url, origin, path):
    url = server_url + path if origin == "http" else (site / path).as_uri()
    stem = path.replace("/", "_").removesuffix(".html")
    problems = []
    for scheme, viewport in (("light", "desktop"), ("dark", "phone")):
        shot = ARTIFACTS / f"{stem}-{origin}-{scheme}-{viewport}.png"
        problems += [
            f"{scheme}/{viewport}: {problem}"
            for problem in visit(browser, url, scheme=scheme, viewport=viewport, screenshot=shot)
        ]
    assert problems == []


# Each scheme on its own viewport, as above: the phone's narrow tables scroll sideways, so the
# rule that scroll containers be reachable by keyboard has something to check.
@pytest.mark.parametrize(("scheme", "viewport"), [("light", "desktop"), ("dark", "phone")])
def test_every_page_passes_axe(browser, site, server_url, scheme, viewport):
    source = axe_source()
    pages = sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html"))
    assert len(pages) >= 6, pages  # the index, the model pages, reproducibility and 404
    context = browser.new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme)
    violations = []
    try:
        for path in pages:
            page = context.new_page()
            page.goto(server_url + path, wait_until="load")
            violations += [f"{path}: {line}" for line in axe_violations(page, source)]
            page.close()
    finally:
        context.close()
    assert not violations, f"axe-core, {scheme} scheme:\n" + "\n".join(violations)


def test_dark_scheme_applies(browser, site):
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    try:
        page.goto((site / "index.html").as_uri())
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    finally:
        context.close()
    assert background == "rgb(22, 24, 27)"


def test_missing_page_gets_404_html_from_serve(browser, server_url):
    context = browser.new_context()
    page = context.new_page()
    try:
        response = page.goto(server_url + "no/such/page.html")
        heading = page.inner_text("h1")
    finally:
        context.close()
    assert response.status == 404 and heading == "Page not found"
