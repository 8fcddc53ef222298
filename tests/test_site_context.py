"""Gathering: page contexts, model pages, provenance and downloads from fixture results."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from pathlib import Path

import numpy as np
import pytest

from bench import data
from bench.analysis import report, reproduction
from bench.analysis.analyse import analyse
from bench.errors import BenchError
from bench.paths import templates_dir
from bench.site import content, context, downloads, model_page, pages, provenance
from bench.store.records import RunManifest
from tests.site_fixtures import install_site_dataset, write_results

CONTENT = Path(__file__).resolve().parents[1] / "content"


@pytest.fixture
def stored(tmp_path, monkeypatch):
    """(results dir, dataset dir, dataset) with three quick-profile models of two folds."""
    directory, arrays = install_site_dataset(tmp_path / "fashion", monkeypatch)
    results_dir = write_results(tmp_path / "results", arrays["t10k-labels-idx1-ubyte"])
    return results_dir, directory, data.load_dataset(directory)


def test_gather_pages_and_figures(stored):
    results_dir, directory, _ = stored
    site = context.gather(
        analyse(report.load_reports(results_dir)),
        results_dir,
        content_dir=CONTENT,
        data_dir=directory,
        base_url=None,
    )
    assert [page.path for page in site.pages] == [
        "index.html", "reproducibility.html", "404.html", "feed.xml",
        "models/resnet34.html", "models/lstm.html", "models/lenet5.html",
    ]  # fmt: skip
    paths = [job.path for job in site.figures]
    assert len(paths) == len(set(paths)) == 3 + 1 + 3 * 5  # dataset, shared mistakes, models
    assert "figures/shared-mistakes.png" in paths
    index = site.pages[0].context
    assert [row["name"] for row in index["rows"]] == ["resnet34", "lstm", "lenet5"]
    assert index["preview"] == {
        "profiles": ["quick"],
        "models": ["ResNet-34", "LSTM", "LeNet-5"],
        "partial": False,
    }
    assert index["root"] == ""
    assert site.pages[4].context["root"] == "../"


HOSTILE_CARD = {
    "summary": "A net of mine <img src=x onerror=alert(1)>",
    "description": "First <script>alert(1)</script>\n   paragraph.\n\n[link](javascript:alert(2))",
    "citation": {"authors": "A. Author", "title": "T", "venue": "V", "year": 2024},
}
USER_ORIGIN = {"kind": "project", "module": "bench_project_models.mine",
               "source": "models/mine.py", "source_sha256": "ab" * 32}  # fmt: skip


def test_a_model_without_any_page_gets_one_generated_from_its_records(stored, tmp_path):
    """A model of the user's own with no content page: its page comes from the records' card
    (summary, docstring, citation) and names the code's origin; every string stays text."""
    results_dir, directory, _ = stored
    for path in (results_dir / "resnet34" / "quick").glob("fold-*.json"):
        record = json.loads(path.read_text())
        path.write_text(json.dumps({**record, "origin": USER_ORIGIN, "card": HOSTILE_CARD}))
    partial_content = tmp_path / "content"
    (partial_content / "models").mkdir(parents=True)
    (partial_content / "index.md").write_bytes((CONTENT / "index.md").read_bytes())
    site = context.gather(
        analyse(report.load_reports(results_dir)),
        results_dir,
        content_dir=partial_content,
        data_dir=directory,
        base_url=None,
    )
    page = next(p for p in site.pages if p.path == "models/resnet34.html")
    assert page.context["page"]["title"] == "ResNet-34"
    assert page.context["page"]["description"] == HOSTILE_CARD["summary"]
    kinds = [block["kind"] for block in page.context["blocks"]]
    assert kinds == ["description", "layers", "measurements", "cited", "origin"]
    assert page.context["blocks"][0]["paragraphs"] == [
        "First <script>alert(1)</script> paragraph.",
        "[link](javascript:alert(2))",
    ]
    assert page.context["model"]["origins"] == [
        {**USER_ORIGIN, "distribution": None, "version": None, "folds": 2, "what": "project file"}
    ]
    html = pages.render_page(pages.make_environment(templates_dir()), page.template, page.context)
    text = html.decode()
    assert "<script>alert" not in text and "<img src=x" not in text
    assert 'href="javascript' not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "models/mine.py" in text and "ab" * 32 in text
    lenet = next(p for p in site.pages if p.path == "models/lenet5.html")
    assert lenet.context["page"]["title"] == "LeNet-5"  # bench's own page, as shipped
    assert lenet.context["model"]["origins"] == []


def test_gather_refuses_results_from_another_test_set(stored, tmp_path):
    results_dir, directory, _ = stored
    bigger = write_results(tmp_path / "big", np.arange(10_000) % 10, models=("lenet5",))
    with pytest.raises(BenchError, match="results refer to test image"):
        context.gather(
            analyse(report.load_reports(bigger)),
            bigger,
            content_dir=CONTENT,
            data_dir=directory,
            base_url=None,
        )


@pytest.mark.parametrize(
    ("given", "expected"),
    [(None, None), ("", None), ("https://a.github.io/b", "https://a.github.io/b/"),
     ("https://a.github.io/b/", "https://a.github.io/b/")],
)  # fmt: skip
def test_normalise_base_url(given, expected):
    assert context.normalise_base_url(given) == expected


@pytest.mark.parametrize("given", ["example.com/repo", "/repo/", "https://x.io/?a=1", "ftp://x"])
def test_bad_base_url_is_refused(given):
    with pytest.raises(BenchError, match="--base-url"):
        context.normalise_base_url(given)


def test_feed_updated_by_the_latest_run():
    index = content.read_index(CONTENT)
    latest = RunManifest(run_id="r1", finished_at="2027-01-02T03:04:05+00:00")
    feed = context.feed(index, [latest], None)
    assert feed["updated"] == dt.datetime(2027, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    assert feed["published"].date() == index.meta["date"]
    assert feed["id"] != feed["entry_id"] and feed["id"].startswith("urn:uuid:")


def test_comparison_pairs_2021_rows_with_ours(stored):
    results_dir, _, _ = stored
    rows = [model_page.summary_row(m) for m in analyse(report.load_reports(results_dir)).models]
    table = context.comparison(content.read_reference(CONTENT), rows)
    matched = {row["theirs"]["model"]: row for row in table["rows"]}
    assert matched["alexnet"]["ours"] is None and not matched["alexnet"]["comparable"]
    resnet = matched["resnet34"]
    assert resnet["ours"]["name"] == "resnet34"
    # quick-profile results are shown but not set against the 2021 numbers
    assert not resnet["comparable"]
    assert resnet["accuracy_gain"] is None and resnet["gain_interval"] is None
    assert [p["accuracy"] for p in table["published"]] == sorted(
        (p["accuracy"] for p in table["published"]), reverse=True
    )


def test_comparison_gives_full_profile_differences_with_an_interval(stored):
    results_dir, _, _ = stored
    rows = [
        {**model_page.summary_row(m), "profile": "full", "comparable_with_2021": True}
        for m in analyse(report.load_reports(results_dir)).models
    ]
    table = context.comparison(content.read_reference(CONTENT), rows)
    resnet = next(row for row in table["rows"] if row["theirs"]["model"] == "resnet34")
    low, high = resnet["ours"]["accuracy_ci"]
    assert resnet["comparable"]
    assert resnet["accuracy_gain"] == pytest.approx(resnet["ours"]["accuracy"].mean - 0.9111)
    assert resnet["gain_interval"] == pytest.approx((low - 0.9111, high - 0.9111))
    assert low < resnet["ours"]["accuracy"].mean < high


@pytest.mark.parametrize(
    ("profile", "missing_test_images", "comparable"),
    [("full", 0, True), ("full", 1, False), ("quick", 0, False)],
)
def test_comparable_with_2021_needs_the_full_profile_and_the_whole_test_set(
    stored, profile, missing_test_images, comparable
):
    results_dir, _, _ = stored
    first = report.load_reports(results_dir)[0]
    whole = data.split_size("test")  # the installed dataset's test split
    shown = dataclasses.replace(first, profile=profile, test_images=whole - missing_test_images)
    assert shown.comparable_with_2021 is comparable
    (row,) = [model_page.summary_row(m) for m in analyse([shown]).models]
    assert row["comparable_with_2021"] is comparable


def test_misclassified_are_the_most_confident_mistakes(stored):
    results_dir, _, dataset = stored
    lenet = next(r for r in report.load_reports(results_dir) if r.model == "lenet5")
    wrong = model_page.misclassified(lenet, dataset)
    predictions = lenet.predictions
    mistakes = np.flatnonzero(predictions.predicted != predictions.labels)
    assert wrong["count"] == len(mistakes)
    assert len(wrong["true"]) == min(len(mistakes), model_page.MISCLASSIFIED_SHOWN)
    assert all(t != p for t, p in zip(wrong["true"], wrong["predicted"], strict=True))
    first = mistakes[
        np.argmax(predictions.probabilities[mistakes, predictions.predicted[mistakes]])
    ]
    np.testing.assert_array_equal(
        wrong["images"][0], dataset.test_images[predictions.indices[first]]
    )


def test_confused_pairs_carry_names_and_shares():
    confusion = np.diag([10] * 10)
    confusion[6, 0] = 5
    pairs = model_page.confused_pairs(confusion.tolist(), data.CLASS_NAMES)
    assert pairs == [{"true": "Shirt", "predicted": "T-shirt/top", "count": 5, "share": 5 / 15}]


def test_reproduce_command_is_exact_for_profile_defaults(stored):
    results_dir, _, _ = stored
    commands = analyse(report.load_reports(results_dir)).commands
    assert commands == (
        reproduction.Command(
            profile="quick",
            seed=0,
            command="bench build-site --profile quick --seed 0 --model lenet5 --model lstm "
            "--model resnet34",
            exact=True,
        ),
    )


def test_reproduce_command_carries_overrides(tmp_path):
    results_dir = write_results(tmp_path / "results", np.arange(100) % 10, models=("lenet5",))
    path = results_dir / "lenet5" / "quick" / "fold-00.json"
    for fold_path in (path, path.with_name("fold-01.json")):
        record = json.loads(fold_path.read_text())
        record["config"]["plan"]["recipe"]["epochs"] = 2
        fold_path.write_text(json.dumps(record))
    (command,) = reproduction.reproduce_commands(report.load_reports(results_dir))
    assert "--epochs 2 --model lenet5" in command.command
    assert command.exact is False  # the fold key was computed for the unedited config


def _set_origin(results_dir, origin: dict) -> None:
    for fold_path in sorted((results_dir / "lenet5" / "quick").glob("fold-*.json")):
        record = json.loads(fold_path.read_text())
        record["origin"] = origin
        fold_path.write_text(json.dumps(record))


def test_reproduce_command_names_what_loads_a_user_model(tmp_path):
    results_dir = write_results(tmp_path / "results", np.arange(100) % 10, models=("lenet5",))
    _set_origin(results_dir, {"kind": "module", "module": "mypkg.models", "source": "x.py"})
    (command,) = reproduction.reproduce_commands(report.load_reports(results_dir))
    assert command.command.endswith("--model-module mypkg.models --model lenet5")
    assert command.project_sources == ()
    _set_origin(results_dir, {"kind": "project", "module": "p.m", "source": "models/mine.py"})
    (command,) = reproduction.reproduce_commands(report.load_reports(results_dir))
    assert "--model-module" not in command.command
    assert command.project_sources == ("models/mine.py",) and command.exact is True


def test_a_model_not_loaded_while_rendering_is_not_called_changed(tmp_path):
    """Rendering imports no user code: with no registry entry to compare, the command is
    unchecked (None), not 'the profile has changed' (False)."""
    results_dir = write_results(tmp_path / "results", np.arange(100) % 10, models=("lenet5",))
    (stored,) = report.load_reports(results_dir)
    assert reproduction._overrides("not-registered", stored.folds[0]) == ((), None)
    unchecked = dataclasses.replace(stored, model="not-registered")
    (command,) = reproduction.reproduce_commands([unchecked])
    assert command.exact is None and command.command.endswith("--model not-registered")


def test_run_rows_tolerate_sparse_manifests():
    row = provenance.run_row(RunManifest(run_id="r1"), published=set())
    assert row["run_id"] == "r1" and row["git"] is None and row["manifest"] is None
    assert row["plans"] == [] and row["versions"] == []
    assert row["precision"] == "precision not recorded"


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"mixed_precision": "float32"}, "float32"),  # manifests from before per-cost policies
        ({"mixed_precision": "mixed_bfloat16", "light_precision": "mixed_bfloat16",
          "light_model_flops": 100_000_000}, "mixed_bfloat16"),
        ({"mixed_precision": "mixed_bfloat16", "light_precision": "float32",
          "light_model_flops": 100_000_000},
         "mixed_bfloat16 (float32 for models under 100 MFLOPs per image)"),
    ],
)  # fmt: skip
def test_run_rows_name_the_light_models_precision_where_it_differs(environment, expected):
    row = provenance.run_row(RunManifest(run_id="r1", environment=environment), published=set())
    assert row["precision"] == expected


def test_csv_has_one_line_per_model_with_mean_and_std(stored):
    results_dir, _, _ = stored
    rows = [model_page.summary_row(m) for m in analyse(report.load_reports(results_dir)).models]
    table = list(csv.DictReader(io.StringIO(downloads.table_csv(rows))))
    assert [line["model"] for line in table] == ["resnet34", "lstm", "lenet5"]
    assert float(table[0]["accuracy_mean"]) == rows[0]["accuracy"].mean
    assert float(table[0]["accuracy_std"]) == rows[0]["accuracy"].std
    assert (
        float(table[0]["accuracy_ci95_low"]),
        float(table[0]["accuracy_ci95_high"]),
    ) == rows[0]["accuracy_ci"]
    assert float(table[0]["ensemble_accuracy_ci95_low"]) == rows[0]["ensemble_accuracy_ci"][0]


def test_csv_leaves_a_missing_interval_empty(stored):
    results_dir, _, _ = stored
    rows = [model_page.summary_row(m) for m in analyse(report.load_reports(results_dir)).models]
    rows[1] = {**rows[1], "accuracy_ci": None}  # a model with a single fold
    table = list(csv.DictReader(io.StringIO(downloads.table_csv(rows))))
    assert (table[1]["accuracy_ci95_low"], table[1]["accuracy_ci95_high"]) == ("", "")
    assert table[0]["accuracy_ci95_low"] != ""


def test_result_files_skip_superseded(stored):
    results_dir, _, _ = stored
    (results_dir / "superseded" / "x" / "lenet5").mkdir(parents=True)
    (results_dir / "superseded" / "x" / "lenet5" / "fold-00.json").write_text("{}")
    lenet = [r for r in report.load_reports(results_dir) if r.model == "lenet5"]
    files = downloads.result_files(results_dir, lenet)
    assert [f.path for f in files] == [
        f"data/results/lenet5/quick/fold-0{fold}.{kind}"
        for fold in (0, 1) for kind in ("json", "test.npz", "held-out.npz")
    ] + ["data/results/runs/2026-11-28T090000-a1b2c3.json"]  # fmt: skip
    groups = provenance.download_groups(files)
    assert [group["name"] for group in groups] == ["lenet5", "runs"]


def test_preview_names_only_the_models_shown_from_a_preview(stored):
    reports = report.load_reports(stored[0])
    full = dataclasses.replace(reports[0], profile="full")
    preview = context.preview_of([full, *reports[1:]])
    assert preview == {"profiles": ["quick"], "models": ["LSTM", "LeNet-5"], "partial": True}
    assert context.preview_of([full]) is None
