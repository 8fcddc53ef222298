"""Every number of results.csv and of the results table, recomputed from the raw files the site
publishes with numpy, scipy and scikit-learn alone (no bench code reads them here)."""

import csv
import html
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import precision_recall_fscore_support

from bench.analysis import report
from bench.analysis.analyse import analyse
from bench.site import downloads, model_page
from tests.site_fixtures import build_fixture_site

REPOSITORY_RESULTS = Path(__file__).resolve().parent.parent / "results"
PROFILE_ORDER = ("full", "quick", "smoke")


def _scores(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    predicted = probabilities.argmax(axis=1)
    precision, recall, f1, _ = precision_recall_fscore_support(
        labels, predicted, labels=list(range(10)), average="macro", zero_division=0
    )
    positives = probabilities > 0.5
    hits = np.count_nonzero(positives & np.eye(10, dtype=bool)[labels])
    return {
        "accuracy": float(np.mean(predicted == labels)),
        "precision_macro": precision,
        "recall_macro": recall,
        "f1_macro": f1,
        "keras2021_precision": hits / max(np.count_nonzero(positives), 1),
        "keras2021_recall": hits / len(labels),
    }


def _arrays(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with np.load(path) as raw:
        return raw["labels"].astype(np.int64), raw["probabilities"].astype(np.float32)


def _mean_std(values: list[float]) -> tuple[float, float]:
    return float(np.mean(values)), float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def _mean_interval(values: list[float], train_images: float, held_out_images: float):
    """Nadeau and Bengio's corrected t-interval, variance (1/k + n_held/n_train) s^2, cut to
    the range of an accuracy."""
    k = len(values)
    if k < 2:
        return None, None
    variance = (1 / k + held_out_images / train_images) * np.var(values, ddof=1)
    half_width = stats.t.ppf(0.975, k - 1) * np.sqrt(variance)
    return max(np.mean(values) - half_width, 0.0), min(np.mean(values) + half_width, 1.0)


def _exact_interval(successes: int, trials: int) -> tuple[float, float]:
    """Clopper and Pearson's interval from beta quantiles."""
    low = stats.beta.ppf(0.025, successes, trials - successes + 1) if successes else 0.0
    high = stats.beta.ppf(0.975, successes + 1, trials - successes) if successes < trials else 1.0
    return low, high


def recompute(results_root: Path) -> dict[str, dict]:
    """Per model (its fullest profile), the CSV's columns from the JSON and npz files."""
    table = {}
    for model_dir in sorted(p for p in results_root.iterdir() if p.is_dir()):
        if model_dir.name in ("runs", "superseded"):
            continue
        profiles = {p.name: p for p in model_dir.iterdir() if p.is_dir()}
        profile = next(name for name in PROFILE_ORDER if name in profiles)
        records = [json.loads(p.read_text()) for p in sorted(profiles[profile].glob("*.json"))]
        tests, held_out, ensemble = [], [], []
        for record in records:
            folder = profiles[profile]
            labels, probabilities = _arrays(folder / record["test_predictions"]["file"])
            tests.append(_scores(labels, probabilities))
            ensemble.append(probabilities)
            if "held_out_predictions" in record:
                held = _arrays(folder / record["held_out_predictions"]["file"])
                held_out.append(_scores(*held)["accuracy"])
            else:
                held_out.append(record["cv"]["accuracy"])
        mean_probabilities = np.mean(ensemble, axis=0)
        ensemble_right = int(np.sum(mean_probabilities.argmax(axis=1) == labels))
        accuracy_low, accuracy_high = _mean_interval(
            [scores["accuracy"] for scores in tests],
            np.mean([r["train_images"] for r in records]),
            np.mean([r["held_out_images"] for r in records]),
        )
        ensemble_low, ensemble_high = _exact_interval(ensemble_right, len(labels))
        row = {
            "profile": profile,
            "folds_done": len(records),
            # schema 3 keeps the fold count in its config's plan only, older files at the top
            "folds_planned": records[0].get("folds") or records[0]["config"]["plan"]["folds"],
            "test_images": len(labels),
            "parameters": records[0]["parameters"],
            "held_out_accuracy": _mean_std(held_out),
            "ensemble_accuracy": ensemble_right / len(labels),
            "accuracy_ci95_low": accuracy_low,
            "accuracy_ci95_high": accuracy_high,
            "ensemble_accuracy_ci95_low": ensemble_low,
            "ensemble_accuracy_ci95_high": ensemble_high,
            "train_seconds": float(sum(r["train_seconds"] for r in records)),
            "images_per_second": float(np.mean([r["images_per_second"] for r in records])),
        }
        for name in tests[0]:
            row[name] = _mean_std([scores[name] for scores in tests])
        table[model_dir.name] = row
    return table


def _check_csv(csv_text: str, expected: dict[str, dict]) -> None:
    lines = list(csv.DictReader(io.StringIO(csv_text)))
    assert sorted(line["model"] for line in lines) == sorted(expected)
    for line in lines:
        row = expected[line["model"]]
        for column, value in row.items():
            if isinstance(value, tuple):
                assert float(line[f"{column}_mean"]) == pytest.approx(value[0], rel=1e-9, abs=1e-12)
                assert float(line[f"{column}_std"]) == pytest.approx(value[1], rel=1e-9, abs=1e-12)
            elif isinstance(value, str):
                assert line[column] == value
            elif value is None:
                assert line[column] == "", (line["model"], column)
            else:
                assert float(line[column]) == pytest.approx(value, rel=1e-9), (
                    line["model"],
                    column,
                )


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_fixture_site(tmp_path_factory.mktemp("recompute"))


def test_published_csv_recomputes_from_the_published_raw_files(site):
    expected = recompute(site / "data" / "results")
    _check_csv((site / "data" / "results.csv").read_text(), expected)


def test_results_table_recomputes_from_the_published_raw_files(site):
    expected = recompute(site / "data" / "results")
    page = (site / "index.html").read_text()
    table = page[page.index('<table class="data results-table">') :]
    table = table[: table.index("</table>")]
    for model, row in expected.items():
        start = table.index(f'href="models/{model}.html"')
        cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', table[start:])
        shown = [html.unescape(cell).strip() for cell in cells[:7]]
        accuracy, accuracy_interval, *macro, ensemble, ensemble_interval = shown
        assert [accuracy, *macro] == [
            f"{100 * row[name][0]:.2f} ± {100 * row[name][1]:.2f}"
            for name in ("accuracy", "precision_macro", "recall_macro", "f1_macro")
        ]
        assert ensemble == f"{100 * row['ensemble_accuracy']:.2f}"
        for cell, prefix in (
            (accuracy_interval, "accuracy"),
            (ensemble_interval, "ensemble_accuracy"),
        ):
            low, high = row[f"{prefix}_ci95_low"], row[f"{prefix}_ci95_high"]
            assert cell == ("—" if low is None else f"{100 * low:.2f}–{100 * high:.2f}")


def test_committed_results_recompute_from_their_raw_files():
    """The repository's own results: what bench would publish equals the recomputation."""
    analysis = analyse(report.load_reports(REPOSITORY_RESULTS))
    csv_text = downloads.table_csv([model_page.summary_row(m) for m in analysis.models])
    _check_csv(csv_text, recompute(REPOSITORY_RESULTS))
