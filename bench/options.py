"""The options of `bench train` (and of `bench build-site`'s training step), checked before
Keras or TensorFlow is imported, so that a typo is answered at once, not after seconds of start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench import budget, config, devices, protocol


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
    precision: str = "auto"  # a Keras dtype policy, or auto (see bench.devices.detect)
    time_budget: str | None = None  # e.g. "90m", "2h", "1h30m" (see bench.budget)
    # build-site: leave alone the models the site shows from a fuller profile than this run's
    skip_shown_from_fuller: bool = False


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
