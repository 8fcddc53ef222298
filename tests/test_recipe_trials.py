"""benchmarks/recipe_trials.py: every trial's name builds the recipe its stored row records."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from bench.recipes import Recipe
from tests.conftest import load_script

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
recipe_trials = load_script(BENCHMARKS / "recipe_trials.py")
STORED = json.loads((BENCHMARKS / "results" / "recipe_trials.json").read_text())["trials"]


@pytest.mark.parametrize("trial", STORED, ids=lambda trial: f"{trial['model']}-{trial['trial']}")
def test_a_stored_trial_name_builds_the_recipe_its_row_records(trial):
    candidate = recipe_trials.CANDIDATES[trial["model"]][trial["trial"]]
    assert asdict(candidate) == trial["recipe"]


def test_candidates_are_literal_recipes_with_unique_names_per_model():
    for model, trials in recipe_trials.CANDIDATES.items():
        assert trials, model
        assert all(isinstance(recipe, Recipe) for recipe in trials.values()), model
    # No trial is named after a moving target such as today's full recipe.
    assert not any("current" in name for trials in recipe_trials.CANDIDATES.values()
                   for name in trials)  # fmt: skip


def test_recipes_md_names_every_stored_trial():
    text = (BENCHMARKS / "results" / "recipes.md").read_text()
    for trial in STORED:
        assert f"| {trial['model']} | {trial['trial']} |" in text
