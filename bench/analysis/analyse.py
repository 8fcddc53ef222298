"""The analysis of a results folder, computed once into typed values before any page is built.

Every model's report ranked, with its intervals and calibration, the tests of every pair of
models and the findings of the write-up (``findings``). The site reads these values and formats
them; it computes no statistic of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bench.analysis import calibration, findings, reproduction, significance
from bench.analysis.findings import Findings
from bench.analysis.report import ModelReport


@dataclass(frozen=True)
class ModelAnalysis:
    """One model: its report (folds, scores, ensemble) and what the analysis made of it."""

    report: ModelReport
    intervals: significance.Intervals
    calibration: calibration.Calibration


@dataclass(frozen=True)
class Analysis:
    """Every model, best mean test accuracy first, the tests of every pair, the findings and
    the commands that retrain the stored folds."""

    models: tuple[ModelAnalysis, ...]
    pairwise: tuple[significance.PairTest, ...]
    findings: Findings
    commands: tuple[reproduction.Command, ...] = ()

    @property
    def reports(self) -> tuple[ModelReport, ...]:
        return tuple(m.report for m in self.models)


def rank(reports: Iterable[ModelReport]) -> list[ModelReport]:
    """Best mean test accuracy first; equal means in model-name order, so the order is stable."""
    return sorted(reports, key=lambda r: (-r.test.accuracy.mean, r.model))


def analyse(reports: Iterable[ModelReport]) -> Analysis:
    """Rank the reports, then compute each model's intervals and calibration, every pair's
    tests (``significance.pairwise``), the findings drawn from them (``findings.find``) and the
    commands that retrain the folds (``reproduction.reproduce_commands``)."""
    ranked = rank(reports)
    tests = tuple(significance.pairwise(ranked))
    return Analysis(
        models=tuple(
            ModelAnalysis(r, significance.model_intervals(r), calibration.calibrate(r))
            for r in ranked
        ),
        pairwise=tests,
        findings=findings.find(ranked, tests),
        commands=reproduction.reproduce_commands(ranked),
    )
