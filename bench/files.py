"""Files written whole or not at all: a temporary file beside the target, renamed over it.

``tempfile.mkstemp`` makes its file 0600; a results file, a downloaded dataset file or a cache
entry renamed from it would stay private to its owner, unlike the same file written by
``open()``. Every temporary file here gets the mode ``open()`` would give under the umask, so a
shared results or data folder reads the same whichever way its files came.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def temporary_beside(path: Path, *, suffix: str = ".tmp") -> tuple[int, Path]:
    """A new hidden file in ``path``'s folder (an open descriptor and its path), with the mode
    ``open()`` would give; the caller writes it and renames it over ``path`` or removes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=suffix
    )
    try:
        os.chmod(temporary, 0o666 & ~_UMASK)
    except BaseException:
        os.close(descriptor)
        Path(temporary).unlink(missing_ok=True)
        raise
    return descriptor, Path(temporary)


def atomic_write(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` so that readers see either the old or the new file."""
    descriptor, temporary = temporary_beside(path)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
