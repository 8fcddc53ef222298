"""The committed results are current: `make site` on a fresh clone reuses every committed fold.

A fold is reused only when its stored config equals what the code builds for its profile today
(the rest of its key, precision and architecture, is checked where the models are built, in
tests/test_engine_keys.py). A recipe edited without retraining would fail here, not silently
make `make site` retrain for hours.
"""

import json
from pathlib import Path

import pytest

from bench import config
from bench.models import plugins
from bench.paths import example_models_dir
from bench.store.records import FoldRecord

RESULTS = Path(__file__).resolve().parent.parent / "results"
FOLDS = sorted(RESULTS.glob("*/*/fold-*.json"))


@pytest.fixture(autouse=True)
def example_models():
    """The committed folds include the example model's (``make site`` passes --models-dir
    bench/skeleton/models); conftest forgets it after each test."""
    plugins.load_user_models(example_models_dir())


def load(path: Path) -> FoldRecord:
    """A committed fold as bench reads it, whichever schema stored it."""
    return FoldRecord.from_json(json.loads(path.read_text()), path)


def test_there_are_committed_full_profile_folds():
    assert any(path.parent.name == "full" for path in FOLDS)


@pytest.mark.parametrize("path", FOLDS, ids=lambda p: "/".join(p.parts[-3:]))
def test_committed_fold_matches_todays_config(path):
    record = load(path)
    today = config.build_config(record.profile, (record.model,), seed=record.seed)
    assert record.config == today.fold_config(record.model)
    assert record.identity["plan"] == record.config["plan"]


@pytest.mark.parametrize("model", sorted({path.parts[-3] for path in FOLDS}))
def test_committed_folds_were_trained_on_todays_architecture(model):
    from bench.train import devices

    devices.prepare_environment()
    import keras

    from bench.models import get_model
    from bench.models.summary import architecture_digest

    keras.mixed_precision.set_global_policy("float32")
    digest = architecture_digest(get_model(model).build())
    keras.backend.clear_session()
    stored = {load(p).identity["architecture"] for p in FOLDS if p.parts[-3] == model}
    assert stored == {digest}
