"""The time budget: durations, furthest-first order, fold-time prediction and admission."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from bench.durations import format_duration, parse_duration
from bench.errors import BenchError
from bench.train.budget import Budget, FoldTimer, furthest_first


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("90m", 5400.0),
        ("2h", 7200.0),
        ("1h30m", 5400.0),
        ("45s", 45.0),
        ("1h30m15s", 5415.0),
        ("1.5h", 5400.0),
        ("0.5m", 30.0),
        ("2m30s", 150.0),
        ("1h15s", 3615.0),
        ("  90m\n", 5400.0),
        ("1H30M", 5400.0),
        ("1h 30m", 5400.0),  # what format_duration prints reads back
        ("0h5m", 300.0),
    ],
)
def test_parse_duration_accepts(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text",
    ["0", "0m", "0h0m0s", "-5m", "abc", "", "   ", "5", "5x", "m", "30m1h", "1h1h", "1.h", "5 m"],
)
def test_parse_duration_rejects_with_one_line_naming_option_and_format(text):
    with pytest.raises(BenchError) as raised:
        parse_duration(text)
    message = str(raised.value)
    assert message.startswith(f"--time-budget {text!r}:")
    assert "90m" in message
    assert "\n" not in message


def test_parse_duration_names_the_option_it_is_given():
    with pytest.raises(BenchError, match=r"^--deadline 'soon':"):
        parse_duration("soon", option="--deadline")


@pytest.mark.parametrize(
    "seconds, shown",
    [
        (5400, "1h 30m"),
        (725, "12m 5s"),
        (40, "40s"),
        (3600, "1h"),
        (3601, "1h 1s"),
        (7384, "2h 3m 4s"),
        (59.6, "1m"),
        (0, "0s"),
        (0.3, "0s"),
        (-12, "0s"),
    ],
)
def test_format_duration(seconds, shown):
    assert format_duration(seconds) == shown


class Item(NamedTuple):
    model: str
    fold: int


def _order(items: list[Item]) -> list[tuple[str, int]]:
    ordered = furthest_first(
        items, model_of=lambda item: item.model, fold_of=lambda item: item.fold
    )
    return [(item.model, item.fold) for item in ordered]


@pytest.mark.parametrize(
    "given, expected",
    [
        # equal counts: plain round-robin, models in the order they first appear
        (
            [("lstm", 1), ("resnet", 0), ("lstm", 0), ("resnet", 1)],
            [("lstm", 0), ("resnet", 0), ("lstm", 1), ("resnet", 1)],
        ),
        # lenet5 has one fold more to train: it goes first, then the two take turns
        (
            [("lenet5", 0), ("lenet5", 1), ("lenet5", 2), ("lstm", 0), ("lstm", 1)],
            [("lenet5", 0), ("lenet5", 1), ("lstm", 0), ("lenet5", 2), ("lstm", 1)],
        ),
        # the case: an empty model and two nearly complete ones (8 of 10 stored); the
        # empty one is brought level before the others' last folds, which then alternate
        (
            [("alexnet", 8), ("alexnet", 9), ("resnet34", 8), ("resnet34", 9)]
            + [("compact", fold) for fold in range(10)],
            [("compact", fold) for fold in range(8)]
            + [("alexnet", 8), ("resnet34", 8), ("compact", 8)]
            + [("alexnet", 9), ("resnet34", 9), ("compact", 9)],
        ),
        # a model whose missing folds are not contiguous keeps its lowest fold first
        (
            [("a", 7), ("a", 2), ("b", 5)],
            [("a", 2), ("a", 7), ("b", 5)],
        ),
        ([], []),
    ],
)
def test_furthest_first_brings_the_model_with_most_folds_left_level_then_alternates(
    given, expected
):
    assert _order([Item(*pair) for pair in given]) == expected


def test_furthest_first_leaves_input_alone_and_keeps_duplicates_in_order():
    items = [Item("b", 1), Item("a", 0), Item("b", 0), Item("b", 0)]
    before = list(items)
    ordered = furthest_first(
        items, model_of=lambda item: item.model, fold_of=lambda item: item.fold
    )
    assert items == before
    # b has three folds left against a's one: b0, b0, then b1 and a0 level, b first seen
    assert [id(item) for item in ordered] == [
        id(items[2]),
        id(items[3]),
        id(items[0]),
        id(items[1]),
    ]


def test_fold_timer_knows_nothing_about_an_untimed_model():
    timer = FoldTimer()
    timer.record("lenet5", seconds=10, work=100)
    assert timer.predict("lstm", work=100) is None


def test_fold_timer_scales_the_most_pessimistic_rate_by_work():
    timer = FoldTimer()
    timer.record("lenet5", seconds=10, work=100)  # 0.1 s per unit
    timer.record("lenet5", seconds=30, work=200)  # 0.15 s per unit: the slowest wins
    timer.record("lenet5", seconds=12, work=200)  # 0.06 s per unit
    timer.record("lstm", seconds=100, work=100)  # another model's rate never leaks in
    assert timer.predict("lenet5", work=400) == pytest.approx(60.0)


def test_fold_timer_uses_prior_only_until_the_model_is_timed():
    timer = FoldTimer()
    timer.prior("lenet5", seconds=50, work=100)  # an earlier, slower machine
    timer.prior("lenet5", seconds=20, work=100)
    assert timer.predict("lenet5", work=10) == pytest.approx(5.0)
    timer.record("lenet5", seconds=1, work=100)
    assert timer.predict("lenet5", work=10) == pytest.approx(0.1)


@pytest.mark.parametrize("seconds, work", [(10, 0), (10, -1), (-1, 10)])
def test_fold_timer_refuses_impossible_timings(seconds, work):
    with pytest.raises(ValueError, match="cannot time a fold"):
        FoldTimer().record("lenet5", seconds=seconds, work=work)


class FakeClock:
    """A clock that only moves when the test says so."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_budget_counts_down_from_construction():
    clock = FakeClock()
    clock.advance(500)  # time before the budget was built does not count
    budget = Budget(seconds=60, clock=clock)
    assert budget.remaining() == pytest.approx(60)
    clock.advance(45)
    assert budget.remaining() == pytest.approx(15)
    assert not budget.deadline_passed()
    clock.advance(20)
    assert budget.remaining() == pytest.approx(-5)
    assert budget.deadline_passed()


@pytest.mark.parametrize(
    "elapsed, predicted, allowed",
    [
        (0, 59, True),  # fits
        (0, 60, True),  # fits exactly
        (0, 61, False),  # would overshoot
        (50, 9, True),
        (50, 11, False),
        (0, None, True),  # untimed model: a guess, allowed while time remains
        (59.5, None, True),
        (60, None, False),  # deadline reached: nothing more starts
        (60, 0, False),
        (75, None, False),
        (75, 1, False),
    ],
)
def test_budget_allows_only_folds_predicted_to_finish(elapsed, predicted, allowed):
    clock = FakeClock()
    budget = Budget(seconds=60, clock=clock)
    clock.advance(elapsed)
    assert budget.allows(predicted) is allowed
