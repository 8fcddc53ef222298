"""The learning-rate schedule and the optimizers a recipe asks for (no training)."""

import math

import pytest

from bench.train import devices

devices.prepare_environment()

import keras  # noqa: E402

from bench.config import Recipe  # noqa: E402
from bench.errors import BenchError  # noqa: E402
from bench.train.training import learning_rate_schedule, make_optimizer  # noqa: E402

STEPS = 10  # optimizer steps per epoch


def _rate(schedule, step: int) -> float:
    return float(keras.ops.convert_to_numpy(schedule(step)))


@pytest.mark.parametrize(
    ("warmup_epochs", "step", "expected"),
    [
        (1, 0, 0.0),  # warm-up starts from zero
        (1, 5, 0.05),  # halfway through the warm-up: half the peak
        (1, 10, 0.1),  # the peak at the end of the warm-up
        (1, 20, 0.05),  # halfway through the cosine (20 decay steps): half the peak
        (1, 30, 0.0),  # zero at the end of the last epoch
        (0, 0, 0.1),  # without warm-up the peak comes first
        (0, 15, 0.1 * (1 + math.cos(math.pi * 15 / 30)) / 2),
        (0, 30, 0.0),
    ],
)
def test_warmup_then_cosine(warmup_epochs, step, expected):
    recipe = Recipe(epochs=3, batch_size=32, optimizer="sgd", learning_rate=0.1,
                    weight_decay=0.0, warmup_epochs=warmup_epochs)  # fmt: skip
    assert _rate(learning_rate_schedule(recipe, STEPS), step) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(("name", "kind"), [("sgd", keras.optimizers.SGD),
                                            ("adamw", keras.optimizers.AdamW)])  # fmt: skip
def test_recipe_optimizer(name, kind):
    recipe = Recipe(epochs=2, batch_size=32, optimizer=name, learning_rate=0.01,
                    weight_decay=1e-4)  # fmt: skip
    optimizer = make_optimizer(recipe, STEPS)
    assert isinstance(optimizer, kind)
    if name == "sgd":
        assert optimizer.nesterov and optimizer.momentum == 0.9


def test_unknown_optimizer_is_refused():
    recipe = Recipe(epochs=2, batch_size=32, optimizer="rmsprop", learning_rate=0.01,
                    weight_decay=0.0)  # fmt: skip
    with pytest.raises(BenchError, match="recipe optimizer 'rmsprop': choose sgd or adamw"):
        make_optimizer(recipe, STEPS)
