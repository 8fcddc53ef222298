"""Recipe trials on a validation split carved from fold 0's training images (never the test set).

The full protocol's fold 0 (10-fold StratifiedKFold over the 60,000 training images, seed 0)
trains on 54,000 images. This script splits those 54,000 once more, stratified, into 48,600
trial-training and 5,400 validation images, trains each candidate recipe on the first and scores
it on the second. The held-out fold 0 and the 10,000 test images are never read, so a recipe
chosen here is chosen cleanly. Each finished trial is appended to
benchmarks/results/recipe_trials.json at once (a killed run keeps what it finished), and
benchmarks/results/recipes.md is regenerated from that file; it marks the trial whose recipe
is the one the model's module in bench/models/ holds now.

    python benchmarks/recipe_trials.py --model lenet5 [--trial flip-shift5-40ep --trial no-aug-20ep]
    python benchmarks/recipe_trials.py --list
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from bench.train import devices, environment

devices.prepare_environment()

import numpy as np  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from bench import data  # noqa: E402
from bench.data import protocol  # noqa: E402
from bench.models import all_models, get_model, plugins  # noqa: E402
from bench.paths import example_models_dir  # noqa: E402
from bench.recipes import Augmentation, Recipe  # noqa: E402
from bench.store import results  # noqa: E402
from bench.train.training import FoldData, fit_fold  # noqa: E402

HERE = Path(__file__).parent
OUT_JSON = HERE / "results" / "recipe_trials.json"
OUT_MD = HERE / "results" / "recipes.md"
ABANDONED = HERE / "results" / "abandoned"
SEED = 0
VALIDATION_FRACTION = 0.1

NO_AUGMENTATION = Augmentation(translate=0.0, horizontal_flip=False, erasing=0.0)
FLIP = Augmentation(translate=0.0, horizontal_flip=True, erasing=0.0)
FLIP_SHIFT5 = Augmentation(translate=0.05, horizontal_flip=True, erasing=0.0)
FLIP_SHIFT10 = Augmentation(translate=0.1, horizontal_flip=True, erasing=0.0)


def _lenet5_or_lstm(epochs: int, augmentation: Augmentation) -> Recipe:
    """The LeNet-5 and LSTM trials differ only in epochs and augmentation."""
    return Recipe(epochs=epochs, batch_size=128, optimizer="adamw", learning_rate=2e-3,
                  weight_decay=1e-4, warmup_epochs=1, label_smoothing=0.0,
                  augmentation=augmentation)  # fmt: skip


# Candidates proposed after test scores had been seen (the 4-epoch AlexNet folds' test mean
# and the test curve of experiments/time_to_accuracy.py); the choice among the candidates still
# used validation scores only, by a rule fixed before they ran (8 epochs only for 0.3 points or
# more over the best 4-epoch candidate). ResNet-34's candidate without augmentation or warm-up
# was proposed after its 2-epoch folds' test mean (0.9025) had been seen; rule fixed before it
# ran: it replaces the current recipe only if its validation accuracy is 0.3 points or more
# higher.
PROPOSED_AFTER_TEST = {
    "alexnet": ("adamw-flip-shift5-8ep", "adamw-no-aug-4ep"),
    "resnet34": ("adamw-no-aug-no-warmup-2ep",),
}

# Every candidate spelled out: a name builds the recipe its row in recipes.md reports, whatever
# the model's module holds today (tests/test_recipe_trials.py checks it against the stored
# trials). The trials once named "current" (the full recipe of their day) carry the names of
# what they train.
CANDIDATES: dict[str, dict[str, Recipe]] = {
    "lenet5": {
        "flip-shift5-40ep": _lenet5_or_lstm(40, FLIP_SHIFT5),
        "no-aug-20ep": _lenet5_or_lstm(20, NO_AUGMENTATION),
        "flip-40ep": _lenet5_or_lstm(40, FLIP),
        "flip-shift5-60ep": _lenet5_or_lstm(60, FLIP_SHIFT5),
    },
    "lstm": {
        "flip-shift5-30ep": _lenet5_or_lstm(30, FLIP_SHIFT5),
        "no-aug-15ep": _lenet5_or_lstm(15, NO_AUGMENTATION),
        "flip-30ep": _lenet5_or_lstm(30, FLIP),  # proposed, never run
    },
    "alexnet": {
        "sgd-ls-flip-shift10-4ep": Recipe(
            epochs=4, batch_size=256, optimizer="sgd", learning_rate=5e-2, weight_decay=5e-4,
            warmup_epochs=1, label_smoothing=0.1, augmentation=FLIP_SHIFT10,
        ),
        "adamw-flip-shift5-4ep": Recipe(
            epochs=4, batch_size=256, optimizer="adamw", learning_rate=1e-3, weight_decay=5e-2,
            warmup_epochs=1, label_smoothing=0.0, augmentation=FLIP_SHIFT5,
        ),
        "adamw-flip-shift5-8ep": Recipe(
            epochs=8, batch_size=256, optimizer="adamw", learning_rate=1e-3, weight_decay=5e-2,
            warmup_epochs=1, label_smoothing=0.0, augmentation=FLIP_SHIFT5,
        ),
        "adamw-no-aug-4ep": Recipe(
            epochs=4, batch_size=256, optimizer="adamw", learning_rate=1e-3, weight_decay=5e-2,
            warmup_epochs=1, label_smoothing=0.0, augmentation=NO_AUGMENTATION,
        ),
    },
    "resnet34": {
        "adamw-ls-flip-shift5-2ep": Recipe(
            epochs=2, batch_size=256, optimizer="adamw", learning_rate=1e-3, weight_decay=5e-2,
            warmup_epochs=1, label_smoothing=0.1, augmentation=FLIP_SHIFT5,
        ),
        "sgd-ls-flip-shift5-warmup-2ep": Recipe(  # proposed, never run
            epochs=2, batch_size=256, optimizer="sgd", learning_rate=0.1, weight_decay=5e-4,
            warmup_epochs=1, label_smoothing=0.1, augmentation=FLIP_SHIFT5,
        ),
        "adamw-no-aug-no-warmup-2ep": Recipe(
            epochs=2, batch_size=256, optimizer="adamw", learning_rate=1e-3, weight_decay=5e-2,
            warmup_epochs=0, label_smoothing=0.1, augmentation=NO_AUGMENTATION,
        ),
    },
    # The example model of `bench init` (bench/skeleton/models/compact.py), written down before
    # any of it ran and before any held-out or test score of the model existed. The rule, fixed
    # now: the best validation accuracy wins; a candidate with twice the epochs must beat the
    # best shorter one by 0.3 points or more, and none is adopted whose fold would cost more
    # than half of a ResNet-34 fold measured side by side.
    "compact": {
        "adamw-ls-flip-shift10-8ep": Recipe(  # the module's first, provisional recipe
            epochs=8, batch_size=512, optimizer="adamw", learning_rate=2e-3, weight_decay=5e-2,
            warmup_epochs=2, label_smoothing=0.1, augmentation=FLIP_SHIFT10,
        ),
        "adamw-ls-no-aug-8ep": Recipe(
            epochs=8, batch_size=512, optimizer="adamw", learning_rate=2e-3, weight_decay=5e-2,
            warmup_epochs=2, label_smoothing=0.1, augmentation=NO_AUGMENTATION,
        ),
        "sgd-ls-flip-shift10-8ep": Recipe(
            epochs=8, batch_size=512, optimizer="sgd", learning_rate=0.2, weight_decay=5e-4,
            warmup_epochs=2, label_smoothing=0.1, augmentation=FLIP_SHIFT10,
        ),
        "adamw-ls-flip-shift10-16ep": Recipe(
            epochs=16, batch_size=512, optimizer="adamw", learning_rate=2e-3, weight_decay=5e-2,
            warmup_epochs=3, label_smoothing=0.1, augmentation=FLIP_SHIFT10,
        ),
    },
}  # fmt: skip
# The compact model is not built in: it loads from its file, as in a project made by bench init.
COMPACT_MODEL = example_models_dir() / "compact.py"


def validation_fold(dataset) -> FoldData:
    """Fold 0's training images, split into trial-training and validation; nothing else."""
    fit_positions, _held_out = protocol.fold_splits(dataset.train_labels, 10, SEED)[0]
    trial_train, validation = train_test_split(
        fit_positions,
        test_size=VALIDATION_FRACTION,
        stratify=dataset.train_labels[fit_positions],
        random_state=SEED,
    )
    images, labels = dataset.train_images, dataset.train_labels
    val_x = protocol.as_model_input(images[validation])
    val_y = labels[validation].astype(np.int64)
    return FoldData(
        train_x=protocol.as_model_input(images[trial_train]),
        train_y=labels[trial_train].astype(np.int64),
        held_x=val_x,
        held_y=val_y,
        test_x=val_x,  # scored twice on validation: the test images are never loaded here
        test_y=val_y,
        test_indices=np.asarray(validation),
    )


def run_trial(model: str, name: str, recipe: Recipe, fold: FoldData, device) -> dict:
    started = time.perf_counter()
    fit, _ = fit_fold(get_model(model), recipe, fold, seed=SEED, device=device)
    return {
        "model": model,
        "trial": name,
        "recipe": asdict(recipe),
        "train_images": fit.train_images,
        "validation_images": fit.held_out_images,
        "validation_accuracy": fit.cv.accuracy,
        "validation_curve": fit.history["val_accuracy"],
        "train_accuracy_last_epoch": fit.history["accuracy"][-1],
        "train_seconds": fit.train_seconds,
        "wall_seconds": time.perf_counter() - started,
        "images_per_second": fit.images_per_second,
        "mixed_precision": fit.mixed_precision,
        "finished_at": fit.finished_at,
        "environment": environment.describe(device),
    }


def load_trials() -> list[dict]:
    if not OUT_JSON.exists():
        return []
    return json.loads(OUT_JSON.read_text())["trials"]


def save_trials(trials: list[dict]) -> None:
    payload = {"split": _split_description(), "trials": trials}
    results.atomic_write(OUT_JSON, (json.dumps(payload, indent=1) + "\n").encode())
    results.atomic_write(OUT_MD, markdown(trials).encode())


def _split_description() -> str:
    return (
        "fold 0 of the full protocol (10-fold StratifiedKFold, seed 0) keeps 54,000 training "
        "images; they are split again, stratified, seed 0, into 48,600 trial-training and 5,400 "
        "validation images. Held-out fold 0 and the test set are never read."
    )


def _augmentation_text(augmentation: dict) -> str:
    """The augmentation settings that are on, 'translate=0.05, horizontal_flip=True', or 'none'."""
    return ", ".join(f"{key}={value}" for key, value in augmentation.items() if value) or "none"


def markdown(trials: list[dict]) -> str:
    lines = [
        "# Full recipes: trials on a validation split of fold 0's training images",
        "",
        _split_description(),
        "",
        "Each candidate trains once (seed 0) on the 48,600 trial-training images and is scored on",
        "the 5,400 validation images after every epoch (the learning curve) and at the end (the",
        "score that decides). The candidate chosen for a model is the best final validation",
        "accuracy for its cost; `chosen` marks the recipe the model's module in `bench/models/`",
        "holds now. Earlier",
        "LeNet-5 and LSTM recipes had been picked from held-out-fold and test scores",
        "(`full_recipe_cpu.md`); the trials below redo that choice on validation data only.",
        "Train minutes and images/s are each trial's own, on the host and day it ran (its",
        "`finished_at` and `environment` in the JSON): the hosts differ by up to 2x in speed, so",
        "only trials run side by side compare; fold costs are measured side by side in",
        "`fold_cost.md`.",
        "",
        "Generated by `python benchmarks/recipe_trials.py --model M` from recipe_trials.json.",
        "",
        "| model | trial | optimizer | epochs | warm-up epochs | augmentation | validation acc. "
        "| best epoch (acc.) | train acc. (last epoch) | train min | images/s | chosen |",
        "|---|---|---|---:|---:|---|---:|---|---:|---:|---:|---|",
    ]
    for trial in trials:
        recipe, curve = trial["recipe"], trial["validation_curve"]
        best = int(np.argmax(curve))
        augmentation = _augmentation_text(recipe["augmentation"])
        chosen = "chosen" if recipe == asdict(get_model(trial["model"]).full) else ""
        optimizer = f"{recipe['optimizer']} {recipe['learning_rate']:g}"
        lines.append(
            f"| {trial['model']} | {trial['trial']} | {optimizer} "
            f"| {recipe['epochs']} | {recipe['warmup_epochs']} | {augmentation} "
            f"| {trial['validation_accuracy']:.4f} | {best + 1} ({curve[best]:.4f}) "
            f"| {trial['train_accuracy_last_epoch']:.4f} | {trial['train_seconds'] / 60:.1f} "
            f"| {trial['images_per_second']:,.0f} | {chosen} |"
        )
    for model, names in PROPOSED_AFTER_TEST.items():
        lines += [
            "",
            f"Proposed after test scores of {model} had been seen (the choice among the "
            f"candidates still used validation scores only): {', '.join(names)}.",
        ]
    untried = [
        spec.display_name
        for spec in all_models()
        if spec.in_default_set
        if asdict(spec.full) not in [t["recipe"] for t in trials if t["model"] == spec.name]
    ]
    if untried:
        lines += [
            "",
            f"No trial holds the current full recipe of {', '.join(untried)}: it was chosen "
            "without a trial on the validation split; how, and with which scores in view, is "
            "written beside the recipe in its module.",
        ]
    lines += abandoned_lines()
    return "\n".join(lines) + "\n"


def abandoned_lines() -> list[str]:
    """Full-protocol folds trained with a recipe that was then dropped, kept for the record in
    benchmarks/results/abandoned/ (their scores were seen before the recipe changed)."""
    lines = []
    for path in sorted(ABANDONED.glob("*/fold-*.json")):
        fold = json.loads(path.read_text())
        recipe = fold["config"]["plan"]["recipe"]
        augmentation = _augmentation_text(recipe["augmentation"])
        lines.append(
            f"| {fold['model']} | {recipe['optimizer']} {recipe['learning_rate']:g}, "
            f"{recipe['epochs']} epochs, warm-up {recipe['warmup_epochs']}, augmentation "
            f"{augmentation} | {fold['fold']} | "
            f"{fold['cv']['accuracy']:.4f} | {fold['test']['accuracy']:.4f} | "
            f"{fold['train_seconds'] / 60:.0f} | `{path.parent.relative_to(HERE.parent)}` |"
        )
    if not lines:
        return []
    return [
        "",
        "## Abandoned recipes",
        "",
        "Folds of the full protocol trained with a recipe that was then replaced. Their held-out "
        "and test scores were seen before the replacement was chosen, so that choice was not "
        "blind; the files are kept so these numbers can be checked.",
        "",
        "| model | recipe | fold | held-out acc. | test acc. | train min | files |",
        "|---|---|---:|---:|---:|---:|---|",
        *lines,
    ]


def regenerate() -> None:
    """Rewrite recipes.md from the stored trials (after a recipe in bench/models/ changed)."""
    save_trials(load_trials())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", default=[])
    parser.add_argument("--trial", action="append", default=[])
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--markdown", action="store_true", help="only rewrite recipes.md")
    args = parser.parse_args()
    table = CANDIDATES
    plugins.load_project_file(COMPACT_MODEL, shown="bench/skeleton/models/compact.py")
    if args.markdown:
        regenerate()
        return 0
    if args.list:
        for model, trials in table.items():
            print(model, ", ".join(trials))
        return 0
    for model in args.model:
        if model not in table:
            print(f"error: --model {model!r}: choose from {', '.join(table)}", file=sys.stderr)
            return 1
    dataset = data.load_dataset(None)
    fold, device = validation_fold(dataset), devices.detect()
    trials = load_trials()
    for model in args.model:
        for name, recipe in table[model].items():
            if args.trial and name not in args.trial:
                continue
            print(f"{model} {name}: training", flush=True)
            result = run_trial(model, name, recipe, fold, device)
            trials = [t for t in load_trials() if (t["model"], t["trial"]) != (model, name)]
            trials.append(result)
            save_trials(trials)
            print(
                f"{model} {name}: validation {result['validation_accuracy']:.4f} "
                f"in {result['train_seconds'] / 60:.1f} min",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
