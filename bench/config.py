"""The typed, frozen configuration of a run, and its named presets (profiles).

A profile is data: for every model a ``Plan`` (how many training images take part in the
cross-validation, how many folds, how many test images) and a ``Recipe`` (how each fold model is
trained), both held by the model's registry entry (``bench/models/<model>.py``). Nothing here
tunes on the held-out fold: every recipe is a fixed epoch budget with a learning-rate schedule.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace

from bench.errors import BenchError
from bench.models import ModelSpec, UnknownModelError, get_model
from bench.recipes import Augmentation, Plan, Recipe

__all__ = ["AUTO", "FULL", "PROFILES", "QUICK", "SMOKE", "STRATEGIES", "Augmentation", "Plan",
           "Recipe", "RunConfig", "build_config", "check_overrides", "check_profile",
           "model_spec", "profile_plan", "resolve_profile"]  # fmt: skip

SMOKE, QUICK, FULL = "smoke", "quick", "full"
PROFILES = (SMOKE, QUICK, FULL)  # fewest images first
AUTO = "auto"  # not a profile: the command line's "full with a GPU, else quick"
STRATEGIES = ("default", "mirrored")


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a run's numbers, passed explicitly to the engine."""

    profile: str
    seed: int
    plans: tuple[tuple[str, Plan], ...]
    strategy: str = "default"

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.plans)

    def plan(self, model: str) -> Plan:
        return dict(self.plans)[model]

    def fold_config(self, model: str) -> dict:
        """The config's share of a fold's identity (see ``bench.train.fold_key``): strategy and
        shards do not change a fold's numbers."""
        return {
            "profile": self.profile,
            "seed": self.seed,
            "plan": dataclasses.asdict(self.plan(model)),
        }

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def _smoke_plan(spec: ModelSpec) -> Plan:
    recipe = replace(spec.full, epochs=1, batch_size=16, warmup_epochs=0)
    return Plan(recipe, folds=2, train_images=60, test_images=40)


def profile_plan(profile: str, spec: ModelSpec) -> Plan:
    """The plan a profile gives ``spec``: its registry entry's recipes, sized by profile."""
    if profile == "smoke":
        return _smoke_plan(spec)
    if profile == "quick":
        # Models without a quick plan (the slow 227-pixel variants) are smoke-sized there.
        return spec.quick or replace(_smoke_plan(spec), test_images=2_000)
    return Plan(spec.full, folds=10)


def build_config(
    profile: str,
    models: tuple[str, ...],
    *,
    seed: int = 0,
    folds: int | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    strategy: str = "default",
) -> RunConfig:
    """A profile's plans for ``models`` with the command-line overrides applied."""
    check_profile(profile)
    check_overrides(folds=folds, epochs=epochs, batch_size=batch_size, strategy=strategy)
    plans = []
    for model in models:
        plan = profile_plan(profile, model_spec(model))
        recipe = replace(
            plan.recipe,
            epochs=epochs or plan.recipe.epochs,
            batch_size=batch_size or plan.recipe.batch_size,
        )
        plans.append((model, replace(plan, recipe=recipe, folds=folds or plan.folds)))
    return RunConfig(profile=profile, seed=seed, plans=tuple(plans), strategy=strategy)


def check_profile(profile: str, *, auto: bool = False) -> None:
    """A profile name, or (``auto`` True) ``AUTO``, which ``resolve_profile`` turns into one."""
    if profile not in PROFILES and not (auto and profile == AUTO):
        raise BenchError(f"--profile {profile!r}: choose from {', '.join(PROFILES)} or {AUTO}")


def check_overrides(
    *, folds: int | None, epochs: int | None, batch_size: int | None, strategy: str
) -> None:
    """The overrides ``build_config`` applies, checked without building any plan."""
    if strategy not in STRATEGIES:
        raise BenchError(f"--strategy {strategy!r}: choose from {', '.join(STRATEGIES)}")
    for option, value, lowest in (("--folds", folds, 2), ("--epochs", epochs, 1),
                                  ("--batch-size", batch_size, 1)):  # fmt: skip
        if value is not None and value < lowest:
            raise BenchError(f"{option} {value}: must be at least {lowest}")


def model_spec(model: str) -> ModelSpec:
    """The registry entry of ``model``, or a one-line error listing the choices."""
    try:
        return get_model(model)
    except UnknownModelError as error:
        raise BenchError(f"--model: {error}") from None


def resolve_profile(profile: str, gpu_visible: bool) -> str:
    """``auto`` becomes ``full`` with a GPU and ``quick`` without one."""
    if profile != AUTO:
        return profile
    return FULL if gpu_visible else QUICK
