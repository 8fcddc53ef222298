"""Registry of the benchmark's models: metadata plus a builder per name.

Pure metadata and a decorator, so this module never imports Keras; the model
modules import Keras and register their builders when they are imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench.recipes import Plan, Recipe

if TYPE_CHECKING:
    import keras

__all__ = [
    "Citation",
    "ModelSpec",
    "UnknownModelError",
    "all_models",
    "default_model_names",
    "get_model",
    "register",
]

Builder = Callable[..., "keras.Model"]
"""A model builder: ``build(num_classes: int = 10) -> keras.Model``."""


@dataclass(frozen=True)
class Citation:
    """The publication that introduced an architecture."""

    authors: str
    title: str
    venue: str
    year: int


@dataclass(frozen=True)
class ModelSpec:
    """One registered model: what to call it, where it comes from, how to build it."""

    name: str
    display_name: str
    family: str  # "CNN" or "RNN"
    citation: Citation
    summary: str  # one line
    build: Builder
    in_default_set: bool = True
    slow: bool = False
    input_resolution: int = 28  # pixels per side the network computes at
    parameters: int | None = None  # documented count (weights of every kind) for 10 classes
    forward_flops: int | None = None  # documented forward FLOPs per image (see models.summary)
    full: Recipe | None = None  # the full protocol's recipe (required at registration)
    quick: Plan | None = None  # the CPU preview's plan; None: smoke-sized in that preview

    @property
    def year(self) -> int:
        """The year of the publication that introduced the architecture (its citation's)."""
        return self.citation.year


class UnknownModelError(ValueError):
    """Raised for a model name that is not registered."""


_MODELS: dict[str, ModelSpec] = {}


def register(name: str, **metadata: Any) -> Callable[[Builder], Builder]:
    """Register the decorated builder under ``name`` with the given ``ModelSpec`` fields; a
    model owns its recipes (``full``, and ``quick`` for the CPU preview).

    The builder itself is returned unchanged, so it stays callable directly.
    """

    def decorator(build: Builder) -> Builder:
        if name in _MODELS:
            raise ValueError(f"model {name!r} is already registered")
        if not isinstance(metadata.get("full"), Recipe):
            raise ValueError(f"model {name!r} is registered without a full recipe (full=Recipe)")
        _MODELS[name] = ModelSpec(name=name, build=build, **metadata)
        return build

    return decorator


def get_model(name: str) -> ModelSpec:
    """Return the spec registered as ``name``; raise ``UnknownModelError`` listing the choices."""
    try:
        return _MODELS[name]
    except KeyError:
        choices = ", ".join(spec.name for spec in all_models())
        raise UnknownModelError(f"unknown model {name!r}; choose from: {choices}") from None


def all_models() -> list[ModelSpec]:
    """Every registered model: the default set first, each group in registration order."""
    return sorted(_MODELS.values(), key=lambda spec: not spec.in_default_set)


def default_model_names() -> list[str]:
    """Names of the models a plain benchmark run trains."""
    return [spec.name for spec in _MODELS.values() if spec.in_default_set]
