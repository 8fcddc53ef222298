"""The project file ``bench.toml``: a write-up folder's title, models and paths, read and checked.

Every key is optional and flat (no tables). Relative paths are relative to the folder holding
the file. Every problem is one BenchError line naming the file, the key and what is allowed.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, fields
from difflib import get_close_matches
from pathlib import Path
from urllib.parse import urlsplit

from bench.config import AUTO, PROFILES
from bench.errors import BenchError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 reads TOML with the tomli backport
    import tomli as tomllib

__all__ = ["MAX_BYTES", "PROJECT_FILE", "Project", "find", "is_model_name", "load"]

PROJECT_FILE = "bench.toml"
DEFAULT_MODELS_DIR = "models"  # what `bench init` makes, read when bench.toml names no models_dir
MAX_BYTES = 1024 * 1024  # a project file is a few lines; anything this large is a mistake

_MODEL_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_TEXT_KEYS = ("title", "author")
_PATH_EXAMPLES = {"results_dir": "results", "out": "public", "content_dir": "content",
                  "models_dir": DEFAULT_MODELS_DIR, "data_dir": "data"}  # fmt: skip
_PATH_KEYS = tuple(_PATH_EXAMPLES)
# "(at line 3, column 7)", the position tomllib and tomli put at the end of their messages
_TOML_POSITION = re.compile(r"\s*\(at (line \d+, column \d+)\)\s*\Z")


@dataclass(frozen=True)
class Project:
    """A write-up project: what ``bench.toml`` says, paths made absolute against ``root``."""

    root: Path  # the folder holding bench.toml
    title: str | None = None
    author: str | None = None
    base_url: str | None = None  # absolute, ending in "/"
    models: tuple[str, ...] = ()  # empty: the default set
    model_modules: tuple[str, ...] = ()  # dotted names of modules that register models
    results_dir: Path = Path("results")
    out: Path = Path("public")
    content_dir: Path = Path("content")
    models_dir: Path | None = None  # None: DEFAULT_MODELS_DIR where it exists (``model_folder``)
    data_dir: Path | None = None
    profile: str | None = None  # a profile name, or AUTO

    def __post_init__(self) -> None:
        root = self.root.expanduser().resolve()
        object.__setattr__(self, "root", root)
        for key in _PATH_KEYS:
            value = getattr(self, key)
            if value is not None:
                object.__setattr__(self, key, root / Path(value).expanduser())

    @property
    def model_folder(self) -> Path | None:
        """The folder whose modules register the project's models: ``models_dir`` as the file
        names it (which must then exist), else ``models/`` beside bench.toml where there is one."""
        if self.models_dir is not None:
            return self.models_dir
        default = self.root / DEFAULT_MODELS_DIR
        return default if default.is_dir() else None


ALLOWED_KEYS = tuple(field.name for field in fields(Project) if field.name != "root")


def is_model_name(name: object) -> bool:
    """Whether ``name`` is spelled like a model name: lowercase letters, digits and hyphens."""
    return isinstance(name, str) and _MODEL_NAME.fullmatch(name) is not None


def find(folder: Path) -> Project | None:
    """The project whose file is ``folder/bench.toml``, or None where there is none.

    Only ``folder`` itself is looked at: a command run in a subfolder does not pick up a
    project file further up.
    """
    path = folder / PROJECT_FILE
    if not path.exists():
        return None
    return load(path)


def load(path: Path) -> Project:
    """Read and check the project file ``path``."""
    settings = _read(path)
    for key in settings:
        if key not in ALLOWED_KEYS:
            close = get_close_matches(key, ALLOWED_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise BenchError(
                f"{path}: unknown key {key!r}; allowed keys: {', '.join(ALLOWED_KEYS)}{hint}"
            )
    values: dict[str, object] = {}
    for key, value in settings.items():
        if key in _TEXT_KEYS:
            values[key] = _text(path, key, value)
        elif key in _PATH_KEYS:
            values[key] = Path(_path_text(path, key, value))
        elif key == "base_url":
            values[key] = _base_url(path, value)
        elif key == "models":
            values[key] = _models(path, value)
        elif key == "model_modules":
            values[key] = _model_modules(path, value)
        elif key == "profile":
            values[key] = _profile(path, value)
    return Project(root=path.parent, **values)  # type: ignore[arg-type]


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise BenchError(f"{path}: cannot read ({error.strerror or error})") from None
    if len(data) > MAX_BYTES:
        raise BenchError(
            f"{path}: larger than {MAX_BYTES // 1024 // 1024} MiB; a project file holds a few "
            "settings, so check that this is the right file"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BenchError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        position = _TOML_POSITION.search(message)
        if position:
            message = f"{position.group(1)}: {message[: position.start()]}"
        raise BenchError(f"{path}: not valid TOML ({message})") from None


def _text(path: Path, key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BenchError(f'{path}: {key} must be a non-empty string like "Text", not {value!r}')
    return value


def _path_text(path: Path, key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BenchError(
            f'{path}: {key} must be a folder path like "{_PATH_EXAMPLES[key]}" (relative to '
            f"the folder holding {path.name}, or absolute), not {value!r}"
        )
    return value


def _is_base_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:  # such as an unclosed "[" in an IPv6 host
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and value.endswith("/")
        and not any(character.isspace() for character in value)
    )


def _base_url(path: Path, value: object) -> str:
    if not isinstance(value, str) or not _is_base_url(value):
        raise BenchError(
            f'{path}: base_url = {value!r}: must be an absolute http(s) URL ending in "/", '
            'like "https://you.github.io/repo/", or left out'
        )
    return value


def _models(path: Path, value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise BenchError(
            f'{path}: models must be a list of model names like ["lenet5"], not {value!r}'
        )
    for name in value:
        if not is_model_name(name):
            raise BenchError(
                f"{path}: models: {name!r} is not a model name; use lowercase letters, digits "
                'and hyphens, starting with a letter or digit, like "lenet5"'
            )
    _no_repeats(path, "models", value)
    return tuple(value)


def _model_modules(path: Path, value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise BenchError(
            f"{path}: model_modules must be a list of importable module names like "
            f'["mylab.models"], not {value!r}'
        )
    for name in value:
        if not isinstance(name, str) or not _MODULE_NAME.fullmatch(name):
            raise BenchError(
                f"{path}: model_modules: {name!r} is not an importable module name; use dotted "
                'Python identifiers like "mylab.models"'
            )
    _no_repeats(path, "model_modules", value)
    return tuple(value)


def _no_repeats(path: Path, key: str, names: list[str]) -> None:
    for index, name in enumerate(names):
        if name in names[:index]:
            raise BenchError(f"{path}: {key} lists {name!r} twice; list each one once")


def _profile(path: Path, value: object) -> str:
    if not isinstance(value, str) or value not in (*PROFILES, AUTO):
        raise BenchError(
            f"{path}: profile = {value!r}: choose from {', '.join(PROFILES)} or {AUTO}"
        )
    return value
