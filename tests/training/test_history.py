"""The curves a model file keeps: thinned, read back, and refused when forged."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from symnet.training.results import HISTORY_POINTS, History

finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(st.lists(finite, min_size=1, max_size=3000), st.integers(2, 50))
def test_a_thinned_curve_keeps_its_ends_and_its_epochs(loss, every):
    recorded = list(range(every, len(loss) + 1, every))
    history = History(loss=loss, recorded=recorded, test_loss=[1.0] * len(recorded))
    record = history.to_record()
    assert len(record["loss"]) == len(record["loss_epochs"]) <= HISTORY_POINTS
    assert record["loss"][0] == loss[0] and record["loss"][-1] == loss[-1]
    assert record["loss_epochs"][0] == 1 and record["loss_epochs"][-1] == len(loss)
    assert all(loss[e - 1] == v for e, v in zip(record["loss_epochs"], record["loss"]))
    back = History.from_record(record)
    assert back is not None and back.loss_x() == record["loss_epochs"]
    assert len(back.test_loss) == len(back.recorded)


def test_a_forged_record_is_not_drawn():
    good = History(loss=[1.0, 0.5], recorded=[2], accuracy=[0.9]).to_record()
    assert History.from_record(good) is not None
    forged = [
        None,
        "curves",
        {**good, "loss": [math.nan, 0.5]},
        {**good, "loss": ["1", 0.5]},
        {**good, "loss": [True, 0.5]},
        {**good, "loss_epochs": [1]},
        {**good, "accuracy": [0.9, 0.8]},
        {**good, "loss": [0.1] * (HISTORY_POINTS + 1)},
        {**good, "loss": [], "loss_epochs": []},
        {key: value for key, value in good.items() if key != "recorded"},
    ]
    assert all(History.from_record(record) is None for record in forged)


def test_a_diverged_run_keeps_its_finite_points_only():
    history = History(loss=[1.0, math.inf, math.nan], recorded=[1, 2], test_loss=[0.5, math.nan])
    record = history.to_record()
    assert record["loss"] == [1.0] and record["loss_epochs"] == [1]
    assert record["recorded"] == [1] and record["test_loss"] == [0.5]
