"""The public API for a model of your own: what a module in a project's ``models/`` folder, a
``--model-module`` or a distribution's ``bench.models`` entry point imports.

    from bench.api import Citation, Recipe, keras, layers, register

    @register("tiny", display_name="Tiny CNN", family="CNN", citation=Citation(...),
              summary="One line.", full=Recipe(epochs=2, batch_size=128, optimizer="adamw",
              learning_rate=1e-3, weight_decay=1e-4))
    def build_tiny(num_classes: int = 10) -> keras.Model:
        ...

The built-in models are written with exactly these names. ``keras`` and ``layers`` are imported
on their first use, so listing models and checking options stay fast. Everything here keeps its
name and meaning across releases of bench's 0.x series; anything else in ``bench`` may change.
"""

from __future__ import annotations

from bench.models.lazy import keras, layers
from bench.models.registry import Citation, register
from bench.recipes import Augmentation, Plan, Recipe

__all__ = ["Augmentation", "Citation", "Plan", "Recipe", "keras", "layers", "register"]
