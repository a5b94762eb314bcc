"""The Dask executor: local clusters give the serial numbers; a dead address fails fast."""

import os
import sys
import time

import numpy as np
import pytest

pytest.importorskip("distributed")  # the [dask] extra

import cloudpickle

from scaleweave.errors import ConfigError
from scaleweave.execution import (
    CampaignStore,
    DaskExecutor,
    SerialExecutor,
    Task,
    make_executor,
    run_ensemble,
    sample_seed,
)

cloudpickle.register_pickle_by_value(sys.modules[__name__])

N = 12


def draw(task):
    rng = task.rng()
    return {"x": rng.standard_normal(4), "u": float(rng.random()), "p": task.payload}


def flaky(task):
    if task.index == 3:
        raise ValueError("sample 3 is bad")
    return {"i": float(task.index)}


def environment(task):
    return {name: os.environ.get(name) for name in ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS")}


@pytest.fixture(scope="module")
def cluster1():
    with DaskExecutor(workers=1) as ex:
        yield ex


@pytest.fixture(scope="module")
def cluster2():
    with DaskExecutor(workers=2) as ex:
        yield ex


@pytest.mark.parametrize("name", ["cluster1", "cluster2"])
def test_local_cluster_matches_serial_bit_for_bit(name, request):
    executor = request.getfixturevalue(name)
    kwargs = dict(root_seed=5, payload_for=lambda i: 2 * i, quiet=True)
    ref = run_ensemble(draw, N, executor=SerialExecutor(), **kwargs).stacked()
    got = run_ensemble(draw, N, executor=executor, **kwargs)
    assert got.n_computed == N and not got.failures
    for key, value in got.stacked().items():
        assert np.array_equal(value, ref[key]), key


def test_failing_sample_on_dask(cluster2, tmp_path):
    store = CampaignStore(tmp_path / "c.sqlite", "dask-flaky")
    got = run_ensemble(flaky, 8, root_seed=0, store=store, executor=cluster2, quiet=True)
    assert set(got.failures) == {3} and got.failures[3].startswith("ValueError: sample 3 is bad")
    assert sorted(got.results) == [0, 1, 2, 4, 5, 6, 7]
    assert store.failures()[3] == got.failures[3] and store.count() == 8


def test_malloc_trim_lifted_for_our_cluster_only(cluster1):
    import dask

    [(_, outcome)] = list(cluster1.map_unordered(environment, [Task(0, sample_seed(0, 0))]))
    assert outcome.result["MALLOC_TRIM_THRESHOLD_"] in (None, os.environ.get(
        "MALLOC_TRIM_THRESHOLD_"))
    assert outcome.result["OMP_NUM_THREADS"] is not None
    # scoped: the global configuration still has Dask's default
    assert dask.config.get("distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_") == 65536


def test_unreachable_scheduler_is_a_config_error_within_10_s():
    address = "tcp://127.0.0.1:1"  # loopback, nothing listens on port 1
    executor = make_executor(None, address)
    tic = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        executor.start()
    elapsed = time.perf_counter() - tic
    assert elapsed < 10.0, f"took {elapsed:.1f} s"
    message = str(info.value)
    assert address in message and "\n" not in message
