"""Training speed as bench's trainer records it: ``fit_fold`` on a fixed subset, read back from
its ``FitResult`` (shared by the benchmark workers).

The benchmark is the trainer: the model is built, compiled and fitted by
``bench.train.training.fit_fold``, exactly as in ``bench train``, and the speed is what that
call records: its ``images_per_second`` (every epoch, the first one's tracing and compilation
included) and its per-epoch seconds, from which the steady rate leaves the first epoch out.
Validation after each epoch and the final predictions fall outside the timed span, as in
``bench train``; the held-out and test sets here are small so they cost little wall time.
"""

from __future__ import annotations

SEED = 0
SCORED_IMAGES = 512  # held-out and test images of the benchmark fold (not timed)


def fixed_fold(train_images: int | None, *, source: str = "real", seed: int = SEED):
    """A ``FoldData``: a stratified, seeded subset of ``train_images`` training images (all of
    them for None) and ``SCORED_IMAGES`` test images as both held-out and test set. ``source``
    "random" draws uniform images instead, for a machine without the dataset."""
    import numpy as np

    from bench.data import protocol
    from bench.train.training import FoldData

    if source == "random":
        rng = np.random.default_rng(seed)
        count = train_images or 60_000
        train_x = rng.random((count, 28, 28, 1), dtype=np.float32)
        train_y = rng.integers(0, 10, count)
        held_x = rng.random((SCORED_IMAGES, 28, 28, 1), dtype=np.float32)
        held_y = np.arange(SCORED_IMAGES) % 10
    elif source == "real":
        from bench import data

        dataset = data.load_dataset(allow_download=False)
        chosen = protocol.stratified_subset(dataset.train_labels, train_images, seed)
        scored = protocol.stratified_subset(dataset.test_labels, SCORED_IMAGES, seed)
        train_x = protocol.as_model_input(dataset.train_images[chosen])
        train_y = dataset.train_labels[chosen].astype(np.int64)
        held_x = protocol.as_model_input(dataset.test_images[scored])
        held_y = dataset.test_labels[scored].astype(np.int64)
    else:
        raise ValueError(f"data source {source!r}: choose real or random")
    return FoldData(train_x=train_x, train_y=train_y, held_x=held_x, held_y=held_y,
                    test_x=held_x, test_y=held_y,
                    test_indices=np.arange(len(held_y)))  # fmt: skip


def fit_speed(spec, recipe, device, fold) -> dict:
    """Train ``spec`` with ``recipe`` on ``fold`` through ``fit_fold`` and return what it
    recorded about speed. ``steady_images_per_second`` needs two epochs or more."""
    from dataclasses import asdict

    from bench.train.training import fit_fold

    fit, _ = fit_fold(spec, recipe, fold, seed=SEED, device=device)
    timed = fit.epoch_seconds[1:]
    steady = fit.train_images * len(timed) / sum(timed) if timed else None
    return {
        "images_per_second": fit.images_per_second,
        "steady_images_per_second": steady,
        "epoch_seconds": fit.epoch_seconds,
        "train_seconds": fit.train_seconds,
        "wall_seconds": fit.wall_seconds,
        "train_images": fit.train_images,
        "epochs": fit.epochs,
        "batch_size": fit.batch_size,
        "precision": fit.mixed_precision,
        "steps_per_execution": fit.steps_per_execution,
        "jit_compile": fit.jit_compile,
        "parameters": fit.parameters,
        "recipe": asdict(recipe),
    }
