"""Tests for benchmarks/torch_reference.py: the PyTorch twins match bench's Keras models."""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import pytest

from bench.models import get_model
from tests.conftest import load_script, require_modules_for_module

require_modules_for_module("torch")  # CI installs PyTorch's CPU build (.ci/run)

import torch  # noqa: E402

MODULE_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "torch_reference.py"

torch_reference = load_script(MODULE_PATH)
NAMES = sorted(torch_reference.NETWORKS)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """One intra-op thread: two spinning OpenMP threads crawl on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@functools.cache
def _network(name: str) -> torch.nn.Module:
    torch.manual_seed(0)
    return torch_reference.NETWORKS[name]()


@pytest.mark.parametrize("name", NAMES)
def test_parameters_match_keras_count_params(name):
    network = _network(name)
    keras_model = get_model(name).build()
    # Keras counts batch-norm moving mean and variance as weights; PyTorch keeps them as buffers.
    assert torch_reference.comparable_parameter_count(network) == keras_model.count_params()
    trainable = sum(p.numel() for p in network.parameters() if p.requires_grad)
    keras_trainable = sum(int(np.prod(w.shape)) for w in keras_model.trainable_weights)
    assert trainable == keras_trainable


@pytest.mark.parametrize("name", NAMES)
def test_forward_pass_gives_ten_float32_logits(name):
    network = _network(name).eval()
    images = torch.rand(2, 1, 28, 28)
    with torch.no_grad():
        assert network(images).shape == (2, 10)
        # The benchmark's set-up: channels_last memory, bfloat16 autocast; the logits stay
        # float32 like Keras's Dense(dtype="float32") under a mixed policy.
        network = network.to(memory_format=torch.channels_last)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = network(images.to(memory_format=torch.channels_last))
    assert logits.shape == (2, 10)
    assert logits.dtype == torch.float32


def _keras_layer_name(module_path: str) -> str:
    """The Keras layer a PyTorch module mirrors: ``body.stage3_block1.conv_1.conv.1`` (a
    convolution after its asymmetric padding) is ``stage3_block1_1_conv``."""
    parts = [part for part in module_path.split(".") if not part.isdigit()]
    parts = [part for part in parts if part not in ("features", "classifier", "body")]
    return "_".join(parts).replace("conv_1", "1").replace("conv_2", "2")


def _copy_keras_weights(keras_model, network: torch.nn.Module) -> int:
    """Copy every Keras weight into its PyTorch twin; return how many layers were copied."""
    copied = 0
    for path, module in network.named_modules():
        if isinstance(module, torch.nn.Conv2d | torch.nn.Linear | torch.nn.BatchNorm2d):
            weights = [np.asarray(w) for w in keras_model.get_layer(_keras_layer_name(path))
                       .get_weights()]  # fmt: skip
            if isinstance(module, torch.nn.BatchNorm2d):
                targets = [module.weight, module.bias, module.running_mean, module.running_var]
            else:
                kernel = weights[0].transpose(3, 2, 0, 1) if weights[0].ndim == 4 else weights[0].T
                weights[0] = kernel
                targets = [module.weight] + ([module.bias] if module.bias is not None else [])
            assert len(weights) == len(targets), path
            with torch.no_grad():
                for target, value in zip(targets, weights, strict=True):
                    target.copy_(torch.from_numpy(np.ascontiguousarray(value)))
            copied += 1
    return copied


@pytest.mark.parametrize("name", NAMES)
def test_same_weights_give_the_same_logits_as_keras(name):
    """Padding alignment, pooling windows and flattening order all show in the logits."""
    keras.utils.set_random_seed(0)
    keras_model = get_model(name).build()
    rng = np.random.default_rng(0)
    for layer in keras_model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):  # non-trivial statistics
            shape = layer.get_weights()[0].shape  # gamma, beta, moving mean, moving variance
            layer.set_weights([rng.uniform(0.5, 1.5, shape), rng.normal(0, 0.1, shape),
                               rng.normal(0, 0.1, shape), rng.uniform(0.5, 2, shape)])  # fmt: skip
    network = torch_reference.NETWORKS[name]().eval()
    weighted_layers = [layer for layer in keras_model.layers if layer.get_weights()]
    assert _copy_keras_weights(keras_model, network) == len(weighted_layers)
    images = rng.random((2, 28, 28, 1), dtype=np.float32)
    expected = np.asarray(keras_model(images, training=False))
    with torch.no_grad():
        logits = network(torch.from_numpy(images).permute(0, 3, 1, 2)).numpy()
    np.testing.assert_allclose(logits, expected, rtol=1e-3, atol=1e-3 * np.abs(expected).max())


@pytest.mark.parametrize("bfloat16", [False, True])
@pytest.mark.parametrize("optimizer", ["sgd", "adamw"])
def test_training_step_updates_the_weights(bfloat16, optimizer):
    torch.manual_seed(0)
    network = torch_reference.alexnet28().to(memory_format=torch.channels_last)
    recipe = replace(get_model("alexnet").full, optimizer=optimizer)
    step = torch_reference.training_step(network, recipe, bfloat16=bfloat16)
    before = network.features.conv1.weight.detach().clone()
    loss = step(torch.rand(4, 1, 28, 28), torch.tensor([0, 1, 2, 3]))
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    assert not torch.equal(before, network.features.conv1.weight)


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "expected"),
    [(28, 3, 1, (1, 1)), (28, 3, 2, (0, 1)), (14, 3, 2, (0, 1)), (7, 3, 2, (1, 1)),
     (28, 1, 2, (0, 0)), (28, 5, 1, (2, 2))],
)  # fmt: skip
def test_same_padding_follows_tensorflow(size, kernel, stride, expected):
    assert torch_reference.same_padding(size, kernel, stride) == expected


def test_training_step_names_an_optimizer_it_cannot_mirror():
    recipe = replace(get_model("alexnet").full, optimizer="lion")
    with pytest.raises(ValueError, match="lion"):
        torch_reference.training_step(torch_reference.alexnet28(), recipe, bfloat16=False)
