"""Registry of the benchmark's models: metadata plus a builder per name.

Pure metadata and a decorator, so this module never imports Keras; the model
modules import Keras and register their builders when they are imported. Each entry knows its
``Origin``: built into bench, or a user's module (``bench.models.plugins`` loads those inside
``loading(origin)``, so that what they register carries where it came from).
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from bench.errors import BenchError
from bench.recipes import Plan, Recipe

if TYPE_CHECKING:
    import keras

__all__ = [
    "BUILT_IN",
    "Citation",
    "ModelCollisionError",
    "ModelSpec",
    "Origin",
    "UnknownModelError",
    "all_models",
    "default_model_names",
    "get_model",
    "loading",
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


BUILT_IN = "built-in"
CARD_TEXT_LIMIT = 4_000  # characters of one text in a fold record's origin or card
ORIGIN_KINDS = (BUILT_IN, "project", "module", "entry point")


@dataclass(frozen=True)
class Origin:
    """Where a registered model's code comes from.

    ``kind`` is one of ``ORIGIN_KINDS``; ``module`` the module that registered it; ``source``
    its file as the user knows it (``models/compact.py`` for a project's model); a module of an
    installed distribution also names it and its version; ``source_sha256`` digests the file."""

    kind: str
    module: str
    source: str | None = None
    distribution: str | None = None
    version: str | None = None
    source_sha256: str | None = None

    def describe(self) -> str:
        """One phrase for a terminal line or a page: ``project file models/compact.py``."""
        if self.kind == BUILT_IN:
            return f"built into bench ({self.module})"
        where = f"project file {self.source}" if self.kind == "project" else f"module {self.module}"
        if self.kind == "entry point":
            where = f"entry point {self.module}"
        if self.distribution:
            where += f" of {self.distribution} {self.version or ''}".rstrip()
        return where

    def to_json(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value is not None}


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
    origin: Origin | None = None  # set at registration (see register)

    @property
    def year(self) -> int:
        """The year of the publication that introduced the architecture (its citation's)."""
        return self.citation.year

    def card(self) -> dict:
        """The entry's words a fold record keeps, so that a page for a model without a content
        page is generated from results alone: its summary, citation and builder's docstring."""
        citation = {key: _shortened(value) if isinstance(value, str) else value
                    for key, value in asdict(self.citation).items()}  # fmt: skip
        return {
            "summary": _shortened(self.summary),
            "description": _shortened(inspect.cleandoc(self.build.__doc__ or "")),
            "citation": citation,
        }


def _shortened(text: str) -> str:
    """``text`` within ``CARD_TEXT_LIMIT`` characters (a record refuses longer texts)."""
    if len(text) <= CARD_TEXT_LIMIT:
        return text
    return text[: CARD_TEXT_LIMIT - 1].rstrip() + "…"


class UnknownModelError(ValueError):
    """Raised for a model name that is not registered."""


class ModelCollisionError(BenchError, ValueError):
    """Raised for a name that another model holds already; the message names both origins."""


_MODELS: dict[str, ModelSpec] = {}
_LOADING: contextvars.ContextVar[Origin | None] = contextvars.ContextVar("loading", default=None)


def register(name: str, **metadata: Any) -> Callable[[Builder], Builder]:
    """Register the decorated builder under ``name`` with the given ``ModelSpec`` fields; a
    model owns its recipes (``full``, and ``quick`` for the CPU preview).

    The builder itself is returned unchanged, so it stays callable directly.
    """

    def decorator(build: Builder) -> Builder:
        own = build.__module__.startswith("bench.")
        origin = _LOADING.get() or Origin(BUILT_IN if own else "module", module=build.__module__)
        if name in _MODELS:
            held = _MODELS[name].origin
            raise ModelCollisionError(
                f"model {name!r} from {origin.describe()} collides with the model {name!r} "
                f"{'from ' if held.kind != BUILT_IN else ''}{held.describe()}; rename one of them"
            )
        if not isinstance(metadata.get("full"), Recipe):
            raise ValueError(f"model {name!r} is registered without a full recipe (full=Recipe)")
        _MODELS[name] = ModelSpec(name=name, build=build, origin=origin, **metadata)
        return build

    return decorator


@contextlib.contextmanager
def loading(origin: Origin) -> Iterator[None]:
    """Models registered inside the block come from ``origin``; if the block fails, none of
    them stays registered (a module that fails halfway leaves the registry as it was)."""
    before = set(_MODELS)
    token = _LOADING.set(origin)
    try:
        yield
    except BaseException:
        for name in set(_MODELS) - before:
            del _MODELS[name]
        raise
    finally:
        _LOADING.reset(token)


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
