"""Findings of the write-up: computed from the reports, worded by the template, on the post."""

from __future__ import annotations

from dataclasses import replace

import html5lib
import numpy as np
import pytest
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

from bench import data, metrics
from bench.analysis import report
from bench.analysis.analyse import analyse, rank
from bench.site import build, context, findings, pages
from tests.site_fixtures import install_site_dataset, write_results

NAMES = data.CLASS_NAMES


@pytest.fixture(scope="module")
def stored_reports(tmp_path_factory) -> dict[str, report.ModelReport]:
    """Real reports of two quick-profile fixture models (two folds each), by model name."""
    results_dir = write_results(
        tmp_path_factory.mktemp("findings") / "results",
        np.arange(100) % 10,
        models=("lenet5", "lstm"),
    )
    return {r.model: r for r in report.load_reports(results_dir)}


@pytest.fixture(scope="module")
def three_fold_reports(tmp_path_factory) -> dict[str, report.ModelReport]:
    """Reports of three quick-profile fixture models with three folds of one split each."""
    results_dir = write_results(
        tmp_path_factory.mktemp("three-folds") / "results",
        np.arange(100) % 10,
        models=("lenet5", "lstm", "resnet34"),
        folds=3,
    )
    return {r.model: r for r in report.load_reports(results_dir)}


@pytest.fixture
def lenet(stored_reports):
    return stored_reports["lenet5"]


@pytest.fixture
def lstm(stored_reports):
    return stored_reports["lstm"]


def scored(r: report.ModelReport, mean: float, std: float, **changes) -> report.ModelReport:
    """``r`` with its mean ± std test accuracy replaced (and any other field in ``changes``)."""
    return replace(r, test={**r.test, "accuracy": (mean, std)}, **changes)


def measured(
    r: report.ModelReport, fold_accuracies: list[float], correct: np.ndarray
) -> report.ModelReport:
    """``r`` with its fold models' test accuracies and its ensemble's correctness on the test
    images replaced, every number derived from them consistent."""
    labels = r.predictions.labels
    fold_test = tuple(
        {**scores, "accuracy": accuracy}
        for scores, accuracy in zip(r.fold_test, fold_accuracies, strict=True)
    )
    return replace(
        r,
        test={**r.test, "accuracy": metrics.mean_std(fold_accuracies)},
        fold_test=fold_test,
        ensemble={**r.ensemble, "accuracy": float(np.mean(correct))},
        predictions=replace(r.predictions, predicted=np.where(correct, labels, (labels + 1) % 10)),
    )


def right_on(images: range, total: int = 50) -> np.ndarray:
    correct = np.zeros(total, dtype=bool)
    correct[list(images)] = True
    return correct


def with_ensemble(r: report.ModelReport, **ensemble) -> report.ModelReport:
    return replace(r, ensemble={**r.ensemble, **ensemble})


def render(found: dict) -> str:
    env = pages.make_environment(build.TEMPLATES_DIR)
    return env.get_template("blocks/findings.html").render(
        findings=found, shared_mistakes=None, root=""
    )


def only_pair(found: dict) -> dict:
    (group,) = found["groups"]
    (pair,) = group["pairs"]
    return pair


def test_leader_is_the_higher_mean_and_swaps_with_the_results(lenet, lstm):
    first = findings.build(analyse([scored(lenet, 0.90, 0.002), scored(lstm, 0.88, 0.003)]), NAMES)
    pair = only_pair(first)
    assert (pair["ahead"]["name"], pair["behind"]["name"]) == ("lenet5", "lstm")
    assert pair["gap"] == pytest.approx(0.02) and pair["spread"] == 0.003
    assert pair["verdict"] == "beyond_spread"
    html = render(first)
    assert '>LeNet-5</a> leads <a href="models/lstm.html">LSTM</a> by 2.00 points' in html
    assert "larger than the fold-to-fold spread (0.30 points" in html

    swapped = findings.build(
        analyse([scored(lenet, 0.88, 0.003), scored(lstm, 0.90, 0.002)]), NAMES
    )
    assert only_pair(swapped)["ahead"]["name"] == "lstm"
    assert '>LSTM</a> leads <a href="models/lenet5.html">LeNet-5</a>' in render(swapped)


def test_significance_follows_the_results_and_swaps_with_them(three_fold_reports):
    lenet, lstm = three_fold_reports["lenet5"], three_fold_reports["lstm"]
    strong = ([0.90, 0.91, 0.92], right_on(range(50)))
    weak = ([0.80, 0.80, 0.81], right_on(range(35)))  # 15 images only the strong one gets
    # McNemar: 15 discordant images, all one way: p = 2 * 0.5**15
    # t-test: differences 0.10, 0.11, 0.11 over folds of 80 training and 40 held-out images
    differences = np.array([0.10, 0.11, 0.11])
    t = differences.mean() / np.sqrt((1 / 3 + 40 / 80) * differences.var(ddof=1))
    t_p = 1 - t / np.sqrt(2 + t**2)  # two-sided, 2 degrees of freedom
    for leader, other in (("lenet5", "lstm"), ("lstm", "lenet5")):
        results = {leader: strong, other: weak}
        reports = [measured(lenet, *results["lenet5"]), measured(lstm, *results["lstm"])]
        found = findings.build(analyse(reports), NAMES)
        pair = only_pair(found)
        assert (pair["ahead"]["name"], pair["behind"]["name"]) == (leader, other)
        assert pair["t_test"] == {"folds": 3, "p": pytest.approx(t_p), "verdict": "significant"}
        assert pair["ensembles"]["p"] == pytest.approx(2 * 0.5**15)
        assert pair["ensembles"]["verdict"] == "significant"
        html = render(found)
        names = {"lenet5": "LeNet-5", "lstm": "LSTM"}
        assert f'>{names[leader]}</a> leads <a href="models/{other}.html">' in html
        assert "Over their 3 paired folds the gap is significant" in html
        assert (
            "Their ensembles score 100.00% and 70.00% on the same 50 test images; the difference "
            "is significant (McNemar's exact test, Holm-adjusted p &lt; 0.001)"
        ) in html
        assert "fold-to-fold spread" not in html  # the t-test replaces the rough comparison


def test_a_huge_p_value_is_within_the_noise(three_fold_reports):
    lenet, lstm = three_fold_reports["lenet5"], three_fold_reports["lstm"]
    reports = [
        measured(lenet, [0.90, 0.85, 0.80], right_on(range(0, 40))),
        measured(lstm, [0.80, 0.86, 0.88], right_on(range(1, 41))),  # one image each way
    ]
    found = findings.build(analyse(reports), NAMES)
    pair = only_pair(found)
    assert pair["ensembles"]["p"] == 1.0 and pair["ensembles"]["verdict"] == "within_noise"
    assert pair["t_test"]["p"] > 0.5 and pair["t_test"]["verdict"] == "within_noise"
    html = render(found)
    assert "Over their 3 paired folds the gap is within the noise" in html
    assert "the difference is within the noise (McNemar's exact test, Holm-adjusted p = 1)" in html
    (row,) = found["pairwise"]
    assert (row["only_ahead"], row["only_behind"]) == (1, 1) and row["equal_terms"]


def test_pairwise_p_values_are_holm_adjusted_over_all_pairs(three_fold_reports):
    ranked = rank(three_fold_reports.values())
    found = findings.build(analyse(ranked), NAMES)
    pairs = [(a, b) for i, a in enumerate(ranked) for b in ranked[i + 1 :]]
    raw = []
    for a, b in pairs:
        right_a = a.predictions.predicted == a.predictions.labels
        right_b = b.predictions.predicted == b.predictions.labels
        table = [
            [np.sum(right_a & right_b), np.sum(right_a & ~right_b)],
            [np.sum(~right_a & right_b), np.sum(~right_a & ~right_b)],
        ]
        raw.append(mcnemar(table, exact=True).pvalue)
    expected = multipletests(raw, method="holm")[1]
    rows = found["pairwise"]
    assert [(r["ahead"]["name"], r["behind"]["name"]) for r in rows] == [
        (a.model, b.model) for a, b in pairs
    ]
    assert [r["mcnemar_p"] for r in rows] == pytest.approx(expected)
    assert all(r["t_test"] is not None for r in rows)
    assert render(found).count("over 3 folds") == 3


def test_no_tests_across_splits_or_test_images(three_fold_reports):
    lenet, lstm = three_fold_reports["lenet5"], three_fold_reports["lstm"]
    reseeded = replace(lstm, folds=tuple(replace(record, seed=1) for record in lstm.folds))
    pair = only_pair(findings.build(analyse([lenet, reseeded]), NAMES))
    assert pair["t_test"] is None and pair["ensembles"] is not None
    assert pair["verdict"] in ("beyond_spread", "within_spread")

    other_images = replace(
        lstm, predictions=replace(lstm.predictions, indices=lstm.predictions.indices + 1)
    )
    found = findings.build(analyse([lenet, other_images]), NAMES)
    assert only_pair(found)["ensembles"] is None and found["pairwise"] == []
    assert "McNemar" not in render(found)


def test_per_class_f1_table_follows_each_ensemble(lenet, lstm):
    f1_lenet = [0.9, 0.8, 0.7, 0.6, 0.5, 0.9, 0.4, 0.9, 0.9, 0.9]
    f1_lstm = [0.8, 0.9, 0.7, 0.5, 0.6, 0.9, 0.3, 0.9, 0.9, 0.9]
    reports = [
        with_ensemble(scored(lenet, 0.9, 0.01), per_class={"f1": f1_lenet}),
        with_ensemble(scored(lstm, 0.8, 0.01), per_class={"f1": f1_lstm}),
    ]
    table = findings.build(analyse(reports), NAMES)["per_class"]
    assert [model["name"] for model in table["models"]] == ["lenet5", "lstm"]
    assert [row["name"] for row in table["rows"]] == list(NAMES)
    trouser, pullover = table["rows"][1], table["rows"][2]
    assert trouser["cells"] == [{"f1": 0.8, "best": False}, {"f1": 0.9, "best": True}]
    assert [cell["best"] for cell in pullover["cells"]] == [True, True]  # a tie marks both
    html = render(findings.build(analyse(reports), NAMES))
    assert (
        '<tr><th scope="row">Trouser</th><td class="num">80.0</td><td class="num strong">90.0</td>'
        in html
    )


def test_shared_mistakes_are_the_images_every_ensemble_gets_wrong(three_fold_reports):
    lenet, lstm = three_fold_reports["lenet5"], three_fold_reports["lstm"]
    folds = [0.8, 0.8, 0.8]
    reports = [
        measured(lenet, folds, ~right_on(range(0, 10))),  # wrong on images 0-9
        measured(lstm, folds, ~right_on(range(5, 15))),  # wrong on images 5-14
    ]
    found = findings.build(analyse(reports), NAMES)
    mistakes = found["shared_mistakes"]
    assert (mistakes["count"], mistakes["test_images"], mistakes["models"]) == (5, 50, 2)
    labels = lenet.predictions.labels
    assert sorted(mistakes["indices"].tolist()) == lenet.predictions.indices[5:10].tolist()
    order = [int(np.flatnonzero(lenet.predictions.indices == i)[0]) for i in mistakes["indices"]]
    assert mistakes["true"] == labels[order].tolist()
    assert mistakes["predicted"] == ((labels[order] + 1) % 10).tolist()  # what both chose
    assert "5 of the 50 test images (10.0%) are misclassified by every one of the 2" in render(
        found
    )

    other_images = replace(
        lstm, predictions=replace(lstm.predictions, indices=lstm.predictions.indices + 1)
    )
    assert findings.build(analyse([lenet, other_images]), NAMES)["shared_mistakes"] is None
    assert findings.build(analyse([lenet]), NAMES)["shared_mistakes"] is None


@pytest.mark.parametrize(
    ("lenet_score", "lstm_score", "folds_done", "verdict", "wording"),
    [
        ((0.900, 0.010), (0.895, 0.004), 2, "within_spread", "within the fold-to-fold spread"),
        ((0.900, 0.001), (0.895, 0.004), 2, "beyond_spread", "larger than the fold-to-fold"),
        ((0.900, 0.000), (0.895, 0.000), 1, "no_spread", "no fold-to-fold spread"),
        ((0.900, 0.010), (0.900, 0.010), 2, "tied", "have the same mean test accuracy"),
    ],
)  # fmt: skip
def test_gap_weighed_against_the_spread(
    lenet, lstm, lenet_score, lstm_score, folds_done, verdict, wording
):
    reports = [
        scored(lenet, *lenet_score, folds_done=folds_done),
        scored(lstm, *lstm_score, folds_done=folds_done),
    ]
    found = findings.build(analyse(reports), NAMES)
    pair = only_pair(found)
    assert pair["verdict"] == verdict
    assert (pair["spread"] is None) == (folds_done == 1)
    assert wording in render(found)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [((6, 0, 7), ("Shirt", "T-shirt/top", 7, 7 / 17)),
     ((9, 7, 8), ("Ankle boot", "Sneaker", 8, 8 / 18))],
)  # fmt: skip
def test_largest_confusion_follows_the_matrix(lenet, cell, expected):
    true, predicted, count = cell
    confusion = np.diag([10] * 10)
    confusion[true, predicted] = count
    confusion[2, 4] = 1  # a smaller confusion, named second
    found = findings.build(analyse([with_ensemble(lenet, confusion=confusion.tolist())]), NAMES)
    largest, second = found["models"][0]["confusions"]
    assert (largest["true"], largest["predicted"], largest["count"]) == expected[:3]
    assert largest["share"] == pytest.approx(expected[3])
    assert (second["true"], second["predicted"]) == ("Pullover", "Coat")
    assert f"most often mistakes {expected[0]} for {expected[1]}" in render(found)


def test_no_confusion_is_said_plainly(lenet):
    found = findings.build(
        analyse([with_ensemble(lenet, confusion=np.diag([10] * 10).tolist())]), NAMES
    )
    assert found["models"][0]["confusions"] == []
    assert "every test image is classified correctly" in render(found)


@pytest.mark.parametrize(
    ("f1", "best", "worst"),
    [
        ([0.8, 0.99, 0.8, 0.8, 0.8, 0.8, 0.5, 0.8, 0.8, 0.8], ["Trouser"], ["Shirt"]),
        ([0.8, 0.8, 0.8, 0.8, 0.6, 0.8, 0.8, 0.8, 0.97, 0.8], ["Bag"], ["Coat"]),
        ([0.8, 0.8, 0.4, 0.8, 0.8, 0.9, 0.4, 0.8, 0.8, 0.9], ["Sandal", "Ankle boot"],
         ["Pullover", "Shirt"]),
    ],
)  # fmt: skip
def test_best_and_worst_classes_follow_f1(lenet, f1, best, worst):
    per_class = {**lenet.ensemble["per_class"], "f1": f1}
    found = findings.build(analyse([with_ensemble(lenet, per_class=per_class)]), NAMES)
    model = found["models"][0]
    assert model["best"] == {"classes": best, "f1": max(f1)}
    assert model["worst"] == {"classes": worst, "f1": min(f1)}
    assert f"lowest: {' and '.join(worst)} (" in render(found)


def test_classes_shared_by_every_model(lenet, lstm):
    def confused(true, predicted):
        confusion = np.diag([10] * 10)
        confusion[true, predicted] = 5
        return confusion.tolist()

    f1 = [0.9] * 10
    reports = [
        with_ensemble(lenet, confusion=confused(6, 0), per_class={"f1": [*f1[:6], 0.5, *f1[7:]]}),
        with_ensemble(lstm, confusion=confused(4, 6), per_class={"f1": [*f1[:4], 0.5, *f1[5:]]}),
    ]
    found = findings.build(analyse(reports), NAMES)
    assert found["shared"]["confused"] == ["Shirt"]
    assert found["shared"]["worst"] == []
    html = render(found)
    assert "Shirt appears in the largest confusions of every model" in html
    assert "The class with the lowest F1 differs between models" in html


def test_mixed_profiles_are_not_ranked_against_each_other(lenet, lstm):
    found = findings.build(
        analyse([scored(lenet, 0.90, 0.01), scored(lstm, 0.80, 0.01, profile="full")]), NAMES
    )
    assert found["mixed_profiles"] and found["profiles"] == ["full", "quick"]
    assert [g["terms"]["profile"] for g in found["groups"]] == ["quick", "full"]
    assert all(group["pairs"] == [] for group in found["groups"])
    html = render(found)
    assert "not comparable on equal terms" in html and " leads " not in html


def test_other_training_sizes_form_their_own_group(lenet, lstm):
    smaller = replace(lstm, folds=tuple(replace(f, train_images=20) for f in lstm.folds))
    found = findings.build(analyse([scored(lenet, 0.80, 0.01), scored(smaller, 0.90, 0.01)]), NAMES)
    assert not found["mixed_profiles"]
    assert [g["terms"]["train_images"] for g in found["groups"]] == [20, 80]
    assert "has no other model on these terms" in render(found)


def test_names_are_escaped(lenet):
    found = findings.build(analyse([replace(lenet, display_name="<b>Net</b> & co")]), ["<i>"] * 10)
    html = render(found)
    assert "&lt;b&gt;Net&lt;/b&gt; &amp; co" in html and "<b>" not in html
    assert "&lt;i&gt;" in html and "<i>" not in html and "&amp;lt;" not in html


def test_index_page_shows_findings_after_their_heading(tmp_path, monkeypatch):
    directory, arrays = install_site_dataset(tmp_path / "fashion", monkeypatch)
    results_dir = write_results(tmp_path / "results", arrays["t10k-labels-idx1-ubyte"])
    site = context.gather(
        analyse(report.load_reports(results_dir)),
        results_dir,
        content_dir=build.CONTENT_DIR,
        data_dir=directory,
        base_url=None,
    )
    index = site.pages[0]
    assert index.path == "index.html"
    env = pages.make_environment(build.TEMPLATES_DIR)
    html = pages.render_page(env, index.template, index.context).decode("utf-8")
    assert (
        html.index('id="what-the-results-show"')
        < html.index('<section class="findings" id="findings"')
        < html.index('id="reproduce-it"')
    )
    leader = max(report.load_reports(results_dir), key=lambda r: r.test["accuracy"][0])
    assert f">{leader.display_name}</a> leads " in html
    assert "Depth helps" not in html and "nearly solved" not in html
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
