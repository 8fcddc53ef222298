"""The registry owns a model: a toy model registered here (its module, in effect) plus its
content page is listed, trained, reported and published, with no other file touched."""

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.train import devices

devices.prepare_environment()

from bench import config  # noqa: E402
from bench.analysis import report  # noqa: E402
from bench.cli import app  # noqa: E402
from bench.errors import BenchError  # noqa: E402
from bench.models import all_models, default_model_names, registry  # noqa: E402
from bench.models.lazy import keras, layers  # noqa: E402
from bench.recipes import Plan, Recipe  # noqa: E402
from bench.site.build import render_site  # noqa: E402
from tests.engine_helpers import smoke_run  # noqa: E402

CONTENT = Path(__file__).resolve().parents[1] / "content"
TOY_FULL = Recipe(epochs=3, batch_size=8, optimizer="adamw", learning_rate=1e-3, weight_decay=0.0)
TOY_PAGE = """---
title: "Toy"
summary: "A one-layer classifier registered by a test."
---

## History

A test wrote this page.
"""


@pytest.fixture
def toy(monkeypatch):
    """Register a toy model for one test (the registry is restored afterwards)."""
    monkeypatch.setattr(registry, "_MODELS", dict(registry._MODELS))

    @registry.register(
        "toy", display_name="Toy", family="CNN", summary="Flatten and one dense layer.",
        citation=registry.Citation("A. Tester", "Toy", "tests", 2026), parameters=7_850,
        forward_flops=15_680, full=TOY_FULL, quick=Plan(TOY_FULL, folds=2, test_images=20),
    )  # fmt: skip
    def build_toy(num_classes: int = 10) -> keras.Model:
        image = keras.Input(shape=(28, 28, 1), name="image")
        logits = layers.Dense(num_classes, name="logits")(layers.Flatten(name="flatten")(image))
        return keras.Model(image, logits, name="toy")

    return "toy"


def test_a_toy_model_joins_every_list(toy):
    assert toy in [spec.name for spec in all_models()] and toy in default_model_names()
    assert config.build_config("full", (toy,)).plan(toy).recipe == TOY_FULL
    assert config.build_config("quick", (toy,)).plan(toy).folds == 2
    listed = CliRunner().invoke(app, ["models"])
    assert listed.exit_code == 0 and "toy" in listed.output and "Tester" in listed.output


def test_a_toy_model_trains_and_is_published(toy, synthetic, tmp_path):
    directory, _ = synthetic
    outcome = smoke_run(directory, tmp_path / "results", (toy,))
    assert outcome.trained == [(toy, 0), (toy, 1)]
    (toy_report,) = report.load_reports(tmp_path / "results")
    assert toy_report.parameters == 7_850
    record = toy_report.folds[0]  # where the code came from, and the entry's words
    assert record.origin == {"kind": "module", "module": __name__}
    assert record.card["summary"] == "Flatten and one dense layer."
    assert record.card["citation"]["authors"] == "A. Tester"
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    (content / "models" / "toy.md").write_text(TOY_PAGE)
    site = render_site(tmp_path / "results", tmp_path / "public", data_dir=directory,
                       content_dir=content)  # fmt: skip
    page = (site / "models" / "toy.html").read_text()
    assert "A test wrote this page." in page and f"<code>{__name__}</code>" in page
    assert 'href="models/toy.html"' in (site / "index.html").read_text()


def test_a_model_without_a_full_recipe_is_refused_at_registration(monkeypatch):
    monkeypatch.setattr(registry, "_MODELS", dict(registry._MODELS))
    with pytest.raises(ValueError, match="'nope' is registered without a full recipe"):
        registry.register("nope", display_name="Nope", family="CNN", summary="",
                          citation=registry.Citation("", "", "", 2026))(lambda: None)  # fmt: skip


def test_unknown_model_is_one_line_naming_the_choices():
    with pytest.raises(BenchError, match=r"--model: unknown model 'vgg16'; choose from: lenet5"):
        config.build_config("full", ("vgg16",))


def test_a_models_year_is_its_citations_and_cannot_be_given_twice(monkeypatch):
    assert registry.get_model("resnet34").year == 2016  # CVPR 2016, as its citation says
    monkeypatch.setattr(registry, "_MODELS", dict(registry._MODELS))
    with pytest.raises(TypeError, match="year"):
        registry.register("twice", display_name="Twice", family="CNN", summary="", year=2015,
                          citation=registry.Citation("", "", "", 2016),
                          full=TOY_FULL)(lambda: None)  # fmt: skip
