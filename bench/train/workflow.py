"""`bench train` as one library call: device, profile, config, data, engine.

Imported only after ``devices.prepare_environment()``, because it imports Keras.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from bench import config as config_module
from bench import data, results
from bench.data import protocol
from bench.models import default_model_names
from bench.train import budget, engine
from bench.train.options import TrainOptions

__all__ = ["TrainOptions", "train"]


def train(options: TrainOptions, reporter: engine.RunReporter) -> engine.RunOutcome:
    """Resolve the profile on the detected device, then run the protocol (bench.train.engine)."""
    shard = protocol.parse_shard(options.shard)
    seconds = budget.parse_duration(options.time_budget) if options.time_budget else None
    time_budget = budget.Budget(seconds) if seconds else None  # the clock starts now
    with open_executor(options) as executor:
        return _train(options, reporter, executor, shard, time_budget)


@contextlib.contextmanager
def open_executor(options: TrainOptions) -> Iterator[engine.FoldExecutor]:
    """The executor ``--executor`` names; Ray is connected (or started) for the whole run."""
    if options.executor != "ray":
        yield engine.LocalExecutor()
        return
    from bench.train import ray_executor
    from bench.train.options import per_fold

    settings = ray_executor.RaySettings(
        address=options.ray_address,
        gpus_per_fold=per_fold(options.gpus_per_fold, "--gpus-per-fold")
        if options.gpus_per_fold is not None else None,
        cpus_per_fold=per_fold(options.cpus_per_fold, "--cpus-per-fold")
        if options.cpus_per_fold is not None else 1.0,
    )  # fmt: skip
    with ray_executor.RayExecutor(settings) as executor:
        yield executor


def _train(options, reporter, executor, shard, time_budget) -> engine.RunOutcome:
    device = executor.detect_device(options.precision)
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
        executor=executor,
    )


def _without_fuller_results(
    models: tuple[str, ...], results_dir: Path, profile: str, reporter: engine.RunReporter
) -> tuple[str, ...]:
    """``models`` minus those the site already shows from a fuller profile than ``profile``."""
    kept = []
    for model in models:
        fuller = results.shown_from_fuller(results_dir, model, profile)
        if fuller:
            reporter.note(
                f"{model}: the site shows its {fuller} results; no {profile} folds trained"
            )
        else:
            kept.append(model)
    return tuple(kept)
