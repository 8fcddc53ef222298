"""Results JSON parsed within limits that no honest file comes near.

Results folders travel between machines, so a fold record or run manifest may be anything: a
file far larger or nested far deeper than bench ever writes is refused in one line before it is
parsed (Python's json module would otherwise fill memory or recurse until it crashes).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from bench.errors import BenchError

# A fold record is about 11 KB and a run manifest about 4 KB: 16 MiB is over 1,000 times either,
# yet small enough to read and scan at once.
JSON_BYTES_LIMIT = 16 * 2**20
# The deepest honest record nests 7 levels (a manifest's config.plans[i][1].recipe.augmentation);
# Python's json recurses once per level and gives up near 1,000.
JSON_DEPTH_LIMIT = 64
# A string literal, its closing quote optional: an unterminated one then ends at the end of the
# text instead of being retried from every later quote, so the scan stays linear.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_OPENERS, _CLOSERS = b"[{", b"]}"


def nesting_depth(text: bytes) -> int:
    """The deepest nesting of arrays and objects in JSON ``text`` (brackets inside strings do
    not count): the running balance of openers over closers."""
    bare = np.frombuffer(_STRING.sub(b"", text), dtype=np.uint8)
    opens = (bare == _OPENERS[0]) | (bare == _OPENERS[1])
    closes = (bare == _CLOSERS[0]) | (bare == _CLOSERS[1])
    steps = opens.astype(np.int32) - closes.astype(np.int32)
    return int(np.cumsum(steps).max(initial=0))


class OutOfBounds(ValueError):
    """A JSON file that is no regular file, or is past the size or depth limit; its message
    says which, in words that follow the file's name."""


def read_bytes(path: Path) -> bytes:
    """The bytes of ``path``, read no further than ``JSON_BYTES_LIMIT`` (so a device or a
    growing file cannot fill memory); ``OSError`` where it cannot be read."""
    if path.exists() and not path.is_file():
        raise OutOfBounds("is not a regular file")
    with path.open("rb") as handle:
        text = handle.read(JSON_BYTES_LIMIT + 1)
    if len(text) > JSON_BYTES_LIMIT:
        raise OutOfBounds(
            f"is larger than {JSON_BYTES_LIMIT / 2**20:g} MiB, far past any file bench writes"
        )
    return text


def loads(text: bytes) -> object:
    """Parse UTF-8 JSON ``text`` once its depth is known to be within the limit; a
    ``ValueError`` (``OutOfBounds``, ``UnicodeDecodeError``, ``json.JSONDecodeError``) when
    it cannot be."""
    depth = nesting_depth(text)
    if depth > JSON_DEPTH_LIMIT:
        raise OutOfBounds(
            f"nests {depth:,} levels deep, past the {JSON_DEPTH_LIMIT} any bench JSON may have"
        )
    try:
        return json.loads(text.decode("utf-8"))
    except RecursionError:  # the depth check makes this unreachable; never a traceback
        raise OutOfBounds("nests too deeply to parse") from None


def load(path: Path, *, what: str, fix: str) -> object:
    """Read and parse the JSON file at ``path`` within the limits above; one-line errors
    naming ``path``, what it should be (``what``) and ``fix``."""
    try:
        return loads(read_bytes(path))
    except OutOfBounds as error:
        raise BenchError(f"{path}: {what} {error}; {fix}") from None
    except OSError as error:
        raise BenchError(f"{path}: cannot read {what} ({error.strerror or error}); {fix}") from None
    except UnicodeDecodeError as error:
        raise BenchError(f"{path}: {what} is not UTF-8 text ({error.reason}); {fix}") from None
    except json.JSONDecodeError as error:
        raise BenchError(
            f"{path}: {what} is not valid JSON (truncated or edited? {error.msg} at line "
            f"{error.lineno}); {fix}"
        ) from None
    except ValueError as error:  # an integer of more digits than Python converts
        raise BenchError(
            f"{path}: {what} holds an unreadable value ({str(error)[:80]}); {fix}"
        ) from None
