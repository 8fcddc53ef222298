"""Models of the user's own: a project's model files, --model-module and entry points, each
registered with its origin; a failing import or a colliding name is one line, and leaves the
registry as it was."""

from __future__ import annotations

import hashlib
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli import app
from bench.errors import BenchError
from bench.models import plugins, registry

MODEL = '''
from bench.api import Citation, Recipe, keras, layers, register


@register("{name}", display_name="{name} net", family="CNN", summary="Mine.",
          citation=Citation("Me", "Mine", "here", 2026),
          full=Recipe(epochs=1, batch_size=8, optimizer="adamw", learning_rate=1e-3,
                      weight_decay=0.0))
def build(num_classes: int = 10) -> keras.Model:
    """{name}: flatten and classify."""
    image = keras.Input(shape=(28, 28, 1))
    return keras.Model(image, layers.Dense(num_classes)(layers.Flatten()(image)))
'''


@pytest.fixture(autouse=True)
def own_registry(monkeypatch):
    """Every test registers into a copy of the registry, and imports leave no module behind."""
    monkeypatch.setattr(registry, "_MODELS", dict(registry._MODELS))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith((plugins.PROJECT_PACKAGE, "mine_", "tinyplug")):
            del sys.modules[name]


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_a_project_file_registers_with_its_origin(tmp_path):
    source = write(tmp_path / "models" / "mine.py", MODEL.format(name="mine"))
    plugins.load_user_models(tmp_path / "models")
    origin = registry.get_model("mine").origin
    assert (origin.kind, origin.source) == ("project", "models/mine.py")
    assert origin.source_sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert origin.describe() == "project file models/mine.py"


def test_files_starting_with_an_underscore_are_helpers_not_models(tmp_path):
    write(tmp_path / "models" / "_shared.py", "raise RuntimeError('never imported')\n")
    plugins.load_user_models(tmp_path / "models")


def test_a_name_taken_by_a_built_in_is_one_line_naming_both_and_registers_nothing(tmp_path):
    write(
        tmp_path / "models" / "dup.py", MODEL.format(name="ok-first") + MODEL.format(name="lenet5")
    )
    with pytest.raises(BenchError) as caught:
        plugins.load_user_models(tmp_path / "models")
    assert str(caught.value) == (
        "model 'lenet5' from project file models/dup.py collides with the model 'lenet5' built "
        "into bench (bench.models.lenet5); rename one of them"
    )
    assert "ok-first" not in registry._MODELS  # the module's earlier model went with it
    assert registry.get_model("lenet5").origin.kind == "built-in"


def test_two_user_modules_with_one_name_name_both_origins(tmp_path, monkeypatch):
    write(tmp_path / "models" / "a.py", MODEL.format(name="same"))
    write(tmp_path / "lib" / "mine_nets.py", MODEL.format(name="same"))
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    with pytest.raises(
        BenchError,
        match=r"^model 'same' from module mine_nets collides with "
        r"the model 'same' from project file models/a\.py; rename one of them$",
    ):
        plugins.load_user_models(tmp_path / "models", ["mine_nets"])  # fmt: skip


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("def broken(:\n", "SyntaxError: "),
        ("import no_such_package_anywhere\n", "ModuleNotFoundError: No module named"),
        ("raise RuntimeError('the GPU is not\\nhere')\n", "RuntimeError: the GPU is not);"),
    ],
)
def test_a_model_module_that_fails_to_import_is_one_line_naming_it(tmp_path, text, detail):
    write(tmp_path / "models" / "bad.py", text)
    with pytest.raises(BenchError) as caught:
        plugins.load_user_models(tmp_path / "models")
    message = str(caught.value)
    assert message.startswith("models/bad.py: the model module failed to import (")
    assert detail in message and "\n" not in message
    assert f"{plugins.PROJECT_PACKAGE}.bad" not in sys.modules  # a fixed file loads next time


def test_a_model_file_that_imports_another_says_that_they_cannot(tmp_path):
    write(tmp_path / "models" / "_blocks.py", "WIDTH = 8\n")
    write(tmp_path / "models" / "mine.py", "from _blocks import WIDTH\n")
    with pytest.raises(BenchError) as caught:
        plugins.load_user_models(tmp_path / "models")
    assert str(caught.value) == (
        "models/mine.py: the model module failed to import (ModuleNotFoundError: No module "
        "named '_blocks'); model files cannot import each other, so move what _blocks.py "
        "shares into this file or into an installed package"
    )


def test_a_model_module_by_name_records_its_file_and_digest(tmp_path, monkeypatch):
    source = write(tmp_path / "lib" / "mine_models.py", MODEL.format(name="by-name"))
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    plugins.load_user_models(None, ["mine_models"])
    origin = registry.get_model("by-name").origin
    assert (origin.kind, origin.module, origin.source) == ("module", "mine_models", str(source))
    assert origin.source_sha256 == hashlib.sha256(source.read_bytes()).hexdigest()


def test_an_unknown_model_module_is_one_line():
    with pytest.raises(
        BenchError,
        match=r"^--model-module mine_nowhere: no such module on the "
        "Python path; install its package or add its folder to PYTHONPATH$",
    ):
        plugins.load_user_models(None, ["mine_nowhere"])  # fmt: skip


def test_an_installed_entry_point_registers_with_its_distribution(tmp_path, monkeypatch):
    """A distribution's ``bench.models`` entry point, as ``pip install`` lays it out."""
    write(tmp_path / "tinyplug" / "__init__.py", "")
    write(tmp_path / "tinyplug" / "nets.py", MODEL.format(name="tiny-plug"))
    info = tmp_path / "tinyplug-1.2.dist-info"
    write(info / "METADATA", "Metadata-Version: 2.1\nName: tinyplug\nVersion: 1.2\n")
    write(info / "entry_points.txt", "[bench.models]\ntiny = tinyplug.nets\n")
    write(info / "top_level.txt", "tinyplug\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    plugins.load_user_models()
    origin = registry.get_model("tiny-plug").origin
    assert (origin.kind, origin.module) == ("entry point", "tinyplug.nets")
    assert (origin.distribution, origin.version) == ("tinyplug", "1.2")
    assert origin.describe() == "entry point tinyplug.nets of tinyplug 1.2"


def test_a_broken_entry_point_is_one_line_saying_which_distribution_to_uninstall(
    tmp_path, monkeypatch
):
    write(tmp_path / "brokenplug" / "__init__.py", "")
    write(tmp_path / "brokenplug" / "nets.py", "import torch_that_is_not_installed\n")
    info = tmp_path / "brokenplug-0.3.dist-info"
    write(info / "METADATA", "Metadata-Version: 2.1\nName: brokenplug\nVersion: 0.3\n")
    write(info / "entry_points.txt", "[bench.models]\nnets = brokenplug.nets\n")
    write(info / "top_level.txt", "brokenplug\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["models"])
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        "error: entry point 'nets' (brokenplug.nets) of brokenplug: the model module failed to "
        "import (ModuleNotFoundError: No module named 'torch_that_is_not_installed'); fix it, "
        "or uninstall brokenplug\n"
    )


def test_bench_models_shows_origins_and_its_options_override_the_project_file(
    tmp_path, monkeypatch
):
    write(tmp_path / "models" / "mine.py", MODEL.format(name="mine"))
    write(tmp_path / "other" / "theirs.py", MODEL.format(name="theirs"))
    (tmp_path / "bench.toml").write_text('title = "T"\nmodels_dir = "models"\n')
    monkeypatch.chdir(tmp_path)
    listed = CliRunner().invoke(app, ["models"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    at = next(number for number, line in enumerate(lines) if "│ mine" in line)
    origin = "".join(line.split("│")[5].strip() for line in lines[at : at + 3] if "│" in line)
    assert origin.startswith("models/mine.py")
    assert "built-in" in next(line for line in listed.output.splitlines() if "│ lenet5" in line)
    listed = CliRunner().invoke(app, ["models", "--models-dir", "other"])
    assert listed.exit_code == 0 and "│ theirs" in listed.output


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('profile = "fast"\n', "bench.toml: profile = 'fast': choose from"),
        ('titel = "T"\n', "bench.toml: unknown key 'titel'"),
        ("models = 'lenet5'\n", "bench.toml: models must be a list"),
    ],
)
def test_a_bad_project_file_is_one_line_for_every_command(tmp_path, monkeypatch, toml, message):
    (tmp_path / "bench.toml").write_text(toml)
    monkeypatch.chdir(tmp_path)
    for command in (["models"], ["render"], ["train", "--profile", "smoke"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith(f"error: {message}"), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_a_failing_model_module_stops_train_with_one_line(tmp_path, monkeypatch):
    write(tmp_path / "models" / "bad.py", "raise ValueError('half-written')\n")
    (tmp_path / "bench.toml").write_text('title = "T"\n')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["train", "--profile", "smoke"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: models/bad.py: the model module failed to import (ValueError: half-written); "
        "fix it, or leave it out"
    )


def test_the_readme_s_example_model_registers_and_builds(tmp_path):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("**A model of your own**", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    write(tmp_path / "models" / "tiny.py", code)
    plugins.load_user_models(tmp_path / "models")
    spec = registry.get_model("tiny-cnn")
    assert spec.origin.source == "models/tiny.py"
    model = spec.build()
    assert model.output_shape == (None, 10)


def test_a_long_docstring_or_summary_is_shortened_to_what_a_record_accepts(tmp_path):
    from bench.store.record_fields import CARD

    long_text = MODEL.format(name="wordy").replace('"Mine."', '"' + "m" * 5000 + '"')
    write(tmp_path / "models" / "wordy.py", long_text.replace(": flatten and classify.",
                                                             ": " + "w " * 4000))  # fmt: skip
    plugins.load_user_models(tmp_path / "models")
    card = registry.get_model("wordy").card()
    assert len(card["summary"]) == registry.CARD_TEXT_LIMIT and card["summary"].endswith("…")
    assert len(card["description"]) <= registry.CARD_TEXT_LIMIT
    assert CARD(card) is None  # what a record accepts


def test_a_models_folder_that_does_not_exist_is_one_line_where_it_was_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["models", "--models-dir", "modles"])
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        "error: modles: no such folder of model modules (--models-dir, or bench.toml's "
        "models_dir); fix the path or create the folder\n"
    )
    (tmp_path / "bench.toml").write_text('models_dir = "nets"\n')
    result = CliRunner().invoke(app, ["models"])
    assert result.exit_code == 1 and f"error: {tmp_path / 'nets'}: no such folder" in result.stderr


def test_a_project_without_models_dir_reads_models_only_where_that_folder_exists(
    tmp_path, monkeypatch
):
    (tmp_path / "bench.toml").write_text('title = "T"\n')
    monkeypatch.chdir(tmp_path)
    listed = CliRunner().invoke(app, ["models"])
    assert listed.exit_code == 0, listed.output
    assert "│ lenet5" in listed.output and "│ mine" not in listed.output
    write(tmp_path / "models" / "mine.py", MODEL.format(name="mine"))
    listed = CliRunner().invoke(app, ["models"])
    assert listed.exit_code == 0 and "│ mine" in listed.output, listed.output
