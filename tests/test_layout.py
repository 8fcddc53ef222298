"""The package's stages: data flows one way, and nothing in bench/ imports tests or benchmarks.

Stages, earliest first: the shared store and config, data, train, analysis, site, cli. A
module may import its own stage and earlier ones, never a later one; the import graph is read
from the source (every ``import`` and ``from ... import``, including those inside functions).
"""

import ast
from pathlib import Path

import pytest

import bench

PACKAGE = Path(bench.__file__).resolve().parent
# The shared modules every stage may import (the results store, the config and the model
# registry), then the stages in the order data flows through them. ``skeleton`` is the
# data a new project is made from: its example model imports only the shared ``bench.api``.
STAGES = ("shared", "data", "train", "analysis", "site", "cli")
SHARED = {"__init__", "__main__", "errors", "files", "store", "recipes", "config", "models",
          "metrics", "paths", "durations", "project", "quickstart", "api", "skeleton"}  # fmt: skip


def _stage(module: str) -> str:
    """The stage of ``bench.x.y``: its first component's folder, or shared."""
    first = module.split(".")[1] if "." in module else "__init__"
    if first in SHARED:
        return "__main__" if first == "__main__" else "shared"
    assert first in STAGES, f"bench.{first} belongs to no stage; add it to tests/test_layout.py"
    return first


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found.append((".".join(parts[:-1] if parts[-1] == "__init__" else parts), path))
    return found


def _imports(path: Path, module: str) -> set[str]:
    """Every module name ``path`` imports, relative imports resolved."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")[: -node.level or None]
                base = ".".join([*package, base] if base else package)
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


@pytest.mark.parametrize("module, path", _modules(), ids=[name for name, _ in _modules()])
def test_no_module_imports_a_later_stage_or_the_tests_or_benchmarks(module, path):
    here = _stage(module)
    if here == "__main__":
        return
    rank = STAGES.index(here)
    for name in sorted(_imports(path, module)):
        top = name.split(".")[0]
        assert top not in ("tests", "benchmarks"), f"{module} imports {name}"
        if top != "bench" or name == "bench":
            continue
        target = name if name.count(".") < 2 else ".".join(name.split(".")[:2])
        if target.split(".")[1] not in {*SHARED, *STAGES}:
            continue  # an attribute imported from bench itself (``from bench import x``)
        there = _stage(target)
        assert there == "__main__" or STAGES.index(there) <= rank, (
            f"{module} ({here}) imports {name} ({there}), a later stage"
        )


def test_the_folders_are_the_stages():
    folders = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    assert folders == {"store", "data", "train", "analysis", "site", "cli", "models"}


def test_the_package_docstring_maps_every_stage():
    for stage in ("data", "train", "analysis", "site", "cli", "models"):
        assert f"bench/{stage}/" in bench.__doc__
