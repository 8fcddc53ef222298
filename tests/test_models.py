"""Tests for bench.models: every registered model, checked from the registry's own table.

The in-process checks run on whatever backend ``KERAS_BACKEND`` selects (TensorFlow by
default); the backend matrix at the end repeats the build and training checks for JAX and,
where installed, PyTorch, each in a fresh interpreter because Keras fixes its backend on
import.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from bench.models import UnknownModelError, all_models, default_model_names, get_model
from bench.models.summary import count_parameters, forward_flops, layer_flops, layer_table
from tests.conftest import load_script, requires

REPO_ROOT = Path(__file__).resolve().parents[1]
HELPER = Path(__file__).with_name("models_backend_check.py")
MODELS = all_models()
NAMES = [spec.name for spec in MODELS]

helper = load_script(HELPER)  # the subprocess helper, so its checks are shared with these tests


@pytest.fixture(scope="module", params=MODELS, ids=NAMES)
def built(request):
    """(spec, model) built once per model and shared by that model's tests."""
    spec = request.param
    keras.utils.set_random_seed(0)
    yield spec, spec.build()
    keras.backend.clear_session()


# --- registry -----------------------------------------------------------------------------


def test_registry_order_and_default_set():
    assert NAMES == ["lenet5", "alexnet", "resnet34", "lstm", "alexnet-227", "resnet34-227"]
    assert default_model_names() == ["lenet5", "alexnet", "resnet34", "lstm"]


def test_unknown_model_error_lists_every_choice():
    with pytest.raises(UnknownModelError) as raised:
        get_model("resnet50")
    message = str(raised.value)
    assert message.startswith("unknown model 'resnet50'; choose from: ")
    assert message.endswith(", ".join(NAMES))
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize("spec", MODELS, ids=NAMES)
def test_spec_metadata_is_consistent(spec):
    assert get_model(spec.name) is spec
    assert spec.family in {"CNN", "RNN"}
    assert spec.summary and "\n" not in spec.summary
    assert spec.citation.year >= spec.year
    assert isinstance(spec.parameters, int)
    assert isinstance(spec.forward_flops, int)
    variant = spec.name.endswith("-227")
    assert spec.input_resolution == (227 if variant else 28)
    assert spec.slow is variant
    assert spec.in_default_set is not variant


def test_lenet5_has_the_classic_parameter_count():
    # (kernel weights + bias) per unit, layer by layer as in the paper: C1, C3, C5, F6, output.
    by_hand = (5 * 5 * 1 + 1) * 6 + (5 * 5 * 6 + 1) * 16 + (5 * 5 * 16 + 1) * 120
    by_hand += (120 + 1) * 84 + (84 + 1) * 10
    assert by_hand == 61_706
    assert get_model("lenet5").build().count_params() == by_hand == get_model("lenet5").parameters
    keras.backend.clear_session()


# --- one built model at a time --------------------------------------------------------------


def test_builds_float32_logits_of_the_documented_size(built):
    spec, model = built
    assert model.inputs[0].name == "image"
    assert tuple(model.inputs[0].shape) == (None, 28, 28, 1)
    output_layer = model.layers[-1]
    assert output_layer.name == "logits"
    assert output_layer.activation is keras.activations.linear
    images, _ = helper.random_batch(3)
    logits = model(images, training=False)
    assert tuple(logits.shape) == (3, 10)
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"
    assert count_parameters(model) == spec.parameters
    assert forward_flops(model) == spec.forward_flops  # the device's settings rely on it


def test_layer_table_adds_up_to_the_parameter_count(built):
    spec, model = built
    rows = layer_table(model)
    assert [row["name"] for row in rows] == [layer.name for layer in model.layers]
    assert rows[0]["output_shape"] == [None, 28, 28, 1]
    assert rows[-1] == {
        "name": "logits",
        "type": "Dense",
        "output_shape": [None, 10],
        "parameters": model.layers[-1].count_params(),
    }
    assert sum(row["parameters"] for row in rows) == spec.parameters


def test_one_training_step_moves_every_trainable_weight(built):
    _, model = built
    images, labels = helper.random_batch()
    loss, unchanged = helper.unchanged_after_one_step(model, images, labels)
    assert np.isfinite(loss)
    assert unchanged == []


# Keras's own saving code converts TensorFlow variables with np.array(), which NumPy 2 flags.
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept:DeprecationWarning")
def test_save_and_load_give_identical_predictions(built, tmp_path):
    spec, model = built
    images, _ = helper.random_batch(2, seed=1)
    path = tmp_path / f"{spec.name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path, compile=False)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(images, training=False)),
        keras.ops.convert_to_numpy(model(images, training=False)),
        rtol=1e-6,
        atol=1e-6,
    )


@pytest.mark.parametrize("spec", MODELS, ids=NAMES)
def test_num_classes_sets_the_output_width(spec):
    model = spec.build(num_classes=3)
    assert tuple(model.output.shape) == (None, 3)
    keras.backend.clear_session()


# --- architecture details ------------------------------------------------------------------

PAPER_LAYER_NAMES = {
    "lenet5": ["C1", "S2", "C3", "S4", "C5", "F6"],
    "alexnet": ["conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool5", "fc6"],
    "resnet34": ["stem_conv", "stage2_block1_1_conv", "stage3_block1_shortcut_conv"],
    "lstm": ["rows", "lstm"],
    "alexnet-227": ["resize227", "conv1", "pool5", "fc6", "fc7"],
    "resnet34-227": ["resize227", "stem_conv", "stem_pool", "stage5_block3_out"],
}


def test_layer_names_follow_the_papers(built):
    spec, model = built
    names = {layer.name for layer in model.layers}
    assert set(PAPER_LAYER_NAMES[spec.name]) <= names


@pytest.mark.parametrize(
    ("name", "shapes"),
    [
        ("lenet5", {"C1": (28, 28, 6), "S2": (14, 14, 6), "C5": (1, 1, 120)}),
        ("alexnet", {"pool1": (14, 14, 96), "pool2": (7, 7, 256), "pool5": (3, 3, 256)}),
        ("resnet34", {"stage2_block3_out": (28, 28, 64), "stage5_block3_out": (4, 4, 512)}),
        ("alexnet-227", {"conv1": (55, 55, 96), "pool5": (6, 6, 256)}),
        ("resnet34-227", {"stem_pool": (57, 57, 64), "stage5_block3_out": (8, 8, 512)}),
    ],
)
def test_feature_map_sizes(name, shapes):
    model = get_model(name).build()
    for layer_name, shape in shapes.items():
        assert tuple(model.get_layer(layer_name).output.shape[1:]) == shape, layer_name
    keras.backend.clear_session()


def test_resnet34_has_34_weighted_layers_on_its_main_path():
    model = get_model("resnet34").build()
    weighted = [
        layer
        for layer in model.layers
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))
        and "shortcut" not in layer.name
    ]
    assert len(weighted) == 34
    keras.backend.clear_session()


def test_lstm_keeps_the_cudnn_conditions():
    lstm = get_model("lstm").build().get_layer("lstm")
    assert lstm.cell.activation is keras.activations.tanh
    assert lstm.cell.recurrent_activation is keras.activations.sigmoid
    assert lstm.cell.use_bias and not lstm.unroll
    assert lstm.cell.recurrent_dropout == 0
    keras.backend.clear_session()


def test_lenet5_forward_flops_match_a_hand_count():
    model = get_model("lenet5").build()
    by_layer = {layer.name: layer_flops(layer) for layer in model.layers}
    assert by_layer["C1"] == 2 * 5 * 5 * 1 * 6 * 28 * 28
    assert by_layer["C3"] == 2 * 5 * 5 * 6 * 16 * 10 * 10
    assert by_layer["C5"] == 2 * 5 * 5 * 16 * 120
    assert by_layer["F6"] == 2 * 120 * 84
    assert by_layer["S2"] == 0
    assert forward_flops(model) == 833_040
    keras.backend.clear_session()


def test_lstm_flops_count_every_time_step():
    model = get_model("lstm").build()
    assert layer_flops(model.get_layer("lstm")) == 28 * 2 * 4 * (28 + 128) * 128


MODEL_SOURCES = sorted((REPO_ROOT / "bench" / "models").glob("*.py"))


@pytest.mark.parametrize("path", MODEL_SOURCES, ids=[p.name for p in MODEL_SOURCES])
def test_models_import_no_backend_directly(path):
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"tensorflow", "jax", "torch"}


# --- backend matrix ------------------------------------------------------------------------


def _installed(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


@pytest.mark.parametrize(
    "backend", [pytest.param(name, marks=requires(name)) for name in ("jax", "torch")]
)
def test_every_model_builds_and_trains_on_backend(backend, tmp_path):
    report_path = tmp_path / "report.json"
    env = {
        **os.environ,
        "KERAS_BACKEND": backend,
        "JAX_PLATFORMS": os.environ.get("JAX_PLATFORMS", "cpu"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    completed = subprocess.run(
        [sys.executable, str(HELPER), str(report_path)],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    report = json.loads(report_path.read_text())
    assert report["backend"] == backend
    assert [entry["name"] for entry in report["models"]] == NAMES
    for entry in report["models"]:
        spec = get_model(entry["name"])
        assert entry["parameters"] == spec.parameters, entry["name"]
        assert entry["output_shape"] == [helper.BATCH_SIZE, 10], entry["name"]
        assert entry["output_dtype"] == "float32", entry["name"]
        assert np.isfinite(entry["loss"]), entry["name"]
        assert entry["unchanged_trainable_variables"] == [], entry["name"]
