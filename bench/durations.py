"""Durations: parse one from the command line, print one on the terminal or on the site.

The terminal's form (``1h 30m``) is compact and reads back through ``parse_duration``; the
site's (``3 min 05 s``) is written for prose. Both live here so a duration is spelled one way
per audience.
"""

from __future__ import annotations

import re

from bench.errors import BenchError

# Units in descending order, each at most once; whitespace between parts so "1h 30m" (what
# format_duration prints) reads back.
_NUMBER = r"\d+(?:\.\d+)?"
_DURATION = re.compile(
    rf"(?:(?P<hours>{_NUMBER})h)?\s*(?:(?P<minutes>{_NUMBER})m)?\s*(?:(?P<seconds>{_NUMBER})s)?",
    re.IGNORECASE,
)
_SECONDS_PER_UNIT = {"hours": 3600.0, "minutes": 60.0, "seconds": 1.0}


def parse_duration(text: str, option: str = "--time-budget") -> float:
    """Seconds in a duration such as ``90m``, ``2h``, ``1h30m`` or ``1.5h``; more than zero."""
    match = _DURATION.fullmatch(text.strip())
    parts = {} if match is None else {k: v for k, v in match.groupdict().items() if v is not None}
    seconds = sum(float(value) * _SECONDS_PER_UNIT[unit] for unit, value in parts.items())
    if not parts or seconds <= 0:
        raise BenchError(
            f"{option} {text!r}: expected a duration such as 90m, 2h or 1h30m (more than zero)"
        )
    return seconds


def format_duration(seconds: float) -> str:
    """Whole seconds as ``1h 30m``, ``12m 5s`` or ``40s``; negative time shows as ``0s``."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{value}{unit}" for value, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if value
    ]
    return " ".join(parts) or "0s"


def readable(value: float) -> str:
    """A duration in prose, for the site: '0.84 s', '42 s', '3 min 05 s', '2 h 04 min'."""
    if value < 10:
        return f"{value:.2f} s"
    whole = int(round(value))
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
