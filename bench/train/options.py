"""The options of `bench train` (and of `bench build-site`'s training step), checked before
Keras or TensorFlow is imported, so that a typo is answered at once, not after seconds of start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench import config
from bench.data import protocol
from bench.errors import BenchError
from bench.train import budget, devices

EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class TrainOptions:
    """The options of `bench train` (and of `bench build-site`'s training step)."""

    models: tuple[str, ...] = ()
    profile: str = "auto"
    folds: int | None = None
    epochs: int | None = None
    batch_size: int | None = None
    seed: int = 0
    data_dir: Path | None = None
    results_dir: Path = Path("results")
    fresh: bool = False
    shard: str = "0/1"
    strategy: str = "default"
    precision: str = "auto"  # a Keras dtype policy, or auto (see bench.train.devices.detect)
    time_budget: str | None = None  # e.g. "90m", "2h", "1h30m" (see bench.train.budget)
    # build-site: leave alone the models the site shows from a fuller profile than this run's
    skip_shown_from_fuller: bool = False
    executor: str = "local"  # local, or ray (every fold a Ray task; see bench.train.ray_executor)
    ray_address: str | None = None  # None: start Ray embedded in this process
    gpus_per_fold: str | None = None  # None: one GPU per fold where the cluster has GPUs
    cpus_per_fold: str | None = None  # None: one CPU per fold


def check(options: TrainOptions) -> None:
    """Raise a one-line ``BenchError`` for the first bad option; imports no framework."""
    protocol.parse_shard(options.shard)
    if options.time_budget is not None:
        budget.parse_duration(options.time_budget)
    devices.check_precision(options.precision)
    profile = "quick" if options.profile == "auto" else options.profile
    config.build_config(
        profile, options.models, seed=options.seed, folds=options.folds, epochs=options.epochs,
        batch_size=options.batch_size, strategy=options.strategy,
    )  # fmt: skip
    check_executor(options)


def check_executor(options: TrainOptions) -> None:
    """``--executor`` and the options that only Ray reads; Ray itself must be installed."""
    if options.executor not in EXECUTORS:
        raise BenchError(f"--executor {options.executor!r}: choose from {', '.join(EXECUTORS)}")
    ray_only = {"--ray-address": options.ray_address, "--gpus-per-fold": options.gpus_per_fold,
                "--cpus-per-fold": options.cpus_per_fold}  # fmt: skip
    for option, value in ray_only.items():
        if value is not None and options.executor != "ray":
            raise BenchError(f"{option} applies to Ray folds; add --executor ray")
    for option, value in (("--gpus-per-fold", options.gpus_per_fold),
                          ("--cpus-per-fold", options.cpus_per_fold)):  # fmt: skip
        if value is not None:
            per_fold(value, option)
    if options.ray_address is not None and not options.ray_address.strip():
        raise BenchError("--ray-address '': give HOST:PORT of the head node, or leave it out")
    if options.executor == "ray":
        from bench.train import ray_executor

        ray_executor.require_ray()


def per_fold(text: str, option: str) -> float:
    """A resource amount per fold: more than zero, and whole above one (Ray's rule, so that a
    fraction always means a share of a single device)."""
    try:
        amount = float(text)
    except ValueError:
        amount = float("nan")
    if not amount > 0 or amount == float("inf") or (amount > 1 and not amount.is_integer()):
        raise BenchError(
            f"{option} {text!r}: expected a number above zero, a fraction such as 0.25 to share "
            "one device, or a whole number"
        )
    return amount
