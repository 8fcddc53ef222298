"""Tests for benchmarks/torch_reference.py: the PyTorch twins match bench's Keras models."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

from bench.models import get_model

MODULE_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "torch_reference.py"


def _load_torch_reference():
    """Import the benchmark module by path (benchmarks/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("torch_reference", MODULE_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


torch_reference = _load_torch_reference()


@pytest.mark.parametrize("name", sorted(torch_reference.NETWORKS))
def test_parameters_match_keras_count_params(name):
    network = torch_reference.NETWORKS[name]()
    keras_model = get_model(name).build()
    # Keras counts batch-norm moving mean and variance as weights; PyTorch keeps them as buffers.
    assert torch_reference.comparable_parameter_count(network) == keras_model.count_params()
    trainable = sum(p.numel() for p in network.parameters() if p.requires_grad)
    keras_trainable = sum(int(w.numpy().size) for w in keras_model.trainable_weights)
    assert trainable == keras_trainable


@pytest.mark.parametrize("name", sorted(torch_reference.NETWORKS))
def test_forward_pass_gives_ten_logits(name):
    network = torch_reference.NETWORKS[name]().eval()
    with torch.no_grad():
        logits = network(torch.rand(2, 1, 28, 28))
    assert logits.shape == (2, 10)
    assert logits.dtype == torch.float32


@pytest.mark.parametrize("name", sorted(torch_reference.NETWORKS))
def test_logits_stay_float32_under_bfloat16_autocast(name):
    network = torch_reference.NETWORKS[name]().to(memory_format=torch.channels_last).eval()
    images = torch.rand(2, 1, 28, 28).to(memory_format=torch.channels_last)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        logits = network(images)
    assert logits.shape == (2, 10)
    assert logits.dtype == torch.float32  # like Keras's Dense(dtype="float32") logits


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "expected"),
    [(28, 3, 1, (1, 1)), (28, 3, 2, (0, 1)), (14, 3, 2, (0, 1)), (7, 3, 2, (1, 1)),
     (28, 1, 2, (0, 0)), (28, 5, 1, (2, 2))],
)  # fmt: skip
def test_same_padding_follows_tensorflow(size, kernel, stride, expected):
    assert torch_reference.same_padding(size, kernel, stride) == expected
