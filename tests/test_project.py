"""bench.toml: every key's wrong value is one line naming the file, the key and what is allowed."""

from pathlib import Path

import pytest

from bench import project
from bench.errors import BenchError
from bench.project import PROJECT_FILE, Project

# (TOML line, words the one-line error must contain)
BAD_VALUES = [
    ("title = 3", ["title", "non-empty string", "not 3"]),
    ('title = ""', ["title", "non-empty string", "not ''"]),
    ('author = "  "', ["author", "non-empty string"]),
    ("author = true", ["author", "non-empty string", "not True"]),
    ('base_url = "example.com/"', ["base_url = 'example.com/'", "absolute http(s) URL"]),
    ('base_url = "https://you.github.io/repo"', ["base_url", 'ending in "/"']),
    ('base_url = "ftp://host/"', ["base_url", "http(s)"]),
    ('base_url = "https:///"', ["base_url", "absolute"]),
    ('base_url = "http://[::1/"', ["base_url", "absolute"]),
    ("base_url = 1", ["base_url = 1", "absolute http(s) URL"]),
    ('models = "lenet5"', ["models must be a list of model names like [\"lenet5\"], not 'lenet5'"]),
    ('models = ["LeNet"]', ["models: 'LeNet' is not a model name", "lowercase letters"]),
    ('models = ["-x"]', ["models: '-x' is not a model name"]),
    ("models = [5]", ["models: 5 is not a model name"]),
    ('models = ["lenet5", "lenet5"]', ["models lists 'lenet5' twice"]),
    ('model_modules = "mylab"', ["model_modules must be a list", "not 'mylab'"]),
    ('model_modules = ["my-lab.models"]', ["model_modules: 'my-lab.models'", "dotted"]),
    ('model_modules = ["a..b"]', ["model_modules: 'a..b'"]),
    ('model_modules = ["a", "a"]', ["model_modules lists 'a' twice"]),
    ("results_dir = 1", ['results_dir must be a folder path like "results"', "not 1"]),
    ('out = ""', ['out must be a folder path like "public"']),
    ("content_dir = []", ["content_dir must be a folder path"]),
    ("models_dir = false", ["models_dir must be a folder path"]),
    ("data_dir = {}", ["data_dir must be a folder path"]),
    ('profile = "fast"', ["profile = 'fast': choose from smoke, quick, full or auto"]),
    ("profile = 1", ["profile = 1: choose from smoke, quick, full or auto"]),
]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # relative paths in the tests land in tmp_path


def _write(folder: Path, text: str) -> Path:
    path = folder / PROJECT_FILE
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(BenchError) as caught:
        project.load(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message


@pytest.mark.parametrize("line, words", BAD_VALUES, ids=[line for line, _ in BAD_VALUES])
def test_a_bad_value_is_one_line_naming_the_file_the_key_and_what_is_allowed(tmp_path, line, words):
    message = _error(_write(tmp_path, line + "\n"))
    for word in words:
        assert word in message


def test_an_unknown_key_lists_the_allowed_keys_and_the_closest(tmp_path):
    assert project.ALLOWED_KEYS == ("title", "author", "base_url", "models", "model_modules",
                                    "results_dir", "out", "content_dir", "models_dir",
                                    "data_dir", "profile")  # fmt: skip
    (tmp_path / "notes").mkdir()
    _write(tmp_path / "notes", 'titel = "x"\n')
    message = _error(Path("notes") / PROJECT_FILE)  # named as it was passed in
    assert message.startswith("notes/bench.toml: unknown key 'titel'; allowed keys: title, ")
    assert ", ".join(project.ALLOWED_KEYS) in message
    assert message.endswith("did you mean 'title'?")


def test_a_table_is_an_unknown_key(tmp_path):
    assert "unknown key 'site'" in _error(_write(tmp_path, "[site]\ntitle = 'x'\n"))


def test_invalid_toml_names_the_line(tmp_path):
    message = _error(_write(tmp_path, 'title = "x"\nauthor = "y"\nmodels lenet5\n'))
    assert message.endswith(
        "not valid TOML (line 3, column 8: Expected '=' after a key in a key/value pair)"
    )


def test_a_file_over_one_mebibyte_is_refused(tmp_path):
    path = _write(tmp_path, "# " + "x" * project.MAX_BYTES + "\n")
    assert "larger than 1 MiB" in _error(path)


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / PROJECT_FILE
    path.write_bytes(b'title = "\xff"\n')
    assert "not UTF-8" in _error(path)


def test_an_unreadable_file_is_one_line_with_the_os_words(tmp_path):
    (tmp_path / PROJECT_FILE).mkdir()
    assert "cannot read (Is a directory)" in _error(tmp_path / PROJECT_FILE)


def test_a_good_file_resolves_relative_paths_against_its_folder(tmp_path):
    folder = tmp_path / "write-up"
    folder.mkdir()
    path = _write(
        folder,
        'title = "Fold by fold"\nauthor = "Ada"\nbase_url = "https://ada.github.io/folds/"\n'
        'models = ["lenet5", "resnet34-227"]\nmodel_modules = ["mylab.models", "extra"]\n'
        'results_dir = "runs"\nout = "../site"\ncontent_dir = "text"\nmodels_dir = "nets"\n'
        f'data_dir = "{tmp_path / "fmnist"}"\nprofile = "auto"\n',
    )
    loaded = project.load(Path("write-up") / PROJECT_FILE)
    assert loaded == Project(
        root=folder,
        title="Fold by fold",
        author="Ada",
        base_url="https://ada.github.io/folds/",
        models=("lenet5", "resnet34-227"),
        model_modules=("mylab.models", "extra"),
        results_dir=folder / "runs",
        out=folder / "../site",
        content_dir=folder / "text",
        models_dir=folder / "nets",
        data_dir=tmp_path / "fmnist",
        profile="auto",
    )
    assert loaded.root == folder.resolve() and loaded.root.is_absolute()
    assert loaded.out.resolve() == tmp_path.resolve() / "site"
    assert project.find(folder) == project.load(path)


def test_an_empty_file_gives_the_defaults(tmp_path):
    loaded = project.load(_write(tmp_path, "# nothing set\n"))
    root = tmp_path.resolve()
    assert loaded == Project(root=root)
    assert (loaded.results_dir, loaded.out, loaded.content_dir) == (
        root / "results",
        root / "public",
        root / "content",
    )
    assert loaded.models == () and loaded.data_dir is None and loaded.profile is None
    assert loaded.models_dir is None and loaded.model_folder is None  # no models/ here
    (tmp_path / "models").mkdir()
    assert loaded.model_folder == root / "models"


@pytest.mark.parametrize("profile", ["smoke", "quick", "full", "auto"])
def test_every_profile_name_is_accepted(tmp_path, profile):
    assert project.load(_write(tmp_path, f'profile = "{profile}"\n')).profile == profile


def test_an_empty_models_list_means_the_default_set(tmp_path):
    assert project.load(_write(tmp_path, "models = []\n")).models == ()


def test_find_returns_none_without_a_file_and_does_not_walk_up(tmp_path):
    _write(tmp_path, 'title = "Above"\n')
    below = tmp_path / "below"
    below.mkdir()
    assert project.find(below) is None
    assert project.find(tmp_path).title == "Above"


def test_find_reports_a_bad_file_rather_than_ignoring_it(tmp_path):
    _write(tmp_path, 'profile = "fast"\n')
    with pytest.raises(BenchError, match="profile = 'fast'"):
        project.find(tmp_path)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("lenet5", True),
        ("resnet34-227", True),
        ("9net", True),
        ("LeNet", False),
        ("-a", False),
        ("a_b", False),
        ("", False),
        (5, False),
    ],  # fmt: skip
)
def test_model_names_are_lowercase_letters_digits_and_hyphens(name, expected):
    assert project.is_model_name(name) is expected
