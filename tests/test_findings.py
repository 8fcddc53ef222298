"""Findings of the write-up, computed once by the analysis from the reports (classes as labels).

The helpers here also serve tests/test_site_findings.py, which renders the same findings.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

from bench.analysis.analyse import analyse, rank
from bench.analysis.findings import Comparison, F1Cell, Findings, Terms
from tests.report_fixtures import (
    ANKLE_BOOT,
    BAG,
    COAT,
    DRESS,
    PULLOVER,
    SANDAL,
    SHIRT,
    SNEAKER,
    T_SHIRT,
    TROUSER,
    measured,
    other_test_images,
    right_on,
    scored,
    shared_class_reports,
    with_ensemble,
)

# Fashion-MNIST's labels, in the order of bench.data.CLASS_NAMES


def findings_of(reports) -> Findings:
    return analyse(reports).findings


def only_pair(found: Findings) -> Comparison:
    (group,) = found.groups
    (pair,) = group.pairs
    return pair


def test_leader_is_the_higher_mean_and_swaps_with_the_results(lenet, lstm):
    pair = only_pair(findings_of([scored(lenet, 0.90, 0.002), scored(lstm, 0.88, 0.003)]))
    assert (pair.ahead, pair.behind) == ("lenet5", "lstm")
    assert pair.gap == pytest.approx(0.02) and pair.spread == 0.003
    assert pair.verdict == "beyond_spread"

    swapped = findings_of([scored(lenet, 0.88, 0.003), scored(lstm, 0.90, 0.002)])
    assert only_pair(swapped).ahead == "lstm"


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
        pair = only_pair(findings_of(reports))
        assert (pair.ahead, pair.behind) == (leader, other)
        assert pair.test.t_test.folds == 3
        assert pair.test.t_test_p_holm == pytest.approx(t_p) and pair.test.t_test_significant
        assert pair.test.mcnemar_p_holm == pytest.approx(2 * 0.5**15)
        assert pair.test.mcnemar_significant


def test_a_huge_p_value_is_within_the_noise(three_fold_reports):
    lenet, lstm = three_fold_reports["lenet5"], three_fold_reports["lstm"]
    reports = [
        measured(lenet, [0.90, 0.85, 0.80], right_on(range(0, 40))),
        measured(lstm, [0.80, 0.86, 0.88], right_on(range(1, 41))),  # one image each way
    ]
    found = findings_of(reports)
    test = only_pair(found).test
    assert test.mcnemar_p_holm == 1.0 and not test.mcnemar_significant
    assert test.t_test_p_holm > 0.5 and not test.t_test_significant
    (row,) = found.pairwise
    assert (row.test.mcnemar.only_a, row.test.mcnemar.only_b) == (1, 1) and row.equal_terms


def test_pairwise_p_values_are_holm_adjusted_over_all_pairs(three_fold_reports):
    ranked = rank(three_fold_reports.values())
    found = findings_of(ranked)
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
    rows = found.pairwise
    assert [(r.test.ahead, r.test.behind) for r in rows] == [(a.model, b.model) for a, b in pairs]
    assert [r.test.mcnemar_p_holm for r in rows] == pytest.approx(expected)
    assert all(r.test.t_test is not None for r in rows)
    assert all(r.test.t_test.folds == 3 for r in rows)


def test_no_tests_across_splits_or_test_images(three_fold_reports):
    lenet, lstm = three_fold_reports["lenet5"], three_fold_reports["lstm"]
    reseeded = replace(lstm, folds=tuple(replace(record, seed=1) for record in lstm.folds))
    pair = only_pair(findings_of([lenet, reseeded]))
    assert pair.test is not None and pair.test.t_test is None
    assert pair.verdict in ("beyond_spread", "within_spread")

    found = findings_of([lenet, other_test_images(lstm)])
    assert only_pair(found).test is None and found.pairwise == ()


def test_per_class_f1_table_follows_each_ensemble(lenet, lstm):
    f1_lenet = [0.9, 0.8, 0.7, 0.6, 0.5, 0.9, 0.4, 0.9, 0.9, 0.9]
    f1_lstm = [0.8, 0.9, 0.7, 0.5, 0.6, 0.9, 0.3, 0.9, 0.9, 0.9]
    reports = [
        with_ensemble(scored(lenet, 0.9, 0.01), f1=f1_lenet),
        with_ensemble(scored(lstm, 0.8, 0.01), f1=f1_lstm),
    ]
    table = findings_of(reports).per_class
    assert table.models == ("lenet5", "lstm")
    assert [row.label for row in table.rows] == list(range(10))
    trouser, pullover = table.rows[TROUSER], table.rows[PULLOVER]
    assert trouser.cells == (F1Cell(0.8, best=False), F1Cell(0.9, best=True))
    assert [cell.best for cell in pullover.cells] == [True, True]  # a tie marks both


def test_shared_mistakes_are_the_images_every_ensemble_gets_wrong(three_fold_reports):
    lenet, lstm = three_fold_reports["lenet5"], three_fold_reports["lstm"]
    folds = [0.8, 0.8, 0.8]
    reports = [
        measured(lenet, folds, ~right_on(range(0, 10))),  # wrong on images 0-9
        measured(lstm, folds, ~right_on(range(5, 15))),  # wrong on images 5-14
    ]
    mistakes = findings_of(reports).shared_mistakes
    assert (mistakes.count, mistakes.test_images, mistakes.models) == (5, 50, 2)
    assert mistakes.share == pytest.approx(0.1)
    labels = lenet.predictions.labels
    assert sorted(mistakes.indices.tolist()) == lenet.predictions.indices[5:10].tolist()
    order = [int(np.flatnonzero(lenet.predictions.indices == i)[0]) for i in mistakes.indices]
    assert mistakes.true == tuple(labels[order].tolist())
    assert mistakes.predicted == tuple(((labels[order] + 1) % 10).tolist())  # what both chose

    assert findings_of([lenet, other_test_images(lstm)]).shared_mistakes is None
    assert findings_of([lenet]).shared_mistakes is None


@pytest.mark.parametrize(
    ("lenet_score", "lstm_score", "folds_done", "verdict"),
    [
        ((0.900, 0.010), (0.895, 0.004), 2, "within_spread"),
        ((0.900, 0.001), (0.895, 0.004), 2, "beyond_spread"),
        ((0.900, 0.000), (0.895, 0.000), 1, "no_spread"),
        ((0.900, 0.010), (0.900, 0.010), 2, "tied"),
    ],
)
def test_gap_weighed_against_the_spread(lenet, lstm, lenet_score, lstm_score, folds_done, verdict):
    reports = [
        scored(lenet, *lenet_score, folds_done=folds_done),
        scored(lstm, *lstm_score, folds_done=folds_done),
    ]
    pair = only_pair(findings_of(reports))
    assert pair.verdict == verdict
    assert (pair.spread is None) == (folds_done == 1)


@pytest.mark.parametrize(
    ("cell", "share"), [((SHIRT, T_SHIRT, 7), 7 / 17), ((ANKLE_BOOT, SNEAKER, 8), 8 / 18)]
)
def test_largest_confusion_follows_the_matrix(lenet, cell, share):
    true, predicted, count = cell
    confusion = np.diag([10] * 10)
    confusion[true, predicted] = count
    confusion[PULLOVER, COAT] = 1  # a smaller confusion, named second
    found = findings_of([with_ensemble(lenet, confusion=confusion.tolist())])
    largest, second = found.models[0].confusions
    assert (largest.true, largest.predicted, largest.count) == cell
    assert largest.share == pytest.approx(share)
    assert (second.true, second.predicted) == (PULLOVER, COAT)


def test_no_confusion_leaves_none(lenet):
    found = findings_of([with_ensemble(lenet, confusion=np.diag([10] * 10).tolist())])
    assert found.models[0].confusions == ()


@pytest.mark.parametrize(
    ("f1", "best", "worst"),
    [
        ([0.8, 0.99, 0.8, 0.8, 0.8, 0.8, 0.5, 0.8, 0.8, 0.8], (TROUSER,), (SHIRT,)),
        ([0.8, 0.8, 0.8, 0.8, 0.6, 0.8, 0.8, 0.8, 0.97, 0.8], (BAG,), (COAT,)),
        ([0.8, 0.8, 0.4, 0.8, 0.8, 0.9, 0.4, 0.8, 0.8, 0.9], (SANDAL, ANKLE_BOOT),
         (PULLOVER, SHIRT)),
    ],
)  # fmt: skip
def test_best_and_worst_classes_follow_f1(lenet, f1, best, worst):
    model = findings_of([with_ensemble(lenet, f1=f1)]).models[0]
    assert (model.best.labels, model.best.f1) == (best, max(f1))
    assert (model.worst.labels, model.worst.f1) == (worst, min(f1))


def test_classes_shared_by_every_model(lenet, lstm):
    found = findings_of(shared_class_reports(lenet, lstm))
    assert found.shared.confused == (SHIRT,)
    assert found.shared.worst == ()
    assert found.shared.best == (
        T_SHIRT,
        TROUSER,
        PULLOVER,
        DRESS,
        SANDAL,
        SNEAKER,
        BAG,
        ANKLE_BOOT,
    )


def test_one_model_shares_nothing(lenet):
    found = findings_of([lenet])
    assert (found.shared.confused, found.shared.worst, found.shared.best) == ((), (), ())


def test_mixed_profiles_are_not_ranked_against_each_other(lenet, lstm):
    found = findings_of([scored(lenet, 0.90, 0.01), scored(lstm, 0.80, 0.01, profile="full")])
    assert found.mixed_profiles and found.profiles == ("full", "quick")
    assert [g.terms.profile for g in found.groups] == ["quick", "full"]
    assert all(group.pairs == () for group in found.groups)


def test_other_training_sizes_form_their_own_group(lenet, lstm):
    smaller = replace(lstm, folds=tuple(replace(f, train_images=20) for f in lstm.folds))
    found = findings_of([scored(lenet, 0.80, 0.01), scored(smaller, 0.90, 0.01)])
    assert not found.mixed_profiles
    assert [g.terms for g in found.groups] == [Terms("quick", 20, 50), Terms("quick", 80, 50)]
    assert [g.models for g in found.groups] == [("lstm",), ("lenet5",)]
    (row,) = found.pairwise
    assert not row.equal_terms  # tested all the same, but not on equal terms
