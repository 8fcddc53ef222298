"""Load the user's models: a project's ``models/`` folder, ``--model-module`` names and the
entry points of installed distributions in the group ``bench.models``.

Importing a model module runs its code, as any Python import does: bench loads these only for
the commands that train or list models, never to render a site. Each module registers its models
with ``bench.api.register`` inside ``registry.loading``, so every entry knows its ``Origin``; a
module that fails to import is one line naming it, and registers nothing.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import sys
from collections.abc import Iterable
from pathlib import Path

from bench.errors import BenchError
from bench.models import registry
from bench.models.registry import Origin

ENTRY_POINT_GROUP = "bench.models"
PROJECT_PACKAGE = "bench_project_models"  # the name a project's model files import under


def load_user_models(models_dir: Path | None = None, modules: Iterable[str] = ()) -> None:
    """Register the models of every installed entry point, of ``models_dir``'s ``*.py`` files
    (in name order) and of ``modules``; each source once per process."""
    for entry in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP),
                        key=lambda entry: entry.name):  # fmt: skip
        load_entry_point(entry)
    if models_dir is not None:
        if not models_dir.is_dir():
            raise BenchError(
                f"{models_dir}: no such folder of model modules (--models-dir, or bench.toml's "
                "models_dir); fix the path or create the folder"
            )
        for path in sorted(models_dir.glob("*.py")):
            if not path.name.startswith("_"):
                load_project_file(path, shown=f"{models_dir.name}/{path.name}")
    for name in modules:
        load_module(name)


def load_project_file(path: Path, *, shown: str) -> None:
    """Import a project's model file by path; ``shown`` is how messages and records name it."""
    name = f"{PROJECT_PACKAGE}.{path.stem}"
    if name in sys.modules:
        return
    try:
        source = path.read_bytes()
    except OSError as error:
        raise BenchError(f"{shown}: cannot read the model module ({error.strerror})") from None
    origin = Origin("project", module=name, source=shown, source_sha256=_digest(source))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    _import(shown, origin, lambda: spec.loader.exec_module(module), name, folder=path.parent)


def load_module(name: str) -> None:
    """Import ``--model-module`` ``name`` (a dotted module name on ``sys.path``)."""
    if name in sys.modules:
        return
    try:
        found = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        found = None
    if found is None:
        raise BenchError(
            f"--model-module {name}: no such module on the Python path; install its package or "
            "add its folder to PYTHONPATH"
        )
    distribution = _distribution(name)
    origin = Origin(
        "module", module=name, source=found.origin,
        distribution=distribution.metadata["Name"] if distribution else None,
        version=distribution.version if distribution else None,
        source_sha256=_file_digest(found.origin),
    )  # fmt: skip
    _import(f"--model-module {name}", origin, lambda: importlib.import_module(name), name)


def load_entry_point(entry: importlib.metadata.EntryPoint) -> None:
    """Import an installed distribution's ``bench.models`` entry point."""
    if entry.module in sys.modules:
        return
    found = importlib.util.find_spec(entry.module)
    dist = entry.dist
    origin = Origin(
        "entry point", module=entry.module, source=found.origin if found else None,
        distribution=dist.metadata["Name"] if dist else None,
        version=dist.version if dist else None,
        source_sha256=_file_digest(found.origin if found else None),
    )  # fmt: skip
    shown = f"entry point {entry.name!r} ({entry.value}) of {origin.distribution or '?'}"
    _import(shown, origin, entry.load, entry.module)


def _import(shown: str, origin: Origin, run, module_name: str, folder: Path | None = None) -> None:
    """Run ``run`` (the import) registering under ``origin``; any failure is one line."""
    try:
        with registry.loading(origin):
            run()
    except BenchError:
        sys.modules.pop(module_name, None)
        raise
    except BaseException as error:
        sys.modules.pop(module_name, None)
        if isinstance(error, KeyboardInterrupt):
            raise
        words = str(error).strip().splitlines()
        detail = f"{type(error).__name__}: {words[0][:160]}" if words else type(error).__name__
        advice = _advice(error, origin, folder)
        raise BenchError(
            f"{shown}: the model module failed to import ({detail}); {advice}"
        ) from None


def _advice(error: BaseException, origin: Origin, folder: Path | None) -> str:
    """What to do about a failed import: fix it, or leave it out (an installed distribution's
    entry point: uninstall it); for a project file that imports one of its siblings, that
    project files load on their own (not as a package on sys.path)."""
    sibling = getattr(error, "name", None) or ""
    imports_sibling = (
        folder is not None
        and isinstance(error, ModuleNotFoundError)
        and sibling.isidentifier()
        and (folder / f"{sibling}.py").is_file()
    )
    if imports_sibling:
        return (f"model files cannot import each other, so move what {sibling}.py shares into "
                "this file or into an installed package")  # fmt: skip
    if origin.kind == "entry point":
        # Every command that loads models loads every installed entry point.
        return f"fix it, or uninstall {origin.distribution or 'the distribution that provides it'}"
    return "fix it, or leave it out"


def _distribution(module: str) -> importlib.metadata.Distribution | None:
    """The installed distribution that provides ``module``'s top-level package, if any."""
    top = module.split(".")[0]
    names = importlib.metadata.packages_distributions().get(top, [])
    for name in names:
        try:
            return importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _digest(source: bytes) -> str:
    return hashlib.sha256(source).hexdigest()


def _file_digest(path: str | None) -> str | None:
    if not path or not Path(path).is_file():
        return None
    try:
        return _digest(Path(path).read_bytes())
    except OSError:
        return None
