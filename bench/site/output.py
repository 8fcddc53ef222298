"""Write the site safely: build beside the target, then swap it in.

An existing output folder is replaced only when a previous build marked it with ``.bench-site``
(or when it is empty); anything else -- a folder with the user's files, the project root, the
home folder, ``/`` -- is refused and left untouched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench.errors import BenchError
from bench.paths import PROJECT_ROOT

MARKER = ".bench-site"
MARKER_TEXT = "Built by `bench render`; the next build replaces this whole folder.\n"


def check_target(out_dir: Path) -> Path:
    """The resolved output folder, or a one-line error if a build must not replace it."""
    target = Path(out_dir).expanduser().resolve()
    protected = {Path("/"), Path.home().resolve(), PROJECT_ROOT, Path.cwd().resolve()}
    if target in protected or any(target in place.parents for place in protected - {Path("/")}):
        raise BenchError(
            f"--out {out_dir}: refusing to build into {target} (it holds the project, your home "
            "or a folder above them); choose a dedicated folder such as public/"
        )
    if target.exists() and not target.is_dir():
        raise BenchError(f"--out {out_dir}: exists and is not a folder; choose another --out")
    if target.is_dir() and not (target / MARKER).is_file() and any(target.iterdir()):
        raise BenchError(
            f"--out {out_dir}: not empty and not a previous bench site (no {MARKER} file); "
            "refusing to replace it; choose an empty or new folder"
        )
    return target


@contextlib.contextmanager
def staged_output(out_dir: Path) -> Iterator[Path]:
    """Yield an empty staging folder beside ``out_dir``; on success it becomes ``out_dir``."""
    target = check_target(out_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.build-"))
    try:
        os.chmod(staging, 0o755)  # mkdtemp's 0700 would stick to the published folder
        yield staging
        (staging / MARKER).write_text(MARKER_TEXT)
        check_target(out_dir)  # nothing may have appeared there while we built
        _swap(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap(staging: Path, target: Path) -> None:
    """Replace ``target`` with ``staging``: two renames, then delete the old build."""
    if not target.exists():
        staging.rename(target)
        return
    retired = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
    retired.rmdir()
    target.rename(retired)
    try:
        staging.rename(target)
    except OSError:
        retired.rename(target)
        raise
    shutil.rmtree(retired, ignore_errors=True)


class Writer:
    """The one way a build writes a file: every target is resolved (symlinks included) and must
    lie inside the staging folder, whatever a results file or a template asked for."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def path_for(self, relative: str) -> Path:
        """The checked absolute path of ``relative`` (a site path such as ``models/x.html``)."""
        candidate = Path(str(relative))
        target = (self.root / candidate).resolve()
        if candidate.is_absolute() or (target != self.root and self.root not in target.parents):
            raise BenchError(
                f"refusing to write {str(relative)[:80]!r}: it resolves outside the site folder; "
                "a results or content file names a path it must not"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write(self, relative: str, payload: bytes) -> Path:
        target = self.path_for(relative)
        target.write_bytes(payload)
        return target

    def copy(self, relative: str, source: Path) -> Path:
        target = self.path_for(relative)
        shutil.copyfile(source, target)
        return target
