"""PyTorch eager twins of bench's 28x28 AlexNet and ResNet-34, layer for layer (speed baselines).

Each network mirrors its Keras builder in bench/models: the same kernels, strides, channels,
pooling, batch normalisation (Keras momentum 0.9 is PyTorch momentum 0.1, epsilon 1e-5),
dropout, dense widths, float32 logits and initialisers, and TensorFlow's "same" padding, which
puts the odd pixel after the image rather than splitting it (a 3x3 stride-2 convolution on 28
pixels pads 0 before and 1 after, PyTorch's ``padding=1`` would pad 1 on both sides). Neither
Keras model rescales its input. Trainable parameters plus the batch-normalisation running mean
and variance equal Keras's ``count_params()``. Inputs are NCHW, (batch, 1, 28, 28).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable

import torch
from torch import nn

from bench.models import resnet
from bench.recipes import Recipe

__all__ = ["NETWORKS", "alexnet28", "comparable_parameter_count", "resnet34_28", "training_step"]

# Keras's truncated normal keeps draws within 2 standard deviations and rescales the standard
# deviation by this factor so that the truncated distribution has the requested variance.
_TRUNCATED_STD_CORRECTION = 0.87962566103423978


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's "same" padding (before, after) along one axis of ``size`` pixels."""
    output = -(-size // stride)
    total = max((output - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


@torch.no_grad()
def he_normal_(weight: torch.Tensor) -> torch.Tensor:
    """Keras's ``he_normal``: normal with variance 2 / fan-in, truncated at 2 deviations.

    Redraws the few values outside the bounds (about 5%) instead of using
    ``nn.init.trunc_normal_``, whose inverse error function takes seconds for ResNet-34.
    """
    fan_in = weight[0].numel()  # (out, in, kh, kw) or (out, in)
    std = math.sqrt(2.0 / fan_in) / _TRUNCATED_STD_CORRECTION
    flat = weight.view(-1).normal_(0.0, std)
    outside = (flat.abs() > 2 * std).nonzero().squeeze(1)
    while outside.numel():
        redrawn = torch.randn(outside.numel(), dtype=flat.dtype) * std
        flat[outside] = redrawn
        outside = outside[redrawn.abs() > 2 * std]
    return weight


def conv2d(
    in_channels: int, filters: int, kernel: int, stride: int, size: int, *, bias: bool
) -> nn.Module:
    """A Keras ``Conv2D(padding="same", kernel_initializer="he_normal")`` on ``size`` pixels."""
    before, after = same_padding(size, kernel, stride)
    symmetric = before == after
    conv = nn.Conv2d(
        in_channels, filters, kernel, stride, padding=before if symmetric else 0, bias=bias
    )
    he_normal_(conv.weight)
    if bias:
        nn.init.zeros_(conv.bias)
    if symmetric:
        return conv
    return nn.Sequential(nn.ZeroPad2d((before, after, before, after)), conv)


def max_pool(size: int, kernel: int, stride: int, *, same: bool) -> nn.MaxPool2d:
    """A Keras ``MaxPooling2D`` on ``size`` pixels, "same" or "valid"."""
    if not same:
        return nn.MaxPool2d(kernel, stride)
    before, after = same_padding(size, kernel, stride)
    if before == after:
        return nn.MaxPool2d(kernel, stride, padding=before)
    if before == 0:
        # TensorFlow pads only after the image and never picks the padding; ceil mode lets the
        # last window hang over the end in the same way.
        return nn.MaxPool2d(kernel, stride, ceil_mode=True)
    raise ValueError(f"no PyTorch pooling matches 'same' padding {(before, after)} at {size} px")


def dense(inputs: int, outputs: int) -> nn.Linear:
    """A Keras ``Dense(kernel_initializer="he_normal")``."""
    layer = nn.Linear(inputs, outputs)
    he_normal_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


def batch_norm(channels: int) -> nn.BatchNorm2d:
    """Keras ``BatchNormalization(momentum=0.9, epsilon=1e-5)``."""
    return nn.BatchNorm2d(channels, eps=1e-5, momentum=0.1)


class Float32Logits(nn.Linear):
    """The classifier computed in float32 even under autocast, like Keras's
    ``Dense(dtype="float32")`` under a mixed policy; Glorot-uniform weights, zero bias."""

    def __init__(self, inputs: int, classes: int) -> None:
        super().__init__(inputs, classes)
        nn.init.xavier_uniform_(self.weight)
        nn.init.zeros_(self.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with torch.autocast(x.device.type, enabled=False):
            return super().forward(x.float())


class AlexNet28(nn.Module):
    """bench's ``alexnet``: conv1-conv5 (96, 256, 384, 384, 256), pools 28 -> 14 -> 7 -> 3."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        layers: list[tuple[str, nn.Module]] = []
        size, channels = 28, 1
        convolutions = (  # name, filters, kernel, batch norm after the ReLU, pool after
            ("conv1", 96, 5, True, "pool1"),
            ("conv2", 256, 5, True, "pool2"),
            ("conv3", 384, 3, False, None),
            ("conv4", 384, 3, False, None),
            ("conv5", 256, 3, False, "pool5"),
        )
        for name, filters, kernel, normalise, pool in convolutions:
            layers.append((name, conv2d(channels, filters, kernel, 1, size, bias=True)))
            layers.append((f"{name}_relu", nn.ReLU()))
            if normalise:
                layers.append((f"{name}_bn", batch_norm(filters)))
            if pool:
                same = pool != "pool5"  # the last pool is "valid": 7 -> 3
                layers.append((pool, max_pool(size, 3, 2, same=same)))
                size = -(-size // 2) if same else (size - 3) // 2 + 1
            channels = filters
        self.features = nn.Sequential(OrderedDict(layers))
        width = 1024
        self.classifier = nn.Sequential(
            OrderedDict(
                fc6=dense(size * size * channels, width),
                fc6_relu=nn.ReLU(),
                fc6_dropout=nn.Dropout(0.5),
                fc7=dense(width, width),
                fc7_relu=nn.ReLU(),
                fc7_dropout=nn.Dropout(0.5),
                logits=Float32Logits(width, num_classes),
            )
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.features(images)
        # Keras flattens (height, width, channels); in channels_last memory this is a free view.
        return self.classifier(x.permute(0, 2, 3, 1).flatten(1))


class ConvBN(nn.Sequential):
    """bench's ``conv_bn``: a bias-free "same" convolution, then batch normalisation."""

    def __init__(self, in_channels: int, filters: int, kernel: int, stride: int, size: int):
        super().__init__(
            OrderedDict(
                conv=conv2d(in_channels, filters, kernel, stride, size, bias=False),
                bn=batch_norm(filters),
            )
        )


class BasicBlock(nn.Module):
    """Two 3x3 convolutions plus a shortcut (a 1x1 projection where the shape changes), then
    ReLU: bench's ``basic_block``."""

    def __init__(self, in_channels: int, filters: int, stride: int, size: int) -> None:
        super().__init__()
        projects = stride != 1 or in_channels != filters
        self.shortcut = ConvBN(in_channels, filters, 1, stride, size) if projects else None
        self.conv_1 = ConvBN(in_channels, filters, 3, stride, size)
        self.relu_1 = nn.ReLU()
        self.conv_2 = ConvBN(filters, filters, 3, 1, -(-size // stride))
        self.relu_out = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.shortcut is None else self.shortcut(x)
        residual = self.conv_2(self.relu_1(self.conv_1(x)))
        return self.relu_out(shortcut + residual)


class ResNet34_28(nn.Module):  # noqa: N801 (the paper's name and the input size)
    """bench's ``resnet34``: 3x3 stem, stages at 28, 14, 7 and 4 pixels, global average pool."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.stem = ConvBN(1, 64, 3, 1, 28)
        self.stem_relu = nn.ReLU()
        blocks: list[tuple[str, nn.Module]] = []
        size, channels = 28, 64
        # The stage layout is the Keras model's own (filters, blocks) for conv2_x ... conv5_x.
        for number, (filters, count) in enumerate(resnet.STAGES, start=2):
            for index in range(1, count + 1):
                stride = 2 if number > 2 and index == 1 else 1
                block = BasicBlock(channels, filters, stride, size)
                blocks.append((f"stage{number}_block{index}", block))
                size, channels = -(-size // stride), filters
        self.body = nn.Sequential(OrderedDict(blocks))
        self.logits = Float32Logits(channels, num_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.body(self.stem_relu(self.stem(images)))
        return self.logits(x.mean(dim=(2, 3)))


def alexnet28(num_classes: int = 10) -> nn.Module:
    """The PyTorch twin of bench's ``alexnet`` (28x28)."""
    return AlexNet28(num_classes)


def resnet34_28(num_classes: int = 10) -> nn.Module:
    """The PyTorch twin of bench's ``resnet34`` (28x28)."""
    return ResNet34_28(num_classes)


NETWORKS = {"alexnet": alexnet28, "resnet34": resnet34_28}
"""Registry name of the Keras model -> builder of its PyTorch twin."""


def comparable_parameter_count(network: nn.Module) -> int:
    """Parameters plus batch-norm running means and variances: what Keras's ``count_params()``
    counts (PyTorch keeps the running statistics as buffers, and also a step counter that Keras
    does not have)."""
    statistics = sum(
        module.running_mean.numel() + module.running_var.numel()
        for module in network.modules()
        if isinstance(module, nn.modules.batchnorm._BatchNorm)
    )
    return sum(parameter.numel() for parameter in network.parameters()) + statistics


def training_step(
    network: nn.Module, recipe: Recipe, *, bfloat16: bool
) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """One eager training step the way bench compiles its Keras models for ``recipe``:
    label-smoothed cross-entropy, Keras's decoupled weight decay on the kernels only (not the
    biases nor the batch-norm scales and shifts), then the recipe's optimizer at the peak
    learning rate: SGD with Nesterov momentum 0.9, or Adam with Keras's defaults (AdamW is Adam
    after that decay). With ``bfloat16`` the step runs under CPU autocast. Returns
    ``step(images, labels) -> loss``."""
    parameters = list(network.parameters())
    if recipe.optimizer == "sgd":
        optimizer = torch.optim.SGD(
            parameters, lr=recipe.learning_rate, momentum=0.9, nesterov=True
        )
    elif recipe.optimizer == "adamw":
        optimizer = torch.optim.Adam(parameters, lr=recipe.learning_rate, eps=1e-7)
    else:
        raise ValueError(
            f"the PyTorch step mirrors sgd and adamw recipes, not {recipe.optimizer!r}"
        )
    network.train()
    decayed = [parameter for parameter in parameters if parameter.ndim > 1]
    decay_factor = 1.0 - recipe.learning_rate * recipe.weight_decay
    loss_function = nn.CrossEntropyLoss(label_smoothing=recipe.label_smoothing)

    def step(images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
            loss = loss_function(network(images), labels)
        loss.backward()
        with torch.no_grad():  # Keras decays before it applies the update
            for parameter in decayed:
                parameter.mul_(decay_factor)
        optimizer.step()
        return loss.detach()

    return step
