"""The benchmark's arithmetic: percentiles that count what was lost, a capacity search that never
reports a rate above one that failed, interleaved rounds, and how the figures are shown."""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

from penghubung.bench.common import CpuMeter, Rounds, Search, search_capacity, spread
from penghubung.bench.results import Figure, Goal, GoalKind, Run, markdown


def test_a_lost_hop_counts_as_infinitely_late() -> None:
    landed = [0.010] * 99

    one_lost = spread(landed, lost=1)
    two_lost = spread(landed, lost=2)

    assert one_lost["count"] == 100
    assert one_lost["lost"] == 1
    assert one_lost["p99"] == 10.0  # 1 % lost: the p99 is still among the landed
    assert math.isinf(one_lost["max"])
    assert math.isinf(two_lost["p99"])  # more than 1 % lost: the p99 is not met
    assert two_lost["p50"] == 10.0


def test_nothing_sent_gives_no_percentile() -> None:
    assert math.isnan(spread([])["p99"])


def test_everything_lost_is_infinite() -> None:
    assert math.isinf(spread([], lost=3)["p50"])


async def _search(capacity: float, **kw: float | bool | None) -> tuple[Search, list[float]]:
    """Search a system that passes every rate up to `capacity`; the rates it was asked for."""
    asked: list[float] = []

    async def tries(rate: float) -> bool:
        asked.append(rate)
        return rate <= capacity

    defaults: dict[str, float | bool | None] = {"lowest": 25.0, "highest": 3200.0, "steps": 6}
    found = await search_capacity(tries, 200.0, **{**defaults, **kw})  # type: ignore[arg-type]
    return found, asked


async def test_the_search_brackets_down_then_bisects() -> None:
    found, asked = await _search(130.0)

    assert asked == [200.0, 100.0, 150.0, 125.0, 137.5]  # then within 10 %: done
    assert found.good == 125.0
    assert found.bad == 137.5
    assert found.bound == ""


async def test_the_search_brackets_up_while_rates_pass() -> None:
    found, asked = await _search(500.0)

    assert asked[:3] == [200.0, 400.0, 800.0]
    assert found.good is not None
    assert 400.0 <= found.good <= 500.0
    assert found.bad is not None
    assert found.bad > 500.0


async def test_the_search_never_reports_a_rate_above_one_that_failed() -> None:
    """A noisy system: 100 fails, then 150 would pass. It is never tried, nor reported."""
    asked: list[float] = []

    async def tries(rate: float) -> bool:
        asked.append(rate)
        return rate in (50.0, 150.0)

    found = await search_capacity(tries, 200.0, lowest=25.0, highest=3200.0, steps=6)

    assert found.good is not None
    assert found.bad is not None
    assert found.good < found.bad
    assert found.good <= min(r for r, ok in found.tried if not ok)
    assert 150.0 not in asked
    assert found.value == found.good


async def test_a_search_whose_lowest_rate_fails_says_below() -> None:
    found, asked = await _search(10.0, steps=10)

    assert asked == [200.0, 100.0, 50.0, 25.0]
    assert found.good is None
    assert found.value == 25.0
    assert found.bound == "below"
    figure = Figure("hop", "highest rate", found.value, "ev/s", bound=found.bound)
    assert figure.shown() == "below 25 ev/s"


async def test_a_search_that_never_fails_says_at_least() -> None:
    found, _ = await _search(1e9, steps=3)

    assert found.value == 800.0
    assert found.bound == "at least"


async def test_a_known_first_verdict_is_not_tried_again() -> None:
    found, asked = await _search(130.0, first=False, steps=3)

    assert asked == [100.0, 150.0]
    assert found.tried[0] == (200.0, False)


async def test_the_search_keeps_to_its_budget() -> None:
    found, asked = await _search(130.0, steps=4)

    assert len(asked) == 4
    assert len(found.tried) == 4


def test_interleaved_rounds_give_the_median_ratio_and_its_range() -> None:
    rounds = Rounds(measured=[50.0, 60.0, 90.0], baseline=[100.0, 100.0, 100.0])
    figure = Figure(
        "relay",
        "publishes",
        rounds.value,
        "ev/s",
        "raw",
        rounds.baseline_value,
        Goal(GoalKind.RATIO_AT_LEAST, 0.5),
        ratios=rounds.ratios,
    )

    assert rounds.value == 60.0
    assert figure.ratio == 0.6
    assert figure.shown_ratio() == "0.60× (0.50–0.90)"
    assert figure.met is True


def test_the_ratio_is_the_median_of_the_rounds_not_of_the_medians() -> None:
    rounds = Rounds(measured=[10.0, 30.0, 20.0], baseline=[10.0, 60.0, 10.0])
    figure = Figure("append", "x", rounds.value, "ev/s", "raw", rounds.baseline_value)
    with_rounds = Figure(
        "append", "x", rounds.value, "ev/s", "raw", rounds.baseline_value, ratios=rounds.ratios
    )

    assert figure.ratio == 2.0  # 20 / 10
    assert with_rounds.ratio == 1.0  # median of 1.0, 0.5, 2.0


def test_an_infinite_p99_misses_its_goal_and_shows_as_infinity() -> None:
    figure = Figure("hop", "p99", math.inf, "ms", "append", 5.0, Goal(GoalKind.AT_MOST, 20))

    assert figure.met is False
    assert figure.shown() == "∞ ms"
    assert figure.ratio is None
    assert "| ∞ ms |" in markdown([figure])


def test_a_rate_below_the_lowest_tried_misses_a_goal_above_it() -> None:
    below = Figure(
        "journeys", "sustained", 1.0, "/s", goal=Goal(GoalKind.AT_LEAST, 50), bound="below"
    )
    at_least = Figure(
        "journeys", "sustained", 100.0, "/s", goal=Goal(GoalKind.AT_LEAST, 50), bound="at least"
    )
    at_least_short = Figure(
        "journeys", "sustained", 10.0, "/s", goal=Goal(GoalKind.AT_LEAST, 50), bound="at least"
    )

    assert below.met is False
    assert at_least.met is True
    assert at_least_short.met is None  # it might have passed higher: not told


def test_the_results_file_is_plain_json(tmp_path: Path) -> None:
    figure = Figure("hop", "p99", math.inf, "ms", "append", math.nan)
    run = Run(meta={}, figures=[figure], details={"hop": {"p99": math.inf, "none": math.nan}})

    run.write(tmp_path / "results.json")
    body = json.loads((tmp_path / "results.json").read_text())

    assert body["figures"][0]["value"] == "inf"
    assert body["figures"][0]["shown"] == "∞ ms"
    assert body["details"]["hop"] == {"p99": "inf", "none": None}


@dataclass
class _Times:
    user: float
    system: float = 0.0


@dataclass
class _Process:
    """What the CPU meter asks of a psutil process."""

    pid: int
    used: float

    def create_time(self) -> float:
        return 1000.0 + self.pid

    def cpu_times(self) -> _Times:
        return _Times(self.used)


def test_the_cpu_meter_counts_what_each_group_used_while_it_ran() -> None:
    old = _Process(1, used=50.0)  # ran before the meter: only what it uses from now on
    leaving = _Process(2, used=3.0)
    members = {"service": [old, leaving], "backends": []}
    meter = CpuMeter({name: (lambda n=name: members[n]) for name in members}, every=3600)

    with meter:
        start = time.monotonic()
        old.used += 2.0
        leaving.used += 1.0
        meter._take()  # a sample, as the thread takes them
        members["service"] = [old]  # the process ended: what was seen of it stays
        members["backends"] = [_Process(3, used=4.0)]  # new: counted whole
        old.used += 0.5
        end = time.monotonic()

    used = meter.between(start, end)
    assert used["service"] == 3.5
    assert used["backends"] == 4.0
    assert meter.totals == used
