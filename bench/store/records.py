"""The typed records: what training measured (``FitResult``), the stored record of a fold
(``FoldRecord``) and of a run (``RunManifest``), built once and read by attribute everywhere.

On disk a fold record is one JSON object. Since schema 3 it states each fact once: what decides
the fold's numbers is its ``config`` (profile, seed, plan: folds, subset sizes and the recipe with
its epochs and batch size), ``mixed_precision`` and ``architecture_digest``, and its identity
(what ``fold_key`` digests) is their sum. Schema 2 also stored the profile, seed, folds, epochs
and batch size at the top level and the whole identity beside them; schema-1 files lack the
newer fields. Both still load as they always have, into the same ``FoldRecord``. Records travel
between machines, so every field that later becomes a path, an index or a number is checked on
the way in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.errors import BenchError
from bench.metrics import Evaluation, Scores
from bench.store.record_fields import NAME, RUN_ID, check_fold_record, check_run_manifest

SCHEMA_VERSION = 3  # of the results store: fold records (see above) and run manifests
STORED_ONCE = 3  # the first schema that stores each fact of a fold once


@dataclass(frozen=True)
class FitResult:
    """What training one fold model measured (``bench.train.training.fit_fold``)."""

    parameters: int
    architecture: list[dict]  # the layer table: name, type, output shape, parameters
    train_images: int
    held_out_images: int
    test_images: int
    epochs: int
    batch_size: int
    epoch_seconds: list[float]
    train_seconds: float
    images_per_second: float
    history: dict[str, list[float]]
    cv: Scores  # held-out fold scores as measured at training time (no 2021 pair)
    test: Evaluation  # test scores as measured at training time
    finished_at: str
    # Recorded since schema 2 (or late in schema 1); None where a stored fold lacks them.
    mixed_precision: str | None = None
    steps_per_execution: int | None = None
    jit_compile: bool | str | None = None
    architecture_digest: str | None = None
    wall_seconds: float | None = None  # training, scoring and compilation


@dataclass(frozen=True)
class FoldRecord(FitResult):
    """One stored fold: who it is, under which key, on what it ran, and its ``FitResult``."""

    model: str = ""
    display_name: str = ""
    family: str = ""
    fold: int = 0
    folds: int = 0
    profile: str = ""
    seed: int = 0
    fold_key: str = ""
    identity: dict | None = None  # see bench.train.fold_key (None for schema-1 folds)
    config: dict = dataclasses.field(default_factory=dict)
    run_id: str = ""
    device: str = ""
    gpus: tuple[str, ...] = ()
    backend: str = ""
    strategy: str = "default"
    test_predictions: dict | None = None  # {"file", "sha256"} of the test probabilities
    held_out_predictions: dict | None = None  # the same for the held-out fold (schema 2)
    migrated_from_schema: int | None = None
    # Since bench 0.2 (None in older records, whose models are all built in): where the model's
    # code came from (``bench.models.registry.Origin``) and its registry entry's words, which a
    # generated model page shows without importing the model (``ModelCard``).
    origin: dict | None = None
    card: dict | None = None
    schema_version: int = SCHEMA_VERSION
    kind: str = "fold"

    @classmethod
    def from_json(cls, data: dict, path: Path | str) -> FoldRecord:
        """A record from its parsed JSON; one-line ``BenchError`` naming ``path`` when it is
        not one bench wrote."""
        once = isinstance(data.get("schema_version"), int) and data["schema_version"] >= STORED_ONCE
        missing = sorted((_REQUIRED_ONCE if once else _REQUIRED) - data.keys())
        if missing:
            raise BenchError(f"{path}: fold result lacks {', '.join(missing)}; delete it")
        if once:
            data = {**data, **_config_facts(data["config"], path)}
            data["identity"] = fold_identity(
                data["config"], data["mixed_precision"], data["architecture_digest"]
            )
        if not _well_formed(data):
            raise BenchError(
                f"{path}: fold result has a malformed model, profile, fold or folds field; "
                "move it out of the results folder"
            )
        check_fold_record(data, path)
        try:
            scores = Scores.from_json(data["cv"]), Evaluation.from_json(data["test"])
        except (KeyError, TypeError, ValueError) as error:
            raise BenchError(
                f"{path}: fold result has malformed scores ({str(error)[:80]}); "
                "move it out of the results folder"
            ) from None
        known = {f.name for f in dataclasses.fields(cls)}
        values = {name: data[name] for name in known if name in data}
        values["gpus"] = tuple(values.get("gpus") or ())
        values["cv"], values["test"] = scores
        return cls(**values)

    def to_json(self) -> dict:
        """The record as stored: in its own schema, each fact once from ``STORED_ONCE`` on."""
        data = dataclasses.asdict(self)
        data.update(gpus=list(self.gpus), cv=self.cv.to_json(), test=self.test.to_json())
        if self.schema_version >= STORED_ONCE:
            if self.identity is None:
                raise ValueError(f"{self.model} fold {self.fold}: a record needs its identity")
            # The identity is what the key was computed from: store it, as its three parts.
            config = {k: v for k, v in self.identity.items() if k not in _IDENTITY_EXTRAS}
            data.update(config=config, mixed_precision=self.identity["precision"],
                        architecture_digest=self.identity["architecture"])  # fmt: skip
            for name in ("identity", *_CONFIG_FACTS):
                del data[name]
        return {name: value for name, value in data.items() if value is not None}

    @classmethod
    def of(cls, fit: FitResult, **who: Any) -> FoldRecord:
        """The stored record of a fit: ``who`` gives the fields beyond ``FitResult``."""
        fields = {field.name: getattr(fit, field.name) for field in dataclasses.fields(fit)}
        return cls(**fields, **who)


# Fields every record has had since schema 1; the others load as None when absent.
_REQUIRED = frozenset({
    "model", "display_name", "family", "fold", "folds", "profile", "seed", "fold_key", "config",
    "parameters", "architecture", "train_images", "held_out_images", "test_images", "epochs",
    "batch_size", "epoch_seconds", "train_seconds", "images_per_second", "history", "cv", "test",
    "finished_at", "test_predictions", "schema_version",
})  # fmt: skip
# The record's fields that schema 3 stores only in its config (where the config holds them).
_CONFIG_FACTS = {
    "profile": ("profile",), "seed": ("seed",), "folds": ("plan", "folds"),
    "epochs": ("plan", "recipe", "epochs"), "batch_size": ("plan", "recipe", "batch_size"),
}  # fmt: skip
_IDENTITY_EXTRAS = ("precision", "architecture")  # an identity's keys beyond the config's
_REQUIRED_ONCE = _REQUIRED - _CONFIG_FACTS.keys() | {"mixed_precision", "architecture_digest"}


def fold_identity(config: dict, precision: str, architecture: str) -> dict:
    """Everything that decides a fold's numbers: its config (profile, seed, plan), the Keras
    dtype policy and the architecture digest. A fold's key digests it (``bench.train.fold_key``)."""
    return {**config, "precision": precision, "architecture": architecture}


def _config_facts(config: Any, path: Path | str) -> dict:
    """The fields a schema-3 record keeps only in its config, read from there."""
    facts = {}
    for name, keys in _CONFIG_FACTS.items():
        value = config
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                raise BenchError(
                    f"{path}: fold result's config has no {'.'.join(keys)}; "
                    "move it out of the results folder"
                )
            value = value[key]
        facts[name] = value
    return facts


def _well_formed(data: dict) -> bool:
    """Whether the fields that become paths and indices are what bench writes."""
    folds, fold = data["folds"], data["fold"]
    return (
        all(isinstance(data[k], str) and NAME.fullmatch(data[k]) for k in ("model", "profile"))
        and all(isinstance(v, int) and not isinstance(v, bool) for v in (fold, folds))
        and 0 <= fold < folds
    )


@dataclass(frozen=True)
class RunManifest:
    """One run of `bench train`: its config, command, environment, dataset and what it did.

    Rewritten as the run goes (``status`` "running", then "completed", "stopped by the time
    budget", "interrupted", "failed" or "crashed"). Older manifests lack some fields; they load
    with those empty.
    """

    run_id: str
    profile: str = "?"
    config: dict = dataclasses.field(default_factory=dict)
    shard: tuple[int, int] = (0, 1)
    fresh: bool = False
    time_budget_seconds: float | None = None
    command: tuple[str, ...] = ()
    host: str | None = None
    environment: dict = dataclasses.field(default_factory=dict)
    dataset: dict = dataclasses.field(default_factory=dict)
    git: dict | None = None
    started_at: str | None = None
    finished_at: str | None = None
    status: str = "?"
    planned: tuple[tuple[str, int], ...] = ()
    trained: tuple[tuple[str, int], ...] = ()
    left: tuple[tuple[str, int], ...] = ()
    failed: tuple[tuple[str, int], ...] = ()  # folds that failed on their own (Ray executor)
    schema_version: int = SCHEMA_VERSION
    kind: str = "run"

    @classmethod
    def from_json(cls, data: dict, path: Path | str) -> RunManifest:
        """A manifest from its parsed JSON; one-line ``BenchError`` naming ``path`` when a
        field is not what bench writes (manifests travel between machines)."""
        check_run_manifest(data, path)
        try:
            return cls._parse(data)
        except (KeyError, TypeError, ValueError) as error:
            raise BenchError(
                f"{path}: run manifest has a malformed field ({str(error)[:80]}); "
                "move it out of the results folder"
            ) from None

    @classmethod
    def _parse(cls, data: dict) -> RunManifest:
        run_id = data["run_id"]
        if not isinstance(run_id, str) or not RUN_ID.fullmatch(run_id):
            raise ValueError(f"run_id {str(run_id)[:40]!r}")
        for stamp in ("started_at", "finished_at"):
            if data.get(stamp) is not None:
                dt.datetime.fromisoformat(str(data[stamp]))  # ValueError when malformed
        known = {f.name for f in dataclasses.fields(cls)}
        values = {name: data[name] for name in known if data.get(name) is not None}
        for name in ("config", "environment", "dataset"):
            if not isinstance(values.get(name, {}), dict):
                raise TypeError(f"{name} is not a mapping")
        if values.get("git") is not None and not isinstance(values["git"], dict):
            raise TypeError("git is not a mapping")
        values["command"] = tuple(_strings(values.get("command", ())))
        values["shard"] = tuple(int(part) for part in values.get("shard", (0, 1)))
        for name in ("planned", "trained", "left", "failed"):
            values[name] = tuple((str(model), int(fold)) for model, fold in values.get(name, ()))
        return cls(**values)

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        for name in ("shard", "command"):
            data[name] = list(data[name])
        for name in ("planned", "trained", "left", "failed"):
            data[name] = [list(pair) for pair in data[name]]
        return data


def _strings(values) -> list[str]:
    if isinstance(values, str) or not all(isinstance(value, str) for value in values):
        raise TypeError("command is not a list of strings")
    return list(values)
