"""The options of `bench train` (and of `bench build-site`'s training step), and their checking.

``TrainOptions`` holds the options as given, each default written once: the command line builds
its options from these fields (``bench.cli``). ``parse`` checks them all and turns their text
into values before Keras or TensorFlow is imported, so that a typo is answered at once, not
after seconds of start-up; the run (``bench.train.workflow``) then only reads the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench import config, durations
from bench.errors import BenchError
from bench.train.ray_executor import RaySettings, require_ray

EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class TrainOptions:
    """The options of `bench train` (and of `bench build-site`'s training step)."""

    models: tuple[str, ...] = ()  # (): the default set
    model_modules: tuple[str, ...] = ()  # modules that register models of the user's own
    models_dir: Path | None = None  # a project's models/ folder (bench.toml); None: no folder
    profile: str = config.AUTO
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
    time_budget: str | None = None  # e.g. "90m", "2h", "1h30m" (see bench.durations)
    # build-site: leave alone the models the site shows from a fuller profile than this run's
    skip_shown_from_fuller: bool = False
    executor: str = "local"  # local, or ray (every fold a Ray task; see bench.train.ray_executor)
    ray_address: str | None = None  # None: start Ray embedded in this process
    gpus_per_fold: str | None = None  # None: one GPU per fold where the cluster has GPUs
    cpus_per_fold: str | None = None  # None: one CPU per fold


@dataclass(frozen=True)
class RunRequest:
    """A run as asked for: the options, every one checked, with the text of ``--shard``,
    ``--time-budget`` and the Ray options parsed into values."""

    options: TrainOptions
    shard: tuple[int, int]  # (I, N): train the folds with index % N == I
    time_budget_seconds: float | None  # None: no budget
    ray: RaySettings | None  # None: the local executor


def parse(options: TrainOptions) -> RunRequest:
    """Check every option, raising a one-line ``BenchError`` for the first bad one; imports no
    framework. The profile stays as given: ``auto`` is resolved on the device (workflow)."""
    # Imported here: scikit-learn (under protocol) takes seconds, and the command line imports
    # this module at start-up for TrainOptions.
    from bench.data import protocol
    from bench.models import plugins
    from bench.train import devices

    shard = protocol.parse_shard(options.shard)
    seconds = None
    if options.time_budget is not None:
        seconds = durations.parse_duration(options.time_budget)
    devices.check_precision(options.precision)
    config.check_profile(options.profile, auto=True)
    config.check_overrides(folds=options.folds, epochs=options.epochs,
                           batch_size=options.batch_size, strategy=options.strategy)  # fmt: skip
    plugins.load_user_models(options.models_dir, options.model_modules)
    for model in options.models:
        config.model_spec(model)
    return RunRequest(options, shard, seconds, ray_settings(options))


def ray_settings(options: TrainOptions) -> RaySettings | None:
    """``--executor`` and the options that only Ray reads (None: the local executor); Ray
    itself must be installed."""
    if options.executor not in EXECUTORS:
        raise BenchError(f"--executor {options.executor!r}: choose from {', '.join(EXECUTORS)}")
    ray_only = {"--ray-address": options.ray_address, "--gpus-per-fold": options.gpus_per_fold,
                "--cpus-per-fold": options.cpus_per_fold}  # fmt: skip
    for option, value in ray_only.items():
        if value is not None and options.executor != "ray":
            raise BenchError(f"{option} applies to Ray folds; add --executor ray")
    amounts = {
        name: per_fold(value, option)
        for name, option, value in (("gpus_per_fold", "--gpus-per-fold", options.gpus_per_fold),
                                    ("cpus_per_fold", "--cpus-per-fold", options.cpus_per_fold))
        if value is not None
    }  # fmt: skip
    if options.ray_address is not None and not options.ray_address.strip():
        raise BenchError("--ray-address '': give HOST:PORT of the head node, or leave it out")
    if options.executor != "ray":
        return None
    require_ray()
    user_models = {"models_dir": str(options.models_dir.resolve()) if options.models_dir else None,
                   "model_modules": tuple(options.model_modules)}  # fmt: skip
    # the rest: RaySettings' defaults
    return RaySettings(address=options.ray_address, **amounts, **user_models)


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
