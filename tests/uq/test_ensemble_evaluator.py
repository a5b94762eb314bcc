"""Propagation rows through the execution layer: recorded, resumable, failures counted."""

import json
import sys
import time

import cloudpickle
import numpy as np
import pytest

from scaleweave import Study, model_from_function
from scaleweave.cli import main
from scaleweave.core.distributions import parse_distribution as dist
from scaleweave.execution import ProcessExecutor, SerialExecutor
from scaleweave.uq.ensemble_evaluator import EnsembleEvaluator
from scaleweave.uq.propagate import propagate

# Test modules are not importable in a fresh worker (--import-mode=importlib): ship ours
# by value, as a user's script would be.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def _flaky(x):
    if x > 0.9:  # about 10% of the samples fail
        raise ValueError(f"no convergence at x={x:.3f}")
    return {"y": float(x) ** 2}


def flaky_study():
    m = model_from_function(_flaky, inputs={"x": ""}, outputs={"y": ""}, name="flaky")
    return Study([m]).bind("x", "flaky.x", value=0.5)


def test_same_rows_twice_reuse_the_store(tmp_path):
    m = model_from_function(lambda x: {"y": np.sqrt(x)}, inputs={"x": ""}, outputs={"y": ""},
                            name="root", vectorized=True)
    st = Study([m]).bind("x", "root.x", value=1.0)
    X = np.random.default_rng(0).random((10_000, 1))
    ev = EnsembleEvaluator(st, executor=SerialExecutor(), store_dir=tmp_path, label="t",
                           chunk_rows=1000)
    first = ev(["x"], X)
    assert ev.n_computed_rows == 10_000 and ev.n_reused_rows == 0
    again = EnsembleEvaluator(st, executor=SerialExecutor(), store_dir=tmp_path, label="t",
                              chunk_rows=1000)
    second = again(["x"], X)
    assert again.n_computed_rows == 0 and again.n_reused_rows == 10_000
    assert np.array_equal(first["root.y"], second["root.y"])
    assert np.allclose(first["root.y"], np.sqrt(X[:, 0]))


def test_failing_samples_are_recorded_and_counted(tmp_path):
    st = flaky_study()
    with ProcessExecutor(2) as ex:
        ev = EnsembleEvaluator(st, executor=ex, store_dir=tmp_path, label="flaky")
        res = propagate(st, {"x": dist("uniform(0, 1) aleatory")}, n=128, replicates=4,
                        evaluator=ev)
    y = res.dataset["flaky.y"].values
    x = res.dataset["param.x"].values
    assert res.n_failed == int((x > 0.9).sum()) > 0
    assert np.all(np.isnan(y[x > 0.9])) and np.allclose(y[x <= 0.9], x[x <= 0.9] ** 2)
    assert "no convergence" in next(iter(ev.failures.values()))
    # the statistics leave the failed samples out: E[x^2 | x <= 0.9] = 0.81 / 3
    assert res.stats["flaky.y"]["mean"] == pytest.approx(0.27, abs=0.02)


def _small(*extra):
    return ["run", "uq-demo", "--quiet", "--no-report", "--set", "n_samples=4096",
            "--set", "n_base=4096", "--set", "coverage_repeats=0", "--set", "n_inner=4096",
            *extra]


def test_workers_give_identical_results(capsys, tmp_path):
    assert main([*_small(), "--out", str(tmp_path / "a")]) == 0
    assert main([*_small(), "--workers", "2", "--out", str(tmp_path / "b")]) == 0
    a = json.loads((tmp_path / "a/uq-demo/summary.json").read_text())["outputs"]
    b = json.loads((tmp_path / "b/uq-demo/summary.json").read_text())["outputs"]
    assert a == b


def test_scheduler_that_does_not_answer(capsys, tmp_path):
    start = time.perf_counter()
    code = main([*_small(), "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "127.0.0.1:1" in err and len(err.strip().splitlines()) == 1
    assert time.perf_counter() - start < 10.0 + 5.0  # connect timeout 5 s plus the case
    assert not (tmp_path / "uq-demo").exists()


def _scaled_study(a):
    # The factor lives in a closure, as in a case's wiring (uq-demo's Ishigami a, b).
    m = model_from_function(lambda x: {"y": a * x}, inputs={"x": ""}, outputs={"y": ""},
                            name="scaled", vectorized=True)
    return Study([m]).bind("x", "scaled.x", value=1.0)


def test_a_changed_study_never_reuses_stale_rows(tmp_path):
    # Regression: the campaign key held only the rows, names, chunking, seed and
    # version, so a rerun with another (unsampled) setting returned the old rows.
    X = np.linspace(0.0, 1.0, 64)[:, None]
    kw = dict(executor=SerialExecutor(), store_dir=tmp_path, label="t", chunk_rows=16)
    first = EnsembleEvaluator(_scaled_study(7.0), **kw)(["x"], X)
    ev = EnsembleEvaluator(_scaled_study(5.0), **kw)
    second = ev(["x"], X)
    assert ev.n_computed_rows == 64 and ev.n_reused_rows == 0
    np.testing.assert_array_equal(second["scaled.y"], 5.0 * X[:, 0])
    np.testing.assert_array_equal(first["scaled.y"], 7.0 * X[:, 0])
    # an unchanged study still resumes from the store
    again = EnsembleEvaluator(_scaled_study(5.0), **kw)
    np.testing.assert_array_equal(again(["x"], X)["scaled.y"], 5.0 * X[:, 0])
    assert again.n_reused_rows == 64 and again.n_computed_rows == 0


def test_fixed_inputs_and_bound_values_are_part_of_the_campaign(tmp_path):
    m = model_from_function(lambda x, k: {"y": k * x}, inputs={"x": "", "k": ""},
                            outputs={"y": ""}, name="m", vectorized=True)
    X = np.linspace(0.0, 1.0, 8)[:, None]
    kw = dict(executor=SerialExecutor(), store_dir=tmp_path, label="t", chunk_rows=4)
    for k in (2.0, 3.0):  # a fixed input
        st = Study([m]).bind("x", "m.x", value=1.0).set_input("m.k", k)
        np.testing.assert_array_equal(EnsembleEvaluator(st, **kw)(["x"], X)["m.y"], k * X[:, 0])
    for k in (2.0, 3.0):  # a bound, unsampled parameter
        st = Study([m]).bind("x", "m.x", value=1.0).bind("k", "m.k", value=k)
        np.testing.assert_array_equal(EnsembleEvaluator(st, **kw)(["x"], X)["m.y"], k * X[:, 0])
    # the nominal value of a sampled parameter does not matter: the rows supply it
    st1 = Study([m]).bind("x", "m.x", value=1.0).set_input("m.k", 3.0)
    st2 = Study([m]).bind("x", "m.x", value=9.0).set_input("m.k", 3.0)
    assert st1.fingerprint(sampled=["x"]) == st2.fingerprint(sampled=["x"])
    assert st1.fingerprint() != st2.fingerprint()


def test_uq_demo_rerun_with_another_coefficient_is_recomputed(capsys, tmp_path):
    # The reproduction through the CLI: a=7 then a=5 into one results folder.
    small = ["--set", "n_samples=256", "--set", "n_base=64", "--set", "coverage_repeats=0",
             "--set", "n_outer=2", "--set", "n_inner=256", "--quiet", "--no-report",
             "--out", str(tmp_path)]
    means = {}
    for a in (7, 5):
        main(["run", "uq-demo", "--set", f"a={a}", *small])
        summary = json.loads((tmp_path / "uq-demo" / "summary.json").read_text())
        means[a] = summary["outputs"]["ishigami_mean"]
        assert summary["parameters"]["a"]["value"] == a
    for a, out in means.items():  # exact mean a/2, within 4 of the run's standard errors
        err = out["value"] - a / 2
        assert abs(err) <= max(4 * (out["hi"] - out["lo"]) / (2 * 1.96), 1e-3), (a, out)


def test_validity_is_collected_from_rows_computed_on_workers(tmp_path):
    from scaleweave.bridges.rates.arrhenius import ArrheniusModel
    from scaleweave.core.constants import BOLTZMANN, ELECTRON_VOLT

    st = Study([ArrheniusModel(name="rate")])
    st.set_input("rate.attempt_frequency", 1e13).set_input("rate.temperature", 300.0)
    st.bind("barrier", "rate.barrier", value="0.3 eV")
    X = np.linspace(0.05, 0.5, 8)[:, None] * ELECTRON_VOLT
    with ProcessExecutor(2) as ex:
        ev = EnsembleEvaluator(st, executor=ex, store_dir=tmp_path, label="v", chunk_rows=2)
        ev(["barrier"], X)
    (check,) = ev.validity
    assert check.bridge == "rate" and not check.ok
    assert check.value == pytest.approx(X.min() / (BOLTZMANN * 300.0))
    again = EnsembleEvaluator(st, executor=SerialExecutor(), store_dir=tmp_path, label="v",
                              chunk_rows=2)
    again(["barrier"], X)  # every row from the store: the same diagnostics
    assert again.n_reused_rows == 8 and again.validity == ev.validity


# How vectorized ensembles are cut into chunks: from the ensemble size, the worker
# count and a time bound; kept by a resumed campaign.

def _pid_study():
    import os

    m = model_from_function(lambda x: {"pid": np.full(np.shape(x), float(os.getpid()))},
                            inputs={"x": ""}, outputs={"pid": ""}, name="who",
                            vectorized=True)
    return Study([m]).bind("x", "who.x", value=0.0)


def test_every_worker_gets_chunks_of_a_vectorized_ensemble(tmp_path):
    # Regression: 4096-row chunks, so an ensemble of 4096 rows was one chunk on one
    # worker, and '--workers 2' gave no speed-up.
    import os

    from scaleweave.uq.ensemble_evaluator import CHUNKS_PER_WORKER

    X = np.linspace(0.0, 1.0, 4096)[:, None]
    with ProcessExecutor(2) as ex:
        ev = EnsembleEvaluator(_pid_study(), executor=ex, store_dir=tmp_path, label="w")
        pids = set(ev(["x"], X)["who.pid"].astype(int).tolist()) - {os.getpid()}
    assert ev.layout.count >= CHUNKS_PER_WORKER * 2
    assert len(pids) == 2  # both workers computed rows


def _slow_study(per_row):
    m = model_from_function(lambda x: (time.sleep(per_row * np.size(x)), {"y": 2 * x})[1],
                            inputs={"x": ""}, outputs={"y": ""}, name="slow",
                            vectorized=True)
    return Study([m]).bind("x", "slow.x", value=0.0)


def test_a_recorded_chunk_holds_a_bounded_amount_of_work(tmp_path):
    # Regression: one chunk of all the rows, so a kill lost the whole ensemble.
    from scaleweave.execution import CampaignStore

    X = np.linspace(0.0, 1.0, 200)[:, None]
    ev = EnsembleEvaluator(_slow_study(0.002), executor=SerialExecutor(),
                           store_dir=tmp_path, label="slow", chunk_seconds=0.05)
    np.testing.assert_array_equal(ev(["x"], X)["slow.y"], 2 * X[:, 0])
    assert ev.layout.size <= 25 and ev.layout.count >= 8  # 0.05 s / 2 ms per row
    (path,) = tmp_path.glob("slow-*.sqlite")
    with CampaignStore(path, _key_of(path)) as store:
        seconds = store.seconds()
    assert len(seconds) == ev.layout.count and max(seconds.values()) < 0.05 * 4


def _key_of(path):
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT value FROM meta WHERE name = 'campaign_key'").fetchone()[0]
    finally:
        conn.close()


class _FourWorkers(SerialExecutor):
    @property
    def workers(self):
        return 4


STOP_ABOVE = [0.5]  # module state, not part of the study: the 'kill' of the first run


def _stoppable(x):
    if STOP_ABOVE and np.max(x) > STOP_ABOVE[0]:
        raise KeyboardInterrupt  # as Ctrl-C in the middle of the ensemble
    return {"y": 2 * x}


def test_a_resumed_campaign_keeps_its_layout_with_another_worker_count(tmp_path):
    m = model_from_function(_stoppable, inputs={"x": ""}, outputs={"y": ""}, name="s",
                            vectorized=True)
    st = Study([m]).bind("x", "s.x", value=0.0)
    X = np.linspace(0.0, 1.0, 256)[:, None]
    first = EnsembleEvaluator(st, executor=_FourWorkers(), store_dir=tmp_path, label="r")
    with pytest.raises(KeyboardInterrupt):
        first(["x"], X)
    STOP_ABOVE.clear()
    again = EnsembleEvaluator(st, executor=SerialExecutor(), store_dir=tmp_path, label="r")
    y = again(["x"], X)["s.y"]
    np.testing.assert_array_equal(y, 2 * X[:, 0])
    # 4 workers x 4 chunks: 16 rows a chunk (after the first, timed one of 4 rows); the
    # chunks before the one reaching x > 0.5 (rows 116-131) were recorded, and reused
    assert (again.layout.head, again.layout.size) == (4, 16)
    assert again.n_reused_rows == 116 and again.n_computed_rows == 140
    assert len(list(tmp_path.iterdir())) == 1  # one campaign, not a fresh one beside it


def test_a_failing_first_chunk_is_recorded_and_counted_like_any_other(tmp_path):
    def picky(x):
        if np.min(x) < 0.01:
            raise ValueError("x too small")
        return {"y": 2 * x}

    m = model_from_function(picky, inputs={"x": ""}, outputs={"y": ""}, name="p",
                            vectorized=True)
    st = Study([m]).bind("x", "p.x", value=0.5)
    X = np.linspace(0.0, 1.0, 64)[:, None]
    ev = EnsembleEvaluator(st, executor=SerialExecutor(), store_dir=tmp_path, label="f")
    y = ev(["x"], X)["p.y"]
    assert ev.n_failed_rows == ev.layout.head == 4 and "x too small" in ev.failures[0]
    assert np.isnan(y[:4]).all() and np.array_equal(y[4:], 2 * X[4:, 0])
    again = EnsembleEvaluator(st, executor=SerialExecutor(), store_dir=tmp_path, label="f")
    again(["x"], X)
    assert again.n_reused_rows == 64 and again.n_failed_rows == 4
