"""The benchmark's model zoo.

Importing this package imports Keras and every model module, which fills the registry.
Set ``KERAS_BACKEND`` before importing it.
"""

# The import order below is the registry's order (and so the order of every results table).
# isort: off
from bench.models import lenet5, alexnet, resnet, lstm  # noqa: F401

# isort: on
from bench.models.registry import (
    Citation,
    ModelSpec,
    UnknownModelError,
    all_models,
    default_model_names,
    get_model,
    register,
)

__all__ = [
    "Citation",
    "ModelSpec",
    "UnknownModelError",
    "all_models",
    "default_model_names",
    "get_model",
    "register",
]
