"""Keras, imported on first use: the registry (names, recipes, metadata) then loads without it,
so the command line checks every option, model names included, before TensorFlow starts up.

The model modules use ``keras`` and ``layers`` from here exactly like the real modules; only the
moment of the import moves, to the first call of a builder.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class LazyModule:
    """A stand-in that imports the named module on its first attribute access."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str):
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)


keras = LazyModule("keras")
layers = LazyModule("keras.layers")
