"""The write-up's findings, computed once from the ranked reports and their pairwise tests.

Which models can be ranked against each other and how their gaps compare with the spread of
their folds, where each model's ensemble goes wrong, what every model has in common and which
test images all of them miss. Classes are labels (0-9) here; the site names them, words the
verdicts and formats the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from bench import metrics
from bench.analysis import significance
from bench.analysis.report import ModelReport

CONFUSIONS_SHOWN = 2  # largest off-diagonal cells named per model
SHARED_MISTAKES_SHOWN = 16  # test images every ensemble gets wrong, shown on the post


@dataclass(frozen=True)
class Terms:
    """What must match for two models to be ranked against each other, besides the model: the
    profile, the training images each fold model saw and the number of test images scored."""

    profile: str
    train_images: int
    test_images: int


@dataclass(frozen=True)
class Comparison:
    """Two neighbours of a ranking group, ``ahead`` ranked above ``behind``: the gap in mean
    test accuracy, the larger of their fold-to-fold standard deviations (None when either has
    a single fold), the verdict of one against the other, and the pair's tests (None when they
    were not scored on the same test images)."""

    ahead: str
    behind: str
    gap: float
    spread: float | None
    verdict: str  # "tied", "no_spread", "beyond_spread" or "within_spread"
    test: significance.PairTest | None


@dataclass(frozen=True)
class RankingGroup:
    """Models on equal terms, in ranking order, with one comparison per neighbouring pair."""

    terms: Terms
    models: tuple[str, ...]
    pairs: tuple[Comparison, ...]


@dataclass(frozen=True)
class PairFinding:
    """One pair's tests and whether the two models were trained and scored on equal terms."""

    test: significance.PairTest
    equal_terms: bool


@dataclass(frozen=True)
class Confusion:
    """An off-diagonal cell of the ensemble's confusion matrix and its share of the true class."""

    true: int
    predicted: int
    count: int
    share: float


@dataclass(frozen=True)
class ExtremeClasses:
    """Every class whose F1 equals ``f1`` (ties are all kept), in label order."""

    labels: tuple[int, ...]
    f1: float


@dataclass(frozen=True)
class ModelFindings:
    """One model's ensemble: its largest confusions and its best and worst classes by F1."""

    model: str
    confusions: tuple[Confusion, ...]
    best: ExtremeClasses
    worst: ExtremeClasses


@dataclass(frozen=True)
class SharedClasses:
    """Classes, in label order, common to every model (two or more): in its largest confusions,
    among its worst and among its best classes. Empty when nothing is shared or with one model."""

    confused: tuple[int, ...]
    worst: tuple[int, ...]
    best: tuple[int, ...]


@dataclass(frozen=True)
class F1Cell:
    f1: float
    best: bool  # the highest F1 of its class (every one of them on a tie)


@dataclass(frozen=True)
class PerClassRow:
    label: int
    cells: tuple[F1Cell, ...]  # one per model, in ranking order


@dataclass(frozen=True)
class PerClassF1:
    """Every class's F1 for every model's ensemble: one row per class, one column per model."""

    models: tuple[str, ...]
    rows: tuple[PerClassRow, ...]


@dataclass(frozen=True)
class SharedMistakes:
    """The test images every model's ensemble gets wrong: how many, and the ``shown`` most
    confidently wrong (their test-image indices, true labels and the wrong label most
    ensembles chose)."""

    count: int
    test_images: int
    share: float
    models: int
    indices: np.ndarray
    true: tuple[int, ...]
    predicted: tuple[int, ...]


@dataclass(frozen=True)
class Findings:
    """Every finding of the post, models in ranking order."""

    profiles: tuple[str, ...]  # sorted
    groups: tuple[RankingGroup, ...]
    pairwise: tuple[PairFinding, ...]
    models: tuple[ModelFindings, ...]
    shared: SharedClasses
    per_class: PerClassF1
    shared_mistakes: SharedMistakes | None

    @property
    def mixed_profiles(self) -> bool:
        return len(self.profiles) > 1


def find(ranked: Sequence[ModelReport], tests: Sequence[significance.PairTest]) -> Findings:
    """The findings of ``ranked`` (best first) and the tests of its pairs."""
    by_name = {r.model: r for r in ranked}
    models = tuple(model_findings(r) for r in ranked)
    return Findings(
        profiles=tuple(sorted({r.profile for r in ranked})),
        groups=ranking_groups(ranked, tests),
        pairwise=tuple(
            PairFinding(test, terms(by_name[test.ahead]) == terms(by_name[test.behind]))
            for test in tests
        ),
        models=models,
        shared=shared_classes(models),
        per_class=per_class_f1(ranked),
        shared_mistakes=shared_mistakes(ranked),
    )


def terms(report: ModelReport) -> Terms:
    return Terms(
        profile=report.profile,
        train_images=max(record.train_images for record in report.folds),
        test_images=report.test_images,
    )


def ranking_groups(
    ranked: Sequence[ModelReport], tests: Sequence[significance.PairTest] = ()
) -> tuple[RankingGroup, ...]:
    """Models grouped by equal terms, each group in ranking order; models in different groups
    are never compared. The group holding the best model comes first."""
    grouped: dict[Terms, list[ModelReport]] = {}
    for report in ranked:
        grouped.setdefault(terms(report), []).append(report)
    return tuple(
        RankingGroup(
            terms=key,
            models=tuple(r.model for r in members),
            pairs=tuple(
                compare(ahead, behind, significance.find(tests, ahead.model, behind.model))
                for ahead, behind in pairwise(members)
            ),
        )
        for key, members in grouped.items()
    )


def compare(
    ahead: ModelReport, behind: ModelReport, test: significance.PairTest | None = None
) -> Comparison:
    """The gap in mean test accuracy between two comparable models, weighed against the larger
    of their fold-to-fold standard deviations."""
    ahead_accuracy, behind_accuracy = ahead.test.accuracy, behind.test.accuracy
    gap = ahead_accuracy.mean - behind_accuracy.mean
    few_folds = min(ahead.folds_done, behind.folds_done) < 2
    spread = None if few_folds else max(ahead_accuracy.std, behind_accuracy.std)
    if gap == 0:
        verdict = "tied"
    elif spread is None:
        verdict = "no_spread"
    elif gap > spread:
        verdict = "beyond_spread"
    else:
        verdict = "within_spread"
    return Comparison(ahead.model, behind.model, gap, spread, verdict, test)


def confusions(confusion: Sequence[Sequence[int]], shown: int) -> tuple[Confusion, ...]:
    """The ``shown`` largest off-diagonal cells, largest first, with their share of the true
    class (0 for a class without test images)."""
    totals = np.asarray(confusion).sum(axis=1)
    return tuple(
        Confusion(true, predicted, count, float(count / totals[true]) if totals[true] else 0.0)
        for true, predicted, count in metrics.most_confused_pairs(confusion, shown)
    )


def model_findings(report: ModelReport) -> ModelFindings:
    f1 = report.ensemble.per_class.f1
    return ModelFindings(
        model=report.model,
        confusions=confusions(report.ensemble.confusion, CONFUSIONS_SHOWN),
        best=extreme_classes(f1, max(f1)),
        worst=extreme_classes(f1, min(f1)),
    )


def extreme_classes(f1: Sequence[float], value: float) -> ExtremeClasses:
    return ExtremeClasses(tuple(label for label, score in enumerate(f1) if score == value), value)


def shared_classes(models: Sequence[ModelFindings]) -> SharedClasses:
    def common(sets: list[set[int]]) -> tuple[int, ...]:
        if len(sets) < 2:
            return ()
        return tuple(sorted(set.intersection(*sets)))

    return SharedClasses(
        confused=common(
            [{label for c in m.confusions for label in (c.true, c.predicted)} for m in models]
        ),
        worst=common([set(m.worst.labels) for m in models]),
        best=common([set(m.best.labels) for m in models]),
    )


def per_class_f1(ranked: Sequence[ModelReport]) -> PerClassF1:
    """The per-class F1 table, the highest F1 of each row marked (all of them when tied)."""
    table = np.array([r.ensemble.per_class.f1 for r in ranked])  # models x classes
    return PerClassF1(
        models=tuple(r.model for r in ranked),
        rows=tuple(
            PerClassRow(
                label,
                tuple(F1Cell(float(f1), bool(f1 == column.max())) for f1 in column),
            )
            for label, column in enumerate(table.T)
        ),
    )


def shared_mistakes(
    ranked: Sequence[ModelReport], shown: int = SHARED_MISTAKES_SHOWN
) -> SharedMistakes | None:
    """The test images that every model's ensemble gets wrong, the most confidently wrong (by
    the ensembles' mean probability of their wrong answers) first, each with the wrong class
    most ensembles chose (the lowest label on a tie). None unless two or more models were
    scored on the same test images."""
    if len(ranked) < 2 or not all(significance.same_test_images(ranked[0], r) for r in ranked[1:]):
        return None
    predictions = [r.predictions for r in ranked]
    labels = predictions[0].labels
    positions = np.flatnonzero(np.logical_and.reduce([p.predicted != labels for p in predictions]))
    chosen = np.stack([p.predicted[positions] for p in predictions])  # models x images
    confidence = np.mean(
        [p.probabilities[positions, p.predicted[positions]] for p in predictions], axis=0
    )
    order = np.lexsort((positions, -confidence))[:shown]
    return SharedMistakes(
        count=int(positions.size),
        test_images=int(labels.size),
        share=positions.size / labels.size if labels.size else 0.0,
        models=len(ranked),
        indices=predictions[0].indices[positions[order]],
        true=tuple(labels[positions[order]].astype(int).tolist()),
        predicted=tuple(int(np.bincount(chosen[:, i]).argmax()) for i in order),
    )
