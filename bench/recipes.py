"""How a fold model trains (``Recipe``) and how much of the data it sees (``Plan``): plain,
frozen data that each model's registry entry holds for every profile."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Augmentation:
    """Random transforms applied to training batches only (Keras preprocessing layers)."""

    translate: float = 0.0  # largest shift, as a fraction of the image side
    horizontal_flip: bool = False
    erasing: float = 0.0  # probability of erasing one random rectangle (Cutout-style)


@dataclass(frozen=True)
class Recipe:
    """How one fold model trains."""

    epochs: int
    batch_size: int
    optimizer: str  # "adamw" or "sgd" (Nesterov momentum 0.9)
    learning_rate: float  # peak, reached after the warm-up
    weight_decay: float
    warmup_epochs: int = 0  # linear warm-up, then cosine decay to zero
    label_smoothing: float = 0.0
    augmentation: Augmentation = field(default_factory=Augmentation)


@dataclass(frozen=True)
class Plan:
    """How much of the data one model sees under a profile."""

    recipe: Recipe
    folds: int
    train_images: int | None = None  # stratified subset of the 60,000 (None: all of them)
    test_images: int | None = None  # stratified subset of the 10,000 (None: all of them)


# The quick preview's AdamW settings, shared by the models' quick plans: it converges in few
# steps, and augmentation is left out because it slows early convergence.
QUICK_ADAMW = dict(optimizer="adamw", weight_decay=1e-4, label_smoothing=0.0)

# The 2021 write-up's pipeline, for the 227-pixel variants: Adam at 1e-3, batch 32, no
# augmentation, a fixed budget (no early stop).
RECIPE_2021 = Recipe(epochs=20, batch_size=32, optimizer="adamw", learning_rate=1e-3,
                     weight_decay=0.0)  # fmt: skip
