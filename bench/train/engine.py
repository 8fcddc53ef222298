"""Run the cross-validation protocol for a config: resumable, shardable, budgeted, recorded.

For each model: the stratified training subset is split with StratifiedKFold; every fold that
is not already stored with the same key (``bench.train.fold_key``) under the same profile is
trained and written the moment it ends. Every option is checked before anything moves; then
folds of the same profile stored under another key are moved to ``superseded/`` (never
deleted). Other profiles' folds are never touched. Under a time budget, the model with the most
folds left goes first until it is level with the others, then they take turns
(``budget.furthest_first``), and a fold predicted not to finish in time is not started.

Planning is here; training is the executor's (``bench.train.executors``): the local executor
trains one fold after another in this process, ``bench.train.ray_executor`` submits each fold as
a Ray task. Either way only the ``Driver`` (``bench.train.driver``) writes results, so a run's
store is the same whoever trained its folds.
"""

from __future__ import annotations

import dataclasses
import secrets
import socket
import sys
from pathlib import Path

from bench import data as data_module
from bench.config import RunConfig, model_spec
from bench.data import FashionMNIST
from bench.errors import BenchError
from bench.paths import PROJECT_ROOT
from bench.store import results
from bench.store.records import RunManifest
from bench.train import environment, planning
from bench.train.budget import Budget, FoldTimer, furthest_first
from bench.train.devices import Device
from bench.train.driver import Driver, kept, store_error, storing
from bench.train.executors import FoldExecutor, LocalExecutor
from bench.train.training import steps_per_epoch
from bench.train.work import RunOutcome, RunReporter, WorkItem


def run(
    config: RunConfig,
    dataset: FashionMNIST,
    results_dir: Path,
    *,
    device: Device,
    shard: tuple[int, int] = (0, 1),
    fresh: bool = False,
    reporter: RunReporter | None = None,
    command: tuple[str, ...] = (),
    budget: Budget | None = None,
    executor: FoldExecutor | None = None,
) -> RunOutcome:
    """Train every fold of ``config`` that is missing from ``results_dir``; see the module doc."""
    specs = [model_spec(name) for name in config.models]
    started = results.now()
    outcome = RunOutcome(run_id=f"{started[:19].replace(':', '')}-{secrets.token_hex(3)}")
    # Phase 1: check everything (fold counts, stored files) without changing anything.
    plans = [
        planning.plan_model(config, spec, dataset, results_dir, device, shard, fresh)
        for spec in specs
    ]
    # Phase 2: move stale folds aside, upgrade matching schema-1 records, list the work.
    work, timer = [], FoldTimer()
    for plan in plans:
        name = plan.spec.name
        with storing(f"{name}'s stored folds under {results_dir / name}", "no fold was trained"):
            _tidy(plan, config, results_dir, device, outcome, reporter)
        outcome.skipped += [(name, fold) for fold in sorted(plan.done & set(plan.mine))]
        model_plan = config.plan(name)
        train_count = planning.fold_train_count(model_plan.train_images, model_plan.folds)
        steps = steps_per_epoch(train_count, model_plan.recipe.batch_size)
        for fold in sorted(set(plan.mine) - plan.done):
            work.append(WorkItem(name, fold, model_plan.folds, model_plan.recipe.epochs, steps,
                                 train_count))  # fmt: skip
        for stored in plan.stored:
            planning.seed_timer(timer, stored.record)
    if budget is not None:
        work = furthest_first(work, lambda item: item.model, lambda item: item.fold)
    by_name = {plan.spec.name: plan for plan in plans}

    manifest = RunManifest(
        run_id=outcome.run_id,
        profile=config.profile,
        config=config.as_dict(),
        shard=shard,
        fresh=fresh,
        time_budget_seconds=budget.seconds if budget else None,
        command=tuple(command or sys.argv),
        host=socket.gethostname(),
        environment=environment.describe(device),
        dataset={
            "source": str(dataset.source.directory),
            "origin": dataset.source.origin,
            "sha256": data_module.dataset_digests(),
        },
        # bench's own checkout; an installed wheel has none (its folder may sit in another repo)
        git=environment.git_commit(PROJECT_ROOT) if (PROJECT_ROOT / ".git").exists() else None,
        started_at=started,
        status="running",
        planned=tuple((item.model, item.fold) for item in work),
    )
    if not work:
        if reporter:
            reporter.note(
                "every requested fold is already stored with this config; nothing to train"
            )
        return outcome
    with storing(f"the run manifest in {results_dir / results.RUNS_DIR}", "nothing was trained"):
        outcome.manifest = results.write_manifest(results_dir, manifest)
    if reporter:
        reporter.start(work, skipped=len(outcome.skipped), budget=budget)
    driver = Driver(config, dataset, results_dir, device, by_name, outcome, manifest, timer,
                    reporter, budget)  # fmt: skip
    status = "crashed"  # unless one of the outcomes below is reached
    try:
        (executor or LocalExecutor()).execute(work, driver)
        status = "stopped by the time budget" if outcome.left else "completed"
        status = "failed" if outcome.failed else status
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    except BenchError:
        status = "failed"
        raise
    finally:
        driver.manifest = dataclasses.replace(
            driver.manifest, status=status, finished_at=results.now(), left=tuple(outcome.left),
            failed=tuple((model, fold) for model, fold, _ in outcome.failed),
        )  # fmt: skip
        try:
            results.write_manifest(results_dir, driver.manifest)
        except OSError as error:
            if status in ("completed", "stopped by the time budget"):  # nothing else to report
                raise store_error(f"the run manifest {outcome.manifest}", error,
                                   kept(outcome)) from None  # fmt: skip
            # else the error already on its way (a full disk while storing a fold, Ctrl-C)
            # says more than this one; the manifest keeps its last status, "running".
    return outcome


def _tidy(plan, config: RunConfig, results_dir: Path, device: Device, outcome: RunOutcome,
          reporter) -> None:  # fmt: skip
    """Move a model's stale folds aside and upgrade its matching schema-1 records."""
    name = plan.spec.name
    if reporter and plan.precision != device.precision(plan.spec):
        reporter.note(f"{name}: trains under {plan.precision}, the policy of its stored folds")
    if plan.stale:
        moved = results.supersede(results_dir, name, plan.stale, outcome.run_id)
        outcome.superseded.append(moved)
        if reporter:
            reporter.note(f"{name}: moved {len(plan.stale)} fold(s) of another key to {moved}")
    for stored in plan.legacy:
        upgraded = dataclasses.replace(
            stored.record, identity=plan.identity, fold_key=plan.key,
            migrated_from_schema=stored.record.schema_version,
            schema_version=results.SCHEMA_VERSION,
        )  # fmt: skip
        outcome.migrated.append(results.upgrade_record(results_dir, stored, upgraded).path)
    if plan.legacy and reporter:
        reporter.note(
            f"{name}: {len(plan.legacy)} fold(s) of an older bench kept (their key matches); "
            f"moved to {results_dir / name / config.profile}"
        )
