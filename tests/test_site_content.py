"""Content files: front matter, Markdown extensions, sections, and one-line errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bench.errors import BenchError
from bench.site import content

REPOSITORY_CONTENT = Path(__file__).resolve().parents[1] / "content"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_repository_content_is_valid():
    index = content.read_index(REPOSITORY_CONTENT)
    assert isinstance(index.meta["date"], dt.date)
    assert [s.id for s in index.sections][:2] == ["", "the-dataset"]
    assert index.footnotes.startswith('<div class="footnote">')
    for page in sorted((REPOSITORY_CONTENT / "models").glob("*.md")):
        model = content.read_model_page(REPOSITORY_CONTENT, page.stem)
        assert "architecture" in [s.id for s in model.sections], page.name
    assert content.read_reference(REPOSITORY_CONTENT)["rows"][0]["model"] == "resnet34"


def test_markdown_extensions(tmp_path):
    page = content.read_page(
        write(
            tmp_path / "page.md",
            "---\ntitle: T\nsummary: S\n---\n"
            "Text.[^a]\n\n## Table\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
            "```python\nx = 1\n```\n\n[^a]: A note.\n",
        ),  # fmt: skip
        content.MODEL_KEYS,
    )
    html = "".join(section.html for section in page.sections)
    assert "<table>" in html and "<pre><code" in html
    assert '<h2 id="table">' in html and 'class="headerlink"' in html
    assert 'href="#fn:a"' in html and 'id="fn:a"' in page.footnotes


def test_footnotes_numbered_in_citation_order(tmp_path):
    page = content.read_page(
        write(
            tmp_path / "p.md",
            "---\ntitle: T\nsummary: S\n---\nB[^b] then A[^a].\n\n"
            "[^a]: First defined.\n[^b]: Second defined.\n",
        ),  # fmt: skip
        content.MODEL_KEYS,
    )
    assert page.footnotes.index('id="fn:b"') < page.footnotes.index('id="fn:a"')


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# No front matter\n", "no front matter"),
        ("---\ntitle: [unclosed\n---\nBody\n", "front matter is not valid YAML at line 2"),
        ("---\n- a list\n---\nBody\n", "must be a YAML mapping"),
        ("---\ntitle: T\n---\nBody\n", "front matter lacks date, summary, author"),
        ("---\ntitle: T\ndate: soon\nsummary: S\nauthor: A\n---\n", "is not a YYYY-MM-DD date"),
    ],
)
def test_bad_index_is_one_line_error_naming_the_file(tmp_path, text, message):
    path = write(tmp_path / "index.md", text)
    with pytest.raises(BenchError) as caught:
        content.read_index(tmp_path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_model_page_names_the_expected_file(tmp_path):
    with pytest.raises(BenchError, match=r"models/vgg16\.md: missing; model 'vgg16' has results"):
        content.read_model_page(tmp_path, "vgg16")


def test_model_page_needs_title_and_summary(tmp_path):
    write(tmp_path / "models" / "lenet5.md", "---\ntitle: LeNet\n---\nBody\n")
    with pytest.raises(BenchError, match="lenet5.md: front matter lacks summary"):
        content.read_model_page(tmp_path, "lenet5")


def test_bad_reference_yaml(tmp_path):
    write(tmp_path / "reference_2021.yaml", "rows:\n  - model: lenet5\n")
    with pytest.raises(BenchError, match="reference_2021.yaml: row 1 lacks accuracy, label"):
        content.read_reference(tmp_path)


PAGE = content.Page(
    path=Path("x.md"),
    meta={},
    sections=(
        content.Section("", "<p>lead</p>"),
        content.Section("a", '<h2 id="a">A</h2>'),
        content.Section("b", '<h2 id="b">B</h2>'),
    ),
    footnotes='<div class="footnote"></div>',
)


@pytest.mark.parametrize(
    ("placements", "kinds"),
    [
        ((), ["prose", "prose"]),
        ((("after", "a", "x"),), ["prose", "x", "prose", "prose"]),
        ((("before", "a", "x"), ("after", "b", "y")), ["prose", "x", "prose", "y", "prose"]),
        ((("after", "missing", "x"),), ["prose", "x", "prose"]),
    ],
)
def test_place_blocks(placements, kinds):
    blocks = content.place_blocks(PAGE, placements)
    assert [block["kind"] for block in blocks] == kinds
    prose = "".join(str(block["html"]) for block in blocks if block["kind"] == "prose")
    assert prose == '<p>lead</p><h2 id="a">A</h2><h2 id="b">B</h2><div class="footnote"></div>'
