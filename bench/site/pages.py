"""The template environment and its number filters, and the one function that writes a page.

Templates receive plain data and format every number through these filters, and the alt texts
and captions composed in Python call the same functions, so a change of presentation (digits,
units) happens here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import jinja2

from bench import durations
from bench.metrics import MeanStd


def pct(value: float, digits: int = 2, unit: str = "%") -> str:
    """A fraction as a percentage: 0.91114 -> '91.11%' (``unit=""`` where a header says %)."""
    return f"{100 * value:.{digits}f}{unit}"


def pm(spread: MeanStd, digits: int = 2, unit: str = "%") -> str:
    """A mean ± std of fractions in percent: '91.11 ± 0.21%'; one fold has no spread to
    show: '91.11% (one fold)'."""
    if spread.folds == 1:
        return f"{100 * spread.mean:.{digits}f}{unit} (one fold)"
    return f"{100 * spread.mean:.{digits}f} ± {100 * spread.std:.{digits}f}{unit}"


def points(value: float, digits: int = 2) -> str:
    """A difference of fractions in percentage points, signed: '+1.20 pts'."""
    return f"{100 * value:+.{digits}f} pts".replace("-", "−")


def interval(bounds: tuple[float, float] | None, digits: int = 2, unit: str = "%") -> str:
    """A (low, high) pair of fractions in percent: '90.12–91.30%' ('—' when there is none)."""
    if bounds is None:
        return "—"
    low, high = bounds
    return f"{100 * low:.{digits}f}–{100 * high:.{digits}f}{unit}"


def points_interval(bounds: tuple[float, float] | None, digits: int = 2) -> str:
    """A (low, high) pair of differences in percentage points: '−0.40 to +1.20 pts'."""
    if bounds is None:
        return "—"
    low, high = bounds
    return f"{100 * low:+.{digits}f} to {100 * high:+.{digits}f} pts".replace("-", "−")


def pvalue(value: float) -> str:
    """A p-value to two significant digits: 'p = 0.021', 'p = 0.41', 'p < 0.001'."""
    if value < 0.001:
        return "p < 0.001"
    return f"p = {value:.2g}"


def num(value: float, digits: int = 0) -> str:
    """Thousands separators and fixed decimals: 61706 -> '61,706'."""
    return f"{value:,.{digits}f}"


def counted(count: int, noun: str) -> str:
    """A count and its noun, plural unless one: '1 fold', '10 folds', '1,204 images'."""
    return f"{num(count)} {noun}{'s' if count != 1 else ''}"


def shape(dims: list) -> str:
    """A Keras output shape without the batch axis: [None, 14, 14, 6] -> '14 × 14 × 6'."""
    if dims and isinstance(dims[0], list):
        return ", ".join(shape(part) for part in dims)
    return " × ".join(str(dim) for dim in dims[1:]) or "scalar"


def long_date(value: dt.date) -> str:
    """'29 November 2026'."""
    return f"{value.day} {value:%B %Y}"


def timestamp(value: str | None) -> str:
    """An ISO timestamp as '2026-11-29 10:34 UTC' ('—' when absent)."""
    if not value:
        return "—"
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc)
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def isodate(value: dt.date) -> str:
    """'2026-11-29', for the ``datetime`` attribute of ``<time>``."""
    return value.isoformat()[:10]


def rfc3339(value: dt.datetime) -> str:
    """An aware datetime for Atom: '2026-11-29T10:34:22Z'."""
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def general(value: float) -> str:
    """Short general form for hyper-parameters: 0.002, 0.0005, 1e-05."""
    return f"{value:g}"


def filesize(value: int) -> str:
    """Bytes for people: '812 B', '14.2 kB', '3.1 MB'."""
    if value < 1000:
        return f"{value} B"
    exponent = min(int(math.log(value, 1000)), 3)
    return f"{value / 1000**exponent:.1f} {' kMG'[exponent]}B"


FILTERS = {
    "counted": counted,
    "pct": pct,
    "pm": pm,
    "points": points,
    "interval": interval,
    "points_interval": points_interval,
    "pvalue": pvalue,
    "num": num,
    "seconds": durations.readable,
    "shape": shape,
    "long_date": long_date,
    "timestamp": timestamp,
    "filesize": filesize,
    "isodate": isodate,
    "rfc3339": rfc3339,
    "g": general,
}


def make_environment(templates_dir: Path) -> jinja2.Environment:
    """Autoescaping, strict about undefined names, with the number filters installed."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


def render_page(env: jinja2.Environment, template: str, context: dict) -> bytes:
    """``template`` rendered with ``context`` (UTF-8, LF line endings)."""
    return env.get_template(template).render(context).encode("utf-8")
