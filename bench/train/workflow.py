"""`bench train` as one library call: device, profile, config, data, engine.

Imported only after ``devices.prepare_environment()``, because it imports Keras.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from bench import config as config_module
from bench import data
from bench.models import default_model_names
from bench.store import results
from bench.train import budget, engine
from bench.train.executors import FoldExecutor, LocalExecutor
from bench.train.options import RunRequest, TrainOptions, parse
from bench.train.ray_executor import RaySettings
from bench.train.work import RunOutcome, RunReporter

__all__ = ["RunRequest", "TrainOptions", "run", "train"]


def train(options: TrainOptions, reporter: RunReporter) -> RunOutcome:
    """Check ``options`` (``bench.train.options.parse``), then ``run`` them."""
    return run(parse(options), reporter)


def run(request: RunRequest, reporter: RunReporter) -> RunOutcome:
    """Resolve the profile on the detected device, then run the protocol (bench.train.engine)."""
    seconds = request.time_budget_seconds
    time_budget = budget.Budget(seconds) if seconds else None  # the clock starts now
    with open_executor(request.ray) as executor:
        return _run(request, reporter, executor, time_budget)


@contextlib.contextmanager
def open_executor(ray: RaySettings | None) -> Iterator[FoldExecutor]:
    """Local folds (``ray`` None), or Ray connected (or started) for the whole run."""
    if ray is None:
        yield LocalExecutor()
        return
    from bench.train import ray_executor

    with ray_executor.RayExecutor(ray) as executor:
        yield executor


def _run(
    request: RunRequest,
    reporter: RunReporter,
    executor: FoldExecutor,
    time_budget: budget.Budget | None,
) -> RunOutcome:
    options = request.options
    device = executor.detect_device(options.precision)
    profile = config_module.resolve_profile(options.profile, bool(device.gpus))
    if options.profile == config_module.AUTO:
        where = f"GPU ({', '.join(device.gpus)})" if device.gpus else "no GPU found"
        reporter.note(f"profile auto -> {profile.upper()}: {where}, backend {device.backend}")
    models = options.models or tuple(default_model_names())
    if options.skip_shown_from_fuller:
        models = _without_fuller_results(models, options.results_dir, profile, reporter)
    run_config = config_module.build_config(
        profile, models, seed=options.seed, folds=options.folds, epochs=options.epochs,
        batch_size=options.batch_size, strategy=options.strategy,
    )  # fmt: skip
    dataset = data.load_dataset(options.data_dir)
    return engine.run(
        run_config,
        dataset,
        options.results_dir,
        device=device,
        shard=request.shard,
        fresh=options.fresh,
        reporter=reporter,
        budget=time_budget,
        executor=executor,
    )


def _without_fuller_results(
    models: tuple[str, ...], results_dir: Path, profile: str, reporter: RunReporter
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
