"""Train one fold model and score it: a fixed epoch budget, nothing decided on the held-out fold.

The held-out fold is evaluated after every epoch only to draw learning curves; no callback reads
it. Inputs are numpy arrays (no tf.data) and augmentation is Keras preprocessing layers, so the
same code runs under the TensorFlow, JAX and PyTorch backends.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Protocol

import keras
import numpy as np

from bench import metrics
from bench.errors import BenchError
from bench.models import ModelSpec
from bench.models.summary import architecture_digest, count_parameters, layer_table
from bench.recipes import Augmentation, Recipe
from bench.store.records import FitResult
from bench.store.results import FoldPredictions, Predictions, now
from bench.train.devices import Device, distribution_scope

EVALUATION_BATCH = 512
_OOM_MARKERS = ("RESOURCE_EXHAUSTED", "out of memory", "OOM", "Out of memory")


class FoldReporter(Protocol):
    """Receives progress from a training fold (the CLI draws it; tests may ignore it)."""

    def batch_done(self, steps: int) -> None: ...
    def epoch_done(self, epoch: int, logs: dict) -> None: ...


@dataclass(frozen=True)
class FoldData:
    """Arrays of one fold, already float32 in [0, 1] with a channel axis."""

    train_x: np.ndarray
    train_y: np.ndarray
    held_x: np.ndarray
    held_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    test_indices: np.ndarray
    held_indices: np.ndarray | None = None  # positions in the 60,000 training images


def steps_per_epoch(images: int, batch_size: int) -> int:
    return math.ceil(images / batch_size)


def fit_fold(
    spec: ModelSpec,
    recipe: Recipe,
    data: FoldData,
    *,
    seed: int,
    device: Device,
    strategy: str = "default",
    reporter: FoldReporter | None = None,
) -> tuple[FitResult, FoldPredictions]:
    """Train ``spec`` on the fold; return what it measured (scores, history, timing) and what
    it predicted on the test images and on its held-out fold."""
    fold_started = time.perf_counter()
    compiled = compile_for(
        spec, recipe, device=device, seed=seed, strategy=strategy,
        steps=steps_per_epoch(len(data.train_x), recipe.batch_size),
    )  # fmt: skip
    base, model = compiled.base, compiled.model
    precision, steps_per_execution = compiled.precision, compiled.steps_per_execution
    timer = _EpochTimer(reporter, steps_per_epoch(len(data.train_x), recipe.batch_size))
    try:
        fitted = model.fit(
            data.train_x,
            _one_hot(data.train_y),
            batch_size=recipe.batch_size,
            epochs=recipe.epochs,
            validation_data=(data.held_x, _one_hot(data.held_y)),
            validation_batch_size=EVALUATION_BATCH,
            shuffle=True,
            verbose=0,
            callbacks=[timer],
        )
        held_probabilities = _predict(model, data.held_x)
        held_pred = held_probabilities.argmax(axis=1)
        test_probabilities = _predict(model, data.test_x)
    except Exception as error:  # backends raise different types for OOM
        if any(marker in str(error) for marker in _OOM_MARKERS):
            raise BenchError(
                f"out of memory training {spec.name} with batch size {recipe.batch_size}; "
                "retry with a smaller --batch-size"
            ) from None
        raise
    train_seconds = sum(timer.epoch_seconds)
    fit = FitResult(
        parameters=count_parameters(base),
        architecture=layer_table(base),
        architecture_digest=architecture_digest(base),
        train_images=len(data.train_x),
        held_out_images=len(data.held_x),
        test_images=len(data.test_x),
        epochs=recipe.epochs,
        batch_size=recipe.batch_size,
        mixed_precision=precision,
        steps_per_execution=steps_per_execution,
        jit_compile=model.jit_compile,
        epoch_seconds=timer.epoch_seconds,
        train_seconds=train_seconds,
        wall_seconds=time.perf_counter() - fold_started,
        images_per_second=recipe.epochs * len(data.train_x) / max(train_seconds, 1e-9),
        history={
            "loss": fitted.history["loss"],
            "accuracy": fitted.history["accuracy"],
            "val_loss": fitted.history["val_loss"],
            "val_accuracy": fitted.history["val_accuracy"],
            "learning_rate": timer.learning_rates,
        },
        cv=metrics.summary_scores(data.held_y, held_pred),
        test=metrics.evaluate(data.test_y, test_probabilities),
        finished_at=now(),
    )
    held_indices = data.held_indices if data.held_indices is not None else np.arange(len(held_pred))
    predictions = FoldPredictions(
        test=Predictions(data.test_indices, data.test_y, test_probabilities),
        held_out=Predictions(held_indices, data.held_y, held_probabilities),
    )
    return fit, predictions


@dataclass(frozen=True)
class CompiledModel:
    """A model compiled the way `bench train` trains it, and the settings that applied."""

    base: keras.Model  # the network itself (what is stored and described)
    model: keras.Model  # the network behind the training-time augmentation layers
    precision: str  # the Keras dtype policy
    steps_per_execution: int


def compile_for(
    spec: ModelSpec,
    recipe: Recipe,
    *,
    device: Device,
    seed: int,
    steps: int,
    strategy: str = "default",
    metrics_: tuple[str, ...] = ("accuracy",),
    steps_per_execution: int | None = None,
) -> CompiledModel:
    """Build ``spec`` and compile it for ``recipe`` on ``device`` (``steps`` optimizer steps
    per epoch): the one place a model is compiled, used by ``fit_fold`` and the benchmarks.
    ``steps_per_execution`` overrides the device's choice (benchmarks compare settings)."""
    keras.utils.set_random_seed(seed)
    precision = device.precision(spec)
    if steps_per_execution is None:
        # Under MirroredStrategy, TensorFlow 2.21 fails in the multi-step loop ("You must feed
        # a value for placeholder tensor"): one step per call there.
        steps_per_execution = device.steps_per_execution(spec) if strategy == "default" else 1
    keras.mixed_precision.set_global_policy(precision)
    with distribution_scope(strategy, device):
        base = spec.build()
        model = _with_augmentation(base, recipe.augmentation, seed)
        model.compile(
            optimizer=make_optimizer(recipe, steps),
            loss=keras.losses.CategoricalCrossentropy(
                from_logits=True, label_smoothing=recipe.label_smoothing
            ),
            metrics=list(metrics_),
            jit_compile=device.jit_compile(spec.family),
            steps_per_execution=steps_per_execution,
        )
    return CompiledModel(base, model, precision, steps_per_execution)


def learning_rate_schedule(recipe: Recipe, steps: int) -> keras.optimizers.schedules.CosineDecay:
    """Per-step learning rate: linear warm-up to the recipe's peak over ``warmup_epochs``, then
    cosine decay to zero at the end of the last epoch (``steps`` optimizer steps per epoch)."""
    warmup_steps = recipe.warmup_epochs * steps
    decay_steps = max(recipe.epochs * steps - warmup_steps, 1)
    if warmup_steps:
        return keras.optimizers.schedules.CosineDecay(
            0.0, decay_steps, warmup_target=recipe.learning_rate, warmup_steps=warmup_steps
        )
    return keras.optimizers.schedules.CosineDecay(recipe.learning_rate, decay_steps)


def make_optimizer(recipe: Recipe, steps: int) -> keras.optimizers.Optimizer:
    """The recipe's optimizer over ``learning_rate_schedule``."""
    schedule = learning_rate_schedule(recipe, steps)
    if recipe.optimizer == "sgd":
        optimizer = keras.optimizers.SGD(
            schedule, momentum=0.9, nesterov=True, weight_decay=recipe.weight_decay or None
        )
    elif recipe.optimizer == "adamw":
        optimizer = keras.optimizers.AdamW(schedule, weight_decay=recipe.weight_decay)
    else:
        raise BenchError(f"recipe optimizer {recipe.optimizer!r}: choose sgd or adamw")
    # Decay the weights, not the biases or normalisation scales (standard practice).
    optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    return optimizer


def _with_augmentation(base: keras.Model, augmentation: Augmentation, seed: int) -> keras.Model:
    """Wrap ``base`` with random transforms that are active only while training."""
    transforms = []
    if augmentation.horizontal_flip:
        transforms.append(keras.layers.RandomFlip("horizontal", seed=seed))
    if augmentation.translate:
        transforms.append(
            keras.layers.RandomTranslation(
                augmentation.translate, augmentation.translate, fill_mode="constant", seed=seed
            )
        )
    if augmentation.erasing:
        transforms.append(
            keras.layers.RandomErasing(
                factor=augmentation.erasing, value_range=(0.0, 1.0), fill_value=0.0, seed=seed
            )
        )
    if not transforms:
        return base
    image = keras.Input(shape=base.input_shape[1:], name="image")
    x = image
    for transform in transforms:
        x = transform(x)
    return keras.Model(image, base(x), name=f"{base.name}_training")


def _predict(model: keras.Model, images: np.ndarray) -> np.ndarray:
    logits = model.predict(images, batch_size=EVALUATION_BATCH, verbose=0)
    return metrics.softmax(np.asarray(logits, dtype=np.float32)).astype(np.float32)


def _one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(10, dtype=np.float32)[labels]


class _EpochTimer(keras.callbacks.Callback):
    """Pure training seconds per epoch (validation excluded), learning rate, progress."""

    def __init__(self, reporter: FoldReporter | None, steps: int) -> None:
        super().__init__()
        self.reporter = reporter
        self.steps = steps
        self.epoch_seconds: list[float] = []
        self.learning_rates: list[float] = []
        self._started = 0.0
        self._in_epoch = False
        self._steps_reported = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()
        self._in_epoch = True
        self._steps_reported = 0

    def on_train_batch_end(self, batch, logs=None):
        # With steps_per_execution > 1, Keras calls this once per execution with the index of
        # its last step, which overshoots the epoch's end on the final, shorter execution.
        done = min(batch + 1, self.steps)
        if self.reporter and done > self._steps_reported:
            self.reporter.batch_done(done - self._steps_reported)
        self._steps_reported = done

    def on_test_begin(self, logs=None):
        self._close_epoch()

    def on_epoch_end(self, epoch, logs=None):
        self._close_epoch()
        rate = self.model.optimizer.learning_rate
        self.learning_rates.append(float(keras.ops.convert_to_numpy(rate)))
        if self.reporter:
            self.reporter.epoch_done(epoch, dict(logs or {}))

    def _close_epoch(self) -> None:
        if self._in_epoch:
            self.epoch_seconds.append(time.perf_counter() - self._started)
            self._in_epoch = False
