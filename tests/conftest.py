"""Shared fixtures: an isolated environment and a tiny synthetic Fashion-MNIST."""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import http.server
import importlib.util
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bench import data
from bench.data import idx

# Tests never train with oneDNN noise or a stray backend from the caller's shell.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SYNTHETIC_COUNTS = {"train": 40, "test": 20}


def load_script(path: Path):
    """Import a script by path (benchmarks/ and tests/ helpers are scripts, not packages)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


# --- the quick lane ----------------------------------------------------------------------------
# `make test-fast` runs the suite without the tests marked slow here: those that train real
# Keras models (smoke folds included), drive a browser, start a Ray cluster or a framework in a
# subprocess. `make test` (CI) runs everything. Whole modules first, then single tests by name.
SLOW_MODULES = frozenset({
    "test_engine", "test_engine_keys", "test_engine_backends", "test_ray_executor",
    "test_site_browser", "test_torch_reference", "test_committed_results", "test_wheel",
})  # fmt: skip
SLOW_TESTS = frozenset({
    # trainings through the CLI or the engine
    "test_train_stores_folds_and_prints_the_table",
    "test_precision_option_reaches_every_fold_record",
    "test_ctrl_c_exits_130_with_a_resume_hint", "test_out_of_memory_suggests_a_smaller_batch",
    "test_a_crash_is_reported_as_a_crash", "test_build_site_trains_then_renders",
    "test_a_full_disk_while_storing_a_fold_keeps_the_others_and_resumes",
    "test_a_toy_model_trains_and_is_published", "test_no_options_give_the_dataclass_defaults",
    # every model built, stepped, saved and loaded; under each backend in a subprocess
    "test_builds_float32_logits_of_the_documented_size",
    "test_layer_table_adds_up_to_the_parameter_count",
    "test_one_training_step_moves_every_trainable_weight",
    "test_save_and_load_give_identical_predictions", "test_layer_names_follow_the_papers",
    "test_every_model_builds_and_trains_on_backend",
    # a fresh interpreter that must not import a framework
    "test_bad_options_are_answered_before_keras_loads", "test_rendering_imports_no_framework",
})  # fmt: skip


def pytest_collection_modifyitems(items):
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        if module in SLOW_MODULES or item.originalname in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


# --- optional capabilities: skip on a developer's machine, fail under CI ---------------------
# CI (the CI variable set) installs every optional capability (JAX, PyTorch, Chromium,
# Playwright, the page checkers of tests/checkers and Java), so there a missing one is a broken
# environment and its tests must fail, not skip.


def _missing(reason: str) -> None:
    """The one place that decides: fail under CI, skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must provide it (see .ci/run)", pytrace=False)
    pytest.skip(reason)


def absent_modules(*modules: str) -> list[str]:
    return [name for name in modules if importlib.util.find_spec(name) is None]


def requires(*modules: str) -> pytest.MarkDecorator:
    """Mark a test that needs optional ``modules``: it runs when they are installed, and when
    they are not, it is skipped locally and fails under CI (the ``requires`` fixture acts)."""
    return pytest.mark.requires_modules(*modules)


@pytest.fixture(autouse=True)
def _check_required_modules(request):
    marker = request.node.get_closest_marker("requires_modules")
    if marker is not None and (absent := absent_modules(*marker.args)):
        _missing(f"{', '.join(absent)} not installed")


def require(available: bool, reason: str) -> None:
    """For capabilities found at run time (a browser binary): skip locally, fail under CI."""
    if not available:
        _missing(reason)


def require_modules_for_module(*modules: str) -> None:
    """At the top of a test module whose imports need ``modules``: skip the module locally,
    fail its collection under CI."""
    if absent := absent_modules(*modules):
        if os.environ.get("CI"):
            raise ImportError(f"{', '.join(absent)} not installed; CI must provide it (.ci/run)")
        pytest.skip(f"{', '.join(absent)} not installed", allow_module_level=True)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory, monkeypatch):
    """Each test gets its own cache and no data-dir or mirror settings from the caller."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    for name in ("BENCH_DATA_DIR", "BENCH_MIRRORS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def user_models_forgotten():
    """The models a test registers from a user's code (a project file, a module, an entry point:
    the CLI or a benchmark script loads the example models) are forgotten after it, with their
    project modules, so no test sees another's and a later load registers afresh."""
    registry = sys.modules.get("bench.models.registry")
    before = dict(registry._MODELS) if registry else None
    modules = set(sys.modules)
    yield
    registry = sys.modules.get("bench.models.registry")
    if registry is None:
        return
    if before is None:  # the registry was first imported during the test: keep the built-ins
        before = {name: spec for name, spec in registry._MODELS.items()
                  if spec.origin is None or spec.origin.kind == registry.BUILT_IN}  # fmt: skip
    registry._MODELS.clear()
    registry._MODELS.update(before)
    from bench.models.plugins import PROJECT_PACKAGE

    for name in set(sys.modules) - modules:
        if name.split(".")[0] == PROJECT_PACKAGE:
            del sys.modules[name]


def synthetic_arrays(seed: int = 0, counts: dict[str, int] = SYNTHETIC_COUNTS) -> dict:
    """Arrays for the four files: every class present in each split, random pixels."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for spec in data.FILES:
        count = counts[spec.split]
        if spec.kind == "images":
            arrays[spec.name] = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
        else:
            arrays[spec.name] = (np.arange(count) % 10).astype(np.uint8)
    return arrays


def write_dataset(directory: Path, arrays: dict[str, np.ndarray], compress: bool = True) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        payload = idx.encode(array)
        if compress:
            (directory / f"{name}.gz").write_bytes(gzip.compress(payload, mtime=0))
        else:
            (directory / name).write_bytes(payload)
    return directory


def install_dataset(
    directory: Path, monkeypatch, counts: dict[str, int] = SYNTHETIC_COUNTS, seed: int = 0
) -> tuple[Path, dict[str, np.ndarray]]:
    """Write a synthetic dataset and make bench.data expect exactly its counts and digests."""
    arrays = synthetic_arrays(seed, counts)
    specs = tuple(
        replace(
            spec,
            count=counts[spec.split],
            sha256=hashlib.sha256(idx.encode(arrays[spec.name])).hexdigest(),
        )
        for spec in data.FILES
    )
    monkeypatch.setattr(data, "FILES", specs)
    return write_dataset(directory, arrays), arrays


@pytest.fixture
def real_data_dir() -> Path:
    """Debian's dataset-fashion-mnist, which CI installs (and then sets BENCH_REQUIRE_REAL_DATA=1,
    so that its absence fails there instead of skipping)."""
    if not data.SYSTEM_DIR.is_dir():
        if os.environ.get("BENCH_REQUIRE_REAL_DATA"):
            pytest.fail(f"{data.SYSTEM_DIR} is missing; install dataset-fashion-mnist")
        pytest.skip("Debian's dataset-fashion-mnist is not installed on this machine")
    return data.SYSTEM_DIR


@pytest.fixture
def synthetic(tmp_path, monkeypatch):
    """A synthetic dataset on disk, with bench.data expecting exactly its counts and digests."""
    return install_dataset(tmp_path / "fashion", monkeypatch)


@pytest.fixture
def http_root(tmp_path):
    """A static file server on 127.0.0.1; yields (root folder, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(QuietHandler, directory=str(root))
    with serving(http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)) as url:
        yield root, url


@contextlib.contextmanager
def serving(server: http.server.HTTPServer) -> Iterator[str]:
    """Run ``server`` in a background thread; yield its base URL (no trailing slash)."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature fixed by http.server
        pass


# --- model reports shared by the analysis's findings tests and the site's --------------------


@pytest.fixture(scope="module")
def stored_reports(tmp_path_factory) -> dict:
    """Real reports of two quick-profile fixture models (two folds each), by model name."""
    from tests.report_fixtures import quick_reports

    return quick_reports(tmp_path_factory.mktemp("findings"), ("lenet5", "lstm"))


@pytest.fixture(scope="module")
def three_fold_reports(tmp_path_factory) -> dict:
    """Reports of three quick-profile fixture models with three folds of one split each."""
    from tests.report_fixtures import quick_reports

    return quick_reports(tmp_path_factory.mktemp("three-folds"), ("lenet5", "lstm", "resnet34"), 3)


@pytest.fixture
def lenet(stored_reports):
    return stored_reports["lenet5"]


@pytest.fixture
def lstm(stored_reports):
    return stored_reports["lstm"]
