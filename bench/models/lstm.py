"""A one-layer LSTM (Hochreiter and Schmidhuber, 1997) reading an image row by row.

Each 28x28 image becomes a sequence of 28 time steps (the rows, top to bottom) of 28
features (the pixels of a row). The final hidden state is batch-normalised and mapped to
logits, the classifier the 2021 write-up used.

The LSTM is the modern variant with a forget gate (Gers, Schmidhuber and Cummins, 2000)
that every framework implements, not the 1997 original, which had none.
"""

from __future__ import annotations

from bench.models.lazy import keras, layers
from bench.models.registry import Citation, register
from bench.recipes import QUICK_ADAMW, Augmentation, Plan, Recipe

UNITS = 128
"""Hidden width; see ``build_lstm`` for the choice."""

PARAMETERS = 82_186
"""For 10 classes: LSTM 4 x (28 + 128 + 1) x 128 = 80,384, batch normalisation 512
(half of it moving statistics) and the dense layer 1,290."""

CITATION = Citation(
    authors="Sepp Hochreiter, Jürgen Schmidhuber",
    title="Long short-term memory",
    venue="Neural Computation 9(8)",
    year=1997,
)


# Full recipe: as LeNet-5's, checked the same way (benchmarks/results/recipes.md: flips + 5%
# shifts over 30 epochs beat no augmentation over 15). Quick: all images, 3 folds, 8 epochs.
FULL = Recipe(
    epochs=30,
    batch_size=128,
    optimizer="adamw",
    learning_rate=2e-3,
    weight_decay=1e-4,
    warmup_epochs=1,
    augmentation=Augmentation(translate=0.05, horizontal_flip=True),
)
QUICK = Plan(
    Recipe(epochs=8, batch_size=128, learning_rate=2e-3, warmup_epochs=1, **QUICK_ADAMW),
    folds=3,
    test_images=2_000,
)


@register(
    "lstm",
    display_name="LSTM",
    family="RNN",
    citation=CITATION,
    summary="One 128-unit LSTM over the 28 image rows, then batch norm and a dense layer.",
    parameters=PARAMETERS,
    forward_flops=4_475_392,
    full=FULL,
    quick=QUICK,
)
def build_lstm(num_classes: int = 10) -> keras.Model:
    """Row-sequence LSTM for 28x28 grey images in [0, 1]; returns float32 logits.

    128 units instead of the write-up's 64: the whole image must pass through the state
    vector, and doubling it costs little (80 k weights, still the second-smallest model)
    and 128 is a common width in row-by-row MNIST examples.

    The layer keeps every condition for the fused cuDNN kernel on GPU (tanh, sigmoid
    gates, bias, no recurrent dropout, not unrolled), stated explicitly so that a later
    edit cannot silently fall back to the several-times-slower generic loop.
    """
    image = keras.Input(shape=(28, 28, 1), name="image")
    rows = layers.Reshape((28, 28), name="rows")(image)
    x = layers.LSTM(
        UNITS,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        recurrent_dropout=0.0,
        unroll=False,
        name="lstm",
    )(rows)
    x = layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name="lstm_bn")(x)
    logits = layers.Dense(num_classes, dtype="float32", name="logits")(x)
    return keras.Model(image, logits, name="lstm")
