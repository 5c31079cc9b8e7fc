"""The flood guard on a manual clock: when a charger's frames are refused, and when its socket is closed.

Integration tests in test_bad_input.py send real frames; these replay long floods (seconds of traffic) on a
clock the test advances, so no test sleeps.
"""

from __future__ import annotations

from bot.config import Rate, load_settings
from ocpp_bridge.core import BridgeOptions, options_from_settings
from ocpp_bridge.link import FloodGuard


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def replay(guard: FloodGuard, clock: Clock, per_second: float, seconds: float) -> tuple[int, int, float | None]:
    """Send frames evenly at `per_second`; (admitted, refused, time of the close or None)."""
    admitted = refused = 0
    for n in range(int(per_second * seconds)):
        clock.now = n / per_second
        if guard.admit():
            admitted += 1
            continue
        refused += 1
        if guard.refuse():
            return admitted, refused, clock.now
    return admitted, refused, None


def default_guard(clock: Clock) -> FloodGuard:
    options = BridgeOptions()
    return FloodGuard(options.rate_per_second, options.rate_burst, options.flood_close_after, options.flood_window,
                      clock)


def test_1000_frames_a_second_is_closed_within_a_second() -> None:
    clock = Clock()
    admitted, refused, closed = replay(default_guard(clock), clock, 1000, 10)
    assert refused == 200 and closed is not None and closed < 0.3
    assert admitted == 62  # the burst of 60, then one per 100 ms


def test_a_charger_within_the_rate_is_never_refused() -> None:
    clock = Clock()
    assert replay(default_guard(clock), clock, 10, 120) == (1200, 0, None)


def test_a_charger_slightly_over_the_rate_is_refused_but_not_closed() -> None:
    clock = Clock()
    admitted, refused, closed = replay(default_guard(clock), clock, 12, 120)
    assert closed is None and 0 < refused < 300 and admitted + refused == 1440


def test_a_sustained_flood_at_three_times_the_rate_is_closed() -> None:
    clock = Clock()
    _, refused, closed = replay(default_guard(clock), clock, 30, 60)
    assert refused >= 200 and closed is not None and closed < 20


def test_no_flood_limit_never_closes_and_no_rate_limit_never_refuses() -> None:
    clock = Clock()
    assert replay(FloodGuard(10, 60, None, 10, clock), clock, 1000, 2)[2] is None
    clock = Clock()
    assert replay(FloodGuard(None, 60, 200, 10, clock), clock, 1000, 2) == (2000, 0, None)


def test_the_limits_come_from_the_settings() -> None:
    settings = load_settings({"CHARGELINE_OCPP_RATE_LIMIT": "30/2s", "CHARGELINE_OCPP_FLOOD_LIMIT": "50/5s"},
                             dotenv=None)
    assert (settings.ocpp_rate_limit, settings.ocpp_flood_limit) == (Rate(30, 2.0), Rate(50, 5.0))
    options = options_from_settings(settings, node_id="n1")
    assert (options.rate_per_second, options.rate_burst, options.flood_close_after, options.flood_window,
            options.node_id) == (15.0, 30, 50, 5.0, "n1")
    off = options_from_settings(load_settings({"CHARGELINE_OCPP_RATE_LIMIT": "off",
                                               "CHARGELINE_OCPP_FLOOD_LIMIT": "off"}, dotenv=None))
    assert (off.rate_per_second, off.flood_close_after) == (None, None)
    default = options_from_settings(load_settings({}, dotenv=None))
    assert (default.rate_per_second, default.rate_burst, default.flood_close_after, default.flood_window) == (
        10.0, 60, 200, 10.0)
