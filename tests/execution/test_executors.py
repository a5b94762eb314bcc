"""Serial and process executors: same numbers for any worker count; failures and lost workers."""

import os
import signal
import sys
import time
import types

import cloudpickle
import numpy as np
import pytest

from scaleweave.errors import ConfigError
from scaleweave.execution import (
    EXECUTORS,
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    Task,
    executor_by_name,
    make_executor,
    run_ensemble,
    run_task,
    sample_seed,
)

# Workers are fresh interpreters that cannot import this test module: ship its
# functions by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

N = 12


def draw(task):
    """A sample drawing from its own seed: a vector, a scalar, and the payload echoed."""
    rng = task.rng()
    return {"x": rng.standard_normal(4), "u": float(rng.random()), "p": task.payload}


def flaky(task):
    if task.index == 3:
        raise ValueError(f"sample {task.index} is bad")
    return {"i": float(task.index)}


def crash_on_2(task):
    if task.index == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.01)
    return {"i": float(task.index)}


def pid(task):
    return {"pid": float(os.getpid())}


def _tasks(n=N, root=5):
    return [Task(i, sample_seed(root, i), 2 * i) for i in range(n)]


def _collect(executor, fn, tasks):
    out = {}
    for idx, outcome in executor.map_unordered(fn, tasks):
        assert idx not in out, "one outcome per task"
        out[idx] = outcome
    assert set(out) == {t.index for t in tasks}
    return out


@pytest.fixture(scope="module")
def serial_reference():
    return run_ensemble(draw, N, root_seed=5, payload_for=lambda i: 2 * i,
                        executor=SerialExecutor(), quiet=True).stacked()


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_processes_match_serial_bit_for_bit(workers, serial_reference):
    with ProcessExecutor(workers) as ex:
        got = run_ensemble(draw, N, root_seed=5, payload_for=lambda i: 2 * i, executor=ex,
                           quiet=True)
    assert got.n_computed == N and not got.failures
    stacked = got.stacked()
    for name, ref in serial_reference.items():
        assert np.array_equal(stacked[name], ref), name
    assert np.array_equal(stacked["p"], 2.0 * np.arange(N))


def test_serial_runs_in_order_and_captures_errors():
    outcomes = list(SerialExecutor().map_unordered(flaky, _tasks(5)))
    assert [i for i, _ in outcomes] == [0, 1, 2, 3, 4]
    err = outcomes[3][1].error
    assert not outcomes[3][1].ok and err.type_name == "ValueError"
    assert err.message == "sample 3 is bad" and "Traceback" in err.traceback
    assert str(err) == "ValueError: sample 3 is bad"
    assert err.text().splitlines()[0] == "ValueError: sample 3 is bad"
    assert outcomes[4][1].result == {"i": 4.0} and outcomes[4][1].seconds >= 0


def test_a_bad_return_value_is_a_failed_sample():
    outcome = run_task(lambda task: [1.0], _tasks(1)[0])
    assert outcome.error.type_name == "TypeError" and "expected a dict" in outcome.error.message


def test_process_errors_cross_the_process_boundary():
    with ProcessExecutor(2) as ex:
        out = _collect(ex, flaky, _tasks(6))
    assert not out[3].ok and out[3].error.type_name == "ValueError"
    assert "in flaky" in out[3].error.traceback  # the traceback of the worker
    assert all(out[i].ok for i in (0, 1, 2, 4, 5))


def test_a_dead_worker_fails_its_sample_only():
    with ProcessExecutor(2) as ex:
        out = _collect(ex, crash_on_2, _tasks(10))
        assert out[2].error.type_name == "WorkerLost"
        assert "SIGKILL" in out[2].error.message and "sample 2" in out[2].error.message
        assert all(out[i].ok and out[i].result == {"i": float(i)} for i in out if i != 2)
        again = _collect(ex, crash_on_2, [t for t in _tasks(10) if t.index != 2])  # replaced
        assert all(o.ok for o in again.values())


def test_function_shipped_once_and_pool_reused():
    with ProcessExecutor(2) as ex:
        first = {o.result["pid"] for o in _collect(ex, pid, _tasks(8)).values()}
        second = {o.result["pid"] for o in _collect(ex, pid, _tasks(8)).values()}
        assert first == second and len(first) <= 2 and os.getpid() not in first


def test_abandoned_iteration_leaves_a_usable_executor():
    with ProcessExecutor(2) as ex:
        for _ in ex.map_unordered(draw, _tasks(8)):
            break  # the consumer stops early: the busy workers are stopped
        assert len(_collect(ex, draw, _tasks(8))) == 8


def test_unloadable_function_is_a_config_error():
    module = types.ModuleType("_scaleweave_not_importable_anywhere")

    def fn(task):
        return {}

    fn.__module__ = module.__name__
    fn.__qualname__ = "fn"
    module.fn = fn
    sys.modules[module.__name__] = module  # pickled by reference; workers cannot import it
    try:
        with ProcessExecutor(1) as ex, pytest.raises(ConfigError, match="cannot be loaded"):
            list(ex.map_unordered(fn, _tasks(2)))
    finally:
        del sys.modules[module.__name__]


def test_make_executor_maps_the_options():
    assert isinstance(make_executor(None, None, serial=True), SerialExecutor)
    default = make_executor(None, None)
    assert isinstance(default, ProcessExecutor) and default.workers == (os.cpu_count() or 1)
    remote = make_executor(None, "tcp://10.0.0.5:8786")
    assert isinstance(remote, DaskExecutor) and remote.address == "tcp://10.0.0.5:8786"
    local = make_executor(3, None)
    assert isinstance(local, DaskExecutor) and local.address is None and local.workers == 3
    with pytest.raises(ConfigError, match="give one of them"):
        make_executor(2, "tcp://10.0.0.5:8786")
    with pytest.raises(ConfigError, match="positive integer"):
        make_executor(0, None)


def test_registry_by_name():
    assert set(EXECUTORS) == {"serial", "processes", "dask"}
    assert isinstance(executor_by_name("processes", workers=2), ProcessExecutor)
    with pytest.raises(ConfigError, match="known: serial, processes, dask"):
        executor_by_name("threads")


def echo_big(task):
    return {"field": task.payload * 2.0}


@pytest.mark.skipif(not hasattr(signal, "alarm"), reason="needs SIGALRM")
def test_large_payloads_and_results_do_not_deadlock():
    """Both directions above the socket buffers: large tasks wait for an idle worker."""

    class Deadlock(Exception):  # not an OSError, which the executor treats as a lost worker
        pass

    def timeout(signum, frame):
        raise Deadlock("large payloads and results blocked each other")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(30)
    try:
        big = np.arange(250_000.0)  # 2 MB each way
        tasks = [Task(i, sample_seed(0, i), big + i) for i in range(8)]
        with ProcessExecutor(2) as ex:
            out = _collect(ex, echo_big, tasks)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert all(np.array_equal(out[i].result["field"], 2.0 * (big + i)) for i in range(8))


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads /proc (Linux)")
def test_worker_processes_start_with_ctrl_c_ignored():
    # Regression: a worker interrupted while its interpreter started (before it could
    # ignore SIGINT itself) printed a KeyboardInterrupt traceback beside the driver's
    # one line.
    from scaleweave.execution.process import THREAD_LIMITS, _start_worker

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
    try:
        process, conn = _start_worker(THREAD_LIMITS)
        try:
            status = open(f"/proc/{process.pid}/status").read()  # at once, before it runs
            ignored = int(next(line.split()[1] for line in status.splitlines()
                               if line.startswith("SigIgn:")), 16)
            assert ignored & (1 << (signal.SIGINT - 1))
        finally:
            conn.close()
            process.kill()
            process.wait(10)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
