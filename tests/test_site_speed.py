"""The side-by-side speed section of the reproducibility page: read from the benchmark's JSON
as untrusted input, shown only when it exists, every figure checkable against the published
copy of that file."""

from __future__ import annotations

import json
import math
import re

import pytest

from bench.errors import BenchError
from bench.site import pages, speed, urls
from tests.site_fixtures import build_fixture_site


def _summary(**changes) -> dict:
    rows = [
        {"model": "alexnet", "case": "bench-tf", "images_per_second": 208.13,
         "ratio_to_reference": 0.8879},
        {"model": "alexnet", "case": "torch-bf16", "images_per_second": 234.42,
         "ratio_to_reference": 1.0},
        {"model": "resnet34", "case": "bench-tf", "images_per_second": None,
         "ratio_to_reference": None},
    ]  # fmt: skip
    summary = {
        "schema_version": 1,
        "command": "python benchmarks/cpu_side_by_side.py --seconds 10 --repeats 2",
        "machine": {"cpu": "AMD EPYC", "cores": 2, "date": "2026-11-30", "tensorflow": "2.21.0",
                    "keras": "3.15.1", "torch": "2.13.0+cpu"},
        "rows": rows,
    }  # fmt: skip
    summary.update(changes)
    return summary


def _write(folder, summary) -> None:
    (folder / speed.SIDE_BY_SIDE).write_text(json.dumps(summary))


def test_no_benchmark_file_means_no_section(tmp_path):
    assert speed.read(None) == (None, [])
    assert speed.read(tmp_path) == (None, [])


def test_rows_use_display_names_and_keep_failed_cases(tmp_path):
    _write(tmp_path, _summary())
    section, files = speed.read(tmp_path)
    assert [(row["model"], row["reference"]) for row in section["rows"]] == [
        ("AlexNet", False), ("AlexNet", True), ("ResNet-34", False)]  # fmt: skip
    assert section["rows"][2]["images_per_second"] is None
    assert section["versions"] == [("TensorFlow", "2.21.0"), ("Keras", "3.15.1"),
                                   ("PyTorch", "2.13.0+cpu")]  # fmt: skip
    assert [download.path for download in files] == [urls.SPEED_DATA]


@pytest.mark.parametrize(
    "hostile",
    [
        {"rows": [{"model": "<script>", "case": "bench-tf", "images_per_second": 1,
                   "ratio_to_reference": 1}]},
        {"rows": [{"model": "alexnet", "case": "bench-tf", "images_per_second": math.nan,
                   "ratio_to_reference": 1}]},
        {"rows": [{"model": "alexnet", "case": "bench-tf", "images_per_second": -3,
                   "ratio_to_reference": 1}]},
        {"rows": [{"model": "alexnet", "case": "bench-tf", "images_per_second": True,
                   "ratio_to_reference": 1}]},
        {"rows": [{"model": "alexnet", "case": "bench-tf", "ratio_to_reference": 1}]},
        {"rows": "everything"},
        {"command": "x" * 5000},
        {"command": "rm -rf /\n<script>"},
        {"machine": []},
    ],
)  # fmt: skip
def test_a_hostile_file_is_refused_in_one_line_naming_it(tmp_path, hostile):
    _write(tmp_path, _summary(**hostile))
    with pytest.raises(BenchError) as error:
        speed.read(tmp_path)
    message = str(error.value)
    assert str(tmp_path / speed.SIDE_BY_SIDE) in message and "\n" not in message
    assert "cpu_side_by_side.py" in message


def test_damaged_json_and_links_are_refused(tmp_path):
    (tmp_path / speed.SIDE_BY_SIDE).write_text('{"rows": [')
    with pytest.raises(BenchError, match="cannot read the side-by-side benchmark"):
        speed.read(tmp_path)
    (tmp_path / speed.SIDE_BY_SIDE).unlink()
    (tmp_path / "elsewhere.json").write_text(json.dumps(_summary()))
    (tmp_path / speed.SIDE_BY_SIDE).symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(BenchError, match="not a plain file"):
        speed.read(tmp_path)


def test_page_figures_match_the_published_json(tmp_path):
    benchmarks = tmp_path / "benchmarks"
    benchmarks.mkdir()
    _write(benchmarks, _summary(command="python benchmarks/cpu_side_by_side.py --paths <b>"))
    site = build_fixture_site(tmp_path / "site", benchmarks_dir=benchmarks)
    html = (site / urls.REPRODUCIBILITY).read_text()
    published = json.loads((site / urls.SPEED_DATA).read_text())
    table = html.split('class="data speed-table"')[1].split("</table>")[0]
    cells = re.findall(r'<td class="num">([^<]*)</td>', table)
    expected = []
    for row in published["rows"]:
        rate, ratio = row["images_per_second"], row["ratio_to_reference"]
        expected += ["failed" if rate is None else pages.num(rate, 1),
                     "—" if ratio is None else f"{pages.num(ratio, 2)}×"]  # fmt: skip
    assert cells == expected
    assert "--paths &lt;b&gt;" in html and "<b>" not in html
    assert f'href="{urls.SPEED_DATA}"' in html


def test_site_without_the_benchmark_has_no_speed_section(tmp_path):
    site = build_fixture_site(tmp_path / "site", benchmarks_dir=tmp_path / "none")
    assert 'id="speed"' not in (site / urls.REPRODUCIBILITY).read_text()
    assert not (site / urls.SPEED_DATA).exists()
