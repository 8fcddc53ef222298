"""The output folder: only empty folders and previous builds are ever replaced."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.errors import BenchError
from bench.site import output


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def build(out_dir: Path, files: dict[str, str]) -> None:
    with output.staged_output(out_dir) as staging:
        for name, text in files.items():
            (staging / name).write_text(text)


def test_new_folder_is_created_with_marker(tmp_path):
    build(tmp_path / "public", {"index.html": "one"})
    assert snapshot(tmp_path / "public") == {
        "index.html": b"one",
        output.MARKER: output.MARKER_TEXT.encode(),
    }
    assert [p.name for p in tmp_path.iterdir()] == ["public"]  # no staging left behind


def test_previous_build_is_replaced(tmp_path):
    build(tmp_path / "public", {"index.html": "one", "old.html": "gone"})
    build(tmp_path / "public", {"index.html": "two"})
    assert set(snapshot(tmp_path / "public")) == {"index.html", output.MARKER}
    assert (tmp_path / "public" / "index.html").read_text() == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_empty_folder_is_accepted(tmp_path):
    (tmp_path / "public").mkdir()
    build(tmp_path / "public", {"index.html": "one"})
    assert (tmp_path / "public" / "index.html").is_file()


def test_folder_with_user_files_is_refused_and_untouched(tmp_path):
    target = tmp_path / "docs"
    (target / "notes").mkdir(parents=True)
    (target / "thesis.tex").write_text("precious")
    (target / "notes" / "a.txt").write_text("also precious")
    before = snapshot(target)
    with pytest.raises(BenchError, match=r"not empty and not a previous bench site"):
        build(target, {"index.html": "x"})
    assert snapshot(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs"]


@pytest.mark.parametrize(
    "place",
    [
        lambda tmp: Path.home(),
        lambda tmp: output.PROJECT_ROOT,
        lambda tmp: output.PROJECT_ROOT.parent,  # a folder above the project
        lambda tmp: Path("/"),
        lambda tmp: Path.cwd(),
    ],
    ids=["home", "project-root", "above-project", "root", "cwd"],
)
def test_protected_places_are_refused(tmp_path, place):
    target = place(tmp_path)
    with pytest.raises(BenchError, match="refusing to build into"):
        output.check_target(target)


def test_protected_place_refused_even_with_marker(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / output.MARKER).write_text("planted")
    with pytest.raises(BenchError, match="refusing to build into"):
        output.check_target(tmp_path)


def test_a_file_is_refused(tmp_path):
    (tmp_path / "public").write_text("not a folder")
    with pytest.raises(BenchError, match="exists and is not a folder"):
        output.check_target(tmp_path / "public")


def test_failed_build_keeps_the_previous_site(tmp_path):
    build(tmp_path / "public", {"index.html": "good"})
    with pytest.raises(RuntimeError), output.staged_output(tmp_path / "public") as staging:
        (staging / "index.html").write_text("half")
        raise RuntimeError("template exploded")
    assert (tmp_path / "public" / "index.html").read_text() == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_published_folder_is_world_readable(tmp_path):
    build(tmp_path / "public", {"index.html": "x"})
    assert (tmp_path / "public").stat().st_mode & 0o755 == 0o755


@pytest.mark.parametrize("relative", ["../escape.html", "/tmp/escape.html", "a/../../escape.png"])
def test_writer_refuses_paths_outside_the_site(tmp_path, relative):
    writer = output.Writer(tmp_path / "site")
    (tmp_path / "site").mkdir()
    with pytest.raises(BenchError, match="resolves outside the site folder"):
        writer.write(relative, b"x")
    assert not (tmp_path / "escape.html").exists()


def test_writer_follows_symlinks_before_deciding(tmp_path):
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    site.mkdir()
    elsewhere.mkdir()
    (site / "figures").symlink_to(elsewhere)
    writer = output.Writer(site)
    with pytest.raises(BenchError, match="resolves outside the site folder"):
        writer.write("figures/x.png", b"x")
    assert list(elsewhere.iterdir()) == []
    assert writer.write("models/x.html", b"ok").read_bytes() == b"ok"
