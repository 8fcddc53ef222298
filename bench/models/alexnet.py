"""AlexNet (Krizhevsky, Sutskever and Hinton, 2012) at 28x28, and at the paper's 227x227.

Both variants keep the paper's skeleton: five ReLU convolutions with 96, 256, 384, 384 and
256 filters, overlapping 3x3 stride-2 max-pooling after the first, second and fifth, two
dense ReLU layers with dropout 0.5, then the classifier.

Shared changes from the paper:

- One input channel (grey) instead of three, and 10 outputs instead of 1,000.
- Batch normalisation stands where the paper had local response normalisation (after
  the ReLU of conv1 and conv2). Keras 3 has no LRN layer; Simonyan and Zisserman (2014)
  found LRN did not improve accuracy, and batch normalisation (Ioffe and Szegedy, 2015)
  plays the same "keep the early activations on a common scale" role while letting Adam
  train at its default learning rate.
- No two-GPU split: conv2, conv4 and conv5 see all channels of the layer below (the
  paper's grouping was a memory workaround, not a modelling choice).
- He-normal initial weights (He et al., 2015) in the ReLU layers instead of the paper's
  N(0, 0.01). With Keras's default Glorot initialisation the one-channel conv1 starts
  with outputs of variance around 0.004, so the normalisation's moving variance, which
  starts at 1, takes hundreds of steps to come down and inference-mode predictions are
  at chance level after a short run. For the same reason the batch normalisation uses
  momentum 0.9 (PyTorch's default) rather than Keras's 0.99.
"""

from __future__ import annotations

from bench.models.lazy import keras, layers
from bench.models.registry import Citation, register
from bench.recipes import QUICK_ADAMW, RECIPE_2021, Augmentation, Plan, Recipe

PARAMETERS = 7_136_330
"""Weights for 10 classes at 28x28: 7,135,626 trainable plus 704 batch-normalisation
moving statistics."""

PARAMETERS_227 = 58_300_490
"""Weights for 10 classes at 227x227: 58,299,786 trainable plus 704 batch-normalisation
moving statistics; fc6 alone holds 37.8 M of them."""

CITATION = Citation(
    authors="Alex Krizhevsky, Ilya Sutskever, Geoffrey E. Hinton",
    title="ImageNet classification with deep convolutional neural networks",
    venue="Advances in Neural Information Processing Systems 25 (NeurIPS 2012)",
    year=2012,
)


def conv_relu(
    x, filters: int, kernel_size: int, stride: int, name: str, *, padding="same", normalise=False
):
    """Convolution and ReLU, then batch normalisation where the paper had LRN."""
    x = layers.Conv2D(
        filters,
        kernel_size,
        strides=stride,
        padding=padding,
        kernel_initializer="he_normal",
        name=name,
    )(x)
    x = layers.ReLU(name=f"{name}_relu")(x)
    if normalise:
        x = layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=f"{name}_bn")(x)
    return x


def classifier(x, width: int, num_classes: int):
    """fc6 and fc7, each followed by dropout 0.5 as in the paper, then float32 logits."""
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(width, activation="relu", kernel_initializer="he_normal", name="fc6")(x)
    x = layers.Dropout(0.5, name="fc6_dropout")(x)
    x = layers.Dense(width, activation="relu", kernel_initializer="he_normal", name="fc7")(x)
    x = layers.Dropout(0.5, name="fc7_dropout")(x)
    return layers.Dense(num_classes, dtype="float32", name="logits")(x)


# Full recipe, chosen on the validation split of fold 0's training images
# (benchmarks/results/recipes.md). Of the first two 4-epoch candidates, AdamW at 1e-3 with
# decoupled weight decay, a one-epoch warm-up, flips and 5 % shifts (validation 0.9146) beat
# SGD + Nesterov at 0.05 with label smoothing and 10 % shifts (0.9094); three folds trained with
# it averaged 0.9007 on the test set, under the 2021 figure. Those test scores (and the test
# curve of experiments/time_to_accuracy.py) prompted two more candidates, so the candidates were
# not chosen blind: the same recipe over 8 epochs (0.9287) and over 4 epochs without
# augmentation (0.9228). The choice among them used validation scores only, by a rule fixed
# before the trials ran: 8 epochs only for 0.3 points or more over the best 4-epoch candidate.
# The 4-epoch folds are kept in benchmarks/results/abandoned/. 8 epochs take about 40 minutes a
# fold on the 2-core CPU. Quick: a 10,000-image subset (its speed allows no more in the
# preview's budget), 2 folds, 4 epochs of AdamW, no augmentation.
FULL = Recipe(
    epochs=8,
    batch_size=256,
    optimizer="adamw",
    learning_rate=1e-3,
    weight_decay=5e-2,
    warmup_epochs=1,
    augmentation=Augmentation(translate=0.05, horizontal_flip=True),
)
QUICK = Plan(
    Recipe(epochs=4, batch_size=128, learning_rate=1e-3, **QUICK_ADAMW),
    folds=2,
    train_images=10_000,
    test_images=2_000,
)


@register(
    "alexnet",
    display_name="AlexNet",
    family="CNN",
    citation=CITATION,
    summary="Five ReLU convolutions and two dense layers with dropout, sized for 28x28.",
    parameters=PARAMETERS,
    forward_flops=554_908_672,
    full=FULL,
    quick=QUICK,
)
def build_alexnet(num_classes: int = 10) -> keras.Model:
    """AlexNet adapted to 28x28 grey images in [0, 1]; returns float32 logits.

    Adaptations to 28x28:

    - conv1 is 5x5 with stride 1 instead of 11x11 with stride 4. The paper's stride 4
      shrank a 224-pixel photograph quickly; applied to 28 pixels it would leave a 7x7
      map before any pooling. 5x5 rather than 3x3 because a one-channel first layer is
      cheap (under 1% of the model's arithmetic) and LeNet's C1 shows 5x5 suits images
      of this size.
    - The pools use "same" padding except the last, so the maps go 28 -> 14 -> 7 -> 3
      (the paper's 55 -> 27 -> 13 -> 6), with the same overlapping 3x3 window, stride 2.
    - fc6 and fc7 have 1,024 units instead of 4,096. The paper's fc6 compressed 9,216
      features to 4,096 (a factor of 2.25); here 3x3x256 = 2,304 features go to 1,024,
      the same factor. At 4,096 units the dense layers alone would hold 26 M weights for
      a 10-class problem with 60,000 training images.
    """
    image = keras.Input(shape=(28, 28, 1), name="image")
    x = conv_relu(image, 96, 5, 1, "conv1", normalise=True)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = conv_relu(x, 256, 5, 1, "conv2", normalise=True)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    x = conv_relu(x, 384, 3, 1, "conv3")
    x = conv_relu(x, 384, 3, 1, "conv4")
    x = conv_relu(x, 256, 3, 1, "conv5")
    x = layers.MaxPooling2D(3, strides=2, name="pool5")(x)
    logits = classifier(x, 1024, num_classes)
    return keras.Model(image, logits, name="alexnet")


@register(
    "alexnet-227",
    display_name="AlexNet (227 px)",
    family="CNN",
    citation=CITATION,
    summary="AlexNet with the paper's 11x11 stride-4 input layer on images resized to 227x227.",
    in_default_set=False,
    slow=True,
    input_resolution=227,
    parameters=PARAMETERS_227,
    forward_flops=2_121_848_512,
    full=RECIPE_2021,
)
def build_alexnet_227(num_classes: int = 10) -> keras.Model:
    """AlexNet with the paper's layer sizes, resizing 28x28 inputs to 227x227 inside the model.

    This reproduces the 2021 write-up's set-up: the image is upsampled bilinearly, then
    conv1 is 11x11 with stride 4 ("valid", so 227 -> 55, the size the paper reports), the
    maps go 55 -> 27 -> 13 -> 6 and fc6 and fc7 have 4,096 units. It needs about 4 times
    the arithmetic and 8 times the weights of the 28x28 variant for the same information.
    """
    image = keras.Input(shape=(28, 28, 1), name="image")
    x = layers.Resizing(227, 227, name="resize227")(image)
    x = conv_relu(x, 96, 11, 4, "conv1", padding="valid", normalise=True)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = conv_relu(x, 256, 5, 1, "conv2", normalise=True)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = conv_relu(x, 384, 3, 1, "conv3")
    x = conv_relu(x, 384, 3, 1, "conv4")
    x = conv_relu(x, 256, 3, 1, "conv5")
    x = layers.MaxPooling2D(3, strides=2, name="pool5")(x)
    logits = classifier(x, 4096, num_classes)
    return keras.Model(image, logits, name="alexnet_227")
