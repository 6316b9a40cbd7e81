"""The benchmark's verdicts: a target missed is FAIL unless the floor measured beside it misses
the goal too (FLOOR); only FAIL makes the run's exit status non-zero."""

from __future__ import annotations

import pytest

from benchmarks.__main__ import Row, exit_status, render, stopped_by_floor


@pytest.mark.parametrize(
    ("service", "floor", "goal", "at_most", "errors", "expected"),
    [
        (30.0, 27.0, 25.0, True, 0, True),  # p99 over the goal, and so is the least work
        (30.0, 20.0, 25.0, True, 0, False),  # the floor meets it: the service could
        (20.0, 30.0, 25.0, True, 0, False),  # met: nothing stops it
        (30.0, 27.0, 25.0, True, 3, False),  # errors are never excused by a floor
        (0.50, 0.61, 0.70, False, 0, True),  # a minimum: the floor's share is below it too
        (0.50, 0.72, 0.70, False, 0, False),
        (0.75, 0.60, 0.70, False, 0, False),
    ],
)
def test_a_target_is_stopped_by_its_floor_only_when_the_floor_misses_the_goal_too(
    service: float, floor: float, goal: float, at_most: bool, errors: int, expected: bool
) -> None:
    assert stopped_by_floor(service, floor, goal, at_most=at_most, errors=errors) is expected


def test_verdicts_and_what_they_print() -> None:
    rows = [
        Row("met", "1", "", "≤ 2", True),
        Row("missed", "3", "floor 1", "≤ 2", False),
        Row("floor-bound", "3", "floor 2.5", "≤ 2", False, floor_bound=True),
        Row("absent", "not run", "", "≤ 2", None),
        Row("context", "9", "", "reference", None),
    ]
    assert [r.verdict for r in rows] == ["PASS", "FAIL", "FLOOR", "not run", "—"]
    # a target met is PASS even if a floor was (wrongly) marked: meeting it is what counts
    assert Row("met", "1", "", "≤ 2", True, floor_bound=True).verdict == "PASS"
    cells = {
        line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
        for line in render(rows, "header").splitlines()[4:]
    }
    assert cells["floor-bound"] == ["3", "floor 2.5", "≤ 2", "FLOOR"]
    assert cells["missed"][-1] == "FAIL"


def test_the_exit_status_fails_only_on_a_target_that_is_fail() -> None:
    floor_bound = Row("floor-bound", "3", "", "≤ 2", False, floor_bound=True)
    met = Row("met", "1", "", "≤ 2", True)
    not_run = Row("absent", "not run", "", "≤ 2", None)
    assert exit_status([met, floor_bound, not_run]) == 0
    assert exit_status([met, floor_bound, Row("missed", "3", "", "≤ 2", False)]) == 1
