"""The options of a training run (bench/train/options.py): checked and parsed once, before
Keras loads, and the command line's options built from the one dataclass."""

import dataclasses
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from bench import cli
from bench.cli import options as cli_options
from bench.errors import BenchError
from bench.train.options import RunRequest, TrainOptions, parse
from tests.conftest import requires

runner = CliRunner()


def test_parse_turns_the_text_options_into_values():
    options = TrainOptions(shard="1/3", time_budget="1h30m", profile="auto")
    assert parse(options) == RunRequest(options, shard=(1, 3), time_budget_seconds=5400.0,
                                        ray=None)  # fmt: skip


@requires("ray")
def test_parse_gives_the_ray_settings_with_their_own_defaults():
    from bench.train.ray_executor import RaySettings

    request = parse(TrainOptions(executor="ray", gpus_per_fold="0.25"))
    assert request.ray == RaySettings(gpus_per_fold=0.25)
    assert request.ray.cpus_per_fold == RaySettings().cpus_per_fold


@pytest.mark.parametrize(
    ("change", "message"),
    [({"profile": "huge"}, "--profile 'huge'"), ({"models": ("vgg16",)}, "unknown model"),
     ({"folds": 1}, "--folds 1"), ({"strategy": "ring"}, "--strategy 'ring'")],
)  # fmt: skip
def test_parse_refuses_what_the_config_would(change, message):
    with pytest.raises(BenchError, match=message):
        parse(TrainOptions(**change))


def _commands() -> dict:
    group = typer.main.get_command(cli.app)
    return {name: {p.name: p for p in group.commands[name].params}
            for name in ("train", "build-site")}  # fmt: skip


def test_both_commands_take_every_option_with_the_dataclass_default():
    for name, params in _commands().items():
        assert set(cli_options.TRAIN_OPTIONS) <= set(params), name
        for field in dataclasses.fields(TrainOptions):
            if field.name in cli_options.TRAIN_OPTIONS and field.name not in cli_options.REPEATABLE:
                assert params[field.name].default == field.default, (name, field.name)
        assert params["models"].opts == ["--model"] and params["models"].multiple
        assert params["model_modules"].opts == ["--model-module"]
        assert params["model_modules"].multiple
    train, build_site = _commands().values()
    assert set(build_site) - set(train) == {"out", "base_url", "content_dir", "title", "author"}


def test_no_options_give_the_dataclass_defaults(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(cli, "run_training", lambda options, quiet: calls.append(options))
    monkeypatch.setattr(cli, "_render", lambda *args, **kwargs: None)
    assert runner.invoke(cli.app, ["train"]).exit_code == 0
    out = tmp_path / "site"
    assert runner.invoke(cli.app, ["build-site", "--out", str(out)]).exit_code == 0
    assert calls == [TrainOptions(), TrainOptions(skip_shown_from_fuller=True)]
    assert calls[0].results_dir == Path("results") and calls[0].models == ()


def test_a_field_without_an_option_is_refused_when_the_command_is_made():
    with pytest.raises(TypeError, match="skip_shown_from_fuller"):
        cli_options.train_options()
