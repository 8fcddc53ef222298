"""The fields of fold records and run manifests, checked on the way in.

Results folders travel between machines, so every field the analysis or the site reads is
checked against what bench writes before it is used: its type and its range (rules in
``bench.store.field_rules``). Fields nothing reads are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from bench.models.registry import CARD_TEXT_LIMIT
from bench.store.field_rules import (
    Rule,
    boolean,
    check,
    either,
    fields,
    list_of,
    mapping_of,
    number,
    optional,
    pair,
    text,
    timestamp,
    whole,
)

NAME = re.compile(r"[a-z0-9][a-z0-9-]*")  # model and profile names: they become paths
RUN_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.-]*")  # run ids become file names and links
HEX = re.compile(r"[0-9a-f]+")
FILE_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.-]*\.npz")  # a prediction file beside its record
LONG_TEXT = 4_000  # characters of a path or a command-line argument
FIX = "move it out of the results folder"

NAME_WORDS = "lowercase letters, digits and '-'"
RUN_ID_WORDS = "letters, digits, '_', '.' and '-'"
HEX_WORDS = "hexadecimal digits 0-9, a-f"
NAME_TEXT = text(100, NAME, NAME_WORDS, empty=False)
HEX_TEXT = text(64, HEX, HEX_WORDS, empty=False)
COUNT = whole(0)
POSITIVE = whole(1)
SEED = whole(0, 2**32 - 1)  # what NumPy and scikit-learn accept as a seed
SECONDS = number(0.0)
DIMENSION = optional(whole(0))
SHAPE = list_of(DIMENSION)  # a Keras output shape, batch axis None (a list of them: outputs)
PREDICTION_FILE = fields(
    {
        "file": text(100, FILE_NAME, "a file name beside the record, ending .npz", empty=False),
        "sha256": HEX_TEXT,
    },
    required=("file", "sha256"),
)
LAYER = fields(
    {
        "name": text(empty=False),
        "type": text(empty=False),
        "output_shape": either(SHAPE, list_of(SHAPE), "a shape or a list of shapes"),
        "parameters": COUNT,
    },
    required=("name", "type", "output_shape", "parameters"),
)
RECIPE = fields(
    {
        "epochs": POSITIVE,
        "batch_size": POSITIVE,
        "optimizer": optional(text()),
        "learning_rate": optional(number()),
        "weight_decay": optional(number()),
        "warmup_epochs": optional(number()),
        "label_smoothing": optional(number()),
        "augmentation": optional(mapping_of(either(boolean, number(), "true, false or a number"))),
    }
)
PLAN = fields(
    {
        "folds": optional(whole(2)),
        "train_images": optional(POSITIVE),
        "test_images": optional(POSITIVE),
        "recipe": RECIPE,
    }
)
# What a fold record's config holds (schema 3 reads profile, seed, folds, epochs and batch size
# from here, so they are checked here first and named by their place in the config).
CARD_TEXT = text(CARD_TEXT_LIMIT)
# Where a model's code came from (``bench.models.registry.Origin.to_json``).
ORIGIN = fields(
    {
        "kind": text(100, empty=False),
        "module": text(LONG_TEXT, empty=False),
        **dict.fromkeys(("source", "distribution", "version"), text(LONG_TEXT)),
        "source_sha256": HEX_TEXT,
    },
    required=("kind", "module"),
)
# A registry entry's words (``bench.models.registry.ModelSpec.card``).
CARD = fields(
    {
        "summary": CARD_TEXT,
        "description": CARD_TEXT,
        "citation": fields(
            {**dict.fromkeys(("authors", "title", "venue"), CARD_TEXT), "year": whole(0, 9999)}
        ),
    }
)
FOLD_CONFIG = fields({"profile": text(100, NAME, NAME_WORDS), "seed": SEED, "plan": PLAN})
FOLD_RULES: dict[str, Rule] = {
    "config": FOLD_CONFIG,
    "identity": optional(fields({"precision": text(), "architecture": text()})),
    "display_name": text(empty=False),
    "family": text(),
    "seed": SEED,
    "fold_key": HEX_TEXT,
    "run_id": text(100, RUN_ID, RUN_ID_WORDS),
    "device": text(),
    "backend": text(),
    "strategy": text(),
    "mixed_precision": optional(text()),
    "architecture_digest": optional(text()),
    "gpus": list_of(text()),
    "finished_at": timestamp,
    "parameters": POSITIVE,
    "architecture": list_of(LAYER),
    "train_images": POSITIVE,
    "held_out_images": POSITIVE,
    "test_images": POSITIVE,
    "epochs": POSITIVE,
    "batch_size": POSITIVE,
    "epoch_seconds": list_of(SECONDS),
    "train_seconds": SECONDS,
    "images_per_second": SECONDS,
    "wall_seconds": optional(SECONDS),
    "steps_per_execution": optional(POSITIVE),
    "jit_compile": optional(either(boolean, text(), "true, false or text")),
    "history": mapping_of(list_of(number(None))),
    "test_predictions": optional(PREDICTION_FILE),
    "held_out_predictions": optional(PREDICTION_FILE),
    "migrated_from_schema": optional(POSITIVE),
    "origin": optional(ORIGIN),
    "card": optional(CARD),
    "kind": text(),
}
MODEL_FOLD = pair(NAME_TEXT, COUNT)  # [model, fold] in a run's lists
MANIFEST_RULES: dict[str, Rule] = {
    "run_id": text(100, RUN_ID, RUN_ID_WORDS, empty=False),
    "profile": text(100),
    "status": text(100),
    "config": fields(
        {
            "seed": optional(SEED),
            "strategy": optional(text()),
            "plans": list_of(pair(NAME_TEXT, PLAN)),
        }
    ),
    "shard": pair(COUNT, POSITIVE),
    "fresh": boolean,
    "time_budget_seconds": optional(SECONDS),
    "command": list_of(text(LONG_TEXT)),
    "host": optional(text()),
    "environment": fields(
        {
            "versions": mapping_of(text()),
            **dict.fromkeys(
                ("os", "cpu", "device", "backend", "mixed_precision", "light_precision"),
                optional(text()),
            ),
            "gpus": optional(list_of(text())),
            "light_model_flops": optional(number()),
        }
    ),
    "dataset": fields(
        {
            "source": optional(text(LONG_TEXT)),
            "origin": optional(text()),
            "sha256": optional(mapping_of(text(64, HEX, HEX_WORDS))),
        }
    ),
    "git": optional(fields({"commit": HEX_TEXT, "dirty": boolean}, required=("commit",))),
    "started_at": optional(timestamp),
    "finished_at": optional(timestamp),
    **dict.fromkeys(("planned", "trained", "left", "failed"), optional(list_of(MODEL_FOLD))),
    "kind": text(),
}


def check_fold_record(data: Mapping, path: Path | str) -> None:
    """Every field of a fold record that the analysis and the site read (``data`` with the
    config's facts merged in, for schema 3)."""
    check(data, FOLD_RULES, path, "fold result", FIX)


def check_run_manifest(data: Mapping, path: Path | str) -> None:
    """Every field of a run manifest that the site shows."""
    check(data, MANIFEST_RULES, path, "run manifest", FIX)
