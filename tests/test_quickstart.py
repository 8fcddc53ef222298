"""bench.quickstart: a new project from the skeleton, all of it or nothing."""

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

import bench
from bench import project, quickstart
from bench.errors import BenchError
from bench.site.content import read_page
from bench.site.context import INDEX_BLOCKS

EXPECTED_FILES = [
    Path(".github/workflows/pages.yml"),
    Path(".gitignore"),
    Path("README.md"),
    Path("bench.toml"),
    Path("content/index.md"),
]


def _skeleton_models() -> list[Path]:
    """The example model modules the skeleton ships (none until one is added)."""
    folder = Path(bench.__file__).parent / "skeleton" / "models"
    return sorted(Path("models") / path.relative_to(folder) for path in folder.rglob("*.py"))


def _create(folder: Path, **overrides) -> list[Path]:
    options = {"title": "Fold by fold", "author": "Ada", "models": ("lenet5", "resnet34")}
    return quickstart.create(folder, **{**options, **overrides})


def test_create_writes_the_project_and_lists_its_files(tmp_path):
    folder = tmp_path / "new" / "write-up"  # parents are created too
    written = _create(folder)
    assert written == sorted(EXPECTED_FILES + _skeleton_models())
    on_disk = sorted(path.relative_to(folder) for path in folder.rglob("*") if path.is_file())
    assert on_disk == written
    assert (folder / "models").is_dir()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["new"]  # no staging left
    assert (folder / ".gitignore").read_text().split() == ["public/", "__pycache__/", ".venv/"]


def test_the_project_file_loads_back(tmp_path):
    _create(tmp_path / "p")
    loaded = project.load(tmp_path / "p" / "bench.toml")
    assert (loaded.title, loaded.author, loaded.models) == ("Fold by fold", "Ada",
                                                            ("lenet5", "resnet34"))  # fmt: skip
    assert loaded.results_dir == (tmp_path / "p" / "results").resolve()
    assert loaded.out == (tmp_path / "p" / "public").resolve()
    assert loaded.base_url is None and loaded.profile is None and loaded.data_dir is None


def test_no_models_writes_an_empty_list_for_the_default_set(tmp_path):
    _create(tmp_path / "p", models=())
    assert "\nmodels = []\n" in (tmp_path / "p" / "bench.toml").read_text()
    assert project.load(tmp_path / "p" / "bench.toml").models == ()


@pytest.mark.parametrize(
    "title",
    [
        'Say "hi"',
        "back\\slash",
        'both \\" at once',
        "tab\tand\nnewline",
        "bell\x07 del\x7f",
        "naïve — ünïcode",
        "${title} $x",
    ],  # fmt: skip
)
def test_a_title_with_quotes_backslashes_or_controls_round_trips(tmp_path, title):
    _create(tmp_path / "p", title=title, author=title)
    loaded = project.load(tmp_path / "p" / "bench.toml")
    assert (loaded.title, loaded.author) == (title, title)


@pytest.mark.parametrize("text", ['"', "\\", "a\\nb", "\x00\x1f", "€"])
def test_toml_string_is_read_back_by_tomllib(text):
    assert project.tomllib.loads(f"value = {quickstart.toml_string(text)}")["value"] == text


def test_the_starter_page_parses_with_the_headings_the_blocks_are_placed_at(tmp_path):
    _create(tmp_path / "p")
    page = read_page(tmp_path / "p" / "content" / "index.md", ("date", "summary"))
    assert page.meta["date"] == dt.date.today()
    assert "title" not in page.meta and "author" not in page.meta  # bench.toml gives them
    ids = [section.id for section in page.sections]
    assert ids[0] == ""  # the introduction
    for _, heading, _ in INDEX_BLOCKS:
        assert heading in ids
    assert {"the-dataset", "comparison-with-the-2021-write-up", "what-the-results-show",
            "how-the-models-were-evaluated"} <= set(ids)  # fmt: skip


@pytest.mark.parametrize(
    ("direct_url", "requirement"),
    [
        (None, ""),  # installed from an index or a wheel file: nothing to say
        ({"url": "file:///work/bench", "dir_info": {"editable": True}}, ""),
        ({"url": "https://github.com/o/bench", "vcs_info": {"vcs": "git", "commit_id": "a" * 40}},
         f"bench @ git+https://github.com/o/bench@{'a' * 40}"),
        ({"url": "https://x/$(id)", "vcs_info": {"vcs": "git", "commit_id": "a" * 40}}, ""),
        ({"url": "https://github.com/o/bench", "vcs_info": {"vcs": "git", "commit_id": "main"}},
         ""),
    ],
)  # fmt: skip
def test_the_workflow_installs_the_git_source_bench_came_from(monkeypatch, direct_url,
                                                              requirement):  # fmt: skip
    class Distribution:
        def read_text(self, name):
            assert name == "direct_url.json"
            return None if direct_url is None else json.dumps(direct_url)

    monkeypatch.setattr(quickstart.importlib.metadata, "distribution", lambda name: Distribution())
    assert quickstart.install_requirement() == requirement


def test_the_workflow_renders_and_deploys_without_training(tmp_path):
    _create(tmp_path / "p")
    text = (tmp_path / "p" / ".github" / "workflows" / "pages.yml").read_text()
    workflow = yaml.safe_load(text)
    assert workflow["env"]["BENCH_PACKAGE"] == quickstart.install_requirement()
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads `on` as True
    build = workflow["jobs"]["build"]["steps"]
    runs = "\n".join(step.get("run", "") for step in build)
    assert 'pip install "$BENCH_PACKAGE"' in runs
    assert "dataset-fashion-mnist" in runs
    assert 'bench render --base-url "$url"' in runs
    assert "train" not in runs and "build-site" not in runs
    uses = [step.get("uses", "") for step in build]
    assert any(action.startswith("actions/upload-pages-artifact@") for action in uses)
    upload = next(step for step in build if "upload-pages-artifact" in step.get("uses", ""))
    assert upload["with"]["path"] == "public"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert "${{ github.repository_owner }}" in text  # GitHub's expressions left as they are


def test_the_readme_covers_training_preview_models_and_publishing(tmp_path):
    _create(tmp_path / "p", title="Fold by fold")
    readme = (tmp_path / "p" / "README.md").read_text()
    assert readme.startswith("# Fold by fold\n")
    for words in ("bench build-site", "bench serve", "from bench.api import", "results/",
                  "only load model modules you trust"):  # fmt: skip
        assert words in readme


def test_an_existing_empty_folder_is_filled_in_place(tmp_path, monkeypatch):
    folder = tmp_path / "empty"
    folder.mkdir()
    monkeypatch.chdir(folder)
    written = _create(Path("."))
    assert sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file()) == written
    assert sorted(path.name for path in tmp_path.iterdir()) == ["empty"]


def test_a_folder_holding_files_is_refused(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "notes.txt").write_text("mine")
    with pytest.raises(BenchError) as caught:
        _create(tmp_path / "p")
    assert str(caught.value) == (
        f"{tmp_path / 'p'}: holds files already; "
        "bench init makes a new project in an empty or new folder"
    )
    assert [path.name for path in (tmp_path / "p").iterdir()] == ["notes.txt"]


def test_a_file_is_refused(tmp_path):
    (tmp_path / "p").write_text("mine")
    with pytest.raises(BenchError, match=r"p: is a file; bench init makes a new project"):
        _create(tmp_path / "p")
    assert (tmp_path / "p").read_text() == "mine"


@pytest.mark.parametrize(
    "overrides, words",
    [
        ({"models": ("LeNet",)}, "model 'LeNet': not a model name"),
        ({"models": ("lenet5", "lenet5")}, "model 'lenet5' is given twice"),
        ({"title": " "}, "the title is empty"),
        ({"author": ""}, "the author is empty"),
    ],  # fmt: skip
)
def test_bad_options_are_refused_before_anything_is_written(tmp_path, overrides, words):
    with pytest.raises(BenchError, match=words):
        _create(tmp_path / "p", **overrides)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("existing", [False, True])
def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch, existing):
    parent = tmp_path / "deep" / "er"
    folder = parent / "p"
    if existing:
        folder.mkdir(parents=True)
    calls = []
    real_write = Path.write_bytes

    def failing_write(self, data):
        calls.append(self)
        if len(calls) == 3:
            raise OSError(28, "No space left on device", str(self))
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing_write)
    with pytest.raises(BenchError) as caught:
        _create(folder)
    assert str(caught.value) == f"{folder}: cannot create the project (No space left on device)"
    if existing:
        assert [path.name for path in parent.iterdir()] == ["p"]
        assert list(folder.iterdir()) == []
    else:
        assert list(tmp_path.iterdir()) == []  # the parents it made are gone too


def test_a_failed_move_into_an_empty_folder_is_undone(tmp_path, monkeypatch):
    folder = tmp_path / "p"
    folder.mkdir()
    real_rename = quickstart.os.rename
    moves = []

    def failing_rename(source, destination):
        moves.append(source)
        if len(moves) == 3:
            raise OSError(5, "Input/output error")
        return real_rename(source, destination)

    monkeypatch.setattr(quickstart.os, "rename", failing_rename)
    with pytest.raises(BenchError, match=r"cannot create the project \(Input/output error\)"):
        _create(folder)
    assert [path.name for path in tmp_path.iterdir()] == ["p"]
    assert list(folder.iterdir()) == []


def test_every_skeleton_placeholder_is_filled(tmp_path):
    _create(tmp_path / "p")
    for relative in EXPECTED_FILES:
        text = (tmp_path / "p" / relative).read_text()
        for name in ("title", "title_toml", "author_toml", "models_toml", "date", "bench_package"):
            assert "${" + name + "}" not in text, relative


def test_bench_init_on_the_command_line_and_its_refusal(tmp_path):
    from typer.testing import CliRunner

    from bench.cli import app

    made = CliRunner().invoke(app, ["init", str(tmp_path / "w"), "--title", "Mine", "--model",
                                    "lenet5"])  # fmt: skip
    assert made.exit_code == 0, made.output
    assert project.load(tmp_path / "w" / "bench.toml").models == ("lenet5",)
    assert (tmp_path / "w" / "models" / "compact.py").is_file()  # the example model
    again = CliRunner().invoke(app, ["init", str(tmp_path / "w")])
    assert again.exit_code == 1
    assert again.stderr.strip() == (
        f"error: {tmp_path / 'w'}: holds files already; bench init makes a new project in an "
        "empty or new folder"
    )
