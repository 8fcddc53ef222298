"""Which commands retrain the stored folds: for each model, the command-line overrides that
turn its profile's plan into the stored one, and whether they reproduce its fold key exactly.

Computed once with the rest of the analysis; the reproducibility page prints the commands.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass

from bench import config
from bench.analysis.report import ModelReport
from bench.errors import BenchError
from bench.store.records import FoldRecord
from bench.train import fold_key


@dataclass(frozen=True)
class Command:
    """One `bench build-site` command and the models' shared profile and seed.

    ``exact`` is False when today's profile no longer reproduces the stored fold keys, and None
    when it could not be checked: a model of the user's own that was not loaded while the site
    was built (rendering never imports user code). ``project_sources`` names the models folder
    files the command needs loaded (inside their project, or with ``--models-dir``)."""

    profile: str
    seed: int
    command: str
    exact: bool | None
    project_sources: tuple[str, ...] = ()


def reproduce_commands(reports: Iterable[ModelReport]) -> tuple[Command, ...]:
    """`bench build-site` commands that retrain every model's stored folds, one per config."""
    groups: dict[tuple, list[tuple[str, str | None]]] = {}
    for report in reports:
        record = report.folds[0]
        flags, exact = _overrides(report.model, record)
        flags += _loading_flags(record)
        key = (report.profile, record.seed, flags, exact)
        groups.setdefault(key, []).append((report.model, _project_source(record)))
    commands = []
    # Checked commands (exact False, then True) first, unchecked (None) last: None and the
    # booleans cannot be compared directly.
    ordered = sorted(
        groups.items(), key=lambda item: (*item[0][:3], item[0][3] is None, item[0][3])
    )
    for (profile, seed, flags, exact), models in ordered:
        arguments = ["bench", "build-site", "--profile", profile, "--seed", str(seed), *flags]
        for model, _ in sorted(models):
            arguments += ["--model", model]
        sources = tuple(sorted(source for _, source in models if source))
        commands.append(Command(profile, seed, shlex.join(arguments), exact, sources))
    return tuple(commands)


def _loading_flags(record: FoldRecord) -> tuple[str, ...]:
    """``--model-module`` for a model registered by a module named on the command line (an
    installed distribution's entry point and the built-ins load by themselves). The store has
    checked the origin's fields: ``kind`` and ``module`` are non-empty text."""
    origin = record.origin or {}
    return ("--model-module", origin["module"]) if origin.get("kind") == "module" else ()


def _project_source(record: FoldRecord) -> str | None:
    """The file of a model from a project's models folder, as the user knows it."""
    origin = record.origin or {}
    return (origin.get("source") or None) if origin.get("kind") == "project" else None


def _overrides(model: str, record: FoldRecord) -> tuple[tuple[str, ...], bool | None]:
    """Command-line overrides that turn the profile's plan into the stored one, and whether
    they reproduce the stored config exactly (False when the profile itself has changed, None
    when ``model`` is not registered here, so there is no profile to compare with)."""
    stored = (record.config or {}).get("plan", {})
    try:
        default = config.build_config(record.profile, (model,), seed=record.seed)
    except (BenchError, KeyError):  # not registered now: a user model the renderer never loads
        return (), None
    plan = default.plan(model)
    values = {
        "--folds": (stored.get("folds"), plan.folds),
        "--epochs": (stored.get("recipe", {}).get("epochs"), plan.recipe.epochs),
        "--batch-size": (stored.get("recipe", {}).get("batch_size"), plan.recipe.batch_size),
    }
    changed = {
        flag: mine for flag, (mine, default_value) in values.items() if mine != default_value
    }
    flags = tuple(part for flag, value in changed.items() for part in (flag, str(value)))
    rebuilt = config.build_config(
        record.profile, (model,), seed=record.seed,
        folds=changed.get("--folds"), epochs=changed.get("--epochs"),
        batch_size=changed.get("--batch-size"),
    )  # fmt: skip
    return flags, _reproduces(rebuilt.fold_config(model), record)


def _reproduces(fold_config: dict, record: FoldRecord) -> bool:
    """Whether ``fold_config`` is the config the fold's key was computed from."""
    identity = record.identity
    if not isinstance(identity, dict):  # schema 1: the stored config is all there is
        return fold_config == record.config
    rebuilt = fold_key.identity(
        fold_config, identity.get("precision", ""), identity.get("architecture", "")
    )
    return fold_key.key(rebuilt) == record.fold_key
