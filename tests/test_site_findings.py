"""Findings of the write-up on the post: named, linked and worded by the site from the analysis.

What the findings are is tested in tests/test_findings.py; these tests render them.
"""

from __future__ import annotations

from dataclasses import replace

import html5lib
import numpy as np
import pytest

from bench import data
from bench.analysis import report
from bench.analysis.analyse import analyse, rank
from bench.paths import default_content_dir, templates_dir
from bench.site import context, findings, pages
from tests.report_fixtures import (
    measured,
    other_test_images,
    right_on,
    scored,
    shared_class_reports,
    with_ensemble,
)
from tests.site_fixtures import install_site_dataset, write_results

NAMES = data.CLASS_NAMES


def built(reports, names=NAMES) -> dict:
    """The findings block's values for ``reports``, as the index page gets them."""
    return findings.build(analyse(reports), names)


def render(found: dict) -> str:
    env = pages.make_environment(templates_dir())
    return env.get_template("blocks/findings.html").render(
        findings=found, shared_mistakes=None, root=""
    )


def only_pair(found: dict) -> dict:
    (group,) = found["groups"]
    (pair,) = group["pairs"]
    return pair


def test_leader_is_linked_and_the_gap_worded(lenet, lstm):
    first = built([scored(lenet, 0.90, 0.002), scored(lstm, 0.88, 0.003)])
    pair = only_pair(first)
    assert (pair["ahead"]["name"], pair["behind"]["name"]) == ("lenet5", "lstm")
    assert pair["ahead"]["href"] == "models/lenet5.html"
    assert pair["ahead"]["display_name"] == "LeNet-5"
    assert pair["gap"] == pytest.approx(0.02) and pair["spread"] == 0.003
    assert pair["verdict"] == "beyond_spread"
    html = render(first)
    assert '>LeNet-5</a> leads <a href="models/lstm.html">LSTM</a> by 2.00 points' in html
    assert "larger than the fold-to-fold spread (0.30 points" in html

    swapped = built([scored(lenet, 0.88, 0.003), scored(lstm, 0.90, 0.002)])
    assert only_pair(swapped)["ahead"]["name"] == "lstm"
    assert '>LSTM</a> leads <a href="models/lenet5.html">LeNet-5</a>' in render(swapped)


def test_significance_is_worded_and_swaps_with_the_results(three_fold_reports):
    lenet, lstm = three_fold_reports["lenet5"], three_fold_reports["lstm"]
    strong = ([0.90, 0.91, 0.92], right_on(range(50)))
    weak = ([0.80, 0.80, 0.81], right_on(range(35)))  # 15 images only the strong one gets
    for leader, other in (("lenet5", "lstm"), ("lstm", "lenet5")):
        results = {leader: strong, other: weak}
        analysis = analyse([measured(lenet, *results["lenet5"]), measured(lstm, *results["lstm"])])
        found = findings.build(analysis, NAMES)
        pair = only_pair(found)
        test = analysis.pairwise[0]
        assert (pair["ahead"]["name"], pair["behind"]["name"]) == (leader, other)
        assert pair["t_test"] == {"folds": 3, "p": test.t_test_p_holm, "verdict": "significant"}
        assert pair["ensembles"] == {
            "ahead": 1.0,
            "behind": 0.7,
            "test_images": 50,
            "p": test.mcnemar_p_holm,
            "verdict": "significant",
        }
        html = render(found)
        names = {"lenet5": "LeNet-5", "lstm": "LSTM"}
        assert f'>{names[leader]}</a> leads <a href="models/{other}.html">' in html
        assert "Over their 3 paired folds the gap is significant" in html
        assert (
            "Their ensembles score 100.00% and 70.00% on the same 50 test images; the difference "
            "is significant (McNemar's exact test, Holm-adjusted p &lt; 0.001)"
        ) in html
        assert "fold-to-fold spread" not in html  # the t-test replaces the rough comparison


def test_a_huge_p_value_is_worded_within_the_noise(three_fold_reports):
    lenet, lstm = three_fold_reports["lenet5"], three_fold_reports["lstm"]
    reports = [
        measured(lenet, [0.90, 0.85, 0.80], right_on(range(0, 40))),
        measured(lstm, [0.80, 0.86, 0.88], right_on(range(1, 41))),  # one image each way
    ]
    found = built(reports)
    pair = only_pair(found)
    assert pair["ensembles"]["p"] == 1.0 and pair["ensembles"]["verdict"] == "within_noise"
    assert pair["t_test"]["p"] > 0.5 and pair["t_test"]["verdict"] == "within_noise"
    html = render(found)
    assert "Over their 3 paired folds the gap is within the noise" in html
    assert "the difference is within the noise (McNemar's exact test, Holm-adjusted p = 1)" in html
    (row,) = found["pairwise"]
    assert (row["only_ahead"], row["only_behind"]) == (1, 1) and row["equal_terms"]
    assert row["mcnemar_verdict"] == "within_noise"


def test_every_pair_has_a_row_of_the_pairwise_table(three_fold_reports):
    ranked = rank(three_fold_reports.values())
    analysis = analyse(ranked)
    found = findings.build(analysis, NAMES)
    pairs = [(a, b) for i, a in enumerate(ranked) for b in ranked[i + 1 :]]
    rows = found["pairwise"]
    assert [(r["ahead"]["name"], r["behind"]["name"]) for r in rows] == [
        (a.model, b.model) for a, b in pairs
    ]
    assert [r["mcnemar_p"] for r in rows] == [t.mcnemar_p_holm for t in analysis.pairwise]
    assert all(r["t_test"] is not None for r in rows)
    assert render(found).count("over 3 folds") == 3


def test_no_tests_no_mcnemar_sentence(three_fold_reports):
    lenet, lstm = three_fold_reports["lenet5"], three_fold_reports["lstm"]
    reseeded = replace(lstm, folds=tuple(replace(record, seed=1) for record in lstm.folds))
    pair = only_pair(built([lenet, reseeded]))
    assert pair["t_test"] is None and pair["ensembles"] is not None
    assert pair["verdict"] in ("beyond_spread", "within_spread")

    found = built([lenet, other_test_images(lstm)])
    assert only_pair(found)["ensembles"] is None and found["pairwise"] == []
    assert "McNemar" not in render(found)


def test_per_class_f1_table_names_the_classes_and_marks_the_best(lenet, lstm):
    f1_lenet = [0.9, 0.8, 0.7, 0.6, 0.5, 0.9, 0.4, 0.9, 0.9, 0.9]
    f1_lstm = [0.8, 0.9, 0.7, 0.5, 0.6, 0.9, 0.3, 0.9, 0.9, 0.9]
    reports = [
        with_ensemble(scored(lenet, 0.9, 0.01), f1=f1_lenet),
        with_ensemble(scored(lstm, 0.8, 0.01), f1=f1_lstm),
    ]
    found = built(reports)
    table = found["per_class"]
    assert [model["name"] for model in table["models"]] == ["lenet5", "lstm"]
    assert [row["name"] for row in table["rows"]] == list(NAMES)
    trouser, pullover = table["rows"][1], table["rows"][2]
    assert trouser["cells"] == [{"f1": 0.8, "best": False}, {"f1": 0.9, "best": True}]
    assert [cell["best"] for cell in pullover["cells"]] == [True, True]  # a tie marks both
    assert (
        '<tr><th scope="row">Trouser</th><td class="num">80.0</td><td class="num strong">90.0</td>'
        in render(found)
    )


def test_shared_mistakes_are_counted_on_the_post(three_fold_reports):
    lenet, lstm = three_fold_reports["lenet5"], three_fold_reports["lstm"]
    folds = [0.8, 0.8, 0.8]
    reports = [
        measured(lenet, folds, ~right_on(range(0, 10))),  # wrong on images 0-9
        measured(lstm, folds, ~right_on(range(5, 15))),  # wrong on images 5-14
    ]
    analysis = analyse(reports)
    found = findings.build(analysis, NAMES)
    mistakes, computed = found["shared_mistakes"], analysis.findings.shared_mistakes
    assert (mistakes["count"], mistakes["test_images"], mistakes["models"]) == (5, 50, 2)
    assert mistakes["indices"] is computed.indices  # the figure job reads them from here
    assert mistakes["true"] == list(computed.true)
    assert mistakes["predicted"] == list(computed.predicted)
    assert "5 of the 50 test images (10.0%) are misclassified by every one of the 2" in render(
        found
    )

    assert built([lenet, other_test_images(lstm)])["shared_mistakes"] is None
    assert built([lenet])["shared_mistakes"] is None


@pytest.mark.parametrize(
    ("lenet_score", "lstm_score", "folds_done", "verdict", "wording"),
    [
        ((0.900, 0.010), (0.895, 0.004), 2, "within_spread", "within the fold-to-fold spread"),
        ((0.900, 0.001), (0.895, 0.004), 2, "beyond_spread", "larger than the fold-to-fold"),
        ((0.900, 0.000), (0.895, 0.000), 1, "no_spread", "no fold-to-fold spread"),
        ((0.900, 0.010), (0.900, 0.010), 2, "tied", "have the same mean test accuracy"),
    ],
)  # fmt: skip
def test_gap_against_the_spread_is_worded(
    lenet, lstm, lenet_score, lstm_score, folds_done, verdict, wording
):
    reports = [
        scored(lenet, *lenet_score, folds_done=folds_done),
        scored(lstm, *lstm_score, folds_done=folds_done),
    ]
    found = built(reports)
    pair = only_pair(found)
    assert pair["verdict"] == verdict
    assert (pair["spread"] is None) == (folds_done == 1)
    assert wording in render(found)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [((6, 0, 7), ("Shirt", "T-shirt/top", 7, 7 / 17)),
     ((9, 7, 8), ("Ankle boot", "Sneaker", 8, 8 / 18))],
)  # fmt: skip
def test_largest_confusion_is_named(lenet, cell, expected):
    true, predicted, count = cell
    confusion = np.diag([10] * 10)
    confusion[true, predicted] = count
    confusion[2, 4] = 1  # a smaller confusion, named second
    found = built([with_ensemble(lenet, confusion=confusion.tolist())])
    largest, second = found["models"][0]["confusions"]
    assert (largest["true"], largest["predicted"], largest["count"]) == expected[:3]
    assert largest["share"] == pytest.approx(expected[3])
    assert (second["true"], second["predicted"]) == ("Pullover", "Coat")
    assert f"most often mistakes {expected[0]} for {expected[1]}" in render(found)


def test_no_confusion_is_said_plainly(lenet):
    found = built([with_ensemble(lenet, confusion=np.diag([10] * 10).tolist())])
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
def test_best_and_worst_classes_are_named(lenet, f1, best, worst):
    found = built([with_ensemble(lenet, f1=f1)])
    model = found["models"][0]
    assert model["best"] == {"classes": best, "f1": max(f1)}
    assert model["worst"] == {"classes": worst, "f1": min(f1)}
    assert f"lowest: {' and '.join(worst)} (" in render(found)


def test_classes_shared_by_every_model_are_named(lenet, lstm):
    found = built(shared_class_reports(lenet, lstm))
    assert found["shared"]["confused"] == ["Shirt"]
    assert found["shared"]["worst"] == []
    html = render(found)
    assert "Shirt appears in the largest confusions of every model" in html
    assert "The class with the lowest F1 differs between models" in html


def test_mixed_profiles_are_not_ranked_against_each_other(lenet, lstm):
    found = built([scored(lenet, 0.90, 0.01), scored(lstm, 0.80, 0.01, profile="full")])
    assert found["mixed_profiles"] and found["profiles"] == ["full", "quick"]
    assert [g["terms"]["profile"] for g in found["groups"]] == ["quick", "full"]
    assert all(group["pairs"] == [] for group in found["groups"])
    html = render(found)
    assert "not comparable on equal terms" in html and " leads " not in html


def test_other_training_sizes_form_their_own_group(lenet, lstm):
    smaller = replace(lstm, folds=tuple(replace(f, train_images=20) for f in lstm.folds))
    found = built([scored(lenet, 0.80, 0.01), scored(smaller, 0.90, 0.01)])
    assert not found["mixed_profiles"]
    assert [g["terms"]["train_images"] for g in found["groups"]] == [20, 80]
    assert found["groups"][0]["terms"] == {
        "profile": "quick",
        "train_images": 20,
        "test_images": 50,
    }
    html = render(found)
    assert "has no other model on these terms" in html
    assert "not on equal terms</span>" in html


def test_names_are_escaped(lenet):
    found = built([replace(lenet, display_name="<b>Net</b> & co")], ["<i>"] * 10)
    html = render(found)
    assert "&lt;b&gt;Net&lt;/b&gt; &amp; co" in html and "<b>" not in html
    assert "&lt;i&gt;" in html and "<i>" not in html and "&amp;lt;" not in html


def test_index_page_shows_findings_after_their_heading(tmp_path, monkeypatch):
    directory, arrays = install_site_dataset(tmp_path / "fashion", monkeypatch)
    results_dir = write_results(tmp_path / "results", arrays["t10k-labels-idx1-ubyte"])
    site = context.gather(
        analyse(report.load_reports(results_dir)),
        results_dir,
        content_dir=default_content_dir(),
        data_dir=directory,
        base_url=None,
    )
    index = site.pages[0]
    assert index.path == "index.html"
    env = pages.make_environment(templates_dir())
    html = pages.render_page(env, index.template, index.context).decode("utf-8")
    assert (
        html.index('id="what-the-results-show"')
        < html.index('<section class="findings" id="findings"')
        < html.index('id="reproduce-it"')
    )
    leader = max(report.load_reports(results_dir), key=lambda r: r.test.accuracy.mean)
    assert f">{leader.display_name}</a> leads " in html
    assert "Depth helps" not in html and "nearly solved" not in html
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
