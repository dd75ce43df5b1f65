"""Gestures from edges: boundaries are exact, bounce is ignored."""

from __future__ import annotations

import pytest

from coach.gestures import Edge, GestureClassifier, Thresholds


@pytest.mark.parametrize(
    ("held", "gesture"),
    [
        (0.029, None),
        (0.03, "press"),
        (0.999, "press"),
        (1.0, "long"),
        (2.999, "long"),
        (3.0, "stop"),
        (10.0, "stop"),
    ],
)
def test_gesture_by_how_long_the_button_was_held(held: float, gesture: str | None) -> None:
    c = GestureClassifier()
    assert c.edge(Edge(True, 100.0)) is None
    assert c.edge(Edge(False, 100.0 + held)) == gesture


def test_release_without_a_press_is_ignored() -> None:
    assert GestureClassifier().edge(Edge(False, 1.0)) is None


def test_a_second_press_edge_does_not_restart_the_hold() -> None:
    c = GestureClassifier()
    c.edge(Edge(True, 0.0))
    c.edge(Edge(True, 0.8))
    assert c.edge(Edge(False, 1.2)) == "long"


def test_threshold_crossings_are_reported_once_each() -> None:
    c = GestureClassifier(Thresholds(long_seconds=1.0, stop_seconds=3.0))
    assert c.next_crossing() is None
    c.edge(Edge(True, 10.0))
    assert c.next_crossing() == 11.0
    assert c.crossings(10.5) == []
    assert c.crossings(11.0) == ["long"]
    assert c.next_crossing() == 13.0
    assert c.crossings(12.0) == []
    assert c.crossings(13.5) == ["stop"]
    assert c.next_crossing() is None
    c.edge(Edge(False, 14.0))
    assert not c.is_held


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="bounce < long < stop"):
        Thresholds(long_seconds=3.0, stop_seconds=2.0)


def test_nominal_press_lengths() -> None:
    t = Thresholds(long_seconds=1.0, stop_seconds=3.0)
    assert [t.nominal_hold_seconds(g) for g in ("press", "long", "stop")] == [0.1, 1.2, 3.2]


@pytest.mark.parametrize("down", [63.1, 62.1, 0.1, 0.7, 1e6 + 0.3, 12345.6789])
def test_a_threshold_is_reached_at_the_very_deadline_it_gives(down: float) -> None:
    # 63.1 + 1.0 - 63.1 is 0.9999999999999929: the deadline must still count as reached.
    c = GestureClassifier()
    c.edge(Edge(True, down))
    long_at = c.next_crossing()
    assert long_at is not None
    assert c.crossings(long_at) == ["long"]
    stop_at = c.next_crossing()
    assert stop_at is not None and stop_at > long_at
    assert c.crossings(stop_at) == ["stop"]
    assert c.next_crossing() is None


@pytest.mark.parametrize("down", [63.1, 62.1, 0.7])
def test_a_release_at_a_crossing_is_the_gesture_that_was_announced(down: float) -> None:
    for limit, gesture in ((1.0, "long"), (3.0, "stop")):
        c = GestureClassifier()
        c.edge(Edge(True, down))
        assert c.edge(Edge(False, down + limit)) == gesture
