"""Tests for bench/skeleton/models/compact.py, the example model ``bench init`` gives a project.

The file is no module of the package: a project loads it by path, so these tests do too, each
under a fresh module name and with the registry restored afterwards (the module registers
"compact" when it runs). Its documented counts are checked against what Keras builds, as
tests/test_models.py does for the built-in models.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import itertools
import json
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from bench.models import registry
from bench.models.summary import count_parameters, forward_flops, layer_flops, layer_table
from bench.recipes import Plan
from tests.conftest import load_script

SOURCE = Path(__file__).resolve().parents[1] / "bench" / "skeleton" / "models" / "compact.py"
TRIALS = SOURCE.parents[3] / "benchmarks" / "results" / "recipe_trials.json"
helper = load_script(Path(__file__).with_name("models_backend_check.py"))
_loads = itertools.count()


def load_compact(monkeypatch: pytest.MonkeyPatch):
    """Run compact.py by path under a new module name, registering into a copy of the
    registry that ``monkeypatch`` puts back at the end of the test; return the module."""
    monkeypatch.setattr(registry, "_MODELS", dict(registry._MODELS))
    name = f"compact_under_test_{next(_loads)}"
    spec = importlib.util.spec_from_file_location(name, SOURCE)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def compact(monkeypatch):
    """The registry entry of a freshly loaded compact.py."""
    load_compact(monkeypatch)
    yield registry.get_model("compact")
    keras.backend.clear_session()


@pytest.fixture
def built(compact):
    keras.utils.set_random_seed(0)
    return compact, compact.build()


# --- the module and its registry entry ----------------------------------------------------------


def test_the_module_imports_nothing_from_bench_but_the_public_api():
    imported = set()
    for node in ast.walk(ast.parse(SOURCE.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    assert imported == {"__future__", "bench.api"}


def test_loading_registers_compact_and_the_registry_is_restored_afterwards():
    before = registry._MODELS
    assert "compact" not in before
    with pytest.MonkeyPatch.context() as patch:
        module = load_compact(patch)
        assert registry.get_model("compact").build is module.build_compact
    assert registry._MODELS is before and "compact" not in before


def test_registry_entry(compact):
    assert (compact.display_name, compact.family, compact.input_resolution) == (
        "Compact ResNet-9",
        "CNN",
        28,
    )
    assert compact.citation.year == 2018 and "Page" in compact.citation.authors
    assert compact.summary and "\n" not in compact.summary
    assert compact.build.__doc__  # a generated model page's description
    assert isinstance(compact.quick, Plan)


def test_full_recipe_has_the_one_cycle_shape(compact):
    recipe = compact.full
    assert recipe.optimizer in {"adamw", "sgd"}
    assert 256 <= recipe.batch_size <= 512
    assert 0 < recipe.warmup_epochs < recipe.epochs
    assert recipe.label_smoothing == 0.1


def test_full_recipe_is_the_best_validation_trial(compact):
    """The module holds the recipe its trials chose: the best validation accuracy among the
    stored compact trials (benchmarks/results/recipe_trials.json), none of them test-scored."""
    stored = json.loads(TRIALS.read_text())["trials"]
    trials = [t for t in stored if t["model"] == "compact"]
    best = max(trials, key=lambda t: t["validation_accuracy"])
    assert len(trials) >= 3
    assert dataclasses.asdict(compact.full) == best["recipe"]


# --- the built network --------------------------------------------------------------------------

# (name, kernel taps x input channels x filters, output positions) of every weighted layer.
WEIGHTED_LAYERS = [
    ("prep_conv", 9 * 1 * 24, 28 * 28),
    ("layer1_conv", 9 * 24 * 48, 28 * 28),
    ("layer1_res1_conv", 9 * 48 * 48, 14 * 14),
    ("layer1_res2_conv", 9 * 48 * 48, 14 * 14),
    ("layer2_conv", 9 * 48 * 96, 14 * 14),
    ("layer3_conv", 9 * 96 * 192, 7 * 7),
    ("layer3_res1_conv", 9 * 192 * 192, 4 * 4),
    ("layer3_res2_conv", 9 * 192 * 192, 4 * 4),
    ("logits", 192 * 10, 1),
]
BATCH_NORM_CHANNELS = 24 + 48 * 3 + 96 + 192 * 3


def test_documented_counts_match_a_hand_count_and_what_keras_builds(built):
    spec, model = built
    weights = sum(kernel for _, kernel, _ in WEIGHTED_LAYERS) + 10  # the logits' bias
    assert weights + 4 * BATCH_NORM_CHANNELS == spec.parameters == count_parameters(model)
    flops = sum(2 * kernel * positions for _, kernel, positions in WEIGHTED_LAYERS)
    assert flops == spec.forward_flops == forward_flops(model)
    by_layer = {layer.name: layer_flops(layer) for layer in model.layers if layer_flops(layer)}
    assert by_layer == {name: 2 * k * positions for name, k, positions in WEIGHTED_LAYERS}


def test_builds_float32_logits_and_a_layer_table_that_adds_up(built):
    spec, model = built
    assert tuple(model.inputs[0].shape) == (None, 28, 28, 1)
    assert model.layers[-1].name == "logits"
    assert model.layers[-1].activation is keras.activations.linear
    images, _ = helper.random_batch(3)
    logits = model(images, training=False)
    assert tuple(logits.shape) == (3, 10)
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"
    assert sum(row["parameters"] for row in layer_table(model)) == spec.parameters


def test_convolutions_are_bias_free_and_normalised_as_documented(built):
    _, model = built
    convolutions = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(convolutions) == len(norms) == 8
    assert not any(layer.use_bias for layer in convolutions)
    assert {(layer.momentum, layer.epsilon) for layer in norms} == {(0.9, 1e-5)}


@pytest.mark.parametrize(
    ("layer_name", "shape"),
    [
        ("prep_relu", (28, 28, 24)),
        ("layer1_pool", (14, 14, 48)),
        ("layer1_add", (14, 14, 48)),
        ("layer2_pool", (7, 7, 96)),
        ("layer3_pool", (4, 4, 192)),
        ("layer3_add", (4, 4, 192)),
        ("pool", (192,)),
    ],
)
def test_feature_map_sizes(built, layer_name, shape):
    _, model = built
    assert tuple(model.get_layer(layer_name).output.shape[1:]) == shape


def test_the_head_starts_near_uniform_predictions(built):
    _, model = built
    images, labels = helper.random_batch(64)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    assert float(loss(labels, model(images, training=True))) < 3.0  # ln 10 is 2.30


def test_one_training_step_moves_every_trainable_weight(built):
    _, model = built
    images, labels = helper.random_batch(8)
    loss, unchanged = helper.unchanged_after_one_step(model, images, labels)
    assert np.isfinite(loss)
    assert unchanged == []


def test_builds_under_mixed_bfloat16_with_float32_logits(compact):
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        model = compact.build()
        images, _ = helper.random_batch(2)
        logits = model(images, training=False)
    finally:
        keras.config.set_dtype_policy(previous)
    assert model.get_layer("layer1_conv").compute_dtype == "bfloat16"
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"
    assert count_parameters(model) == compact.parameters


def test_num_classes_sets_the_output_width(compact):
    assert tuple(compact.build(num_classes=3).output.shape) == (None, 3)
