"""Rules for the fields of untrusted JSON, and the one-line error of the first field that
breaks one.

A rule takes a parsed value and returns None when it is good, else what is wrong with it: the
place inside the value (``[2].parameters``), the value as JSON spells it (a bool is ``true``,
never a whole number) and what is allowed there. ``bench.store.record_fields`` holds the tables for
fold records and run manifests.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bench.errors import BenchError

Rule = Callable[[Any], "str | None"]

WHOLE_LIMIT = 2**53  # whole numbers stay exact as floats (means, ratios) up to here
SHORT_TEXT = 200  # characters of a name, a device or a version


def check(data: Mapping, rules: Mapping[str, Rule], path: Path | str, what: str, fix: str) -> None:
    """Apply ``rules`` to the fields of ``data`` that are present; the first bad field is a
    one-line ``BenchError`` naming ``path``, the field and what is allowed."""
    for name, rule in rules.items():
        if name in data and (problem := rule(data[name])):
            raise BenchError(f"{path}: {what} has a malformed field ({name}{problem}); {fix}")


_MISSING = object()  # a required field that is absent: every rule refuses it


def shown(value: Any) -> str:
    """A value as a message shows it: short, on one line, in JSON's words."""
    if value is _MISSING:
        return "missing"
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, str):
        return repr(value[:40]) + ("..." if len(value) > 40 else "")
    if isinstance(value, list | tuple):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)[:40]


def _is(value: Any, allowed: str) -> str:
    return f" is {shown(value)}; allowed: {allowed}"


def whole(low: int = 0, high: int = WHOLE_LIMIT) -> Rule:
    allowed = f"a whole number from {low:,}" + (f" to {high:,}" if high < WHOLE_LIMIT else "")

    def rule(value: Any) -> str | None:
        good = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        return None if good else _is(value, allowed)

    return rule


def number(low: float | None = 0.0) -> Rule:
    """A finite number (not a bool) of at least ``low`` (None: any)."""
    allowed = "a finite number" + (f" from {low:g}" if low is not None else "")

    def rule(value: Any) -> str | None:
        good = isinstance(value, int | float) and not isinstance(value, bool)
        good = good and math.isfinite(value) and (low is None or value >= low)
        return None if good else _is(value, allowed)

    return rule


def text(
    limit: int = SHORT_TEXT,
    pattern: re.Pattern | None = None,
    words: str = "",
    *,
    empty: bool = True,
) -> Rule:
    """Text of up to ``limit`` characters (at least one unless ``empty``), all of it matching
    ``pattern`` where given (``words`` says what that allows)."""
    allowed = f"text of {'0' if empty else '1'} to {limit:,} characters" + (
        f" ({words})" if words else ""
    )

    def rule(value: Any) -> str | None:
        good = isinstance(value, str) and (empty or value) and len(value) <= limit
        if good and pattern is not None:
            good = value == "" or bool(pattern.fullmatch(value))
        return None if good else _is(value, allowed)

    return rule


def timestamp(value: Any) -> str | None:
    allowed = "an ISO 8601 time such as 2026-11-28T09:42:10+00:00"
    if not isinstance(value, str) or len(value) > 64:
        return _is(value, allowed)
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return _is(value, allowed)
    return None


def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else _is(value, "true or false")


def optional(rule: Rule) -> Rule:
    """``rule``, or null."""
    return lambda value: None if value is None else rule(value)


def either(first: Rule, second: Rule, allowed: str) -> Rule:
    """A value either rule accepts (``allowed`` says what both accept)."""
    return lambda value: first(value) and second(value) and _is(value, allowed)


def list_of(item: Rule) -> Rule:
    def rule(value: Any) -> str | None:
        if not isinstance(value, list | tuple):  # tuples: a record built in memory
            return _is(value, "a list")
        for position, entry in enumerate(value):
            if problem := item(entry):
                return f"[{position}]{problem}"
        return None

    return rule


def pair(first: Rule, second: Rule) -> Rule:
    def rule(value: Any) -> str | None:
        if not isinstance(value, list | tuple) or len(value) != 2:
            return _is(value, "a list of two")
        return _at(0, first(value[0])) or _at(1, second(value[1]))

    return rule


def mapping_of(item: Rule, key_limit: int = 100) -> Rule:
    """A mapping of short texts to values ``item`` accepts."""

    def rule(value: Any) -> str | None:
        if not isinstance(value, dict):
            return _is(value, "a mapping")
        for key, entry in value.items():
            if len(key) > key_limit:
                return f" has a key of {len(key):,} characters; allowed: up to {key_limit}"
            if problem := item(entry):
                return f"{_key(key)}{problem}"
        return None

    return rule


def fields(rules: Mapping[str, Rule], required: tuple[str, ...] = ()) -> Rule:
    """A mapping whose named fields follow ``rules`` (others are not read, so not checked)."""

    def rule(value: Any) -> str | None:
        if not isinstance(value, dict):
            return _is(value, "a mapping")
        for name, field_rule in rules.items():
            present = name in value or name in required
            if present and (problem := field_rule(value.get(name, _MISSING))):
                return f"{_key(name)}{problem}"
        return None

    return rule


def _at(position: int, problem: str | None) -> str | None:
    return f"[{position}]{problem}" if problem else None


def _key(key: str) -> str:
    return f".{key}" if re.fullmatch(r"\w{1,40}", key, re.ASCII) else f"[{shown(key)}]"
