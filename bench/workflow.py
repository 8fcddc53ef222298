"""`bench train` as one library call: device, profile, config, data, engine.

Imported only after ``devices.prepare_environment()``, because it imports Keras.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench import budget, data, devices, engine, report
from bench import config as config_module
from bench.models import default_model_names


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


def train(options: TrainOptions, reporter: engine.RunReporter) -> engine.RunOutcome:
    """Resolve the profile on the detected device, then run the protocol (see bench.engine)."""
    shard = engine.protocol.parse_shard(options.shard)
    seconds = budget.parse_duration(options.time_budget) if options.time_budget else None
    time_budget = budget.Budget(seconds) if seconds else None  # the clock starts now
    device = devices.detect(options.precision)
    profile = config_module.resolve_profile(options.profile, bool(device.gpus))
    if options.profile == "auto":
        where = f"GPU ({', '.join(device.gpus)})" if device.gpus else "no GPU found"
        reporter.note(f"profile auto -> {profile.upper()}: {where}, backend {device.backend}")
    models = options.models or tuple(default_model_names())
    overrides = dict(seed=options.seed, folds=options.folds, epochs=options.epochs,
                     batch_size=options.batch_size, strategy=options.strategy)  # fmt: skip
    config_module.build_config(profile, models, **overrides)  # every option checked first
    if options.skip_shown_from_fuller:
        models = _without_fuller_results(models, options.results_dir, profile, reporter)
    run_config = config_module.build_config(profile, models, **overrides)
    dataset = data.load_dataset(options.data_dir)
    return engine.run(
        run_config,
        dataset,
        options.results_dir,
        device=device,
        shard=shard,
        fresh=options.fresh,
        reporter=reporter,
        budget=time_budget,
    )


def _without_fuller_results(
    models: tuple[str, ...], results_dir: Path, profile: str, reporter: engine.RunReporter
) -> tuple[str, ...]:
    """``models`` minus those the site already shows from a fuller profile than ``profile``."""
    kept = []
    for model in models:
        fuller = report.shown_from_fuller(results_dir, model, profile)
        if fuller:
            reporter.note(
                f"{model}: the site shows its {fuller} results; no {profile} folds trained"
            )
        else:
            kept.append(model)
    return tuple(kept)
