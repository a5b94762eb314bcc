"""run_ensemble: seeds, store bookkeeping, failures carried, results stacked by index."""

import sys

import cloudpickle
import numpy as np
import pytest

from scaleweave.errors import ConfigError, ModelError
from scaleweave.execution import (
    CampaignStore,
    EnsembleResult,
    Executor,
    ProcessExecutor,
    SerialExecutor,
    run_ensemble,
    sample_rng,
)

cloudpickle.register_pickle_by_value(sys.modules[__name__])


def draw(task):
    rng = task.rng()
    return {"x": rng.standard_normal(3), "k": task.index % 2 == 0}


def flaky(task):
    if task.index == 3:
        raise ValueError("sample 3 diverged")
    return draw(task)


class Recording(Executor):
    """A serial executor that remembers what it was asked to run, and may be 'killed'."""

    name = "recording"

    def __init__(self, stop_after=None):
        self.submitted = []
        self.stop_after = stop_after

    def map_unordered(self, fn, tasks):
        for n, (idx, outcome) in enumerate(SerialExecutor().map_unordered(fn, tasks)):
            if self.stop_after is not None and n == self.stop_after:
                raise KeyboardInterrupt
            self.submitted.append(idx)
            yield idx, outcome


def test_samples_use_their_own_seed():
    got = run_ensemble(draw, 6, root_seed=42, executor=SerialExecutor(), quiet=True)
    for i in range(6):
        assert np.array_equal(got.results[i]["x"], sample_rng(42, i).standard_normal(3))
    stacked = got.stacked()
    assert stacked["x"].shape == (6, 3) and stacked["k"].dtype == np.float64
    assert np.array_equal(stacked["k"], [1, 0, 1, 0, 1, 0])


def test_failing_sample_is_recorded_and_the_rest_complete(tmp_path):
    store = CampaignStore(tmp_path / "campaign.sqlite", "flaky")
    with ProcessExecutor(2) as ex:
        got = run_ensemble(flaky, 10, root_seed=1, store=store, executor=ex, quiet=True)
    assert set(got.failures) == {3} and len(got.results) == 9 and got.n_failed == 1
    assert got.failures[3].startswith("ValueError: sample 3 diverged")
    assert "Traceback" in got.failures[3]
    assert store.failures() == got.failures and store.count() == 10
    assert store.count("ok") == 9
    stacked = got.stacked()
    assert np.isnan(stacked["x"][3]).all() and np.isfinite(np.delete(stacked["x"], 3, 0)).all()
    # a rerun reuses everything, including the recorded failure
    rec = Recording()
    again = run_ensemble(flaky, 10, root_seed=1, store=store, executor=rec, quiet=True)
    assert rec.submitted == [] and again.n_reused == 10 and again.n_computed == 0
    assert set(again.failures) == {3}


def test_resume_computes_only_the_missing_samples(tmp_path):
    path = tmp_path / "campaign.sqlite"
    with pytest.raises(KeyboardInterrupt):
        run_ensemble(draw, 10, root_seed=7, store=CampaignStore(path, "k"),
                     executor=Recording(stop_after=4), quiet=True)
    store = CampaignStore(path, "k")
    assert store.done() == {0, 1, 2, 3}
    rec = Recording()
    got = run_ensemble(draw, 10, root_seed=7, store=store, executor=rec, quiet=True)
    assert rec.submitted == [4, 5, 6, 7, 8, 9]
    assert got.n_reused == 4 and got.n_computed == 6 and len(got.results) == 10
    ref = run_ensemble(draw, 10, root_seed=7, executor=SerialExecutor(), quiet=True).stacked()
    assert np.array_equal(got.stacked()["x"], ref["x"])


def test_default_executor_is_local_processes():
    got = run_ensemble(draw, 4, root_seed=3, quiet=True)
    ref = run_ensemble(draw, 4, root_seed=3, executor=SerialExecutor(), quiet=True)
    assert np.array_equal(got.stacked()["x"], ref.stacked()["x"])


def test_payloads_and_empty_ensembles():
    got = run_ensemble(lambda t: {"y": t.payload ** 2}, 5, root_seed=0,
                       payload_for=lambda i: float(i), executor=SerialExecutor(), quiet=True)
    assert np.array_equal(got.stacked()["y"], [0.0, 1.0, 4.0, 9.0, 16.0])
    empty = run_ensemble(draw, 0, root_seed=0, quiet=True)
    assert empty.results == {} and empty.n_computed == 0
    with pytest.raises(ConfigError, match="n must be a non-negative integer"):
        run_ensemble(draw, -1, root_seed=0)


def test_stacked_refuses_inconsistent_or_empty_results():
    with pytest.raises(ModelError, match="shape"):
        EnsembleResult(2, {0: {"a": np.zeros(2)}, 1: {"a": np.zeros(3)}}).stacked()
    with pytest.raises(ModelError, match="returned outputs"):
        EnsembleResult(2, {0: {"a": 1.0}, 1: {"b": 1.0}}).stacked()
    with pytest.raises(ModelError, match="first error: ValueError: boom"):
        EnsembleResult(1, failures={0: "ValueError: boom\n\nTraceback"}).stacked()
    partial = EnsembleResult(3, {1: {"a": 2.0}})
    assert partial.n_missing == 2
    assert np.array_equal(partial.stacked()["a"], [np.nan, 2.0, np.nan], equal_nan=True)
