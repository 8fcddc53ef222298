"""The command line's options: each one's flag, help and type, spelled once.

`bench train` and `bench build-site` take one option per TrainOptions field
(bench/train/options.py holds the defaults); `train_options` builds those commands' signatures.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from pathlib import Path
from typing import Annotated

import typer

from bench.train.options import TrainOptions

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Folder holding the four Fashion-MNIST files (.gz or raw); overrides BENCH_DATA_DIR, "
        "the cache and the system package.",
        show_default=False,
    ),
]

ResultsDirOption = Annotated[
    Path, typer.Option("--results-dir", help="Where fold results and run manifests are stored.")
]
ProfileOption = Annotated[
    str,
    typer.Option(
        "--profile",
        help="smoke (seconds, for tests), quick (CPU preview), full (10 folds, GPU), or auto "
        "(full with a GPU, else quick).",
    ),
]


OutOption = Annotated[
    Path, typer.Option("--out", help="Folder the site is written to (replaced on every build).")
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="Absolute URL the site is published at (e.g. https://you.github.io/repo/); makes "
        "the feed and canonical links absolute.",
        show_default=False,
    ),
]

ContentDirOption = Annotated[
    Path | None,
    typer.Option(
        "--content-dir",
        help="Folder with index.md, and models/<name>.md and reference_2021.yaml where you "
        "replace bench's own; default: bench.toml's content_dir, else bench's own write-up.",
        show_default=False,
    ),
]

TitleOption = Annotated[
    str | None,
    typer.Option(help="The write-up's title; default: bench.toml's, else index.md's.",
                 show_default=False),
]  # fmt: skip
AuthorOption = Annotated[
    str | None,
    typer.Option(help="Who wrote it; default: bench.toml's, else index.md's.",
                 show_default=False),
]  # fmt: skip
ModelModuleOption = Annotated[
    list[str] | None,
    typer.Option(
        "--model-module",
        help="Module that registers models of your own with bench.api.register (repeatable); "
        "importing it runs its code, so name only modules you trust.",
        show_default=False,
    ),
]
ModelsDirOption = Annotated[
    Path | None,
    typer.Option(
        "--models-dir",
        help="Folder whose *.py files register models of your own (bench.toml's models_dir; a "
        "project made by `bench init` has models/).",
        show_default=False,
    ),
]
ModelOption = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        help="Model to train (repeatable); default: the default set. See `bench models`.",
        show_default=False,
    ),
]
FoldsOption = Annotated[
    int | None, typer.Option(help="Override the profile's number of folds.", show_default=False)
]
EpochsOption = Annotated[
    int | None, typer.Option(help="Override the profile's epochs per fold.", show_default=False)
]
BatchSizeOption = Annotated[
    int | None, typer.Option(help="Override the profile's batch size.", show_default=False)
]
SeedOption = Annotated[
    int, typer.Option(help="Seed for folds, subsets, initialisation, shuffling.")
]
PrecisionOption = Annotated[
    str,
    typer.Option(
        help="Keras dtype policy for every model: float32, mixed_bfloat16 or mixed_float16; "
        "auto picks bfloat16 mixed precision on GPUs and, on CPUs with bfloat16 instructions, "
        "for the heavy models (100+ MFLOPs per image: AlexNet, ResNet-34); else float32.",
    ),
]
FreshOption = Annotated[
    bool,
    typer.Option(help="Retrain folds already stored (old ones are moved to results/superseded/)."),
]
ShardOption = Annotated[str, typer.Option(help="Train only folds with index % N == I, as I/N.")]
StrategyOption = Annotated[
    str, typer.Option(help="default, or mirrored (TensorFlow MirroredStrategy over all GPUs).")
]
TimeBudgetOption = Annotated[
    str | None,
    typer.Option(
        "--time-budget",
        help="Wall-clock budget such as 90m, 2h or 1h30m: the model with the most folds left goes "
        "first, level models take turns, none starts unless predicted to finish in time; rerun "
        "the command to resume.",
        show_default=False,
    ),
]
QuietOption = Annotated[bool, typer.Option(help="Log lines instead of a live progress display.")]
ExecutorOption = Annotated[
    str,
    typer.Option(
        help="local (one fold after another in this process) or ray (every fold a Ray task, "
        "in parallel; needs the ray extra).",
    ),
]
RayAddressOption = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        help="HOST:PORT of a running Ray cluster's head node (what `ray start --head` prints); "
        "default: start Ray inside this process.",
        show_default=False,
    ),
]
GpusPerFoldOption = Annotated[
    str | None,
    typer.Option(
        "--gpus-per-fold",
        help="GPUs each Ray fold reserves; a fraction shares one (0.25: four folds on a GPU). "
        "Default: 1 where the cluster has GPUs.",
        show_default=False,
    ),
]
CpusPerFoldOption = Annotated[
    str | None,
    typer.Option(
        "--cpus-per-fold",
        help="CPUs each Ray fold reserves, and its TensorFlow threads. Default: 1.",
        show_default=False,
    ),
]

# The command-line option of every TrainOptions field that `bench train` and `bench build-site`
# take; the defaults are the dataclass's own.
TRAIN_OPTIONS = {
    "models": ModelOption, "model_modules": ModelModuleOption, "models_dir": ModelsDirOption,
    "profile": ProfileOption, "folds": FoldsOption, "epochs": EpochsOption,
    "batch_size": BatchSizeOption, "seed": SeedOption, "data_dir": DataDirOption,
    "results_dir": ResultsDirOption, "fresh": FreshOption, "shard": ShardOption,
    "strategy": StrategyOption, "precision": PrecisionOption, "time_budget": TimeBudgetOption,
    "executor": ExecutorOption, "ray_address": RayAddressOption,
    "gpus_per_fold": GpusPerFoldOption, "cpus_per_fold": CpusPerFoldOption,
}  # fmt: skip
REPEATABLE = ("models", "model_modules")


def train_options(**fixed):
    """Make ``command(options: TrainOptions, ...)`` a typer command that takes one option per
    ``TRAIN_OPTIONS`` field, defaulted from ``TrainOptions``, followed by its own parameters;
    ``fixed`` sets the fields that are not options. Every field is one or the other."""
    fields = dataclasses.fields(TrainOptions)
    unplaced = {f.name for f in fields} - TRAIN_OPTIONS.keys() - fixed.keys()
    if unplaced:
        raise TypeError(f"TrainOptions fields with no option and no fixed value: {unplaced}")

    def decorate(command):
        own = list(inspect.signature(command, eval_str=True).parameters.values())[1:]
        parameters = [
            inspect.Parameter(
                f.name, inspect.Parameter.KEYWORD_ONLY, annotation=TRAIN_OPTIONS[f.name],
                # repeatable options are None when not given (their fields' default is ())
                default=None if f.name in REPEATABLE else f.default,
            )
            for f in fields
            if f.name in TRAIN_OPTIONS
        ]  # fmt: skip
        parameters += [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own]

        @functools.wraps(command)
        def wrapper(**values):
            chosen = {name: values.pop(name) for name in TRAIN_OPTIONS}
            chosen.update({name: tuple(chosen[name] or ()) for name in REPEATABLE})
            return command(TrainOptions(**chosen, **fixed), **values)

        del wrapper.__wrapped__  # typer reads the signature below, not the command's
        wrapper.__signature__ = inspect.Signature(parameters)
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        return wrapper

    return decorate
