"""The URL map is the one place a URL is spelled: templates and Python read it."""

import re
from pathlib import Path

import pytest

from bench.site import urls

TEMPLATES = Path(__file__).resolve().parent.parent / "site_templates"


@pytest.mark.parametrize(
    "path, root",
    [(urls.INDEX, ""), (urls.model_page("lenet5"), "../"), ("a/b/c.html", "../../")],
)
def test_root_of_walks_back_one_folder_per_level(path, root):
    assert urls.root_of(path) == root


def test_templates_spell_no_site_path_of_their_own():
    """A link into the site is ``{{ root }}`` plus a value, never ``{{ root }}`` plus a literal
    path; in-page anchors (``#main``) are fine."""
    literal = re.compile(r"""(?:href|src)="\{\{ root \}\}[A-Za-z0-9_./-]""")
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if literal.search(line)
    ]
    assert offenders == []


def test_sections_and_manifests_come_from_the_map():
    assert urls.for_templates()["results"] == "index.html#results"
    assert urls.for_templates()["methods"] == "reproducibility.html#methods"
    assert urls.run_manifest("r1") == f"{urls.RESULTS_DATA}/runs/r1.json"
