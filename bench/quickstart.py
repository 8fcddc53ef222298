"""Start a new write-up project from the skeleton shipped in ``bench/skeleton/``.

The skeleton's text files are templates whose placeholders are ``${name}`` with a lowercase
name in braces; nothing else is touched, so the workflow's ``${{ github.x }}`` expressions and
its shell variables need no escaping. Model modules under ``skeleton/models/`` are copied as
they are. The project is built in a temporary sibling folder and moved into place at the end,
so a failure leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
import errno
import importlib.metadata
import json
import os
import re
import secrets
import shutil
import string
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from bench.errors import BenchError
from bench.project import DEFAULT_MODELS_DIR, PROJECT_FILE, is_model_name

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = ["SKELETON_FILES", "create", "toml_string"]

# Skeleton template -> where it goes in the project (dot-files are stored without their dot, so
# packaging tools that skip hidden files still ship them).
SKELETON_FILES = (
    ("bench.toml", PROJECT_FILE),
    ("README.md", "README.md"),
    ("gitignore", ".gitignore"),
    ("pages.yml", ".github/workflows/pages.yml"),
    ("content/index.md", "content/index.md"),
)
MODELS_FOLDER = DEFAULT_MODELS_DIR  # the example models in the skeleton, and in the project
_REFUSAL = "bench init makes a new project in an empty or new folder"


class _Skeleton(string.Template):
    """``${name}`` placeholders only; any other ``$`` is text."""

    pattern = r"""
    \$(?:
        (?P<escaped>(?!))
      | (?P<named>(?!))
      | \{(?P<braced>[a-z_]+)\}
      | (?P<invalid>(?!))
    )
    """


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string: quoted, with backslashes, quotes and controls escaped."""
    escaped = []
    for character in text:
        if character in ('"', "\\"):
            escaped.append("\\" + character)
        elif character in "\b\t\n\f\r":
            escaped.append(repr(character)[1:-1])
        elif ord(character) < 0x20 or ord(character) == 0x7F:
            escaped.append(f"\\u{ord(character):04x}")
        else:
            escaped.append(character)
    return '"' + "".join(escaped) + '"'


def create(folder: Path, *, title: str, author: str, models: tuple[str, ...]) -> list[Path]:
    """Write a new project into ``folder`` (new or empty); the files written, relative, sorted."""
    for option, value in (("title", title), ("author", author)):
        if not value.strip():
            raise BenchError(f"the {option} is empty; give the new project a {option}")
    for name in models:
        if not is_model_name(name):
            raise BenchError(
                f"model {name!r}: not a model name; use lowercase letters, digits and hyphens, "
                "starting with a letter or digit, like 'lenet5'"
            )
    for index, name in enumerate(models):
        if name in models[:index]:
            raise BenchError(f"model {name!r} is given twice; name each model once")
    if folder.exists() and not folder.is_dir():
        raise BenchError(f"{folder}: is a file; {_REFUSAL}")
    try:
        if folder.is_dir() and any(folder.iterdir()):
            raise BenchError(f"{folder}: holds files already; {_REFUSAL}")
        values = {
            "title": " ".join(title.split()),  # one line, for a Markdown heading
            "title_toml": toml_string(title),
            "author_toml": toml_string(author),
            "models_toml": "[" + ", ".join(toml_string(name) for name in models) + "]",
            "date": dt.date.today().isoformat(),
            "bench_package": install_requirement(),
        }
        return _build(folder.resolve(), values)
    except OSError as error:
        raise BenchError(
            f"{folder}: cannot create the project ({error.strerror or error})"
        ) from None


def install_requirement() -> str:
    """What the Pages workflow asks pip for: this bench's own source where pip recorded a
    git one (``direct_url.json``, PEP 610), pinned to its commit; else "", which the workflow
    refuses with a line saying what to set. (No ``bench==version``: bench is not on PyPI, and
    a package of that name there is someone else's.)"""
    try:
        text = importlib.metadata.distribution("bench").read_text("direct_url.json")
        direct = json.loads(text or "{}")
    except (importlib.metadata.PackageNotFoundError, ValueError, OSError):
        return ""
    vcs = direct.get("vcs_info") if isinstance(direct, dict) else None
    url = direct.get("url") if isinstance(direct, dict) else None
    if not isinstance(vcs, dict) or vcs.get("vcs") != "git" or not isinstance(url, str):
        return ""
    if not _SAFE_URL.fullmatch(url) or not _COMMIT.fullmatch(str(vcs.get("commit_id", ""))):
        return ""
    return f"bench @ git+{url}@{vcs['commit_id']}"


_SAFE_URL = re.compile(r"https://[A-Za-z0-9._~/:@%+-]+")  # goes into YAML and a shell line
_COMMIT = re.compile(r"[0-9a-f]{40}")


def _build(target: Path, values: dict[str, str]) -> list[Path]:
    """Fill a temporary sibling of ``target`` and move it into place; undo everything on error."""
    missing_parents = [path for path in target.parents if not path.exists()]  # deepest first
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = _make_sibling(target)
    try:
        written = _fill(staging, values)
        _move_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for parent in missing_parents:
            try:
                parent.rmdir()
            except OSError:
                break
        raise
    return sorted(written)


def _make_sibling(target: Path) -> Path:
    """A new, empty folder beside ``target`` with the default permissions (mkdtemp's are 0700)."""
    while True:
        staging = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            staging.mkdir()
        except FileExistsError:
            continue
        return staging


def _fill(staging: Path, values: dict[str, str]) -> list[Path]:
    skeleton = files("bench") / "skeleton"
    written = []
    for source, destination in SKELETON_FILES:
        template = _Skeleton(_traverse(skeleton, source).read_text(encoding="utf-8"))
        written.append(_write(staging, Path(destination), template.substitute(values).encode()))
    (staging / MODELS_FOLDER).mkdir()
    models = skeleton / MODELS_FOLDER
    if models.is_dir():
        for relative, module in _python_files(models, Path(MODELS_FOLDER)):
            written.append(_write(staging, relative, module.read_bytes()))
    return written


def _write(staging: Path, relative: Path, data: bytes) -> Path:
    path = staging / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return relative


def _traverse(root: Traversable, relative: str) -> Traversable:
    for part in relative.split("/"):
        root = root / part
    return root


def _python_files(folder: Traversable, relative: Path) -> list[tuple[Path, Traversable]]:
    """Every ``*.py`` file under ``folder``, with its path relative to the project."""
    found = []
    for entry in folder.iterdir():
        if entry.is_dir() and entry.name != "__pycache__":
            found += _python_files(entry, relative / entry.name)
        elif entry.is_file() and entry.name.endswith(".py"):
            found.append((relative / entry.name, entry))
    return found


def _move_into_place(staging: Path, target: Path) -> None:
    """A new ``target`` is the staging folder renamed; an existing empty one, which may be the
    shell's working folder, is kept and receives the staging folder's entries."""
    if not target.exists():
        os.rename(staging, target)
        return
    moved = []
    try:
        for entry in sorted(staging.iterdir()):
            if (target / entry.name).exists():  # written there meanwhile: keep it
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))
            os.rename(entry, target / entry.name)
            moved.append(entry.name)
    except BaseException:
        for name in moved:
            os.rename(target / name, staging / name)
        raise
    staging.rmdir()
