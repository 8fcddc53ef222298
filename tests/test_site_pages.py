"""Template filters and the page writer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2
import pytest

from bench.metrics import MeanStd
from bench.site import pages

FILTER_CASES = [
    ("pct", (0.91114,), {}, "91.11%"),
    ("pct", (0.835,), {"digits": 1}, "83.5%"),
    ("pct", (0.9,), {"unit": ""}, "90.00"),
    ("pm", (MeanStd(0.91114, 0.00213),), {}, "91.11 ± 0.21%"),
    ("pm", (MeanStd(0.5, 0.0),), {"unit": ""}, "50.00 ± 0.00"),
    ("pm", (MeanStd(0.9347, 0.0, folds=1),), {}, "93.47% (one fold)"),
    ("pm", (MeanStd(0.9347, 0.0, folds=1),), {"unit": ""}, "93.47 (one fold)"),
    ("pm", (MeanStd(0.9338, 0.0013, folds=2),), {}, "93.38 ± 0.13%"),
    ("points", (0.012,), {}, "+1.20 pts"),
    ("points", (-0.2057,), {}, "−20.57 pts"),
    ("interval", ((0.90123, 0.91297),), {}, "90.12–91.30%"),
    ("interval", ((0.5, 0.75),), {"digits": 1, "unit": ""}, "50.0–75.0"),
    ("interval", (None,), {}, "—"),
    ("points_interval", ((-0.004, 0.012),), {}, "−0.40 to +1.20 pts"),
    ("points_interval", (None,), {}, "—"),
    ("pvalue", (0.021484375,), {}, "p = 0.021"),
    ("pvalue", (0.41,), {}, "p = 0.41"),
    ("pvalue", (1.0,), {}, "p = 1"),
    ("pvalue", (0.0009,), {}, "p < 0.001"),
    ("num", (61706,), {}, "61,706"),
    ("counted", (1, "fold"), {}, "1 fold"),
    ("counted", (0, "image"), {}, "0 images"),
    ("counted", (1204, "fold model"), {}, "1,204 fold models"),
    ("num", (1234.567,), {"digits": 1}, "1,234.6"),
    ("seconds", (0.8412,), {}, "0.84 s"),
    ("seconds", (42.4,), {}, "42 s"),
    ("seconds", (185.0,), {}, "3 min 05 s"),
    ("seconds", (7440.0,), {}, "2 h 04 min"),
    ("shape", ([None, 14, 14, 6],), {}, "14 × 14 × 6"),
    ("shape", ([[None, 28, 28], [None, 10]],), {}, "28 × 28, 10"),
    ("long_date", (dt.date(2026, 11, 29),), {}, "29 November 2026"),
    ("isodate", (dt.date(2026, 1, 5),), {}, "2026-01-05"),
    ("timestamp", ("2026-11-29T11:34:22+01:00",), {}, "2026-11-29 10:34 UTC"),
    ("timestamp", (None,), {}, "—"),
    ("rfc3339", (dt.datetime(2026, 11, 29, tzinfo=dt.timezone.utc),), {}, "2026-11-29T00:00:00Z"),
    ("filesize", (812,), {}, "812 B"),
    ("filesize", (14_200,), {}, "14.2 kB"),
    ("filesize", (3_100_000,), {}, "3.1 MB"),
    ("g", (0.0005,), {}, "0.0005"),
    ("g", (1e-5,), {}, "1e-05"),
]


@pytest.mark.parametrize(("name", "args", "kwargs", "expected"), FILTER_CASES)
def test_filters(name, args, kwargs, expected):
    assert pages.FILTERS[name](*args, **kwargs) == expected


@pytest.fixture
def env(tmp_path):
    (tmp_path / "page.html").write_text("<p>{{ text }} {{ value|pct }}</p>\n")
    (tmp_path / "strict.html").write_text("{{ missing }}")
    return pages.make_environment(tmp_path)


def test_render_page_escapes_and_encodes_utf8(env):
    payload = pages.render_page(env, "page.html", {"text": "<b>α</b>", "value": 0.5})
    assert payload == "<p>&lt;b&gt;α&lt;/b&gt; 50.00%</p>\n".encode()


def test_undefined_names_fail(env):
    with pytest.raises(jinja2.UndefinedError):
        pages.render_page(env, "strict.html", {})


def test_site_code_formats_numbers_only_through_the_filters():
    """Alt texts and captions composed in Python call the filter functions of
    bench/site/pages.py; no other site module carries its own number format."""
    import re

    site = Path(__file__).resolve().parents[1] / "bench" / "site"
    number_format = re.compile(r"\{[^{}:]+:[+,]?\.?\d*[,]?\.?\d*[efg%]\}")
    allowed = {"{x:,.0f}"}  # matplotlib's axis tick format, inside the drawing itself
    found = [
        f"{path.name}: {match}"
        for path in sorted(site.glob("*.py"))
        if path.name != "pages.py"
        for match in number_format.findall(path.read_text(encoding="utf-8"))
        if match not in allowed
    ]
    assert not found, found
